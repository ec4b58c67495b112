#!/usr/bin/env bash
# Load soak (issue 8): the `load` case at one terminal count held for a long time (10 minutes by default) on
# the sim bench, with the load suite's lifetimes and mix (the same shape as bench/load_bench.sh), while the
# resident memory of the rig and of the parties it started (printerd, vendord, pn532-sim) is sampled every
# SAMPLE seconds from /proc. Writes OUT/soak.json (for bench/report.py) and OUT/rss.csv.
#   "held" = the case PASSed (zero violations, <= 1 % requests unanswered, every terminal acted), rig VmHWM
#   <= 200 MB, p99 schedule lag <= the think time, and no memory growth: the rig's VmRSS at the end of the
#   hold is within 10 % (+ 2 MB) of its VmRSS once the ramp was over.
# Usage: bench/soak_bench.sh BUILD_DIR OUT_DIR TERMINALS HOLD RAMP [SAMPLE_SECONDS]
set -uo pipefail
if [ $# -lt 5 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
  sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  [ $# -ge 1 ] && { [ "$1" = "-h" ] || [ "$1" = "--help" ]; } && exit 0
  exit 64
fi
B=$1 OUT=$2 N=$3 HOLD=$4 RAMP=$5 SAMPLE=${6:-10}
. "$(dirname "${BASH_SOURCE[0]}")/load_suite.sh"  # MIX, write_load_suite (as bench/load_bench.sh)
TAPBENCH=$B/rig/cli/tapbench
rm -rf "$OUT"
mkdir -p "$OUT"
write_load_suite "$OUT/suite.yaml" load-soak "bench/soak_bench.sh, $N terminals held $HOLD" "$N" "$RAMP" "$HOLD" 2h
printf '[bench %s] soak: %s virtual terminals, ramp %s, hold %s, memory sampled every %ss\n' \
  "$(date -u +%H:%M:%S)" "$N" "$RAMP" "$HOLD" "$SAMPLE" >&2
/usr/bin/time -v -o "$OUT/time.txt" "$TAPBENCH" run --bench sim --suite "$OUT/suite.yaml" --out "$OUT/run" \
  >"$OUT/stdout.txt" 2>&1 &
TPID=$!
# /usr/bin/time's child is tapbench; the parties are tapbench's children. Read /proc only (no signals).
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || true; }
children_of() {
  local p
  for p in /proc/[0-9]*; do
    [ "$(awk '{print $4}' "$p/stat" 2>/dev/null)" = "$1" ] && echo "${p#/proc/}"
  done
}
start=$SECONDS
echo "seconds,process,pid,vmrss_kb" >"$OUT/rss.csv"
while kill -0 "$TPID" 2>/dev/null; do
  rig=$(children_of "$TPID" | head -1)
  if [ -n "$rig" ]; then
    echo "$((SECONDS - start)),tapbench,$rig,$(rss_kb "$rig")" >>"$OUT/rss.csv"
    for c in $(children_of "$rig"); do
      name=$(cat "/proc/$c/comm" 2>/dev/null || echo "?")
      echo "$((SECONDS - start)),$name,$c,$(rss_kb "$c")" >>"$OUT/rss.csv"
    done
  fi
  for _ in $(seq 1 "$((SAMPLE * 10))"); do  # wake early when the run ends
    kill -0 "$TPID" 2>/dev/null || break
    sleep 0.1
  done
done
wait "$TPID"
echo $? >"$OUT/exit"
python3 - "$OUT" "$N" "$HOLD" >"$OUT/soak.json" <<'PY'
import csv, json, re, sys
d, n, hold = sys.argv[1], int(sys.argv[2]), sys.argv[3]
r = {"terminals": n, "hold": hold, "exit": int(open(d + "/exit").read())}
m = re.search(r"mix: (\{.*\})", open(d + "/suite.yaml").read())
r["mix"] = m.group(1) if m else ""
try:
    recs = [json.loads(l) for l in open(d + "/run/run.jsonl") if l.strip()]
except (OSError, ValueError):
    recs = []
cyc = [x for x in recs if x.get("type") == "cycle"]
ramped = None
if cyc:
    c = cyc[-1]
    notes = c.get("notes") or {}
    r.update(outcome=c.get("outcome"), cls=c.get("class", ""), reason=c.get("reason", "")[:300], notes=notes)
    r["violations"] = int(notes.get("violations", "-1"))
    r["decisions_checked"] = int(notes.get("decisions_checked", "0"))
    r["operations"] = int(notes.get("operations", "0"))
    r["transport_errors"] = int(notes.get("transport_errors", "0"))
    m = re.search(r"VmHWM (\d+) kB", notes.get("rig_rss", ""))
    r["rss_mb"] = int(m.group(1)) / 1024 if m else None
    m = re.search(r"p99 ([\d.]+) ms", notes.get("schedule_lag", ""))
    r["lag_p99_ms"] = float(m.group(1)) if m else None
    m = re.search(r"([\d.]+) operations/s, ([\d.]+) actions/s over ([\d.]+) s", notes.get("throughput", ""))
    if m:
        r["ops_per_s"], r["actions_per_s"], r["seconds"] = float(m.group(1)), float(m.group(2)), float(m.group(3))
# Memory over time: per process, the first sample after the ramp (ramp + 10 s), the last, and the peak.
ramp_s = 0
m = re.search(r"ramp-up: (\d+)(s|m)", open(d + "/suite.yaml").read())
if m:
    ramp_s = int(m.group(1)) * (60 if m.group(2) == "m" else 1)
series = {}
for row in csv.DictReader(open(d + "/rss.csv")):
    if row["vmrss_kb"]:
        series.setdefault(row["process"], []).append((int(row["seconds"]), int(row["vmrss_kb"])))
mem = {}
for proc, pts in series.items():
    after = [p for p in pts if p[0] >= ramp_s + 10] or pts
    mem[proc] = {"start_mb": after[0][1] / 1024, "end_mb": pts[-1][1] / 1024, "max_mb": max(v for _, v in pts) / 1024,
                 "samples": len(pts), "start_s": after[0][0], "end_s": pts[-1][0]}
r["memory"] = mem
rig = mem.get("tapbench")
r["rig_growth_ok"] = bool(rig and rig["end_mb"] <= rig["start_mb"] * 1.10 + 2)
r["held"] = bool(r.get("outcome") == "PASS" and r.get("violations") == 0 and r.get("rss_mb") is not None
                 and r["rss_mb"] <= 200 and r.get("lag_p99_ms") is not None and r["lag_p99_ms"] <= 2000
                 and r["rig_growth_ok"])
print(json.dumps(r))
PY
cat "$OUT/soak.json" >&2
python3 -c "import json,sys; sys.exit(0 if json.load(open('$OUT/soak.json'))['held'] else 1)"
