// A page in flight: charged (committed) but its mark not committed. A crash in between is settled at the
// next start(): refunded unless the engine's output shows the page finished whole, exactly once, and the
// settlement is committed. A "crash" here is Rig::boot() — a new core on the same FakeStorage, without
// marking (docs/FIRMWARE.md "Persistence").
#include "tests/unit/firmware/fixture.hpp"

using namespace tapbench;
using namespace tapbench::firmware;
using namespace tapbench::firmware::test;

namespace {

struct Printer {
  Rig rig;
  std::string pt;
  explicit Printer(std::uint32_t pages) {
    rig.config.pt_idle_timeout = 3600s;
    rig.boot();
    pt = rig.provision();
    rig.charge(pt, pages);
  }
  JobTicket job() {
    auto ticket = rig.c().begin_job(pt, kAdminLan);
    REQUIRE(ticket.ok());
    return *ticket;
  }
  std::uint32_t committed_pages() const { return rig.storage.committed->printable_pages; }
  std::uint64_t committed_printed() const { return rig.storage.committed->pages_printed; }
};

// An engine that finishes the page and then makes the storage fail the next commit (the mark).
struct PrintsThenStorageFails final : hal::PrintEngine {
  hal::FakeStorage& storage;
  hal::FakePrintEngine& record;
  PrintsThenStorageFails(hal::FakeStorage& s, hal::FakePrintEngine& r) : storage(s), record(r) {}
  hal::Status print_page(const hal::Page& page) override {
    (void)record.print_page(page);
    storage.fail_next_commit = true;
    return hal::Status::success();
  }
};

}  // namespace

TEST_CASE("charge records the page in flight; mark clears it in the same commit that stores the ink") {
  Printer p(5);
  JobTicket t = p.job();
  REQUIRE(p.rig.c().charge_page(t).ok());
  CHECK(p.rig.storage.committed->pages_in_flight == std::vector<PageInFlight>{{t.job_id, 1}});
  CHECK(p.committed_pages() == 4);

  p.rig.ink.set("black", 42);  // the page used ink
  const int commits = p.rig.storage.commits;
  REQUIRE(p.rig.c().mark_page(t).ok());
  CHECK(p.rig.storage.commits == commits + 1);  // one commit: mark + ink
  CHECK(p.rig.storage.committed->pages_in_flight.empty());
  CHECK(p.rig.storage.committed->ink.back() == InkLevel{"black", 42});
  CHECK(p.committed_pages() == 4);
  CHECK(p.rig.ram_equals_committed());

  // A marked page is not refunded by a reboot.
  p.rig.boot();
  CHECK(p.rig.c().boot_settlement().refunded == 0);
  CHECK(p.rig.c().boot_settlement().kept == 0);
  CHECK(p.committed_pages() == 4);
  CHECK(p.committed_printed() == 1);
}

TEST_CASE("crash after the charge, page never finished: refunded once at boot, and that is committed") {
  Printer p(5);
  JobTicket t = p.job();
  REQUIRE(p.rig.c().charge_page(t).ok());
  REQUIRE(p.rig.c().mark_page(t).ok());    // page 1 printed
  REQUIRE(p.rig.c().charge_page(t).ok());  // page 2 charged; then the crash
  CHECK(p.rig.storage.committed->pages_in_flight == std::vector<PageInFlight>{{t.job_id, 2}});
  CHECK(p.committed_pages() == 3);

  p.rig.boot();
  CHECK(p.rig.c().boot_settlement().refunded == 1);
  CHECK(p.rig.c().boot_settlement().kept == 0);
  CHECK(p.committed_pages() == 4);  // the user paid for the one page printed
  CHECK(p.committed_printed() == 1);
  CHECK(p.rig.storage.committed->pages_in_flight.empty());
  CHECK(p.rig.ram_equals_committed());
  // The settlement was committed: a second boot does not refund again.
  p.rig.boot();
  CHECK(p.rig.c().boot_settlement().refunded == 0);
  CHECK(p.committed_pages() == 4);
  CHECK(p.rig.c().snapshot().printable_pages == 4);
}

