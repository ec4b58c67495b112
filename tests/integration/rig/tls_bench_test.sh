#!/usr/bin/env bash
# The printer link over TLS as a user runs it (docs/BENCH.md, "TLS"): the sim bench with `tls: always` on its
# printerd — the phone's JSON API calls are https (Beast over OpenSSL), its IPP is ipps (libcups), the load
# case's kept-alive connections too — and provisioning, tap-to-print and a small load PASS against the real
# printerd; printerd's log shows every request arrived encrypted. Then the same bench pinning another
# certificate (printer-cert-sha256): the run is an ERROR that says so, and no request (no token) reached the
# printer. A wrong `tls` value is a validation error at its file:line:column.
# Usage: tls_bench_test.sh TAPBENCH_BINARY
set -euo pipefail
tapbench=$1
work=$(mktemp -d -t tapbench-tls-test.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$tapbench" bench show sim | sed 's/^    backend: printerd$/&\n    tls: always/' >"$work/tls.yaml"
grep -q '^    tls: always$' "$work/tls.yaml" || fail "could not make the tls bench"
cat >"$work/tls-suite.yaml" <<'YAML'
suite: tls
defaults:
  retries: 0
  timeouts: {setup: 60s, teardown: 20s, phase: 10s, cycle: 2m, phases: {carrier_up: 20s, printer_on_lan: 30s}}
lifetimes:
  printer: {pwt-period: 20s, pt-idle: 30s, svwt-prefetch: 5s}
  server: {svwt-ttl: 10s, svt-idle: 30s, cwt-ttl: 10s}
load:
  terminals: 10
  ramp-up: 200ms
  duration: 2s
  think-time: 100ms
  mix: {tap: 40, print: 40, charge: 15, exchange: 5}
cases:
  - provisioning
  - tap-to-print
  - case: load
    timeouts: {setup: 30s, phase: 20s}
YAML

out=$work/run
rc=0
timeout 200 "$tapbench" run --bench "$work/tls.yaml" --suite "$work/tls-suite.yaml" --out "$out" >"$work/stdout" 2>&1 || rc=$?
cat "$work/stdout"
[ "$rc" -eq 0 ] || fail "tapbench run over TLS exited $rc"
for c in provisioning tap-to-print load; do
  grep -q "^$c: PASS" "$out/summary.txt" || fail "summary.txt: $c is not PASS"
done
log=$out/bench/printerd/printerd.log
grep -q 'Connection now encrypted' "$log" || fail "printerd saw no TLS connection"
# Every request printerd saw came over TLS: the JSON API (PT issue, sync …) and IPP. (printerd.log restarts
# with each factory reset: it holds the last printer's, here the load's, requests.)
https=$(grep -c 'HTTP_STATE_[A-Z]* https://' "$log" || true)
plain=$(grep -c 'HTTP_STATE_[A-Z]* http://' "$log" || true)
[ "$plain" -eq 0 ] || fail "$plain requests reached printerd in clear: $(grep -m 3 'HTTP_STATE_[A-Z]* http://' "$log")"
grep -q 'HTTP_STATE_POST https://[^ ]*/tapbench/api/pt ' "$log" || fail "no PT issue over https"
grep -q 'HTTP_STATE_POST https://[^ ]*/ipp/print ' "$log" || fail "no IPP request over ipps"
grep -q 'Validate-Job (print) .* allowed' "$log" || fail "no Validate-Job allowed over ipps"
# Each cycle notes the certificate the run pinned (public: its SHA-256, never a secret): one and the same
# for the whole run. (printerd's ssl/ folder is scrubbed from the run folder at the end, with its key.)
notes=$(grep -o '"printer.cert_sha256":"[^"]*"' "$out/run.jsonl" | sort | uniq -c)
[ "$(echo "$notes" | wc -l)" -eq 1 ] || fail "the cycles noted different printer certificates: $notes"
echo "$notes" | grep -Eq '^ *2 "printer.cert_sha256":"([0-9A-F]{2}:){31}[0-9A-F]{2}"$' ||
  fail "not one SHA-256 fingerprint noted by the 2 flow cycles (provisioning, tap-to-print): $notes"
echo "over TLS: $https requests, none in clear"

# The bench pins a certificate the printer does not have: refused before any request, the run says why.
sed 's/^    tls: always$/&\n    printer-cert-sha256: 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF/' \
  "$work/tls.yaml" >"$work/pinned.yaml"
out2=$work/run-pinned
rc=0
timeout 120 "$tapbench" run --bench "$work/pinned.yaml" --case tap-to-print --retries 0 --out "$out2" >"$work/stdout2" 2>&1 || rc=$?
cat "$work/stdout2"
[ "$rc" -eq 3 ] || fail "a refused printer certificate: tapbench exited $rc, expected 3 (ERROR)"
grep -q "not the one the bench pins (printer-cert-sha256)" "$out2/junit.xml" || fail "junit.xml does not say the certificate was refused"
grep -q "pinned 00:11:22" "$out2/junit.xml" || fail "junit.xml does not name the pinned fingerprint"
if grep -q 'HTTP_STATE_' "$out2/bench/printerd/printerd.log"; then
  fail "a request reached the printer with a refused certificate: $(grep -m 3 'HTTP_STATE_' "$out2/bench/printerd/printerd.log")"
fi

# A wrong value is a validation error with its position.
sed 's/^    tls: always$/    tls: sometimes/' "$work/tls.yaml" >"$work/bad.yaml"
rc=0
"$tapbench" bench validate "$work/bad.yaml" >"$work/validate" 2>&1 || rc=$?
cat "$work/validate"
[ "$rc" -eq 65 ] || fail "bench validate exited $rc, expected 65"
line=$(grep -n '^    tls: sometimes$' "$work/bad.yaml" | cut -d: -f1)
grep -q "bad.yaml:$line:10: error: unknown tls 'sometimes' in device 'dut'" "$work/validate" || fail "no file:line:column error for tls"
grep -q "auto, always, never" "$work/validate" || fail "the error does not list auto, always, never"
echo "PASS: the sim bench over TLS"
