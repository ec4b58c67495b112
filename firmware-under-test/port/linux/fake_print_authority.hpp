// FakePrintAuthority: an interim, in-memory PrintAuthority so printerd's IPP side runs and is tested before
// the core's printer state machine lands. Not the product: no PWT rotation, no PT issue, no persistence
// (the count restarts from the configured value at every start). The real one binds to
// firmware-under-test/core and the storage HAL.
//
// What it does do exactly, because the IPP tests depend on it: tokens held as SHA-256 and compared in
// constant time; a page ledger that never goes below zero (refuse at zero); an ink model per colour with a
// low threshold; router credentials validated like the core will (SSID 1–32 bytes, WPA2 passphrase).
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "firmware-under-test/port/linux/print_authority.hpp"

namespace tapbench::firmware::port {

struct FakeToken {
  std::string principal;  // "pwt" may also hand over router credentials; any other name may only print
  std::string token;
};

struct FakePrintAuthorityConfig {
  std::vector<FakeToken> tokens;
  std::uint32_t pages = 0;
  bool printing_enabled = true;
  InkStatus ink{{{"cyan", 100}, {"magenta", 100}, {"yellow", 100}, {"black", 100}}, 10};
  std::uint8_t ink_use_per_page = 0;  // percent taken from each colour a page uses (black only for mono)
};

// Reads a token file: one "PRINCIPAL TOKEN" pair per line, '#' comments and blank lines ignored.
// Errors name the file and line, never the token. nullopt + error on failure.
std::optional<std::vector<FakeToken>> load_fake_tokens(const std::string& path, std::string& error);

// Parses "cyan=100,magenta=80,yellow=5,black=100". nullopt + error on failure.
std::optional<std::vector<InkReading>> parse_ink_levels(std::string_view text, std::string& error);

// Router credentials as the core will check them: SSID 1–32 bytes; passphrase 8–63 printable ASCII or
// exactly 64 hex digits. Returns the reason on failure, empty if valid.
std::string check_router_credentials(const RouterCredentials& credentials);

class FakePrintAuthority final : public PrintAuthority {
 public:
  explicit FakePrintAuthority(FakePrintAuthorityConfig config);

  AuthDecision authorize(std::string_view token, const Peer& peer, AuthPurpose purpose,
                         const RouterCredentials* handover = nullptr) override;
  PageCharge charge_page(int job_id, std::string_view principal) override;
  void refund_page(int job_id, std::string_view principal) override;
  void page_marked(int job_id, std::string_view principal, bool colour) override;
  void end_job(int /*job_id*/) override {}
  std::uint32_t remaining_pages() const override;
  InkStatus ink() const override;
  std::string router_ssid() const override;

  // Test and operator hooks (the server's sync and activation will drive these in the real core).
  void set_pages(std::uint32_t pages);
  void set_printing_enabled(bool enabled);
  std::optional<RouterCredentials> router_credentials() const;

 private:
  using Digest = std::array<unsigned char, 32>;
  struct Entry {
    std::string principal;
    Digest digest;
  };

  mutable std::mutex mutex_;
  std::vector<Entry> tokens_;
  std::uint32_t pages_;
  bool printing_enabled_;
  InkStatus ink_;
  std::uint8_t ink_use_per_page_;
  std::optional<RouterCredentials> router_;
};

}  // namespace tapbench::firmware::port
