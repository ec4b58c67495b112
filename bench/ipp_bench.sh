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
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -f "$OUT/tokens" "$OUT/pt"; }
trap cleanup EXIT
wait_for() {  # FILE SECONDS PID: poll until FILE is non-empty (bounded)
  local deadline=$((SECONDS + $2))
  while [ ! -s "$1" ]; do
    [ $SECONDS -lt $deadline ] && kill -0 "$3" 2>/dev/null || return 1
    sleep 0.05
  done
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

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
else
  echo "printerd not built" >"$OUT/printerd.unavailable"
fi

if command -v ippeveprinter >/dev/null; then
  PORT=$(free_port)
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
else
  echo "ippeveprinter is not installed (cups-ipp-utils)" >"$OUT/ippeveprinter.unavailable"
fi
exit $status
