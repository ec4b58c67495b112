// kill -9 at random instants while a process commits the PTB in a loop (seeded, bounded rounds); after each
// kill the file must load as one complete committed state: never a mix of two commits, never older than
// the last commit the process reported as done (at most the one in flight is newer).
#include <doctest/doctest.h>

#include <random>

#include "firmware-under-test/port/linux/bindings/json_file_storage.hpp"
#include "tests/integration/nfc/nfc_test_support.hpp"

using namespace tapbench::firmware;
using nfc_test::Child;
using nfc_test::eventually;
using nfc_test::TempDir;

namespace {

constexpr std::uint32_t kTotal = 1'000'000;

// The last "committed N" line of the helper's output (0 if none).
std::uint64_t last_committed(const std::string& out) {
  const auto pos = out.rfind("committed ");
  if (pos == std::string::npos) return 0;
  const auto end = out.find('\n', pos);
  if (end == std::string::npos) {  // a line cut by the kill: take the one before
    return pos == 0 ? 0 : last_committed(out.substr(0, pos));
  }
  return std::stoull(out.substr(pos + 10, end - pos - 10));
}

void check_consistent(const Ptb& p) {
  const std::uint64_t i = p.pages_printed;
  CHECK(p.device_id == "dv-crash");
  CHECK(p.printable_pages == kTotal - i);  // a page is never lost or gained
  CHECK(p.applied_credit_id == static_cast<std::int64_t>(i));
  REQUIRE(p.pt_bindings.size() == i % 7);
  for (std::uint64_t k = 0; k < p.pt_bindings.size(); ++k) {
    CHECK(p.pt_bindings[k].pt_hash == std::string(64, static_cast<char>('a' + (i + k) % 6)));
    CHECK(p.pt_bindings[k].terminal_id == "t" + std::to_string(i));
  }
}

}  // namespace

TEST_CASE("PTB file: kill -9 at random instants never leaves a half or lost commit") {
  TempDir dir;
  const std::string state = dir / "state";
  std::mt19937 rng(20261124);  // seeded: a failure reproduces
  std::uniform_int_distribution<int> extra(1, 25);
  std::uint64_t reported = 0;
  constexpr int kRounds = 15;
  for (int round = 0; round < kRounds; ++round) {
    CAPTURE(round);
    const std::string log = dir / ("loop-" + std::to_string(round) + ".out");
    Child loop({COMMIT_LOOP_PATH, state, std::to_string(kTotal)}, log);
    REQUIRE(loop.started());
    // Let it run a random number of further commits, then kill it wherever it is.
    const std::uint64_t target = reported + static_cast<std::uint64_t>(extra(rng));
    REQUIRE_MESSAGE(eventually([&] { return last_committed(loop.output()) >= target || !loop.running(); },
                               std::chrono::seconds(20)),
                    "helper made no progress: " << loop.output());
    REQUIRE(loop.running());  // it must not have died by itself (a load or commit failure)
    loop.signal(SIGKILL);
    REQUIRE(loop.wait(std::chrono::seconds(5)) == 128 + SIGKILL);
    const std::uint64_t done = last_committed(loop.output());
    REQUIRE(done >= target);

    auto loaded = port::JsonFileStorage(state).load();
    REQUIRE_MESSAGE(loaded.ok(), loaded.status().detail);
    REQUIRE(loaded->has_value());
    const Ptb& p = **loaded;
    CHECK(p.pages_printed >= done);      // never lost: every reported commit survives
    CHECK(p.pages_printed <= done + 1);  // at most the one in flight when the kill came
    check_consistent(p);
    reported = p.pages_printed;
  }
  CHECK(reported >= kRounds);
}
