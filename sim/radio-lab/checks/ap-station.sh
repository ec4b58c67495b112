#!/bin/sh
# Radio-lab check (runs inside the VM): 3 mac80211_hwsim radios, hostapd WPA2-PSK AP on wlan0, a
# wpa_supplicant station on wlan1 (own network namespace, so frames really cross the simulated air) joins
# with the channel known. Phase times come from the daemons' own -t timestamps (µs) on their stdout (scan
# events go to control sockets only: the in-VM C++ test sees those); they are written to
# /share/phases.tsv as "component<TAB>phase<TAB>unix-seconds", the logs next to it.
set -u
out=/share
fail() { echo "ap-station: $*"; exit 1; }
now() { cut -d' ' -f1 /proc/uptime; }

t=$(now); hwsim-radios 3 || fail "cannot load mac80211_hwsim"; echo "insmod mac80211_hwsim radios=3: $t -> $(now) s uptime"
for i in 0 1 2; do [ -e /sys/class/net/wlan$i ] || fail "wlan$i missing after loading mac80211_hwsim"; done

# The station's radio in its own namespace.
/usr/sbin/ip netns add sta
phy=$(basename "$(readlink /sys/class/net/wlan1/phy80211)")
iw phy "$phy" set netns name sta || fail "cannot move $phy to the sta namespace"

mkdir -p /run/hostapd /run/wpa_supplicant
cat >/tmp/ap.conf <<CONF
interface=wlan0
driver=nl80211
ctrl_interface=/run/hostapd
ssid=radio-lab
hw_mode=g
channel=6
wpa=2
wpa_key_mgmt=WPA-PSK
rsn_pairwise=CCMP
wpa_passphrase=radio-lab-passphrase
CONF
cat >/tmp/sta.conf <<CONF
ctrl_interface=/run/wpa_supplicant
network={
  ssid="radio-lab"
  psk="radio-lab-passphrase"
  key_mgmt=WPA-PSK
  scan_freq=2437
  freq_list=2437
}
CONF

: >$out/hostapd.log; : >$out/wpa_supplicant.log
hostapd -t /tmp/ap.conf >$out/hostapd.log 2>&1 &
i=0; until grep -q "AP-ENABLED" $out/hostapd.log; do i=$((i+1)); [ $i -lt 500 ] || fail "hostapd: no AP-ENABLED in 5 s"; sleep 0.01; done

/usr/sbin/ip netns exec sta wpa_supplicant -t -i wlan1 -c /tmp/sta.conf >$out/wpa_supplicant.log 2>&1 &
i=0; until grep -q "CTRL-EVENT-CONNECTED" $out/wpa_supplicant.log; do
  i=$((i+1)); [ $i -lt 1500 ] || fail "station: not connected in 15 s"; sleep 0.01
done
grep -q "AP-STA-CONNECTED" $out/hostapd.log || sleep 0.2

# "1700000000.123456: wlan1: CTRL-EVENT-CONNECTED ..." → component, phase, time
{
  awk '{ t = $1; sub(/:$/, "", t) } /Configuration file:/{print "hostapd\tstarted\t" t} /AP-ENABLED/{print "hostapd\tap-enabled\t" t}
       /AP-STA-CONNECTED/{print "hostapd\tsta-connected\t" t}' $out/hostapd.log
  awk '{ t = $1; sub(/:$/, "", t) } /Successfully initialized/{print "station\tstarted\t" t}
       /CTRL-EVENT-SCAN-STARTED/{print "station\tscan-started\t" t}
       /CTRL-EVENT-SCAN-RESULTS/{print "station\tscan-results\t" t}
       /Trying to associate with/{print "station\tassociating\t" t}
       /Associated with/{print "station\tassociated\t" t}
       /CTRL-EVENT-CONNECTED/{print "station\tconnected\t" t}' $out/wpa_supplicant.log
} >$out/phases.tsv
cat $out/phases.tsv
kill %1 %2 2>/dev/null
exit 0
