// The printer management table PTB (patent §0050, S55, S61, S107, S123): everything the printer must keep
// across a power loss. A plain struct: the storage HAL serialises it (docs/FIRMWARE.md gives the format) and
// commits it atomically as a whole. The core never changes its in-memory copy before a commit succeeded, so
// the PTB in RAM always equals the last committed one.
//
// Not in the PTB on purpose: the PWT (a new one at every boot, S13), the WFD passphrase (new per boot),
// the PT "last used" stamps (idle timers restart at boot: a PT use must not cost a flash write).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/clock/clock.hpp"

namespace tapbench::firmware {

// Bump when a field changes meaning; the storage backend migrates or refuses older versions.
inline constexpr std::uint32_t kPtbVersion = 1;

// Remaining ink of one colour ("cyan", "magenta", "yellow", "black" — IPP marker-colors names).
struct InkLevel {
  std::string colour;
  std::uint8_t percent = 100;  // 0–100
  bool operator==(const InkLevel&) const = default;
};

// Router credentials handed over by the terminal (S27–S29).
struct NetworkConfig {
  std::string ssid;        // 1–32 bytes
  std::string passphrase;  // 8–63 printable ASCII or 64 hex digits
  bool operator==(const NetworkConfig&) const = default;
};

// A printer token PT and the terminal it was issued to (S33). Only a hash of the PT is stored.
struct PtBinding {
  std::string pt_hash;      // protocol/token hash of the PT (hex)
  std::string terminal_id;  // who presented the PWT (app ID / MAC the port saw)
  SystemTime issued_at{};
  bool operator==(const PtBinding&) const = default;
};

// The prefetched service one-time token SVWT (S43–S45). Kept in clear: it goes onto the tag (S116).
struct StoredSvwt {
  std::string token;
  SystemTime expires_at{};
  bool operator==(const StoredSvwt&) const = default;
};

// A page whose charge is committed but whose marking is not (yet): charge_page adds it, the mark (or the
// refund) removes it in the same commit that records ink use (or gives the page back). Settled at boot
// (docs/FIRMWARE.md "Persistence": refunded unless the engine's output shows the page finished).
struct PageInFlight {
  std::uint32_t job_id = 0;
  std::uint32_t page = 0;  // 1-based within the job
  bool operator==(const PageInFlight&) const = default;
};

struct Ptb {
  std::uint32_t version = kPtbVersion;
  std::string device_id;                    // "dv1"
  std::uint32_t printable_pages = 0;        // never negative: unsigned, and the ledger refuses at zero
  std::uint64_t pages_printed = 0;          // lifetime counter (reported on sync)
  std::uint32_t page_threshold = 0;         // setting: charge offered when printable_pages <= threshold (S19)
  std::uint8_t ink_low_percent = 10;        // setting: a colour below this percent asks for exchange (S19)
  std::vector<InkLevel> ink;                // last reading of the ink sensor
  bool printing_enabled = true;             // activation flag: the server can disable printing (sync)
  std::optional<NetworkConfig> network;     // router credentials (S29)
  std::optional<std::string> server_token;  // ST (S61); present = registered
  std::vector<PtBinding> pt_bindings;       // live PTs (S33), deleted by owner (S41) or idle timeout
  std::optional<StoredSvwt> svwt;           // prefetched SVWT (S45)
  std::int64_t applied_credit_id = 0;       // highest server credit added to printable_pages (S107)
  std::vector<PageInFlight> pages_in_flight;  // charged, not yet marked (empty between pages)
  bool operator==(const Ptb&) const = default;
};

}  // namespace tapbench::firmware
