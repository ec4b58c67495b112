// Reading and writing byte payloads on the command line: a file, a hex string, or "-" for stdin.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tapbench::cli {

enum class InputFormat { kAuto, kHex, kBinary };

struct ByteInput {
  std::vector<std::uint8_t> bytes;
  std::string origin;  // "stdin", the file name, or "argument"
};

// Thrown for unreadable files (exit 66) and malformed hex (exit 65); the message names the problem.
struct InputError {
  int exit_code;
  std::string message;
};

// `source` is "-" (stdin), an existing file, or else a hex string (spaces, colons and a 0x prefix allowed).
// kAuto: a file or stdin whose content is only hex digits and separators is read as hex, otherwise binary.
ByteInput read_bytes(const std::string& source, InputFormat format);

// Parses hex text; on a bad character returns nullopt and sets `bad_offset` (character index).
std::optional<std::vector<std::uint8_t>> parse_hex(const std::string& text, std::size_t& bad_offset);

std::string to_hex(const std::vector<std::uint8_t>& bytes);

}  // namespace tapbench::cli
