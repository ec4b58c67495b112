# Sourced by bench/load_bench.sh and bench/soak_bench.sh: the suite both run — the `load` case on the sim
# bench with the load suite's lifetimes and mix (fixtures/suites/load.yaml; LOAD_MIX overrides the mix, e.g.
# LOAD_MIX='{tap: 40, print: 40, charge: 15, exchange: 5}' for the tag-bound mix).
MIX=${LOAD_MIX:-"{tap: 20, print: 20, charge: 40, exchange: 20}"}

#   write_load_suite FILE NAME DESCRIPTION TERMINALS RAMP HOLD HELD_TIMEOUT
write_load_suite() {
  cat >"$1" <<YAML
suite: $2
description: $3
lifetimes:
  printer: {pwt-period: 30s, pt-idle: 2m, svwt-prefetch: 10s}
  server: {svwt-ttl: 20s, svt-idle: 2m, cwt-ttl: 20s}
load:
  terminals: $4
  ramp-up: $5
  duration: $6
  think-time: 2s
  mix: $MIX
cases:
  - case: load
    cycles: 1
    retries: 0
    timeouts: {setup: 2m, phase: 1m, phases: {ramped_up: 2m, held: $7, drained: 2m}}
YAML
}
