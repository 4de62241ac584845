#!/usr/bin/env bash
# Regenerates the README's screenshots: runs Gancho under a private Xvfb
# display with throw-away data and config directories, sends a varied demo
# set, drives the window with xdotool and captures the screen. The whole
# sequence runs twice: at 1440×900 into OUT, and at 1024×700 into OUT/narrow
# (same file names).
# Usage: docs/screenshots.sh ./gancho docs
#   SHOT_DISPLAY=:97  the X display to start (it must be free)
#   SHOT_SIZES="1440x900: 1024x700:narrow"  which sizes, and their folders under OUT
#   SHOT_LANG=en_US.UTF-8  the locale the window runs in (make screenshots also
#     runs pt_BR.UTF-8 at 1024×700 into OUT/pt-BR, the Portuguese README's set)
#   SHOT_PARTS="inbound …"  which parts; SHOT_ONLY="window.png …"  which pictures
#
# Each app starts with its own HOME and XDG_CONFIG_HOME, so no saved theme,
# window size or split (Fyne keeps them in ~/.config/fyne/<app id>/) leaks
# in, and nothing is written to the user's own config. The window opens at
# its default size; each run sets it to W×H at the screen's origin.
#
# Keyboard shortcuts are used where the window has one (Ctrl+1/2 sections,
# Ctrl+, Settings, Ctrl+F find, Ctrl+E edit and send, Ctrl+Shift+Delete
# clear). Clicks are in window pixels, derived from W and H so that one
# sequence serves both sizes: at() takes negative coordinates from the
# right or bottom edge; in the detail pane, sx() counts from the list/detail
# divider (the split sits at 0.38 of the width); dialogs are centred and as
# big as asked or the window, whichever is smaller, so dlg() computes the
# box and din() clicks inside it (negative: from its right or bottom).
set -euo pipefail
BIN=$1 OUT=$2
DISPLAY_NUM=${SHOT_DISPLAY:-:97}
PORT=27665 # below Linux's ephemeral range (32768+): a test's TIME_WAIT cannot hold it
SIZES=${SHOT_SIZES:-"1440x900: 1024x700:narrow"}
XVFB= APP= RECV_PID= RELAY_PID= SCRATCH=$(mktemp -d)
trap 'kill $APP $RECV_PID $RELAY_PID $XVFB 2>/dev/null || true; rm -rf "$SCRATCH"' EXIT
export DISPLAY=$DISPLAY_NUM LANG=${SHOT_LANG:-en_US.UTF-8} LC_ALL= LC_MESSAGES= LANGUAGE=

