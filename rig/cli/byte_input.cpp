#include "rig/cli/byte_input.hpp"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include "rig/cli/exit_codes.hpp"

namespace tapbench::cli {
namespace {

bool is_separator(char c) {
  return std::isspace(static_cast<unsigned char>(c)) || c == ':' || c == '-';
}

bool looks_like_hex(const std::string& text) {
  bool any_digit = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if ((c == 'x' || c == 'X') && i > 0 && text[i - 1] == '0') continue;
    if (std::isxdigit(static_cast<unsigned char>(c))) {
      any_digit = true;
    } else if (!is_separator(c)) {
      return false;
    }
  }
  return any_digit;
}

std::vector<std::uint8_t> as_bytes(const std::string& s) {
  return {s.begin(), s.end()};
}

std::vector<std::uint8_t> hex_or_throw(const std::string& text, const std::string& origin) {
  std::size_t bad = 0;
  auto bytes = parse_hex(text, bad);
  if (!bytes) {
    throw InputError{kExitDataError, origin + ": not hex at character " + std::to_string(bad) +
                                         (bad < text.size() ? std::string(" ('") + text[bad] + "')"
                                                            : std::string(" (odd digit count)"))};
  }
  return *bytes;
}

}  // namespace

std::optional<std::vector<std::uint8_t>> parse_hex(const std::string& text, std::size_t& bad_offset) {
  std::vector<std::uint8_t> out;
  int high = -1;  // first digit of the byte being read, or -1 at a byte boundary
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (high < 0) {  // separators and a 0x prefix only between bytes
      if (is_separator(c)) continue;
      if (c == '0' && i + 1 < text.size() && (text[i + 1] == 'x' || text[i + 1] == 'X')) {
        ++i;
        continue;
      }
    }
    if (!std::isxdigit(static_cast<unsigned char>(c))) {
      bad_offset = i;
      return std::nullopt;
    }
    const int v = std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : std::tolower(c) - 'a' + 10;
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(high << 4 | v));
      high = -1;
    }
  }
  if (high >= 0) {
    bad_offset = text.size();  // odd number of digits
    return std::nullopt;
  }
  return out;
}

std::string to_hex(const std::vector<std::uint8_t>& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (auto b : bytes) {
    s.push_back(kDigits[b >> 4]);
    s.push_back(kDigits[b & 0x0F]);
  }
  return s;
}

ByteInput read_bytes(const std::string& source, InputFormat format) {
  std::string content;
  std::string origin;
  bool from_text_argument = false;
  if (source == "-") {
    origin = "stdin";
    content.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else if (std::error_code ec; std::filesystem::exists(source, ec)) {  // no throw: hex can be "too long"
    origin = source;
    std::ifstream in(source, std::ios::binary);
    if (!in) throw InputError{kExitNoInput, source + ": cannot be read"};
    content.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } else if (format != InputFormat::kBinary && looks_like_hex(source)) {
    origin = "argument";
    from_text_argument = true;
    content = source;
  } else {
    throw InputError{kExitNoInput, source + ": no such file, and not a hex string"};
  }

  if (from_text_argument || format == InputFormat::kHex) return {hex_or_throw(content, origin), origin};
  if (format == InputFormat::kBinary) return {as_bytes(content), origin};
  return {looks_like_hex(content) ? hex_or_throw(content, origin) : as_bytes(content), origin};
}

}  // namespace tapbench::cli
