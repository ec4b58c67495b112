#!/bin/sh
# Radio-lab check (runs inside the VM): starts the real daemons on 3 mac80211_hwsim radios, then runs the
# drivers/wifi roles' radio test (DHCP by busybox udhcpd/udhcpc) (integration_wifi_radio, put in /opt/tapbench/bin by `radio-lab run --bin`).
#   wlan0: hostapd (the router)   wlan1: wpa_supplicant station, own netns   wlan2: wpa_supplicant P2P (GO)
# Phase timestamps: /share/wifi-phases.tsv; daemon logs: /share/*.log.
set -u
out=/share
fail() { echo "wifi-roles: $*"; exit 1; }
wait_for() {  # wait_for FILE: poll (10 ms) up to 10 s for a control socket
  i=0; until [ -S "$1" ]; do i=$((i+1)); [ $i -lt 1000 ] || fail "no control socket $1 after 10 s"; sleep 0.01; done
}

hwsim-radios 3 || fail "cannot load mac80211_hwsim"
/usr/sbin/ip netns add sta
phy=$(basename "$(readlink /sys/class/net/wlan1/phy80211)")
iw phy "$phy" set netns name sta || fail "cannot move $phy to the sta namespace"

mkdir -p /run/hostapd /run/sta /run/p2p
# hostapd needs a valid network to start; the AccessPoint role reconfigures it over the control socket.
cat >/tmp/ap.conf <<CONF
interface=wlan0
driver=nl80211
ctrl_interface=/run/hostapd
ssid=radio-lab-placeholder
hw_mode=g
channel=6
CONF
printf 'ctrl_interface=/run/sta\n' >/tmp/sta.conf
cat >/tmp/p2p.conf <<CONF
ctrl_interface=/run/p2p
device_name=tapbench-printer
device_type=3-0050F204-1
p2p_go_intent=15
CONF

hostapd -t /tmp/ap.conf >$out/hostapd.log 2>&1 &
ap_pid=$!
/usr/sbin/ip netns exec sta wpa_supplicant -t -i wlan1 -c /tmp/sta.conf >$out/wpa_supplicant-sta.log 2>&1 &
wpa_supplicant -t -i wlan2 -c /tmp/p2p.conf >$out/wpa_supplicant-p2p.log 2>&1 &
wait_for /run/hostapd/wlan0
wait_for /run/sta/wlan1
wait_for /run/p2p/wlan2
# With a P2P Device interface (hwsim has one), P2P commands and events live on p2p-dev-wlan2.
go=/run/p2p/wlan2
i=0; while [ ! -S /run/p2p/p2p-dev-wlan2 ] && [ $i -lt 100 ]; do i=$((i+1)); sleep 0.01; done
[ -S /run/p2p/p2p-dev-wlan2 ] && go=/run/p2p/p2p-dev-wlan2

: >$out/wifi-phases.tsv
RADIO_AP_CTRL=/run/hostapd/wlan0 RADIO_AP_PID=$ap_pid RADIO_STA_CTRL=/run/sta/wlan1 RADIO_STA_NETNS=sta RADIO_GO_CTRL=$go \
  RADIO_PHASES_OUT=$out/wifi-phases.tsv integration_wifi_radio --no-version --duration=true "$@"
rc=$?
echo "--- phases (scenario, phase, ms since requested)"
cut -f1-3 $out/wifi-phases.tsv
exit $rc