start() { # start [ENV=V...] [--flag value...]: fresh data and config dirs (with $SETTINGS if set), wait for the port
	DATA=$(mktemp -d "$SCRATCH/data.XXXX")
	local home
	home=$(mktemp -d "$SCRATCH/home.XXXX")
	if [ -n "${SETTINGS:-}" ]; then printf '%s' "$SETTINGS" >"$DATA/settings.json"; chmod 600 "$DATA/settings.json"; fi
	local envs=(HOME="$home" XDG_CONFIG_HOME="$home/.config" XDG_DATA_HOME="$home/.local/share" XDG_CACHE_HOME="$home/.cache") args=()
	for a in "$@"; do case $a in --*) args+=("$a") ;; *) if [ ${#args[@]} -gt 0 ]; then args+=("$a"); else envs+=("$a"); fi ;; esac; done
	if [ -n "${PRESTART:-}" ]; then eval "$PRESTART"; fi # e.g. subscriptions saved before the window opens
	env "${envs[@]}" "$BIN" --data "$DATA" --addr 127.0.0.1:$PORT "${args[@]}" >/dev/null 2>&1 &
	APP=$!
	for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.1; done
	fit
}
fit() { # the app's window, moved to the origin and sized W×H (there is no window manager to do it)
	WID=
	for _ in $(seq 100); do WID=$(xdotool search --name '^Gancho$' 2>/dev/null | head -1) && [ -n "$WID" ] && break; sleep 0.1; done
	[ -n "$WID" ] || { echo "screenshots: the Gancho window did not appear" >&2; exit 1; }
	# The app may still size its window itself just after it appears (to fit
	# the screen), so size it until it keeps W×H for a while.
	local sized=0
	for _ in $(seq 20); do
		xdotool windowmove "$WID" 0 0 windowsize "$WID" $W $H
		sleep 0.5
		# X's geometry, and the app drawing its background out to the bottom-right
		# corner (the screen behind it is black), both say W×H.
		if xdotool getwindowgeometry "$WID" | grep -q "Geometry: ${W}x${H}" &&
			! import -window root -crop 1x1+$((W - 2))+$((H - 2)) txt:- 2>/dev/null | grep -q '#000000'; then
			sized=$((sized + 1)); [ $sized -ge 3 ] && break
		else sized=0; fi
	done
	[ $sized -ge 3 ] || { echo "screenshots: could not size the window to ${W}x${H}:" >&2; xdotool getwindowgeometry "$WID" >&2; exit 1; }
	xdotool windowfocus "$WID" 2>/dev/null || true
}
stop() { kill $APP; wait $APP 2>/dev/null || true; APP=; rm -rf "$DATA"; }
shot() { # SHOT_ONLY="a.png b.png" keeps only those (the clicks of a part may assume English labels)
	if [ -n "${SHOT_ONLY:-}" ] && [[ " $SHOT_ONLY " != *" $1 "* ]]; then return; fi
	sleep 1; import -window root "$DIR/$1"; echo "wrote $DIR/$1"
}
click() { xdotool mousemove "$1" "$2"; sleep 0.3; xdotool click 1; sleep 0.2; }
key() { xdotool key "$@"; sleep 0.5; }
at() { # at X Y: a click in the window; a negative X or Y counts from the right or bottom edge
	local x=$1 y=$2
	[ "$x" -lt 0 ] && x=$((W + x))
	[ "$y" -lt 0 ] && y=$((H + y))
	click $x $y
}
sx() { echo $((W * 38 / 100 + $1)); } # X pixels right of the list/detail divider
dlg() { # dlg WIDTH HEIGHT: the box of a dialog asked for at that size (centred, at most the window)
	DW=$(($1 < W ? $1 : W)) DH=$(($2 < H ? $2 : H))
	DX=$(((W - DW) / 2)) DY=$(((H - DH) / 2))
}
din() { # din X Y: a click in the last dlg's box; negative counts from its right or bottom edge
	local x=$1 y=$2
	if [ "$x" -lt 0 ]; then x=$((DX + DW + x)); else x=$((DX + x)); fi
	if [ "$y" -lt 0 ]; then y=$((DY + DH + y)); else y=$((DY + y)); fi
	click $x $y
}
mid() { click $((W / 2 + $1)) $((H / 2 + $2)); } # relative to the window's centre (small dialogs)
menu() { # menu N: open the main menu's Nth entry (0 File, 1 Edit, 2 View, 3 Tools, 4 Help)
	local xs=(26 70 117 170 223)
	click ${xs[$1]} 13
}
# The main menu bar, the top bar and the tabs have fixed heights: the
# list's first row is ROW0 below the window's top, rows are ROWH apart.
ROW0=258 ROWH=53
row() { click 250 $((ROW0 + $1 * ROWH)); } # row N (from 0), in the list's left column
TABY=253                                    # the detail's tabs (Body, Headers, Query, Info, Replays)
tab() { # tab NAME: a detail tab
	local x
	case $1 in Body) x=28 ;; Headers) x=96 ;; Query) x=166 ;; Info) x=221 ;; Replays) x=294 ;; esac
	click "$(sx $x)" $TABY
}
MODEY=292 # the body's mode line: Pretty, Raw, Hex, Tree, Unescape, Copy body, Find
mode() {
	local x
	case $1 in Pretty) x=19 ;; Raw) x=98 ;; Hex) x=177 ;; Tree) x=256 ;; esac
	click "$(sx $x)" $MODEY
}

