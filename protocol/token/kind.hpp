// The six token kinds of the patent (DESIGN.md §3) and their wire prefixes.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace tapbench::token {

enum class Kind {
  PWT,   // printer one-time token: printer → terminal over NFC, short and typeable, attempt-capped
  PT,    // printer token: printer → terminal, until deleted by its owner or idle
  ST,    // server token: server → printer, long-lived, revocable
  SVWT,  // service one-time token: server → printer → terminal, short TTL, single use
  SVT,   // service token: server → terminal, idle expiry
  CWT,   // charge one-time token: server → terminal, short TTL, single use, bound to device + pages
};

inline constexpr std::array<Kind, 6> kAllKinds{Kind::PWT,  Kind::PT,  Kind::ST,
                                               Kind::SVWT, Kind::SVT, Kind::CWT};

// "PWT", "PT", … (patent names, for logs and metrics labels).
std::string_view name(Kind kind);
// Lower-case label usable as a Prometheus label value and as a machine-token prefix: "pwt", "svt", …
std::string_view label(Kind kind);
// Parses "SVT" / "svt" (case-insensitive); nullopt for anything else.
std::optional<Kind> parse_kind(std::string_view text);

}  // namespace tapbench::token