TEST_CASE("crash after the page finished but before its mark commit: kept charged, not refunded") {
  Printer p(5);
  PrintsThenStorageFails engine{p.rig.storage, p.rig.engine};
  {
    PrinterCore core(Hal{p.rig.tag, p.rig.radio, p.rig.storage, engine, p.rig.ink, p.rig.server, p.rig.clock},
                     p.rig.config);
    REQUIRE(core.start().ok());
    auto t = core.begin_job(p.pt, kAdminLan);
    REQUIRE(t.ok());
    CHECK(*core.print_page(*t, page(t->job_id, 1)) == 4);  // printed; the mark commit failed
    CHECK(p.rig.storage.committed->pages_in_flight == std::vector<PageInFlight>{{t->job_id, 1}});
    CHECK(core.ptb() == *p.rig.storage.committed);
  }
  REQUIRE(p.rig.engine.printed.size() == 1);
  p.rig.boot();  // the fake engine's record says page 1 is out
  CHECK(p.rig.c().boot_settlement().kept == 1);
  CHECK(p.rig.c().boot_settlement().refunded == 0);
  CHECK(p.committed_pages() == 4);  // exactly one page charged for one page printed
  CHECK(p.committed_printed() == 1);
  CHECK(p.rig.storage.committed->pages_in_flight.empty());
}

TEST_CASE("pages of two jobs in flight: the finished one kept, the other refunded, in one commit") {
  Printer p(5);
  JobTicket a = p.job();
  JobTicket b = p.job();
  REQUIRE(p.rig.c().charge_page(a).ok());
  REQUIRE(p.rig.c().charge_page(b).ok());
  CHECK(p.rig.storage.committed->pages_in_flight.size() == 2);
  (void)p.rig.engine.print_page(page(b.job_id, 1));  // b's page came out; a's did not
  const int commits = p.rig.storage.commits;
  p.rig.boot();
  CHECK(p.rig.c().boot_settlement().refunded == 1);
  CHECK(p.rig.c().boot_settlement().kept == 1);
  CHECK(p.rig.storage.commits == commits + 1);
  CHECK(p.committed_pages() == 4);
  CHECK(p.committed_printed() == 1);
}

TEST_CASE("refund clears the page in flight; a later boot gives nothing more") {
  Printer p(5);
  JobTicket t = p.job();
  REQUIRE(p.rig.c().charge_page(t).ok());
  REQUIRE(p.rig.c().refund_page(t).ok());
  CHECK(p.rig.storage.committed->pages_in_flight.empty());
  p.rig.boot();
  CHECK(p.rig.c().boot_settlement().refunded == 0);
  CHECK(p.committed_pages() == 5);
}

TEST_CASE("a failed settlement commit fails the boot; the next boot settles the page exactly once") {
  Printer p(5);
  JobTicket t = p.job();
  REQUIRE(p.rig.c().charge_page(t).ok());
  {
    PrinterCore core(p.rig.hal(), p.rig.config);
    p.rig.storage.fail_next_commit = true;
    auto started = core.start();
    CHECK(started.code() == CoreError::storage_failed);
    CHECK_FALSE(core.started());
  }
  CHECK(p.committed_pages() == 4);  // still in flight, not refunded
  p.rig.boot();
  CHECK(p.rig.c().boot_settlement().refunded == 1);
  CHECK(p.committed_pages() == 5);
  p.rig.boot();
  CHECK(p.committed_pages() == 5);
}

TEST_CASE("print_page: an engine jam refunds at once; nothing is left in flight") {
  Printer p(5);
  p.rig.engine.fail_next_page = true;
  JobTicket t = p.job();
  CHECK(p.rig.c().print_page(t, page(t.job_id, 1)).code() == CoreError::engine_failed);
  CHECK(p.rig.storage.committed->pages_in_flight.empty());
  CHECK(p.committed_pages() == 5);
}
