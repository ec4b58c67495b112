#include "protocol/ndef/aar.hpp"

#include "protocol/ndef/detail.hpp"

namespace tapbench::ndef {

using detail::make_error;

bool is_valid_package_name(std::string_view package) {
  if (package.empty() || package.size() > 255) return false;
  bool segment_start = true;
  bool has_dot = false;
  for (char c : package) {
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const bool digit = c >= '0' && c <= '9';
    if (c == '.') {
      if (segment_start) return false;  // empty segment
      segment_start = true;
      has_dot = true;
      continue;
    }
    if (segment_start && !letter) return false;
    if (!letter && !digit && c != '_') return false;
    segment_start = false;
  }
  return has_dot && !segment_start;
}

Result<AndroidApp> decode_aar(const Record& record) {
  if (!record.is(Tnf::external, kAarType)) {
    return make_error(ErrorCode::wrong_record_type, record.payload_offset,
                      "not an Android Application Record (external \"android.com:pkg\")");
  }
  std::string package = detail::text(record.payload);
  if (!is_valid_package_name(package)) {
    return make_error(
        ErrorCode::bad_value, record.payload_offset,
        "AAR package name \"" + detail::printable(record.payload) + "\" is not a valid Android package name");
  }
  return AndroidApp{std::move(package)};
}

Result<Record> encode_aar(const AndroidApp& app, std::string_view id) {
  if (!is_valid_package_name(app.package)) {
    return make_error(ErrorCode::bad_value, 0,
                      "AAR package name \"" + detail::printable(detail::view(app.package)) +
                          "\" is not a valid Android package name");
  }
  Bytes payload;
  detail::append(payload, std::string_view(app.package));
  return make_record(Tnf::external, kAarType, std::move(payload), id);
}

}  // namespace tapbench::ndef
