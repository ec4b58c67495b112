#!/usr/bin/env bash
# bench/ipp_bench.sh BUILD OUT JOBS — part of bench/run: IPP Print-Job of a one-page document on printerd and,
# in the same run, on CUPS's reference printer ippeveprinter (-c /bin/true). Writes OUT/printerd.json,
# OUT/ippeveprinter.json (or OUT/ippeveprinter.unavailable with the reason). Loopback only.
# printerd runs on the printer core with its tag on pn532-sim; the PT the jobs use is obtained the real way:
# the phone's reader (tapbench nfc read, libnfc pn532_uart) reads the PWT from the tag, and the PWT buys the
# PT over the JSON API (POST /tapbench/api/pt).
set -euo pipefail
B=$1 OUT=$2 JOBS=$3
mkdir -p "$OUT"
PRINTERD=$B/firmware-under-test/port/linux/printerd
PN532_SIM=$B/sim/pn532/pn532-sim
TAPBENCH=$B/rig/cli/tapbench
[ -x "$TAPBENCH" ] || TAPBENCH=$(find "$B/rig" -maxdepth 3 -type f -name tapbench -perm -u+x | head -1)
TOOL=$B/bench/tapbench-bench-ipp
# Only the emulated chips, never a reader plugged into this host.
export LIBNFC_AUTO_SCAN=false LIBNFC_INTRUSIVE_SCAN=false
unset LIBNFC_DEVICE
PIDS=()
cleanup() {  # children of this script only, by pid, newest first (ippeveprinter before avahi before D-Bus)
  local i
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill "${PIDS[i]}" 2>/dev/null || true; wait "${PIDS[i]}" 2>/dev/null || true; done
  rm -f "$OUT/pt" "$OUT/tag.ndef" "$OUT/tag.json"  # tokens: never left behind
}
trap cleanup EXIT
wait_for() {  # FILE SECONDS PID: poll until FILE is non-empty (bounded)
  local deadline=$((SECONDS + $2))
  while [ ! -s "$1" ]; do
    [ $SECONDS -lt $deadline ] && kill -0 "$3" 2>/dev/null || return 1
    sleep 0.05
  done
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# ippeveprinter listens on every address (IPv4 and IPv6 wildcards): its port must be free there, not only on
# loopback (a loopback-free port that another process holds on 0.0.0.0 made it exit "Unable to create IPv4
# listener: Address already in use").
free_wildcard_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("0.0.0.0",0)); print(s.getsockname()[1])'; }

"$TOOL" --make-doc "$OUT/page.pwg"
status=0

# PT for printerd on the core: the tag (pn532-sim's printer chip) read by the phone's chip, the PWT traded
# for a PT over the JSON API. PORT: printerd's. Writes OUT/pt (mode 0600).
buy_pt() {
  LIBNFC_AUTO_SCAN=false "$TAPBENCH" nfc read "pn532_uart:$OUT/nfc/phone" --wait 5000 --quiet \
    --out "$OUT/tag.ndef" >"$OUT/nfc-read.txt" 2>&1 || { echo "tag read failed (see $OUT/nfc-read.txt)" >&2; return 1; }
  "$TAPBENCH" ndef decode --json --binary "$OUT/tag.ndef" >"$OUT/tag.json" 2>>"$OUT/nfc-read.txt" ||
    { echo "tag does not decode (see $OUT/nfc-read.txt)" >&2; return 1; }
  (umask 077; python3 - "$OUT/tag.json" "$1" "$OUT/pt" <<'PY'
import json, sys, urllib.request
tag, port, out = sys.argv[1], sys.argv[2], sys.argv[3]
pwt = json.load(open(tag)).get("tap_message", {}).get("pwt")
if not pwt:
    sys.exit("the printer's tag holds no PWT")
req = urllib.request.Request(f"http://127.0.0.1:{port}/tapbench/api/pt", data=b'{"terminal_id":"app:bench"}',
                             headers={"Authorization": "Bearer " + pwt, "Content-Type": "application/json"})
with urllib.request.urlopen(req, timeout=10) as r:
    open(out, "w").write(json.load(r)["pt"] + "\n")
PY
  )
}

if [ -x "$PRINTERD" ] && [ -x "$PN532_SIM" ] && [ -n "$TAPBENCH" ]; then
  rm -rf "$OUT/printerd-state" "$OUT/nfc"
  mkdir -p "$OUT/printerd-state" "$OUT/nfc"
  "$PN532_SIM" --link "$OUT/nfc/phone" --link "$OUT/nfc/printer" >"$OUT/pn532-sim.out" 2>"$OUT/pn532-sim.log" &
  SPID=$!
  PIDS+=("$SPID")
  PORT=$(free_port)
  if wait_for "$OUT/pn532-sim.out" 10 "$SPID"; then
    "$PRINTERD" --state-dir "$OUT/printerd-state" --listen "127.0.0.1:$PORT" --factory-pages 1000000 \
      --nfc "pn532_uart:$OUT/nfc/printer" >"$OUT/printerd.out" 2>&1 &
    PPID_=$!
    PIDS+=("$PPID_")
    if wait_for "$OUT/printerd-state/printerd.uri" 20 "$PPID_" && buy_pt "$PORT"; then
      echo "[bench] IPP: $JOBS one-page Print-Jobs on printerd (printer core, PT from the tag's PWT, Bearer)" >&2
      "$TOOL" --port "$PORT" --bearer-file "$OUT/pt" --jobs "$JOBS" --doc "$OUT/page.pwg" \
        --json "$OUT/printerd.json" 2>&1 | tee "$OUT/printerd.txt" >&2 || status=1
      [ -s "$OUT/printerd.json" ] || status=1
    else
      echo "printerd did not start or no PT (see $OUT/printerd.out, $OUT/nfc-read.txt)" >&2
      status=1
    fi
  else
    echo "pn532-sim did not start (see $OUT/pn532-sim.log)" >&2
    status=1
  fi
  cleanup  # printerd, then pn532-sim
  PIDS=()
