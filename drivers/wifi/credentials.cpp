#include "drivers/wifi/credentials.hpp"

#include <openssl/crypto.h>

#include <thread>

#include "drivers/wifi/wifi_error.hpp"

namespace tapbench::wifi {

void validate(const WifiCredentials& c) {
  if (c.ssid.empty() || c.ssid.size() > 32) {
    throw WifiError(WifiErrc::kBadArgument,
                    "SSID must be 1 to 32 bytes (got " + std::to_string(c.ssid.size()) + ")");
  }
  if (c.passphrase.size() < 8 || c.passphrase.size() > 63) {
    throw WifiError(WifiErrc::kBadArgument, "WPA2 passphrase must be 8 to 63 characters (got " +
                                                std::to_string(c.passphrase.size()) + ")");
  }
  for (unsigned char ch : c.passphrase) {
    if (ch < 0x20 || ch > 0x7e) {
      throw WifiError(WifiErrc::kBadArgument, "WPA2 passphrase must be printable ASCII (IEEE 802.11 M.4)");
    }
  }
}

int channel_to_freq_mhz(int channel) {
  if (channel >= 1 && channel <= 13) return 2407 + 5 * channel;
  if (channel == 14) return 2484;
  if (channel >= 36 && channel <= 177) return 5000 + 5 * channel;
  throw WifiError(WifiErrc::kBadArgument, "no Wi-Fi channel " + std::to_string(channel));
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

bool same_secret(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

WaitUntil sleep_on(const Clock& clock) {
  return [&clock](MonotonicTime deadline) {
    auto left = deadline - clock.monotonic_now();
    if (left.count() > 0) std::this_thread::sleep_for(left);
  };
}

}  // namespace tapbench::wifi
