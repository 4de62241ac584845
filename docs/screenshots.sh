#!/usr/bin/env bash
# Regenerates the README's screenshots: runs Gancho under a private Xvfb
# display with a throw-away data directory, sends a few webhooks, and
# captures the window. Usage: docs/screenshots.sh ./gancho docs
set -euo pipefail
BIN=$1 OUT=$2
DISPLAY_NUM=:97
DATA=$(mktemp -d)
PORT=47665
Xvfb $DISPLAY_NUM -screen 0 1200x760x24 >/dev/null 2>&1 &
XVFB=$!
trap 'kill $APP $XVFB 2>/dev/null || true; rm -rf "$DATA"' EXIT
for _ in $(seq 50); do xdpyinfo -display $DISPLAY_NUM >/dev/null 2>&1 && break; sleep 0.1; done
DISPLAY=$DISPLAY_NUM LANG=en_US.UTF-8 "$BIN" --data "$DATA" --addr 127.0.0.1:$PORT >/dev/null 2>&1 &
APP=$!
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.1; done
curl -s -o /dev/null -H 'Content-Type: application/json' -d '{"type":"client.created","data":{"name":"Ana Souza","email":"ana.souza@example.com.br","phone":"+55 11 91234-5678"}}' "http://127.0.0.1:$PORT/hooks/crm?source=demo"
curl -s -o /dev/null -H 'Content-Type: application/xml' -d '<sale><id>8812</id><amount currency="BRL">1500.00</amount></sale>' "http://127.0.0.1:$PORT/hooks/sales"
curl -s -o /dev/null -X PROPFIND "http://127.0.0.1:$PORT/dav/"
curl -s -o /dev/null -H 'Content-Type: application/x-www-form-urlencoded' -d 'name=Jo%C3%A3o&tag=vip&tag=novo' "http://127.0.0.1:$PORT/form"
sleep 1 # let the window paint the last capture before the picture is taken
DISPLAY=$DISPLAY_NUM import -window root "$OUT/window.png"
# Select the JSON capture (the bottom row) and show its highlighted body.
DISPLAY=$DISPLAY_NUM xdotool mousemove 250 270 click 1
sleep 1
DISPLAY=$DISPLAY_NUM import -window root "$OUT/detail-json.png"
DISPLAY=$DISPLAY_NUM xdotool mousemove 250 215 click 1
sleep 1
DISPLAY=$DISPLAY_NUM import -window root "$OUT/detail-xml.png"
echo "wrote $OUT/window.png $OUT/detail-json.png $OUT/detail-xml.png"