send() {
	u=http://127.0.0.1:$PORT
	printf '\x00\x01\x02\x03GANCHO\xff\xfe binary payload \x10\x11' | curl -s -o /dev/null -H 'Content-Type: application/octet-stream' --data-binary @- "$u/files/raw"
	printf '{"type":"sale.created","data":{"id":8812,"amount":1500.00}}' | gzip | curl -s -o /dev/null -H 'Content-Type: application/json' -H 'Content-Encoding: gzip' --data-binary @- "$u/hooks/gzip"
	curl -s -o /dev/null -H 'Content-Type: application/json' -d '{"type":"client.updated", "data": {"name": "Ana" "email": "x"}}' "$u/hooks/broken"
	curl -s -o /dev/null -F 'meta={"lead":"Carla"};type=application/json' -F 'file=@/etc/hostname;type=application/octet-stream' "$u/upload"
	curl -s -o /dev/null -H 'Content-Type: application/x-www-form-urlencoded' -d 'name=Jo%C3%A3o&tag=vip&tag=novo' "$u/form"
	curl -s -o /dev/null -H 'Content-Type: application/xml' -d '<?xml version="1.0"?><lead id="L-31"><name>Bruno Lima</name><phone>+55 21 98765-4321</phone><stage from="new" to="qualified"/></lead>' "$u/hooks/lead"
	curl -s -o /dev/null -H 'Content-Type: application/json' -H 'X-Hub-Signature-256: sha256=9f2c…' -d '{"type":"client.created","timestamp":"2026-11-23T10:00:00Z","data":{"id":"cli_4821","name":"Ana Souza","email":"ana.souza@example.com.br","phone":"+55 11 91234-5678","owner":"Marcos","tags":["vip","sp"],"amount":1500.0,"active":true}}' "$u/hooks/crm?source=demo&k=1&k=2"
}

# swsend PATH BODY ID AGE [TAMPER]: a Standard Webhooks delivery signed with
# the spec's test secret, AGE seconds old; TAMPER alters the body after signing.
SW_KEY=$(printf 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' | base64 -d | od -An -tx1 | tr -d ' \n')
swsend() {
	ts=$(($(date +%s) - $4))
	sig=$(printf '%s.%s.%s' "$3" "$ts" "$2" | openssl dgst -sha256 -mac HMAC -macopt hexkey:$SW_KEY -binary | base64)
	body=$2
	[ -n "${5:-}" ] && body=${body/1500/9500}
	curl -s -o /dev/null -H 'Content-Type: application/json' -H "webhook-id: $3" -H "webhook-timestamp: $ts" \
		-H "webhook-signature: v1,$sig" -d "$body" "http://127.0.0.1:$PORT$1"
}
receiver() { # a second Gancho on PORT+1 that forwarded and fired requests reach
	RECV=$(mktemp -d "$SCRATCH/recv.XXXX")
	"$BIN" listen --data "$RECV" --addr 127.0.0.1:$((PORT + 1)) >/dev/null 2>&1 &
	RECV_PID=$!
	for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$((PORT + 1))) 2>/dev/null && break; sleep 0.1; done
}
unreceiver() { kill $RECV_PID; wait $RECV_PID 2>/dev/null || true; RECV_PID=; rm -rf "$RECV"; }
SALE='{"type":"sale.created","timestamp":"2026-11-23T10:00:00Z","data":{"id":"sale_8812","client":"Ana Souza","amount":1500.0,"currency":"BRL"}}'
VERIFIER='{"scheme":"standard","secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw","path":"/hooks"}'

