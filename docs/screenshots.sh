#!/usr/bin/env bash
# Regenerates the README's screenshots: runs Gancho under a private Xvfb
# display with throw-away data directories, sends a varied demo set, clicks
# through it with xdotool and captures the screen.
# Usage: docs/screenshots.sh ./gancho docs
set -euo pipefail
BIN=$1 OUT=$2
DISPLAY_NUM=:97
PORT=47665
Xvfb $DISPLAY_NUM -screen 0 1200x760x24 >/dev/null 2>&1 &
XVFB=$!
APP=
trap 'kill $APP $XVFB 2>/dev/null || true' EXIT
for _ in $(seq 50); do xdpyinfo -display $DISPLAY_NUM >/dev/null 2>&1 && break; sleep 0.1; done
export DISPLAY=$DISPLAY_NUM LANG=en_US.UTF-8

start() { # start [env...]: a fresh data dir, wait for the port
	DATA=$(mktemp -d)
	env "$@" "$BIN" --data "$DATA" --addr 127.0.0.1:$PORT >/dev/null 2>&1 &
	APP=$!
	for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.1; done
	sleep 1 # first paint
}
stop() { kill $APP; wait $APP 2>/dev/null || true; rm -rf "$DATA"; }
shot() { sleep 1; import -window root "$OUT/$1"; echo "wrote $OUT/$1"; }
click() { xdotool mousemove "$1" "$2"; sleep 0.3; xdotool click 1; }
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

# 1. First run: the empty state.
start
shot empty.png
# 2. The demo set, the list, and the JSON detail (top row).
send
shot window.png
click 250 112; shot detail-json.png
click 553 67;  shot headers.png   # Headers tab
click 487 67                      # back to Body
click 250 165; shot detail-xml.png
click 250 324; shot malformed.png
stop
# 3. Light theme.
start FYNE_THEME=light
send
click 250 112; shot light.png
stop
