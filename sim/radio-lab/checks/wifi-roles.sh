#!/bin/sh
# Radio-lab check (runs inside the VM): brings the hwsim bench up (radio-lab-up: router, phone, printer
# radios and daemons), then runs the drivers/wifi roles' radio test integration_wifi_radio (put in
# /opt/tapbench/bin by `radio-lab run --bin`). Phase timestamps: /share/wifi-phases.tsv; logs: /share/*.log.
set -u
radio-lab-up || exit 1
. /run/radio-lab/env
: >/share/wifi-phases.tsv
RADIO_LAB_REQUIRED=1 RADIO_PHASES_OUT=/share/wifi-phases.tsv integration_wifi_radio --no-version --duration=true "$@"
rc=$?
echo "--- phases (scenario, phase, ms since requested)"
cut -f1-3 /share/wifi-phases.tsv
exit $rc