else
  echo "printerd, pn532-sim or tapbench not built" >"$OUT/printerd.unavailable"
fi

# ippeveprinter refuses to start without DNS-SD. Give it a private one, loopback only: a D-Bus system bus of
# our own (a socket in OUT, policy: allow) and avahi-daemon on lo talking to it; ippeveprinter finds that bus
# through DBUS_SYSTEM_BUS_ADDRESS. Nothing on the host's own bus is touched. Needs dbus-daemon + avahi-daemon.
start_dnssd() {
  command -v dbus-daemon >/dev/null && command -v avahi-daemon >/dev/null || {
    DNSSD_WHY="dbus-daemon or avahi-daemon missing (scripts/install-deps installs avahi-daemon)"; return 1; }
  if [ -s /run/avahi-daemon/pid ] && kill -0 "$(cat /run/avahi-daemon/pid)" 2>/dev/null; then
    DNSSD_WHY="an avahi-daemon already runs on this host (/run/avahi-daemon/pid); not starting a second one"
    return 1
  fi
  local d=$OUT/dnssd
  mkdir -p "$d"
  cat >"$d/bus.conf" <<EOF2
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$d/bus.sock</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/> <allow own="*"/> <allow send_destination="*"/> <allow receive_sender="*"/>
  </policy>
</busconfig>
EOF2
  printf '[server]\nuse-ipv4=yes\nuse-ipv6=no\nallow-interfaces=lo\nenable-dbus=yes\n[publish]\npublish-hinfo=no\npublish-workstation=no\n' >"$d/avahi.conf"
  dbus-daemon --config-file="$d/bus.conf" --nofork >"$d/dbus.log" 2>&1 &
  PIDS+=($!)
  local deadline=$((SECONDS + 5))
  until [ -S "$d/bus.sock" ]; do [ $SECONDS -lt $deadline ] || { DNSSD_WHY="private D-Bus did not start"; return 1; }; sleep 0.05; done
  export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$d/bus.sock"
  avahi-daemon -f "$d/avahi.conf" --no-drop-root --no-chroot --no-rlimits >"$d/avahi.log" 2>&1 &
  PIDS+=($!)
  deadline=$((SECONDS + 10))
  until grep -q "Server startup complete" "$d/avahi.log" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || { DNSSD_WHY="avahi-daemon did not start: $(tail -1 "$d/avahi.log")"; return 1; }
    sleep 0.05
  done
}

DNSSD_WHY=""
if command -v ippeveprinter >/dev/null && start_dnssd; then
  PORT=$(free_wildcard_port)
  mkdir -p "$OUT/ippeveprinter-spool"
  ippeveprinter -c /bin/true -p "$PORT" -d "$OUT/ippeveprinter-spool" -f image/pwg-raster -k bench-reference \
    >"$OUT/ippeveprinter.log" 2>&1 &
  EPID=$!
  PIDS+=("$EPID")
  # ready when it accepts IPP (or gone: it exits when DNS-SD cannot be initialised)
  ready=0
  deadline=$((SECONDS + 10))
  while [ $SECONDS -lt $deadline ] && kill -0 "$EPID" 2>/dev/null; do
    if ipptool -T 1 "ipp://127.0.0.1:$PORT/ipp/print" get-printer-attributes.test >/dev/null 2>&1; then ready=1; break; fi
    sleep 0.1
  done
  if [ "$ready" = 1 ]; then
    echo "[bench] IPP: $JOBS one-page Print-Jobs on ippeveprinter -c /bin/true" >&2
    "$TOOL" --port "$PORT" --jobs "$JOBS" --doc "$OUT/page.pwg" --json "$OUT/ippeveprinter.json" 2>&1 |
      tee "$OUT/ippeveprinter.txt" >&2 || status=1
  else
    { echo "ippeveprinter did not start:"; tail -3 "$OUT/ippeveprinter.log"; } >"$OUT/ippeveprinter.unavailable"
    cat "$OUT/ippeveprinter.unavailable" >&2
  fi
elif ! command -v ippeveprinter >/dev/null; then
  echo "ippeveprinter is not installed (cups-ipp-utils)" >"$OUT/ippeveprinter.unavailable"
else
  echo "ippeveprinter needs DNS-SD: $DNSSD_WHY" >"$OUT/ippeveprinter.unavailable"
  cat "$OUT/ippeveprinter.unavailable" >&2
fi
exit $status
