#!/usr/bin/env bash
# Regenerates the README's screenshots: runs Gancho under a private Xvfb
# display with throw-away data directories, sends a varied demo set, clicks
# through it with xdotool and captures the screen.
# Usage: docs/screenshots.sh ./gancho docs
#
# The window opens at its default size (ui/screen.go), which a layout change
# may alter; each run sets it to W×H at the screen's origin so that the
# pictures keep one size and the clicks below land. Clicks are in window
# pixels: the list's rows come from row(), widgets anchored to the right edge
# are placed from W (right()).
set -euo pipefail
BIN=$1 OUT=$2
DISPLAY_NUM=:97
PORT=27665 # below Linux's ephemeral range (32768+): a test's TIME_WAIT cannot hold it
W=1200 H=760
Xvfb $DISPLAY_NUM -screen 0 ${W}x${H}x24 >/dev/null 2>&1 &
XVFB=$!
APP= RECV_PID= RELAY_PID=
trap 'kill $APP $RECV_PID $RELAY_PID $XVFB 2>/dev/null || true' EXIT
for _ in $(seq 50); do xdpyinfo -display $DISPLAY_NUM >/dev/null 2>&1 && break; sleep 0.1; done
export DISPLAY=$DISPLAY_NUM LANG=en_US.UTF-8

start() { # start [ENV=V...] [--flag value...]: a fresh data dir (with $SETTINGS if set), wait for the port
	DATA=$(mktemp -d)
	if [ -n "${SETTINGS:-}" ]; then printf '%s' "$SETTINGS" >"$DATA/settings.json"; chmod 600 "$DATA/settings.json"; fi
	local envs=() args=()
	for a in "$@"; do case $a in --*) args+=("$a") ;; *) if [ ${#args[@]} -gt 0 ]; then args+=("$a"); else envs+=("$a"); fi ;; esac; done
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
}
stop() { kill $APP; wait $APP 2>/dev/null || true; rm -rf "$DATA"; }
shot() { sleep 1; import -window root "$OUT/$1"; echo "wrote $OUT/$1"; }
click() { xdotool mousemove "$1" "$2"; sleep 0.3; xdotool click 1; }
# Inbound list rows: the first row's centre is ROW0 below the window's top
# (under the tabs, the count line and the search line), rows are ROWH apart.
ROW0=231 ROWH=53
row() { click 250 $((ROW0 + $1 * ROWH)); }   # row N (from 0), in the list's left column
right() { click $((W - $1)) "$2"; }          # X pixels left of the right edge
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
	ts=$(( $(date +%s) - $4 ))
	sig=$(printf '%s.%s.%s' "$3" "$ts" "$2" | openssl dgst -sha256 -mac HMAC -macopt hexkey:$SW_KEY -binary | base64)
	body=$2; [ -n "${5:-}" ] && body=${body/1500/9500}
	curl -s -o /dev/null -H 'Content-Type: application/json' -H "webhook-id: $3" -H "webhook-timestamp: $ts" \
		-H "webhook-signature: v1,$sig" -d "$body" "http://127.0.0.1:$PORT$1"
}

# The detail tabs sit at y=186 (lower when a check line shows above them).
# 1. First run: the empty state.
start NGROK_AUTHTOKEN=
shot empty.png
# 2. The demo set, the list, and the JSON detail (top row).
send
shot window.png
row 0; shot detail-json.png
click 553 186; shot headers.png   # Headers tab
click 487 186                     # back to Body
row 1; shot detail-xml.png
row 4; shot malformed.png
# 3. The tunnel switch without an authtoken: the failure and its reason.
click 19 62; shot tunnel-failed.png
stop
# 4. Signatures, duplicates and a retry rule.
SETTINGS='{"verifiers":[{"scheme":"standard","secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw","path":"/hooks"}],
 "rules":"POST /retry/** -> 503 x2 retry-after=5 then 200\n"}' start NGROK_AUTHTOKEN=