# The sequence, in parts that each start and stop their own app; every
# part runs at each size, into $DIR.
inbound() {
	# 1. First run: the empty state.
	start NGROK_AUTHTOKEN=
	shot empty.png
	# 2. The demo set, the list, the detail of each kind of body.
	send
	shot window.png
	row 0; shot detail-json.png
	tab Headers; shot headers.png
	tab Body
	row 1; shot detail-xml.png
	row 4; shot malformed.png
	# Find in the body (Ctrl+F): every match highlighted, the current one brighter.
	row 0; key ctrl+f; xdotool type souza; shot find.png
	key Escape
	# The tree, expanded, a value selected: its path above, ready to copy.
	mode Tree; click "$(sx 61)" 333 # Expand all
	click "$(sx 150)" 606; shot tree.png # data.email
	mode Pretty
	# The detail's Copy ▾ menu, the Edit menu with its shortcuts.
	at -48 173; shot copy-menu.png
	key Escape
	menu 1; shot menu.png
	key Escape
	# Help → About.
	menu 4; click 255 329; shot about.png
	mid 0 152 # Close
	# Settings (Ctrl+,), its Window tab.
	key ctrl+comma; dlg 760 560; din 479 74; shot settings-window.png
	din 636 -43 # Close
	# Clear all (Ctrl+Shift+Delete): a danger button naming what it deletes.
	key ctrl+shift+Delete; shot confirm.png
	mid -83 56 # Cancel
	# 3. The tunnel switch without an authtoken: the failure and its reason.
	click 19 88; shot tunnel-failed.png
	stop
}
signatures() {
	# 4. Signatures, duplicates and a retry rule.
	SETTINGS='{"verifiers":['"$VERIFIER"'], "rules":"POST /retry/** -> 503 x2 retry-after=5 then 200\n"}' start NGROK_AUTHTOKEN=
	swsend /hooks/crm "$SALE" msg_2Yx1 0
	swsend /hooks/crm "$SALE" msg_2Yx1 0
	swsend /hooks/crm "$SALE" msg_9Kq3 0 tamper
	swsend /hooks/crm "${SALE/8812/8813}" msg_7Pz0 400
	for _ in 1 2 3; do curl -s -o /dev/null -H 'Content-Type: application/json' -d '{"order":77}' "http://127.0.0.1:$PORT/retry/orders"; done
	row 3; shot signatures.png
	key ctrl+comma; dlg 760 560; din 320 74; shot settings-rules.png # Settings, its Responses tab
	stop
}
replays() {
	# 5. Live forwarding to a second Gancho, and the Replays tab.
	receiver
	start NGROK_AUTHTOKEN= --forward http://127.0.0.1:$((PORT + 1))/webhooks
	curl -s -o /dev/null -H 'Content-Type: application/json' -d '{"type":"client.created","data":{"id":"cli_4821","name":"Ana Souza","email":"ana.souza@example.com.br"}}' "http://127.0.0.1:$PORT/hooks/crm"
	# Two lines above the tabs (forwarding on, the forward's answer) move them down.
	row 0; sleep 1; click "$(sx 294)" $((TABY + 78)); shot replays.png # the Replays tab
	stop; unreceiver
}
editor() {
	# 6. Edit and send a signed capture (Ctrl+E): header table, re-sign, the answer.
	receiver
	SETTINGS='{"verifiers":['"$VERIFIER"']}' start NGROK_AUTHTOKEN=
	swsend /hooks/crm "$SALE" msg_2Yx1 0
	row 0; key ctrl+e; dlg 1160 730
	din 586 73; key ctrl+a; xdotool type "http://127.0.0.1:$((PORT + 1))/webhooks"
	click $((DX + 38 + (DW - 40) * 56 / 100)) $((DY + 187)) # Re-sign, in the right-hand pane (the split sits at 0.56)
	din -57 73; sleep 1; shot editor.png                      # Send
	stop; unreceiver
}
outbound() {
	# 7. Outbound (Ctrl+2): two subscriptions (one receiver down), a fired event, the log.
	receiver
	start NGROK_AUTHTOKEN=
	key ctrl+2
	click 85 212; dlg 900 660 # New subscription
	din 487 112; xdotool type "ERP - new clients"
	din 487 152; xdotool type "http://127.0.0.1:$((PORT + 1))/erp/webhooks"
	din 34 307; din 34 412; shot subscription.png # two events
	din 488 -39 # Save
	click 85 212; dlg 900 660
	din 487 112; xdotool type "BI warehouse (down)"
	din 487 152; xdotool type "http://127.0.0.1:1/bi"
	din 34 307; din 366 74                     # one event; Signing and retries
	din 393 322; key ctrl+a; xdotool type 3600 # Time compression: an hour of retries in a second
	din 488 -39
	dlg 860 660
	for _ in 1 2; do click 230 212; sleep 1; din -57 -78; sleep 1; din 430 -39; done # Fire event…, Send, Close
	click 230 212; sleep 1; din -57 -78; shot fire.png; din 430 -39
	sleep 2; click $((W * 55 / 100)) 370; shot outbound.png # the log's newest row: its attempts below
	# The same in the light theme: View → Theme → Light, applied at once.
	menu 2; click 150 167; click 449 245; shot outbound-light.png
	stop; unreceiver
}
outboundsaved() {
	# 7b. Outbound with its subscriptions saved beforehand by the command line
	# (the Portuguese set: the form's layout follows the language, the
	# clicks of outbound() are the English one's), fired from the window.
	receiver
	PRESTART='"$BIN" subscriptions add --data "$DATA" --name "ERP - novos clientes" --event client.phase_changed --event client.created --url "http://127.0.0.1:$((PORT + 1))/erp/webhooks" >/dev/null &&
		"$BIN" subscriptions add --data "$DATA" --name "BI (fora do ar)" --event client.phase_changed --url http://127.0.0.1:1/bi >/dev/null' start NGROK_AUTHTOKEN=
	key ctrl+2
	dlg 860 660
	for _ in 1 2; do click 230 212; sleep 1; din -57 -78; sleep 1; din 430 -39; done # Fire event…, Send, Close
	sleep 2; click $((W * 55 / 100)) 370; shot outbound.png
	stop; unreceiver
}
relay() {
	# 8. A team relay instead of ngrok: the switch online, relayed hooks in the list.
	local relay_dir token=screenshot-relay-token-0123456789 r=http://127.0.0.1:$((PORT + 2))/qa-team
	relay_dir=$(mktemp -d "$SCRATCH/relay.XXXX")
	"$BIN" relay serve --addr 127.0.0.1:$((PORT + 2)) --data "$relay_dir" --token $token >/dev/null 2>&1 &
	RELAY_PID=$!
	for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$((PORT + 2))) 2>/dev/null && break; sleep 0.1; done
	curl -s -o /dev/null -H 'Content-Type: application/json' -d '{"type":"client.created","data":{"id":"cli_4821","name":"Ana Souza"}}' "$r/crm/webhooks"
	curl -s -o /dev/null -H 'Content-Type: application/json' -d '{"type":"sale.created","data":{"id":"sal_8812","amount":1500.00,"currency":"BRL"}}' "$r/crm/webhooks"
	SETTINGS="{\"relay\":{\"url\":\"http://127.0.0.1:$((PORT + 2))\",\"channel\":\"qa-team\",\"token\":\"$token\"}}" start NGROK_AUTHTOKEN=
	click 19 88; sleep 2 # the public URL switch
	curl -s -o /dev/null -H 'Content-Type: application/json' -d '{"type":"opportunity.phase_changed","data":{"id":"opp_77","phase":{"previous":"Proposta","current":"Negociação"}}}' "$r/crm/webhooks"
	row 0; shot relay.png
	stop
	kill $RELAY_PID; wait $RELAY_PID 2>/dev/null || true; RELAY_PID=; rm -rf "$relay_dir"
}
suites() {
	# 10. Suites (Ctrl+3): a suite file reopened from the last session, run
	# against a second Gancho (which answers 200, so the step expecting 201
	# and a Location header fails), the failed step selected.
	receiver
	SUITE=$SCRATCH/crm-smoke.yaml
	cat >"$SUITE" <<-'YAML'
		version: 1
		name: CRM webhooks – smoke
		steps:
		  - {name: client-created, event: {name: client.created, seed: 7, path: /webhooks/crm}, expect: {status: 2xx, latency_under: 500ms}}
		  - {name: client-edited, event: {name: client.edited, seed: 7, path: /webhooks/crm}, expect: {status: 2xx}}
		  - {name: sale-created, event: {name: sale.created, seed: 7, path: /webhooks/crm}, expect: {status: "201", headers: [{name: Location}]}}
		  - {name: opportunity-phase, event: {name: opportunity.phase_changed, seed: 7, path: /webhooks/crm}, expect: {status: 2xx}}
	YAML
	# The window reopens the last suite and its target from Fyne's preferences.
	PRESTART='mkdir -p "$home/.config/fyne/io.github.gancho_app.gancho" && printf "{\"suiteFile\":\"%s\",\"suiteTarget:%s\":\"http://127.0.0.1:%s\"}" "$SUITE" "$SUITE" $((PORT + 1)) >"$home/.config/fyne/io.github.gancho_app.gancho/preferences.json"' start NGROK_AUTHTOKEN=
	key ctrl+3
	click 300 252; key Return; sleep 2 # Return in the target runs the suite
	click 200 487; shot suites.png     # sale-created, its failures and the answer
	stop; unreceiver
}
journeys() {
	# 11. Outbound → Journeys…: prospect to sale, signed, sent to a second Gancho.
	receiver
	start NGROK_AUTHTOKEN=
	key ctrl+2
	click $((W * 36 / 100)) 173; sleep 2; dlg 900 $((H * 95 / 100 < 840 ? H * 95 / 100 : 840)) # Journeys…, right of the subscriptions pane, 95% of the window at most
	# The Portuguese description takes two lines at 1024 px: the rows below move down.
	local dy=0
	[[ $LANG == pt* && $W -lt 1200 ]] && dy=19
	din 497 $((229 + dy)); xdotool type "http://127.0.0.1:$((PORT + 1))/webhooks/crm"
	din 393 $((268 + dy)); xdotool type "standard:whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	din 279 $((308 + dy)); sleep 2.5; shot journeys.png # Send to URL
	stop; unreceiver
}
load() {
	# 12. Outbound → Load run…: 500 req/s for 6 s with 5% duplicates and 2% out of order.
	receiver
	start NGROK_AUTHTOKEN=
	key ctrl+2
	# Load run…: asked for 1100×720 at most, 40 px inside the window, but
	# never shorter than its content (about 700 px).
	click 60 253; sleep 2; dlg $((W - 40 < 1100 ? W - 40 : 1100)) $((H - 40 < 720 ? (H - 40 > 700 ? H - 40 : 700) : 720))
	din 302 73; key ctrl+a; xdotool type "http://127.0.0.1:$((PORT + 1))/webhooks/crm"
	din 383 111; key ctrl+a; xdotool type 500
	din 302 150; key ctrl+a; xdotool type 6s
	din 302 346; key ctrl+a; xdotool type 5
	din 302 385; key ctrl+a; xdotool type 2
	din 57 -78; sleep 8; shot load.png # Start, and the run's end
	stop; unreceiver
}
light() {
	# 9. The light theme from the start (FYNE_THEME, no saved choice).
	start FYNE_THEME=light NGROK_AUTHTOKEN=
	send
	row 0; shot light.png
	stop
}

[ -x "$BIN" ] || { echo "screenshots: $BIN is not an executable" >&2; exit 1; }
for size in $SIZES; do
	W=${size%%x*} rest=${size#*x}
	H=${rest%%:*} sub=${rest#*:}
	DIR=$OUT${sub:+/$sub}
	mkdir -p "$DIR"
	Xvfb $DISPLAY_NUM -screen 0 ${W}x${H}x24 >/dev/null 2>&1 &
	XVFB=$!
	for _ in $(seq 50); do xdpyinfo -display $DISPLAY_NUM >/dev/null 2>&1 && break; sleep 0.1; done
	for part in ${SHOT_PARTS:-inbound signatures replays editor outbound relay light suites journeys load}; do $part; done
	kill $XVFB; wait $XVFB 2>/dev/null || true; XVFB=
done
