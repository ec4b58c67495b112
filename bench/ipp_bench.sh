#!/usr/bin/env bash
# bench/ipp_bench.sh BUILD OUT JOBS — part of bench/run: IPP Print-Job of a one-page document on printerd and,
# in the same run, on CUPS's reference printer ippeveprinter (-c /bin/true). Writes OUT/printerd.json,
# OUT/ippeveprinter.json (or OUT/ippeveprinter.unavailable with the reason). Loopback only.
set -euo pipefail
B=$1 OUT=$2 JOBS=$3
mkdir -p "$OUT"
PRINTERD=$B/firmware-under-test/port/linux/printerd
TOOL=$B/bench/tapbench-bench-ipp
PIDS=()
cleanup() {  # children of this script only, by pid, newest first (ippeveprinter before avahi before D-Bus)
  local i
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill "${PIDS[i]}" 2>/dev/null || true; wait "${PIDS[i]}" 2>/dev/null || true; done
  rm -f "$OUT/tokens" "$OUT/pt"
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

if [ -x "$PRINTERD" ]; then
  rm -rf "$OUT/printerd-state"
  mkdir -p "$OUT/printerd-state"
  (umask 077; python3 -c 'import secrets; t="pt-"+secrets.token_hex(16); print("pt:bench "+t); open("'"$OUT/pt"'","w").write(t+"\n")' >"$OUT/tokens")
  PORT=$(free_port)
  "$PRINTERD" --state-dir "$OUT/printerd-state" --listen "127.0.0.1:$PORT" --fake-tokens "$OUT/tokens" \
    --pages 1000000 --ink black=100,cyan=100,magenta=100,yellow=100 >"$OUT/printerd.out" 2>&1 &
  PPID_=$!
  PIDS+=("$PPID_")
  if wait_for "$OUT/printerd-state/printerd.uri" 20 "$PPID_"; then
    echo "[bench] IPP: $JOBS one-page Print-Jobs on printerd (fake-tokens mode, PT by Bearer)" >&2
    "$TOOL" --port "$PORT" --bearer-file "$OUT/pt" --jobs "$JOBS" --doc "$OUT/page.pwg" \
      --json "$OUT/printerd.json" 2>&1 | tee "$OUT/printerd.txt" >&2 || status=1
    [ -s "$OUT/printerd.json" ] || status=1
  else
    echo "printerd did not start (see $OUT/printerd.out)" >&2
    status=1
  fi
  kill "$PPID_" 2>/dev/null || true
  wait "$PPID_" 2>/dev/null || true
  PIDS=()  # printerd was the only child so far
else
  echo "printerd not built" >"$OUT/printerd.unavailable"
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
