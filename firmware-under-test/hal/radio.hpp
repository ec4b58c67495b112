// HAL role: the printer's Wi-Fi radio. Two jobs: be a Wi-Fi Direct autonomous group owner that a phone joins
// with the credential from the tag (S23/S27), and join the home router as a station (S29).
// Calls are synchronous and bounded by the backend's own timeout (HalCode::timeout).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "firmware-under-test/hal/status.hpp"

namespace tapbench::firmware::hal {

using MacAddress = std::array<std::uint8_t, 6>;

struct GroupConfig {
  std::string ssid;           // "DIRECT-xy-…" (1–32 bytes)
  std::string passphrase;     // 8–63 printable ASCII
  std::uint16_t channel = 0;  // 0 = backend chooses
  bool operator==(const GroupConfig&) const = default;
};

// What the group actually runs with (goes into the tag's WSC credential).
struct GroupInfo {
  MacAddress go_mac{};
  std::uint16_t channel = 0;  // 0 = not known
  bool operator==(const GroupInfo&) const = default;
};

struct StationConfig {
  std::string ssid;
  std::string passphrase;
  bool operator==(const StationConfig&) const = default;
};

class Radio {
 public:
  virtual ~Radio() = default;
  // Brings the P2P group up (idempotent when already up with the same config).
  virtual Result<GroupInfo> start_group(const GroupConfig& config) = 0;
  // Tears the group down (ok when already down).
  virtual Status stop_group() = 0;
  // Joins the router; ok once associated and addressed. rejected = wrong passphrase, unreachable = no such
  // SSID.
  virtual Status join_station(const StationConfig& config) = 0;
  virtual Status leave_station() = 0;
};

}  // namespace tapbench::firmware::hal
