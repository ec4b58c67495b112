// Persistence: every mutating step commits before it answers; a failed commit answers storage_failed and
// leaves RAM equal to the last committed PTB (so a crash never loses or gains a page). Boot-time failures.
#include "tests/unit/firmware/fixture.hpp"

using namespace tapbench;
using namespace tapbench::firmware;
using namespace tapbench::firmware::test;

TEST_CASE("commit failure on PT issue: no PT, the PWT stays live, RAM = committed") {
  Rig rig;
  rig.boot();
  const std::string pwt = rig.tap_pwt();
  rig.storage.fail_next_commit = true;
  CHECK(rig.c().issue_pt(pwt, kAdminLan).code() == CoreError::storage_failed);
  CHECK(rig.ram_equals_committed());
  CHECK(rig.c().ptb().pt_bindings.empty());
  CHECK(rig.c().issue_pt(pwt, kAdminLan).ok());  // not rotated: the terminal may simply retry
}

TEST_CASE("commit failure on a page: not printed, not charged; the job is cut") {
  Rig rig;
  rig.config.pt_idle_timeout = 3600s;
  rig.boot();
  const std::string pt = rig.provision();
  rig.charge(pt, 10);
  auto ticket = rig.c().begin_job(pt, kAdminLan);
  REQUIRE(ticket.ok());
  rig.storage.fail_next_commit = true;
  CHECK(rig.c().print_page(*ticket, page(ticket->job_id, 1)).code() == CoreError::storage_failed);
  CHECK(rig.engine.printed.empty());
  CHECK(rig.c().ptb().printable_pages == 10);
  CHECK(rig.ram_equals_committed());
  CHECK(rig.c().end_job(*ticket).cut);
}

namespace {
// An engine that jams and makes the storage fail the next commit (the refund).
struct JamThenStorageFails final : hal::PrintEngine {
  hal::FakeStorage& storage;
  explicit JamThenStorageFails(hal::FakeStorage& s) : storage(s) {}
  hal::Status print_page(const hal::Page&) override {
    storage.fail_next_commit = true;
    return hal::Status::failure(hal::HalCode::io_error, "jam");
  }
};
}  // namespace

TEST_CASE("engine failure and then the refund commit failing: reported as a lost page, RAM = committed") {
  Rig rig;
  rig.config.pt_idle_timeout = 3600s;
  rig.boot();
  const std::string pt = rig.provision();
  rig.charge(pt, 10);

  JamThenStorageFails engine{rig.storage};
  PrinterCore core(Hal{rig.tag, rig.radio, rig.storage, engine, rig.ink, rig.server, rig.clock}, rig.config);
  REQUIRE(core.start().ok());  // a reboot onto the jamming engine
  auto ticket = core.begin_job(pt, kAdminLan);
  REQUIRE(ticket.ok());
  const int commits_before = rig.storage.commits;
  auto r = core.print_page(*ticket, page(ticket->job_id, 1));
  CHECK(r.code() == CoreError::engine_failed);
  CHECK(r.error().detail ==
        "page not printed (io_error: jam) and its refund not committed: "
        "PTB commit failed: io_error: fake storage: fsync failed");
  CHECK(rig.storage.commits == commits_before + 1);    // the charge only
  CHECK(rig.storage.committed->printable_pages == 9);  // the page stays in flight until the next boot
  CHECK(core.ptb() == *rig.storage.committed);
  rig.boot();  // the engine never finished it: refunded once
  CHECK(rig.c().boot_settlement().refunded == 1);
  CHECK(rig.storage.committed->printable_pages == 10);
}

TEST_CASE("commit failure on sync: nothing added; the next sync adds the grant exactly once") {
  Rig rig;
  rig.boot();
  const std::string pt = rig.provision();
  rig.server.grant(100);
  rig.storage.fail_next_commit = true;
  CHECK(rig.c().sync_with_server(pt, kAdminLan).code() == CoreError::storage_failed);
  CHECK(rig.c().ptb().printable_pages == 0);
  CHECK(rig.ram_equals_committed());
  CHECK(rig.server.sync_calls == 1);  // S109 not sent for a count that was not stored
  CHECK(rig.server.acknowledged_through == 0);
  auto s = rig.c().sync_with_server(pt, kAdminLan);
  REQUIRE(s.ok());
  CHECK(s->printable_pages == 100);
  CHECK(rig.storage.committed->printable_pages == 100);
}

