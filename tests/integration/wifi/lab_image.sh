# Sourced by the hwsim tests: builds (or finds cached) the radio-lab VM image, else ends the test — skipped
# (exit 77, with the reason) where the image cannot be built, a failure in CI (RADIO_LAB_REQUIRED=1 from
# TAPBENCH_REQUIRE_RADIO_LAB), so the lab tests cannot pass there without running.
#   require_lab_image RADIO_LAB CACHE
require_lab_image() {
  local build_log
  build_log=$("$1" build --cache "$2" 2>&1) && return 0
  if [ "${RADIO_LAB_REQUIRED:-0}" = 1 ]; then
    echo "FAIL: the radio-lab VM image cannot be built: $(printf '%s\n' "$build_log" | tail -n 3)"
    exit 1
  fi
  echo "SKIPPED: the radio-lab VM image cannot be built here: $(printf '%s\n' "$build_log" | tail -n 3)"
  exit 77
}