SALE='{"type":"sale.created","timestamp":"2026-11-23T10:00:00Z","data":{"id":"sale_8812","client":"Ana Souza","amount":1500.0,"currency":"BRL"}}'
swsend /hooks/crm "$SALE" msg_2Yx1 0
swsend /hooks/crm "$SALE" msg_2Yx1 0
swsend /hooks/crm "$SALE" msg_9Kq3 0 tamper
swsend /hooks/crm "${SALE/8812/8813}" msg_7Pz0 400
for _ in 1 2 3; do curl -s -o /dev/null -H 'Content-Type: application/json' -d '{"order":77}' "http://127.0.0.1:$PORT/retry/orders"; done
row 3; shot signatures.png
right 53 22; click 540 174; shot settings-rules.png # Settings, its Responses tab
stop
# 5. Live forwarding to a second Gancho, and the Replays tab.
RECV=$(mktemp -d)
"$BIN" listen --data "$RECV" --addr 127.0.0.1:$((PORT + 1)) >/dev/null 2>&1 &
RECV_PID=$!
start NGROK_AUTHTOKEN= --forward http://127.0.0.1:$((PORT + 1))/webhooks
curl -s -o /dev/null -H 'Content-Type: application/json' -d '{"type":"client.created","data":{"id":"cli_4821","name":"Ana Souza","email":"ana.souza@example.com.br"}}' "http://127.0.0.1:$PORT/hooks/crm"
row 0; click 750 266; click 750 320; shot replays.png
stop
# 6. Edit and send a signed capture: header table, re-sign, the answer.
SETTINGS='{"verifiers":[{"scheme":"standard","secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw","path":"/hooks"}]}' start NGROK_AUTHTOKEN=
swsend /hooks/crm "$SALE" msg_2Yx1 0
row 0; click 650 146; xdotool key ctrl+a; xdotool type "http://127.0.0.1:$((PORT + 1))/webhooks"
click 1002 146; sleep 1; click 686 201; click 1120 88; shot editor.png # Edit and send, Re-sign, Send
stop; kill $RECV_PID; RECV_PID=; rm -rf "$RECV"
# 7. Outbound: two subscriptions (one receiver down), a fired event, the log.
RECV=$(mktemp -d)
"$BIN" listen --data "$RECV" --addr 127.0.0.1:$((PORT + 1)) >/dev/null 2>&1 &
RECV_PID=$!
start NGROK_AUTHTOKEN=
click 330 106                                   # the Outbound tab
click 270 146; click 600 163; xdotool type "ERP - new clients"
click 600 202; xdotool type "http://127.0.0.1:$((PORT + 1))/erp/webhooks"
click 185 358; click 185 463; shot subscription.png
click 637 672
click 270 146; click 600 163; xdotool type "BI warehouse (down)"
click 600 202; xdotool type "http://127.0.0.1:1/bi"
click 185 358; click 516 124; click 540 333; xdotool key ctrl+a; xdotool type "3600"
click 637 672
for _ in 1 2; do click 415 146; sleep 1; click 972 632; sleep 1; click 599 672; done
click 415 146; sleep 1; click 972 632; shot fire.png; click 599 672
click 800 270; shot outbound.png
stop; kill $RECV_PID; RECV_PID=; rm -rf "$RECV"
# 8. A team relay instead of ngrok: the switch online, relayed hooks in the list.
RELAY_DIR=$(mktemp -d)
TOKEN=screenshot-relay-token-0123456789
"$BIN" relay serve --addr 127.0.0.1:$((PORT + 2)) --data "$RELAY_DIR" --token $TOKEN >/dev/null 2>&1 &
RELAY_PID=$!
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$((PORT + 2))) 2>/dev/null && break; sleep 0.1; done
R=http://127.0.0.1:$((PORT + 2))/qa-team
curl -s -o /dev/null -H 'Content-Type: application/json' -d '{"type":"client.created","data":{"id":"cli_4821","name":"Ana Souza"}}' "$R/crm/webhooks"
curl -s -o /dev/null -H 'Content-Type: application/json' -d '{"type":"sale.created","data":{"id":"sal_8812","amount":1500.00,"currency":"BRL"}}' "$R/crm/webhooks"
SETTINGS="{\"relay\":{\"url\":\"http://127.0.0.1:$((PORT + 2))\",\"channel\":\"qa-team\",\"token\":\"$TOKEN\"}}" start NGROK_AUTHTOKEN=
click 19 62; sleep 2
curl -s -o /dev/null -H 'Content-Type: application/json' -d '{"type":"opportunity.phase_changed","data":{"id":"opp_77","phase":{"previous":"Proposta","current":"Negociação"}}}' "$R/crm/webhooks"
row 0; shot relay.png
stop; kill $RELAY_PID; RELAY_PID=; rm -rf "$RELAY_DIR"
# 9. Light theme.
start FYNE_THEME=light
send
row 0; shot light.png
stop