TEST_CASE("commit failure on registration: not registered, failure visible to the poller") {
  Rig rig;
  rig.boot();
  const std::string pt = rig.get_pt();
  rig.storage.fail_next_commit = true;
  CHECK(rig.c().register_with_server(pt, kAdminLan).code() == CoreError::storage_failed);
  CHECK_FALSE(rig.c().ptb().server_token.has_value());
  CHECK(rig.ram_equals_committed());
  auto status = rig.c().registration_status(pt, kAdminLan);
  REQUIRE(status.ok());
  CHECK(status->state == RegistrationState::unregistered);
  CHECK(status->last_failure->code == CoreError::storage_failed);
}

TEST_CASE("commit failure on PT deletion, hand-over, SVWT hand-out and ink: each changes nothing") {
  Rig rig;
  rig.config.pt_idle_timeout = 3600s;
  rig.boot();
  const std::string pt = rig.provision();
  rig.charge(pt, 100);  // ready state: the tag offers WFD + PWT for the hand-over below

  rig.storage.fail_next_commit = true;
  CHECK(rig.c().delete_pt(pt, kAdminLan).code() == CoreError::storage_failed);
  CHECK(rig.c().registration_status(pt, kAdminLan).ok());
  CHECK(rig.ram_equals_committed());

  rig.storage.fail_next_commit = true;
  CHECK(rig.c().svwt_for_terminal(pt, kAdminLan).code() == CoreError::storage_failed);
  CHECK(rig.c().ptb().svwt.has_value());
  CHECK(rig.ram_equals_committed());

  REQUIRE(
      rig.c().accept_router_credentials(rig.tap_pwt(), kAdminWfd, {"other-router", "other passphrase"}).ok());
  rig.storage.fail_next_commit = true;
  CHECK(rig.c().complete_router_handover().code() == CoreError::storage_failed);
  CHECK(rig.c().ptb().network == std::optional{kHomeRouter});
  CHECK(rig.radio.station == std::optional<hal::StationConfig>{{"home-router", "correct horse battery"}});
  CHECK(rig.radio.group.has_value());
  CHECK(rig.ram_equals_committed());

  rig.ink.set("black", 5);
  rig.storage.fail_next_commit = true;
  CHECK(rig.c().refresh_ink().code() == CoreError::storage_failed);
  CHECK(rig.c().ptb().ink[3].percent == 100);
  CHECK(rig.ram_equals_committed());
}

TEST_CASE("everything survives a reboot: pages, ST, network, PT binding") {
  Rig rig;
  rig.config.pt_idle_timeout = 3600s;
  rig.boot();
  const std::string pt = rig.provision();
  rig.charge(pt, 42);
  rig.boot();
  CHECK(rig.c().ptb().printable_pages == 42);
  CHECK(rig.c().ptb().server_token == std::optional{rig.server.server_token});
  CHECK(rig.c().snapshot().station_joined);
  CHECK(rig.c().registration_status(pt, kAdminLan)->state == RegistrationState::registered);
}

TEST_CASE("boot fails clearly when the PTB cannot be read or has an unknown version (never a fresh device)") {
  Rig rig;
  rig.storage.fail_load = true;
  PrinterCore core(rig.hal(), rig.config);
  auto r = core.start();
  CHECK(r.code() == CoreError::storage_failed);
  CHECK(r.error().detail == "PTB load failed: io_error: fake storage: unreadable");
  CHECK_FALSE(core.started());
  CHECK(core.issue_pt("BCDFGHJK", kAdminLan).code() == CoreError::not_started);
  CHECK(rig.storage.commits == 0);

  rig.storage.fail_load = false;
  Ptb future;
  future.version = kPtbVersion + 1;
  rig.storage.committed = future;
  PrinterCore core2(rig.hal(), rig.config);
  CHECK(core2.start().code() == CoreError::storage_failed);
}

TEST_CASE("boot of a fresh device fails if the factory PTB cannot be committed") {
  Rig rig;
  rig.storage.fail_next_commit = true;
  PrinterCore core(rig.hal(), rig.config);
  CHECK(core.start().code() == CoreError::storage_failed);
  CHECK_FALSE(rig.storage.committed.has_value());
}

TEST_CASE("radio and tag failures do not stop the boot; they are visible") {
  Rig rig;
  rig.radio.fail_group = true;
  rig.tag.fail_next_set = true;
  rig.boot();
  const auto s = rig.c().snapshot();
  CHECK_FALSE(s.group_up);
  REQUIRE(s.tag_error.has_value());
  CHECK(s.tag_error->code == CoreError::tag_failed);
  rig.radio.fail_group = false;
  (void)rig.tap();  // the tap retries the group and the tag
  CHECK(rig.c().snapshot().group_up);
  CHECK_FALSE(rig.c().snapshot().tag_error.has_value());
}
