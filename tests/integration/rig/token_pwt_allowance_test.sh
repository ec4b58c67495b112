#!/usr/bin/env bash
# token-pwt presents two PWTs per cycle that the printer must refuse; with nightly lifetimes (PWT period 30 s,
# so the printer's one-hour failure window spans many cycles) ten cycles would spend printerd's wrong-PWT
# allowance (20) and lock PWT authentication. The case power-cycles the printer first, as a lab operator
# would. What a user sees: 12 cycles all PASS, and the run record says when and why the printer was cycled.
# Usage: token_pwt_allowance_test.sh TAPBENCH_BINARY
set -euo pipefail
tapbench=$1
work=$(mktemp -d -t tapbench-pwt-allowance.XXXXXX)
trap 'rm -rf "$work"' EXIT
cat >"$work/suite.yaml" <<'YAML'
suite: pwt-allowance
version: 1
description: token-pwt past the printer's wrong-PWT allowance
defaults:
  cycles: 12
  retries: 0
lifetimes:
  printer:
    pwt-period: 30s
    pt-idle: 1m
  server:
    svwt-ttl: 20s
    svt-idle: 1m
    cwt-ttl: 20s
cases:
  - token-pwt
YAML
rc=0
timeout 120 "$tapbench" run --bench sim --suite "$work/suite.yaml" --out "$work/run" >"$work/stdout" 2>&1 || rc=$?
cat "$work/stdout"
fail() { echo "FAIL: $*"; exit 1; }
[ "$rc" -eq 0 ] || fail "tapbench run exited $rc"
grep -q '^token-pwt: PASS (12/12 cycles passed)' "$work/run/summary.txt" || fail "token-pwt is not 12/12 PASS"
grep -q '"printer_power_cycled":"after 18 deliberately wrong PWTs"' "$work/run/run.jsonl" ||
  fail "the run record does not say the printer was power-cycled after 18 wrong PWTs"
echo "PASS: token-pwt keeps within the printer's wrong-PWT allowance"
