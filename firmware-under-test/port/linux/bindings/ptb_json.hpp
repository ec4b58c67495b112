// The PTB's on-disk form (docs/FIRMWARE.md "Persistence"): one JSON object, times as integer nanoseconds
// since the Unix epoch (exact round trip). Parsing is strict: a missing or mistyped field, a value out of
// range or an unknown version is an error naming the field — the caller must never treat it as "no PTB".
#pragma once

#include <string>
#include <string_view>

#include "firmware-under-test/core/ptb.hpp"
#include "firmware-under-test/hal/status.hpp"

namespace tapbench::firmware::port {

// Compact JSON, keys in the documented order; `network`, `server_token`, `svwt` omitted when absent,
// `pages_in_flight` when empty.
std::string ptb_to_json(const Ptb& ptb);

// bad_response: not JSON / a field missing, mistyped or out of range (detail names it, never a value);
// unsupported: a version this build does not know.
hal::Result<Ptb> ptb_from_json(std::string_view text);

}  // namespace tapbench::firmware::port
