#include "drivers/wifi/link_phase.hpp"

namespace tapbench::wifi {

std::string_view to_string(LinkPhase phase) {
  switch (phase) {
    case LinkPhase::kRequested:
      return "requested";
    case LinkPhase::kScanStarted:
      return "scan-started";
    case LinkPhase::kScanResults:
      return "scan-results";
    case LinkPhase::kAssociating:
      return "associating";
    case LinkPhase::kAssociated:
      return "associated";
    case LinkPhase::kConnected:
      return "connected";
    case LinkPhase::kIpAddress:
      return "ip-address";
    case LinkPhase::kApEnabled:
      return "ap-enabled";
    case LinkPhase::kGroupStarted:
      return "group-started";
    case LinkPhase::kStationJoined:
      return "station-joined";
    case LinkPhase::kDisconnected:
      return "disconnected";
  }
  return "unknown";
}

std::optional<MonotonicTime> first_of(const std::vector<PhaseStamp>& phases, LinkPhase phase) {
  for (const auto& p : phases) {
    if (p.phase == phase) return p.at;
  }
  return std::nullopt;
}

std::optional<std::chrono::nanoseconds> elapsed_to(const std::vector<PhaseStamp>& phases, LinkPhase phase) {
  if (phases.empty()) return std::nullopt;
  auto at = first_of(phases, phase);
  if (!at) return std::nullopt;
  auto start = first_of(phases, LinkPhase::kRequested).value_or(phases.front().at);
  return *at - start;
}

}  // namespace tapbench::wifi
