#!/bin/sh
# What `tapbench run --bench hwsim …` started on the host runs inside the radio-lab VM (rig/cli/radio_lab_run):
# brings the lab's radios and daemons up (radio-lab-up), runs tapbench with the given arguments and its run
# folder on the guest's own filesystem (the bench's sockets, ptys and the mmap'ed sim clock do not work on
# the 9p share), then copies the run folder to /share/run — also after a failure or the deadline.
#   tapbench-in-lab.sh [--deadline SEC] TAPBENCH-ARGS...
# A file /share/radio-lab/stop-run (the host's Ctrl-C) sends tapbench SIGINT: it stops cleanly, as at a
# terminal. --deadline: tapbench gets SIGTERM after SEC seconds (it then ends the run cleanly: teardown, reports), so
# the run folder comes back before the VM's own deadline. Exit status: tapbench's (3 when the lab is not up).
set -u
deadline=""
if [ "${1:-}" = --deadline ]; then deadline=$2; shift 2; fi
[ $# -ge 1 ] || { echo "tapbench-in-lab.sh: give tapbench's arguments"; exit 2; }
if ! radio-lab-up; then
  echo "tapbench-in-lab.sh: the radio lab did not come up"
  exit 3
fi
. /run/radio-lab/env
# Variables the host passes (a router's passphrase-env), read once and removed at once.
if [ -f /share/lab-env ]; then
  . /share/lab-env
  rm -f /share/lab-env
fi
out=/tmp/tapbench-run
echo "tapbench-in-lab: radios up at $(cut -d' ' -f1 /proc/uptime) s uptime; running tapbench $*"
# The host asks for a clean stop (its Ctrl-C) by creating this file: tapbench gets SIGINT, ends the cycle,
# tears the bench down and writes its reports, and the run folder still comes back.
stopfile=/share/radio-lab/stop-run
rm -f "$stopfile"
if [ -n "$deadline" ]; then
  timeout -s TERM "$deadline" tapbench "$@" --out "$out" &  # busybox timeout execs tapbench: same PID
else
  tapbench "$@" --out "$out" &
fi
pid=$!
while kill -0 "$pid" 2>/dev/null; do
  if [ -e "$stopfile" ]; then
    echo "tapbench-in-lab: stop requested by the host"
    kill -INT "$pid" 2>/dev/null
    rm -f "$stopfile"
  fi
  sleep 0.2
done
wait "$pid"
rc=$?
rm -rf /share/run
cp -a "$out" /share/run || { echo "tapbench-in-lab.sh: cannot copy the run folder to the share"; exit 74; }
echo "tapbench-in-lab: tapbench exited $rc at $(cut -d' ' -f1 /proc/uptime) s uptime"
exit $rc
