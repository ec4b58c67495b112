// Android Application Record: NFC Forum external type "android.com:pkg", payload = the package name.
// Android launches the app (or opens its store page) when any record of the message is an AAR.
#pragma once

#include <string>
#include <string_view>

#include "protocol/ndef/record.hpp"
#include "protocol/ndef/result.hpp"

namespace tapbench::ndef {

inline constexpr std::string_view kAarType = "android.com:pkg";

struct AndroidApp {
  std::string package;  // e.g. "dev.tapbench.manager"
  bool operator==(const AndroidApp&) const = default;
};

// Package names: 1–255 bytes of [A-Za-z0-9_.], at least one '.', segments start with a letter.
bool is_valid_package_name(std::string_view package);

Result<AndroidApp> decode_aar(const Record& record);
Result<Record> encode_aar(const AndroidApp& app, std::string_view id = {});

}  // namespace tapbench::ndef
