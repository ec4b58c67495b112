#!/usr/bin/env bash
# The README's main job as CI runs it: `tapbench run --bench sim --suite smoke` brings up the sim bench (real
# pn532-sim, vendord, printerd on the printer core) and runs every flow once. Checks what a user sees: exit 0,
# every case PASS in the summary and in JUnit, a log of every bench process in the run folder, and no process
# of the bench left running afterwards.
# Usage: smoke_suite_test.sh TAPBENCH_BINARY
set -euo pipefail
tapbench=$1
work=$(mktemp -d -t tapbench-smoke-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
out=$work/run

rc=0
timeout 240 "$tapbench" run --bench sim --suite smoke --out "$out" >"$work/stdout" 2>&1 || rc=$?
cat "$work/stdout"
fail() { echo "FAIL: $*"; exit 1; }
[ "$rc" -eq 0 ] || fail "tapbench run exited $rc"
cases=$(grep -c '<testcase ' "$out/junit.xml")
[ "$cases" -eq 11 ] || fail "junit.xml has $cases testcases, expected 11"
if grep -q -e '<failure' -e '<error' -e '<skipped' "$out/junit.xml"; then fail "junit.xml has a non-PASS case"; fi
for c in provisioning tap-to-print second-tap token-pwt token-pt token-st token-svwt token-svt token-cwt ink-low-notice \
         printer-deactivated; do
  grep -q "^$c: PASS" "$out/summary.txt" || fail "summary.txt: $c is not PASS"
done
grep -q '^  handover ' "$out/summary.txt" || fail "summary.txt has no handover latency"
for log in pn532-sim.log vendord.log printerd.console.log printerd/printerd.log; do
  [ -s "$out/bench/$log" ] || fail "no $log in the run folder"
done
# No live secret stays in the run folder (an artefact CI may upload): no PTB (the printer's ST), no TLS key, no
# server database; the logs above stay.
leftover=$(find "$out" \( -name 'ptb.*' -o -name '*.key' -o -name 'vendord.db*' \) | head -n 3)
[ -z "$leftover" ] || fail "secrets left in the run folder: $leftover"
# Nothing of the bench outlives the run: every process was started with a path inside the run folder. (The
# pattern comes from a file, so grep's own command line does not match it.)
echo "$out/bench" >"$work/pattern"
for _ in $(seq 50); do
  left=$(grep -l -a -F -f "$work/pattern" /proc/[0-9]*/cmdline 2>/dev/null | wc -l) || true
  [ "$left" -eq 0 ] && break
  sleep 0.1  # polling interval, bounded (5 s)
done
[ "$left" -eq 0 ] || fail "$left processes of the bench outlived the run"
echo "PASS: smoke suite on the sim bench"
