// In-process fake radio, for unit tests only: records the group and station it was asked for; a join can be
// made to fail (wrong passphrase) and the group start can be made to fail.
#pragma once

#include <optional>
#include <vector>

#include "firmware-under-test/hal/radio.hpp"

namespace tapbench::firmware::hal {

class FakeRadio final : public Radio {
 public:
  Result<GroupInfo> start_group(const GroupConfig& config) override {
    ++group_starts;
    if (fail_group) return Status::failure(HalCode::unsupported, "fake radio: no P2P");
    group = config;
    return GroupInfo{go_mac, config.channel == 0 ? std::uint16_t{6} : config.channel};
  }
  Status stop_group() override {
    group.reset();
    return Status::success();
  }
  Status join_station(const StationConfig& config) override {
    joins.push_back(config);
    if (reject_passphrase && config.passphrase == *reject_passphrase) {
      station.reset();
      return Status::failure(HalCode::rejected, "fake radio: 4-way handshake failed");
    }
    station = config;
    return Status::success();
  }
  Status leave_station() override {
    station.reset();
    return Status::success();
  }

  std::optional<GroupConfig> group;      // set while the group is up
  std::optional<StationConfig> station;  // set while joined
  std::vector<StationConfig> joins;
  int group_starts = 0;
  bool fail_group = false;
  std::optional<std::string> reject_passphrase;
  MacAddress go_mac{0x02, 0x00, 0x00, 0x00, 0x01, 0x00};
};

}  // namespace tapbench::firmware::hal
