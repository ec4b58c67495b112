#include "firmware-under-test/port/linux/fake_print_authority.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>

namespace tapbench::firmware::port {

const char* auth_purpose_name(AuthPurpose purpose) {
  switch (purpose) {
    case AuthPurpose::print:
      return "print";
    case AuthPurpose::job_control:
      return "job-control";
    case AuthPurpose::router_handover:
      return "router-handover";
    case AuthPurpose::admin:
      return "admin";
  }
  return "unknown";
}

namespace {

std::array<unsigned char, 32> sha256(std::string_view text) {
  std::array<unsigned char, 32> out{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), out.data());
  return out;
}

std::string trim(std::string_view s) {
  const auto* ws = " \t\r\n";
  const auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(ws);
  return std::string(s.substr(b, e - b + 1));
}

}  // namespace

std::optional<std::vector<FakeToken>> load_fake_tokens(const std::string& path, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = "cannot read token file '" + path + "'";
    return std::nullopt;
  }
  std::vector<FakeToken> tokens;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    const std::string text = trim(line);
    if (text.empty() || text[0] == '#') continue;
    std::istringstream fields(text);
    FakeToken t;
    std::string extra;
    if (!(fields >> t.principal >> t.token) || (fields >> extra)) {
      error = path + ":" + std::to_string(number) + ": expected 'PRINCIPAL TOKEN'";
      return std::nullopt;
    }
    if (t.token.size() < 8) {
      error = path + ":" + std::to_string(number) + ": token for '" + t.principal +
              "' is shorter than 8 characters";
      return std::nullopt;
    }
    tokens.push_back(std::move(t));
  }
  if (tokens.empty()) {
    error = "token file '" + path + "' holds no tokens";
    return std::nullopt;
  }
  return tokens;
}

std::optional<std::vector<InkReading>> parse_ink_levels(std::string_view text, std::string& error) {
  std::vector<InkReading> levels;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    const auto eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      error = "ink level '" + std::string(item) + "': expected COLOUR=PERCENT";
      return std::nullopt;
    }
    const std::string_view value = item.substr(eq + 1);
    unsigned percent = 0;
    const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), percent);
    if (ec != std::errc{} || ptr != value.data() + value.size() || percent > 100) {
      error = "ink level '" + std::string(item) + "': percent must be 0–100";
      return std::nullopt;
    }
    InkReading r{std::string(item.substr(0, eq)), static_cast<std::uint8_t>(percent)};
    if (std::any_of(levels.begin(), levels.end(),
                    [&](const InkReading& o) { return o.colour == r.colour; })) {
      error = "ink level: colour '" + r.colour + "' given twice";
      return std::nullopt;
    }
    levels.push_back(std::move(r));
  }
  if (levels.empty()) {
    error = "ink levels: no colour given";
    return std::nullopt;
  }
  return levels;
}

std::string check_router_credentials(const RouterCredentials& c) {
  if (c.ssid.empty() || c.ssid.size() > 32) return "printer-wifi-ssid must be 1–32 bytes";
  const auto& p = c.passphrase;
  if (p.size() == 64) {
    if (std::all_of(p.begin(), p.end(), [](unsigned char ch) { return std::isxdigit(ch) != 0; })) return {};
    return "a 64-character printer-wifi-password must be hex digits";
  }
  if (p.size() < 8 || p.size() > 63) return "printer-wifi-password must be 8–63 characters or 64 hex digits";
  if (!std::all_of(p.begin(), p.end(), [](unsigned char ch) { return ch >= 0x20 && ch <= 0x7e; })) {
    return "printer-wifi-password must be printable ASCII";
  }
  return {};
}

FakePrintAuthority::FakePrintAuthority(FakePrintAuthorityConfig config)
    : pages_(config.pages),
      printing_enabled_(config.printing_enabled),
      ink_(std::move(config.ink)),
      ink_use_per_page_(config.ink_use_per_page) {
  for (auto& t : config.tokens)
    tokens_.push_back({t.principal, sha256(t.token)});
}

AuthDecision FakePrintAuthority::authorize(std::string_view token, const Peer& /*peer*/, AuthPurpose purpose,
                                           const RouterCredentials* handover) {
  using Outcome = AuthDecision::Outcome;
  if (token.empty()) return {Outcome::unauthenticated, {}, "no token presented"};
  const auto digest = sha256(token);
  std::lock_guard lock(mutex_);
  const Entry* match = nullptr;
  // Compare against every entry (constant time per entry, no early exit that leaks which one matched).
  for (const auto& e : tokens_) {
    if (CRYPTO_memcmp(e.digest.data(), digest.data(), digest.size()) == 0) match = &e;
  }
  if (match == nullptr) return {Outcome::unauthenticated, {}, "unknown token"};
  const std::string& who = match->principal;
  switch (purpose) {
    case AuthPurpose::print:
      if (!printing_enabled_) return {Outcome::forbidden, who, "printing disabled by the server"};
      if (pages_ == 0) return {Outcome::forbidden, who, "no printable pages left"};
      return {Outcome::allowed, who, {}};
    case AuthPurpose::job_control:
      return {Outcome::allowed, who, {}};
    case AuthPurpose::router_handover: {
      if (who != "pwt") return {Outcome::forbidden, who, "only the PWT may hand over router credentials"};
      if (handover == nullptr) return {Outcome::forbidden, who, "no router credentials in the request"};
      if (auto bad = check_router_credentials(*handover); !bad.empty()) return {Outcome::forbidden, who, bad};
      router_ = *handover;
      return {Outcome::allowed, who, {}};
    }
    case AuthPurpose::admin:
      if (who != "pwt") return {Outcome::forbidden, who, "only the PWT may change printer settings"};
      return {Outcome::allowed, who, {}};
  }
  return {Outcome::forbidden, who, "unknown purpose"};
}

PageCharge FakePrintAuthority::charge_page(int /*job_id*/, std::string_view /*principal*/) {
  std::lock_guard lock(mutex_);
  if (!printing_enabled_) return {false, pages_, "printing disabled by the server"};
  if (pages_ == 0) return {false, 0, "no printable pages left"};
  --pages_;
  return {true, pages_, {}};
}

void FakePrintAuthority::refund_page(int /*job_id*/, std::string_view /*principal*/) {
  std::lock_guard lock(mutex_);
  if (pages_ < UINT32_MAX) ++pages_;
}

void FakePrintAuthority::page_marked(int /*job_id*/, std::string_view /*principal*/, bool colour) {
  std::lock_guard lock(mutex_);
  for (auto& level : ink_.levels) {
    if (!colour && level.colour != "black") continue;
    level.percent = level.percent > ink_use_per_page_ ? level.percent - ink_use_per_page_ : 0;
  }
}

std::uint32_t FakePrintAuthority::remaining_pages() const {
  std::lock_guard lock(mutex_);
  return pages_;
}

InkStatus FakePrintAuthority::ink() const {
  std::lock_guard lock(mutex_);
  return ink_;
}

std::string FakePrintAuthority::router_ssid() const {
  std::lock_guard lock(mutex_);
  return router_ ? router_->ssid : std::string{};
}

void FakePrintAuthority::set_pages(std::uint32_t pages) {
  std::lock_guard lock(mutex_);
  pages_ = pages;
}

void FakePrintAuthority::set_printing_enabled(bool enabled) {
  std::lock_guard lock(mutex_);
  printing_enabled_ = enabled;
}

std::optional<RouterCredentials> FakePrintAuthority::router_credentials() const {
  std::lock_guard lock(mutex_);
  return router_;
}

}  // namespace tapbench::firmware::port
