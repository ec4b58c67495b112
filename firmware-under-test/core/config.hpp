// Everything the core is told at construction: lifetimes (fixtures use seconds, products hours), limits and
// the fixed content of the tag. Defaults are the product values of docs/FIRMWARE.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "firmware-under-test/core/ptb.hpp"

namespace tapbench::firmware {

struct CoreConfig {
  // Factory values, used only when the storage holds no PTB yet.
  std::string device_id = "dv1";
  std::uint32_t factory_pages = 0;    // patent S55: zero sheets when shipped
  std::uint32_t page_threshold = 0;   // charge offered when pages <= threshold
  std::uint8_t ink_low_percent = 10;  // exchange offered when a colour is below this percent
  std::vector<InkLevel> factory_ink = {{"cyan", 100}, {"magenta", 100}, {"yellow", 100}, {"black", 100}};

  // PWT (S13/S33): rotated every period and whenever a PT is issued.
  std::chrono::seconds pwt_period = std::chrono::hours{1};
  // Wrong PWTs accepted before the current PWT is burned (rotated): the 5th wrong one burns it.
  std::uint32_t pwt_max_failures = 5;
  // Global cap: this many wrong PWTs within pwt_failure_window lock PWT authentication until the window ends.
  std::uint32_t pwt_global_max_failures = 20;
  std::chrono::nanoseconds pwt_failure_window = std::chrono::hours{1};

  // PT (S33–S41): deleted when unused this long (counted from issue or last use; restarts at boot).
  std::chrono::seconds pt_idle_timeout = std::chrono::hours{24 * 30};  // protocol/token default
  std::uint32_t max_pts = 8;

  // SVWT prefetch (S43–S45) and periodic sync (S101), and the retry delay after a failed server call.
  std::chrono::nanoseconds svwt_prefetch_period = std::chrono::minutes{10};
  std::chrono::nanoseconds sync_period = std::chrono::hours{1};
  std::chrono::nanoseconds server_retry_delay = std::chrono::seconds{30};

  // Jobs: refuse a job up front when its announced page count exceeds the printable pages (patent §0050's
  // alternative). Default false: the job runs and is cut at the page boundary where the count reaches zero.
  bool refuse_jobs_that_would_cross_zero = false;

  // Tag content (S21/S116).
  std::string app_package = "dev.tapbench.manager";
  std::string charge_url = "https://vendor.example/charge";
  std::string exchange_url = "https://vendor.example/exchange";
  std::string wfd_ssid_prefix = "DIRECT-tb-";  // + device ID, cut to 32 bytes
  std::uint16_t wfd_channel = 0;               // 0 = radio chooses
};

}  // namespace tapbench::firmware
