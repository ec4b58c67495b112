// vendord's configuration: every token lifetime and threshold, the HTTP limits. Loaded from YAML
// (`vendord --config FILE`); unknown keys are errors so a typo never silently keeps a default.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "protocol/token/policy.hpp"

namespace tapbench::server {

struct ServiceConfig {
  token::Policy st = token::default_policy(token::Kind::ST);
  token::Policy svwt = token::default_policy(token::Kind::SVWT);
  token::Policy svt = token::default_policy(token::Kind::SVT);
  token::Policy cwt = token::default_policy(token::Kind::CWT);
  std::int64_t free_pages = 2000;  // pages of the one free charge per device (S87)
  int ink_low_percent = 15;        // a colour below this opens a replacement notice
  std::int64_t max_pages_per_charge = 100000;
  std::int64_t price_cents_per_page = 2;                    // paid charge: amount = pages × price
  std::int64_t payment_limit_cents = 100000;                // sandbox gateway declines above this
  std::chrono::seconds keep_spent{std::chrono::hours{24}};  // how long replays are told "already used"
  // Live one-time tokens a device may hold at once (issuance cap: a leaked ST or SVT cannot mint without
  // bound); the next issue gets 429 too_many_live_tokens until one is redeemed or expires. 0 = no cap.
  // Paid-charge CWTs are not capped (the payment gateway gates them).
  std::chrono::seconds purge_interval{60};  // how often vendord deletes dead tokens and old spent records
  std::int64_t svwt_max_live = 16;
  std::int64_t cwt_max_live = 16;
};

struct HttpConfig {
  std::string listen = "127.0.0.1:8080";
  int threads = 2;
  // Requests that may wait for a durable commit (every method but GET/HEAD) run on this many worker
  // threads, so the I/O threads keep serving while they wait and concurrent writes can share one commit.
  int blocking_threads = 128;
  std::size_t body_limit = 64 * 1024;
  std::size_t header_limit = 8 * 1024;
  std::chrono::seconds read_timeout{10};
  std::chrono::seconds idle_timeout{30};
  int token_failures_per_minute = 30;             // per client address and window; more → 429 rate_limited
  std::chrono::seconds token_failure_window{60};  // the window of that count
  std::string public_url;  // base of the charge/exchange URLs handed out (S118); "" = from Host
};

struct VendordConfig {
  ServiceConfig service;
  HttpConfig http;
};

// Parses YAML text into `base` (keys absent keep their value). Throws std::invalid_argument naming the key.
VendordConfig parse_config(const std::string& yaml_text, VendordConfig base = {});
VendordConfig load_config_file(const std::string& path, VendordConfig base = {});

}  // namespace tapbench::server
