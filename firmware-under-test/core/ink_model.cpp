#include "firmware-under-test/core/ink_model.hpp"

#include <set>

namespace tapbench::firmware::ink {

bool is_low(const std::vector<InkLevel>& levels, std::uint8_t low_percent) {
  return !low_colours(levels, low_percent).empty();
}

std::vector<std::string> low_colours(const std::vector<InkLevel>& levels, std::uint8_t low_percent) {
  std::vector<std::string> out;
  for (const auto& level : levels) {
    if (level.percent < low_percent) out.push_back(level.colour);
  }
  return out;
}

std::optional<std::string> validate(const std::vector<InkLevel>& levels) {
  if (levels.empty()) return std::string{"no ink colours reported"};
  std::set<std::string> seen;
  for (const auto& level : levels) {
    if (level.colour.empty()) return std::string{"ink colour without a name"};
    if (!seen.insert(level.colour).second) return "ink colour '" + level.colour + "' reported twice";
    if (level.percent > 100) {
      return "ink colour '" + level.colour + "' at " + std::to_string(level.percent) + " % (over 100)";
    }
  }
  return std::nullopt;
}

}  // namespace tapbench::firmware::ink
