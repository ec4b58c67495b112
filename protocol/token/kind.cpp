#include "protocol/token/kind.hpp"

#include <cctype>

namespace tapbench::token {

std::string_view name(Kind kind) {
  switch (kind) {
    case Kind::PWT:
      return "PWT";
    case Kind::PT:
      return "PT";
    case Kind::ST:
      return "ST";
    case Kind::SVWT:
      return "SVWT";
    case Kind::SVT:
      return "SVT";
    case Kind::CWT:
      return "CWT";
  }
  return "?";
}

std::string_view label(Kind kind) {
  switch (kind) {
    case Kind::PWT:
      return "pwt";
    case Kind::PT:
      return "pt";
    case Kind::ST:
      return "st";
    case Kind::SVWT:
      return "svwt";
    case Kind::SVT:
      return "svt";
    case Kind::CWT:
      return "cwt";
  }
  return "?";
}

std::optional<Kind> parse_kind(std::string_view text) {
  for (Kind k : kAllKinds) {
    const std::string_view n = name(k);
    if (n.size() != text.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < n.size(); ++i) {
      if (std::toupper(static_cast<unsigned char>(text[i])) != n[i]) {
        same = false;
        break;
      }
    }
    if (same) return k;
  }
  return std::nullopt;
}

}  // namespace tapbench::token
