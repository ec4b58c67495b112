// The card side of an NFC Forum Type 4 Tag (T4T 2.0): a pure ISO 7816-4 APDU handler holding one NDEF file.
// Used by the PN532 emulator's built-in card and by TagFrontend's libnfc backend (PN532 card emulation), so
// both present exactly the same tag. No I/O, no clock; fuzzed by tests/fuzz/type4_tag_apdu_fuzz.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace tapbench::nfc {

struct Type4TagConfig {
  std::uint16_t mle = 0x00FF;            // max R-APDU data size announced in the CC (READ BINARY chunk)
  std::uint16_t mlc = 0x00FF;            // max C-APDU data size announced in the CC (UPDATE BINARY chunk)
  std::uint16_t max_ndef_size = 0x1000;  // NDEF file size (2-byte NLEN + message) announced in the CC
  bool writable = false;                 // UPDATE BINARY accepted (write access 0x00) or refused (0xFF)
};

// Status words the handler answers with.
namespace sw {
inline constexpr std::uint16_t kOk = 0x9000;
inline constexpr std::uint16_t kWrongLength = 0x6700;
inline constexpr std::uint16_t kSecurityNotSatisfied = 0x6982;  // write to a read-only tag
inline constexpr std::uint16_t kNoFileSelected = 0x6986;
inline constexpr std::uint16_t kWrongData = 0x6A80;
inline constexpr std::uint16_t kNotFound = 0x6A82;
inline constexpr std::uint16_t kWrongP1P2 = 0x6B00;
inline constexpr std::uint16_t kInsNotSupported = 0x6D00;
inline constexpr std::uint16_t kClaNotSupported = 0x6E00;
inline constexpr std::uint16_t kWrongP1P2Params = 0x6A86;
}  // namespace sw

inline constexpr std::uint16_t kCcFileId = 0xE103;
inline constexpr std::uint16_t kNdefFileId = 0xE104;
// NDEF Tag Application name (T4T 2.0).
inline constexpr std::uint8_t kNdefAid[] = {0xD2, 0x76, 0x00, 0x00, 0x85, 0x01, 0x01};

class Type4Tag {
 public:
  explicit Type4Tag(Type4TagConfig config = {});

  // Replaces the NDEF message (a dynamic tag). Throws std::invalid_argument if it does not fit the file.
  void set_ndef(std::span<const std::uint8_t> message);
  // The current message (NLEN bytes of the NDEF file).
  std::vector<std::uint8_t> ndef() const;
  const Type4TagConfig& config() const { return config_; }
  // The 15-byte Capability Container.
  std::vector<std::uint8_t> capability_container() const;

  // A new RF session (select by a reader): nothing selected yet.
  void reset_session();
  // One C-APDU in, one R-APDU out (data + SW1 SW2). Any input, however malformed, gets a status word.
  std::vector<std::uint8_t> process(std::span<const std::uint8_t> apdu);

  // Called after an UPDATE BINARY leaves a complete message (NLEN != 0) in the NDEF file.
  void set_on_update(std::function<void(const std::vector<std::uint8_t>&)> cb) { on_update_ = std::move(cb); }

 private:
  enum class File { None, Cc, Ndef };
  std::vector<std::uint8_t> select(std::span<const std::uint8_t> apdu);
  std::vector<std::uint8_t> read_binary(std::span<const std::uint8_t> apdu);
  std::vector<std::uint8_t> update_binary(std::span<const std::uint8_t> apdu);

  Type4TagConfig config_;
  std::vector<std::uint8_t> ndef_file_;  // NLEN (2 bytes, big endian) + message, size max_ndef_size
  bool app_selected_ = false;
  File file_ = File::None;
  std::function<void(const std::vector<std::uint8_t>&)> on_update_;
};

}  // namespace tapbench::nfc
