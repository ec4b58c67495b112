// What an AP, a P2P GO and a station agree on: SSID and WPA2-PSK passphrase, validated once for every role
// (real daemons and the link model reject the same inputs, with the same error).
#pragma once

#include <functional>
#include <string>

#include "protocol/clock/clock.hpp"

namespace tapbench::wifi {

struct WifiCredentials {
  std::string ssid;        // 1..32 bytes, any bytes (sent to the daemons hex-encoded)
  std::string passphrase;  // WPA2-PSK passphrase: 8..63 printable ASCII characters
};

// Throws WifiError(kBadArgument) saying what is wrong (never echoing the passphrase).
void validate(const WifiCredentials& credentials);
// Channel number (1..14, 36..177) to centre frequency in MHz; throws kBadArgument otherwise.
int channel_to_freq_mhz(int channel);
// Lowercase hex of the bytes (the form hostapd's ssid2= and wpa_supplicant's ssid accept unquoted).
std::string to_hex(std::string_view bytes);
// Constant-time equality for passphrases (the link model checks credentials like an AP would).
bool same_secret(std::string_view a, std::string_view b);

// Waits until the clock reads at least `deadline`: sleeps on a real clock (sleep_on), advances a ManualClock
// in tests. Used by the link model to let its modelled durations pass.
using WaitUntil = std::function<void(MonotonicTime deadline)>;
WaitUntil sleep_on(const Clock& clock);

}  // namespace tapbench::wifi
