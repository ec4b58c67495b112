// Ink model: one level per colour; a colour strictly below the threshold asks for an exchange (S19, S116).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "firmware-under-test/core/ptb.hpp"

namespace tapbench::firmware::ink {

// Any colour below `low_percent` (10 → 9 % is low, 10 % is not).
bool is_low(const std::vector<InkLevel>& levels, std::uint8_t low_percent);
// Colours below the threshold, in sensor order (for the IPP marker-supply-low reason and logs).
std::vector<std::string> low_colours(const std::vector<InkLevel>& levels, std::uint8_t low_percent);
// nullopt if the reading is usable; else why not (no colours, empty or duplicate name, percent > 100).
std::optional<std::string> validate(const std::vector<InkLevel>& levels);

}  // namespace tapbench::firmware::ink
