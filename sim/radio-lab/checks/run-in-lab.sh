#!/bin/sh
# Runs any command inside the VM with the hwsim bench up: radio-lab-up, then the command with
# /run/radio-lab/env in its environment (RADIO_ROUTER_CTRL, RADIO_PHONE_CTRL, RADIO_PRINTER_GO_CTRL, …).
#   radio-lab run --cache C --share RUN --bin build/…/tapbench -- sim/radio-lab/checks/run-in-lab.sh \
#     tapbench run --bench /share/hwsim-in-vm.yaml --suite smoke
# The share (RUN on the host) is the guest's /share and its working directory: put bench files there and
# write results there. Arguments are split on blanks (no quoting through the VM's command line).
set -u
[ $# -ge 1 ] || { echo "run-in-lab.sh: give the command to run"; exit 2; }
radio-lab-up || exit 1
. /run/radio-lab/env
exec "$@"
