#!/bin/sh
# The VM side of `radio-lab up`: brings the hwsim bench up (radio-lab-up), serves the daemons' control
# sockets over TCP with tapbench-wpa-ctrl-relay on the guest ports the host forwards, announces readiness
# in /share/radio-lab/ready, and powers off once the host asks (`radio-lab down` creates
# /share/radio-lab/stop).
set -u
fail() { echo "serve: $*"; echo "$*" >/share/radio-lab/failed; exit 1; }
command -v tapbench-wpa-ctrl-relay >/dev/null || fail "tapbench-wpa-ctrl-relay missing (radio-lab up --bin it)"
/usr/sbin/ip link set eth0 up || fail "no eth0 (user-mode network)"
/usr/sbin/ip addr add 10.0.2.15/24 dev eth0
radio-lab-up || fail "radio-lab-up failed"
. /run/radio-lab/env
tapbench-wpa-ctrl-relay --map "5101=$RADIO_ROUTER_CTRL" --map "5102=$RADIO_PHONE_CTRL" \
  --map "5103=$RADIO_PRINTER_GO_CTRL" --map "5104=$RADIO_PRINTER_STA_CTRL" >/share/relay.log 2>&1 &
relay=$!
i=0; until grep -q "^relay 5104" /share/relay.log 2>/dev/null; do
  i=$((i+1)); [ $i -lt 500 ] || fail "relay did not start: $(cat /share/relay.log)"; kill -0 $relay || fail "relay exited: $(cat /share/relay.log)"; sleep 0.01
done
cp /run/radio-lab/env /share/radio-lab/guest.env
touch /share/radio-lab/ready
until [ -e /share/radio-lab/stop ]; do sleep 0.1; done
kill $relay
exit 0
