#!/usr/bin/env bash
# The load case as a user runs it: `tapbench run --bench sim --suite FILE` with a small load shape (20 virtual
# terminals, seconds) against the real pn532-sim, vendord and printerd. Checks what the user sees: exit 0,
# load PASS in the summary and JUnit, the cycle's notes (terminals, operations, violations 0, throughput,
# rig RSS) in run.jsonl, every terminal active, some token decisions actually checked.
# Usage: load_case_test.sh TAPBENCH_BINARY
set -euo pipefail
tapbench=$1
work=$(mktemp -d -t tapbench-load-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
out=$work/run
cat >"$work/load-small.yaml" <<'YAML'
suite: load-small
lifetimes:
  printer: {pwt-period: 30s, pt-idle: 2m, svwt-prefetch: 5s}
  server: {svwt-ttl: 10s, svt-idle: 2m, cwt-ttl: 10s}
load:
  terminals: 20
  ramp-up: 500ms
  duration: 3s
  think-time: 100ms
  mix: {tap: 40, print: 40, charge: 15, exchange: 5}
cases:
  - case: load
    cycles: 1
    retries: 0
    timeouts: {setup: 30s, phase: 20s}
YAML

rc=0
timeout 50 "$tapbench" run --bench sim --suite "$work/load-small.yaml" --out "$out" >"$work/stdout" 2>&1 || rc=$?
cat "$work/stdout"
fail() { echo "FAIL: $*"; exit 1; }
[ "$rc" -eq 0 ] || fail "tapbench run exited $rc"
grep -q '^load: PASS' "$out/summary.txt" || fail "summary.txt: load is not PASS"
if grep -q -e '<failure' -e '<error' -e '<skipped' "$out/junit.xml"; then fail "junit.xml has a non-PASS case"; fi
python3 - "$out/run.jsonl" <<'PY' || fail "the load cycle's notes are wrong"
import json, sys
cycles = [r for r in map(json.loads, open(sys.argv[1])) if r.get("type") == "cycle"]
assert len(cycles) == 1, f"{len(cycles)} cycle records"
assert cycles[0]["outcome"] == "PASS", cycles[0]
n = cycles[0]["notes"]
print("notes:", n)
assert n["terminals"] == "20", n["terminals"]
assert n["terminals_active"] == "20", n["terminals_active"]
assert n["violations"] == "0", n["violations"]
assert int(n["operations"]) > 20, n["operations"]
assert int(n["decisions_checked"]) > 0, n["decisions_checked"]
assert "operations/s" in n["throughput"], n["throughput"]
assert n["rig_rss"].endswith("kB)") and int(n["rig_rss"].split()[0]) > 0, n["rig_rss"]
assert "tap" in n["actions_by_kind"] and "print" in n["actions_by_kind"], n["actions_by_kind"]
assert "token_violations" not in cycles[0], cycles[0].get("token_violations")
PY
echo "PASS: load case on the sim bench"
