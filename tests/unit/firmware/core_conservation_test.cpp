// "A crash never loses or gains a page", as a property: a long, seeded random mix of credits, syncs (with
// lost requests and acknowledgements), print jobs (with jams), failing commits, timer ticks and reboots.
// After every step the committed PTB must satisfy
//     printable_pages + pages_printed == pages of all credits up to applied_credit_id
// (nothing gained, nothing lost), RAM must equal the last commit, and the engine must never have marked more
// pages than were charged.
#include <cstdint>
#include <random>

#include "tests/unit/firmware/fixture.hpp"

using namespace tapbench;
using namespace tapbench::firmware;
using namespace tapbench::firmware::test;

namespace {

std::uint64_t credited_through(const hal::FakeServerLink& server, std::int64_t applied) {
  std::uint64_t sum = 0;
  for (const auto& c : server.credits) {
    if (c.id <= applied) sum += c.pages;
  }
  return sum;
}

}  // namespace

TEST_CASE("page conservation under random credits, syncs, jobs, jams, failing commits and reboots") {
  Rig rig;
  rig.config.pt_idle_timeout = std::chrono::hours{24 * 365};
  rig.boot();
  const std::string pt = rig.provision();
  std::mt19937 rng(20261124);  // fixed seed: the run is reproducible; rng() % n is the same on every library
  auto pick = [&](std::uint32_t n) { return static_cast<std::uint32_t>(rng() % n); };
  int jobs = 0, cuts = 0, storage_failures = 0, reboots = 0, syncs_ok = 0;

  for (int step = 0; step < 3000; ++step) {
    CAPTURE(step);
    switch (pick(8)) {
      case 0:
        rig.server.grant(1 + pick(20));
        break;
      case 1: {
        if (pick(4) == 0) rig.server.fail_sync_call = rig.server.sync_calls + 1 + static_cast<int>(pick(2));
        auto s = rig.c().sync_with_server(pt, kAdminLan);
        if (s) ++syncs_ok;
        break;
      }
      case 2:
      case 3: {
        auto ticket = rig.c().begin_job(pt, kAdminLan);
        if (!ticket) {
          CHECK((ticket.code() == CoreError::out_of_pages || ticket.code() == CoreError::storage_failed));
          break;
        }
        ++jobs;
        const std::uint32_t n = 1 + pick(6);
        for (std::uint32_t i = 1; i <= n; ++i) {
          if (pick(10) == 0) rig.engine.fail_next_page = true;
          auto r = rig.c().print_page(*ticket, page(ticket->job_id, i));
          if (!r) {
            ++cuts;
            break;
          }
        }
        const auto summary = rig.c().end_job(*ticket);
        CHECK(summary.printable_pages == rig.storage.committed->printable_pages);
        rig.engine.fail_next_page = false;
        break;
      }
      case 4:
        rig.storage.fail_next_commit = true;
        ++storage_failures;
        break;
      case 5:
        rig.clock.advance(std::chrono::seconds{1 + pick(120)});
        (void)rig.c().tick();
        break;
      case 6:
        if (pick(3) == 0) {
          rig.storage.fail_next_commit = false;  // a boot must be able to read its state
          rig.boot();
          ++reboots;
        }
        break;
      default:
        (void)rig.c().refresh_ink();
        break;
    }
    const Ptb& committed = *rig.storage.committed;
    REQUIRE(rig.ram_equals_committed());
    REQUIRE(committed.printable_pages + committed.pages_printed ==
            credited_through(rig.server, committed.applied_credit_id));
    REQUIRE(rig.engine.printed.size() <= committed.pages_printed);
  }
  // The mix really exercised what it claims to (so this test cannot pass vacuously).
  CHECK(jobs > 300);
  CHECK(cuts > 50);
  CHECK(storage_failures > 300);
  CHECK(reboots > 50);
  CHECK(syncs_ok > 200);
  CHECK(rig.engine.printed.size() > 500);
}
