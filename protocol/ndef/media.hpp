// Internal: media-type record matching (RFC 2046 types compare case-insensitively).
#pragma once

#include <string_view>

#include "protocol/ndef/record.hpp"

namespace tapbench::ndef {

inline bool is_media_type(const Record& record, std::string_view media_type) {
  if (record.tnf != Tnf::media || record.type.size() != media_type.size()) return false;
  for (std::size_t i = 0; i < media_type.size(); ++i) {
    auto lower = [](unsigned char c) {
      return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c + 32) : c;
    };
    if (lower(record.type[i]) != lower(static_cast<unsigned char>(media_type[i]))) return false;
  }
  return true;
}

}  // namespace tapbench::ndef
