#!/usr/bin/env bash
# bench/vendord_profile.sh VENDORD OUT [BUILD] — perf profile of vendord under the bench's two loads:
# the SVWT->SVT exchange (tapbench-bench-vendord, 8,000 exchanges at 100 connections) and the authenticated
# read (wrk -t1 -c100 -d5s GET /v1/terminal/device). Durable database in OUT. Writes OUT/exchange.txt,
# OUT/wrk.txt, OUT/{exchange,read}.data (perf record -F 999 -g) and OUT/{exchange,read}.top.txt (self time
# by library and symbol). BUILD: a release build tree with bench/tapbench-bench-vendord [build/bench-release].
# Needs perf (Debian linux-perf) and wrk. Stops only the processes it started, by pid.
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 64; }
V=$1
O=$2
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=${3:-$ROOT/build/bench-release}
mkdir -p "$O"
rm -f "$O"/db "$O"/db-* "$O/port" "$O/svt"
"$V" --db "$O/db" --listen 127.0.0.1:0 --port-file "$O/port" --threads 2 >/dev/null 2>"$O/vendord.log" &
VP=$!
trap 'kill $VP 2>/dev/null || true; rm -f "$O/svt"' EXIT
for _ in $(seq 150); do [ -s "$O/port" ] && break; kill -0 $VP || exit 1; sleep 0.1; done
PORT=$(cat "$O/port")
perf record -F 999 -g -p $VP -o "$O/exchange.data" 2>/dev/null &
PP=$!
"$B/bench/tapbench-bench-vendord" --port "$PORT" --exchanges 8000 --connections 100 --mint-svt "$O/svt" \
  >"$O/exchange.txt" 2>&1
kill -INT $PP && wait $PP || true
perf record -F 999 -g -p $VP -o "$O/read.data" 2>/dev/null &
PP=$!
wrk -t1 -c100 -d5s --latency -H "Authorization: Bearer $(cat "$O/svt")" "http://127.0.0.1:$PORT/v1/terminal/device" \
  >"$O/wrk.txt" 2>&1
kill -INT $PP && wait $PP || true
set +o pipefail  # head closes the pipe early on purpose
for k in exchange read; do
  { perf report -i "$O/$k.data" --no-children --sort dso --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -8
    perf report -i "$O/$k.data" --no-children --sort dso,sym --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' |
      sed 's/  */ /g' | cut -c1-120 | head -30; } >"$O/$k.top.txt"
done
tail -1 "$O/exchange.txt"
grep Requests/sec "$O/wrk.txt" || true
