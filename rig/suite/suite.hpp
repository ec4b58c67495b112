// A suite: which cases run, how many cycles, the timeouts of each phase, the token lifetimes to configure on
// the printer (DUT) and the server, and the load shape (docs/BENCH.md). Loaded by suite_loader.hpp.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rig/bench/yaml_check.hpp"

namespace tapbench::rig {

using std::chrono::milliseconds;

// Timeouts as written in a suite (each optional: a case's value falls back to the suite's defaults, then to
// the built-in defaults below).
struct TimeoutSpec {
  std::optional<milliseconds> setup;           // bring the bench into the case's starting state
  std::optional<milliseconds> teardown;        // always runs, bounded by its own timeout
  std::optional<milliseconds> phase;           // any phase without its own entry
  std::optional<milliseconds> cycle;           // a whole cycle, all phases together (none: no cycle bound)
  std::map<std::string, milliseconds> phases;  // phase name (the edge it ends at) → timeout
};

struct Timeouts {  // resolved
  milliseconds setup{60'000};
  milliseconds teardown{30'000};
  milliseconds phase{10'000};
  std::optional<milliseconds> cycle;
  std::map<std::string, milliseconds> phases;
  milliseconds for_phase(const std::string& name) const;
};

// Token lifetimes the rig configures before the cases run (DESIGN §3: a fixture sets seconds, a product
// hours).
struct PrinterLifetimes {
  std::optional<milliseconds> pwt_period;     // PWT rotation period (S13)
  std::optional<milliseconds> pt_idle;        // PT idle expiry
  std::optional<milliseconds> svwt_prefetch;  // how often the printer prefetches an SVWT (S43)
};
struct ServerLifetimes {
  std::optional<milliseconds> st;        // ST lifetime (long-lived; absent: until revoked)
  std::optional<milliseconds> svwt_ttl;  // SVWT time to live (single use)
  std::optional<milliseconds> svt_idle;  // SVT idle expiry
  std::optional<milliseconds> cwt_ttl;   // CWT time to live (single use)
};
struct Lifetimes {
  PrinterLifetimes printer;
  ServerLifetimes server;
};

// The load case's shape: N virtual terminals, each looping over a weighted mix of actions.
struct LoadShape {
  int terminals = 0;
  milliseconds ramp_up{0};       // terminals start evenly spread over this time
  milliseconds duration{0};      // how long the full load holds
  milliseconds think_time{0};    // pause of each terminal between two actions
  int actions_per_terminal = 0;  // > 0: each terminal stops after this many actions (a fixed amount of work)
  std::map<std::string, int> mix;  // action → weight: tap, print, charge, exchange
};

struct SuiteCase {
  std::string id;                        // a case ID (`tapbench list`)
  std::optional<int> cycles;             // stop after this many cycles …
  std::optional<milliseconds> duration;  // … or after this long (soak); the first reached wins
  int retries = 1;                       // re-runs of a cycle that ended in ERROR (never FAIL)
  Timeouts timeouts;                     // resolved: case → suite defaults → built-in
  SourcePos pos;
};

struct Suite {
  std::string name;
  std::string description;
  std::string source;
  Lifetimes lifetimes;
  std::optional<LoadShape> load;
  std::vector<SuiteCase> cases;
};

// What the loader needs to know about the cases this build has, to check IDs and phase names.
struct KnownCase {
  std::string id;
  std::vector<std::string> phases;  // the phase edges the case marks, in order
};

}  // namespace tapbench::rig
