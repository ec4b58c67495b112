#!/bin/bash
# CI test of the hwsim bench (issue 7): boots the radio-lab VM (qemu TCG, mac80211_hwsim), runs
# `tapbench run --bench hwsim --suite radio` inside it against real hostapd / wpa_supplicant, and checks
# the run folder that comes back to the host through the share.
#   hwsim_bench_test.sh RADIO_LAB CACHE SHARE TAPBENCH CHECKER
# Skipped (exit 77, with the reason) only when the VM image cannot be built here, and not even then in CI
# (RADIO_LAB_REQUIRED=1 from TAPBENCH_REQUIRE_RADIO_LAB: a failure).
set -u
lab=$1 cache=$2 share=$3 tapbench=$4 checker=$5

. "$(dirname "$0")/lab_image.sh"
require_lab_image "$lab" "$cache"
rm -rf "$share"
mkdir -p "$share"
# The VM's deadline (90 s) bounds the test; the run itself takes ~20 s of VM wall time under TCG.
"$lab" run --cache "$cache" --share "$share" --bin "$tapbench" --timeout 90 --print-log -- \
  "$(dirname "$lab")/checks/run-in-lab.sh" tapbench run --bench hwsim --suite radio --out /share/run
rc=$?
if [ "$rc" != 0 ]; then
  echo "hwsim bench: tapbench exited $rc inside the VM (run folder: $share/run)"
  [ -f "$share/run/summary.txt" ] && cat "$share/run/summary.txt"
  exit 1
fi
HWSIM_RUN_DIR="$share/run" exec "$checker" --no-version
