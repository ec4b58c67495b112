#!/usr/bin/env bash
# Load figure (issue 8): the number of concurrent virtual terminals one rig sustains on this machine with zero
# token-expiry violations and rig RSS <= 200 MB. Runs the `load` case (docs/BENCH.md) on the sim bench with
# the load suite's lifetimes and mix, once per N in TERMINALS (ascending; stops after the first N that is not
# sustained), and writes OUT/load.json for bench/report.py.
#   "sustained" = the case PASSed (no violation, <= 1 % requests unanswered, every terminal acted) and the
#   rig's VmHWM <= 200 MB and the p99 schedule lag (how late an action starts) <= the think time.
# The mix is the load suite's (fixtures/suites/load.yaml: tap 20, print 20, charge 40, exchange 20, why there);
# LOAD_MIX overrides it, e.g. LOAD_MIX='{tap: 40, print: 40, charge: 15, exchange: 5}' for the tag-bound mix.
# Usage: bench/load_bench.sh BUILD_DIR OUT_DIR "TERMINALS..." HOLD RAMP
set -uo pipefail
B=$1 OUT=$2 LIST=$3 HOLD=${4:-5m} RAMP=${5:-30s}
. "$(dirname "${BASH_SOURCE[0]}")/load_suite.sh"  # MIX, write_load_suite
TAPBENCH=$B/rig/cli/tapbench
mkdir -p "$OUT"
results=()
for n in $LIST; do
  D=$OUT/n$n
  rm -rf "$D"
  mkdir -p "$D"
  write_load_suite "$D/suite.yaml" load-bench "bench/load_bench.sh, $n terminals" "$n" "$RAMP" "$HOLD" 20m
  printf '[bench %s] load: %s virtual terminals, ramp %s, hold %s, mix %s\n' "$(date -u +%H:%M:%S)" "$n" "$RAMP" \
    "$HOLD" "$MIX" >&2
  /usr/bin/time -v -o "$D/time.txt" "$TAPBENCH" run --bench sim --suite "$D/suite.yaml" --out "$D/run" \
    >"$D/stdout.txt" 2>&1
  echo $? >"$D/exit"
  python3 - "$D" "$n" >"$D/result.json" <<'PY'
import json, re, sys
d, n = sys.argv[1], int(sys.argv[2])
r = {"terminals": n, "exit": int(open(d + "/exit").read())}
m = re.search(r"mix: (\{.*\})", open(d + "/suite.yaml").read())
r["mix"] = m.group(1) if m else ""
try:
    recs = [json.loads(l) for l in open(d + "/run/run.jsonl") if l.strip()]
except (OSError, ValueError):
    recs = []
cyc = [x for x in recs if x.get("type") == "cycle"]
if cyc:
    c = cyc[-1]
    notes = c.get("notes") or {}
    r.update(outcome=c.get("outcome"), cls=c.get("class", ""), reason=c.get("reason", "")[:300], notes=notes)
    r["violations"] = int(notes.get("violations", "-1"))
    m = re.search(r"VmHWM (\d+) kB", notes.get("rig_rss", ""))
    r["rss_mb"] = int(m.group(1)) / 1024 if m else None
    m = re.search(r"p99 ([\d.]+) ms", notes.get("schedule_lag", ""))
    r["lag_p99_ms"] = float(m.group(1)) if m else None
    m = re.search(r"([\d.]+) operations/s, ([\d.]+) actions/s", notes.get("throughput", ""))
    if m:
        r["ops_per_s"], r["actions_per_s"] = float(m.group(1)), float(m.group(2))
t = open(d + "/time.txt").read()
m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", t)
r["rss_mb_time"] = int(m.group(1)) / 1024 if m else None
m = re.search(r"Percent of CPU this job got: (\d+)%", t)
r["rig_cpu_percent"] = int(m.group(1)) if m else None
r["sustained"] = bool(r.get("outcome") == "PASS" and r.get("violations") == 0 and r.get("rss_mb") is not None
                      and r["rss_mb"] <= 200 and r.get("lag_p99_ms") is not None and r["lag_p99_ms"] <= 2000)
print(json.dumps(r))
PY
  cat "$D/result.json" >&2
  results+=("$D/result.json")
  python3 -c "import json,sys; sys.exit(0 if json.load(open('$D/result.json'))['sustained'] else 1)" || break
done
python3 - "$OUT/load.json" "${results[@]}" <<'PY'
import json, sys
runs = [json.load(open(f)) for f in sys.argv[2:]]
ok = [r["terminals"] for r in runs if r["sustained"]]
json.dump({"runs": runs, "sustained_max": max(ok) if ok else 0}, open(sys.argv[1], "w"), indent=1)
PY
