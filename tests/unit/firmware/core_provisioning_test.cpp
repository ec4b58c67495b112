// Router hand-over (S27–S29), registration (S53–S65), SVWT (S43–S49, S67–S75), sync (S99–S111) and the
// activation flag, through the core on fakes.
#include "tests/unit/firmware/fixture.hpp"

using namespace tapbench;
using namespace tapbench::firmware;
using namespace tapbench::firmware::test;

TEST_CASE("router hand-over: accepted only with the live PWT over the WFD link (S27)") {
  Rig rig;
  rig.boot();
  const std::string pwt = rig.tap_pwt();
  CHECK(rig.c().accept_router_credentials(pwt, kAdminLan, kHomeRouter).code() == CoreError::wrong_link);
  CHECK(rig.c().accept_router_credentials(pwt, Terminal{"app:admin", Link::local}, kHomeRouter).code() ==
        CoreError::wrong_link);
  CHECK(rig.c().accept_router_credentials("ZZZZZZZZ", kAdminWfd, kHomeRouter).code() ==
        CoreError::unauthenticated);
  CHECK(rig.c().accept_router_credentials(pwt, kAdminWfd, {"", "correct horse"}).code() ==
        CoreError::invalid_argument);
  CHECK(rig.c().accept_router_credentials(pwt, kAdminWfd, {std::string(33, 's'), "correct horse"}).code() ==
        CoreError::invalid_argument);
  CHECK(rig.c().accept_router_credentials(pwt, kAdminWfd, {"home", "7chars!"}).code() ==
        CoreError::invalid_argument);
  CHECK(rig.c().accept_router_credentials(pwt, kAdminWfd, {"home", std::string(64, 'x')}).code() ==
        CoreError::invalid_argument);
  CHECK(rig.c().accept_router_credentials(pwt, kAdminWfd, {std::string(32, 's'), std::string(64, 'a')}).ok());
  CHECK(rig.c().accept_router_credentials(pwt, kAdminWfd, {"home", std::string(63, 'x')}).ok());
  CHECK(rig.radio.joins.empty());  // nothing switches before the port has answered
  CHECK(rig.c().snapshot().handover_pending);
  CHECK_FALSE(rig.storage.committed->network.has_value());
}

TEST_CASE("router hand-over: leave WFD, join the router, commit (S29); the next tap brings WFD back (S23)") {
  Rig rig;
  rig.boot();
  const std::string pwt = rig.tap_pwt();
  REQUIRE(rig.c().accept_router_credentials(pwt, kAdminWfd, kHomeRouter).ok());
  CHECK(rig.c().complete_router_handover().ok());
  CHECK_FALSE(rig.radio.group.has_value());
  REQUIRE(rig.radio.station.has_value());
  CHECK(rig.radio.station->ssid == "home-router");
  CHECK(rig.storage.committed->network == std::optional{kHomeRouter});
  CHECK(rig.c().snapshot().station_joined);
  CHECK(rig.c().complete_router_handover().code() == CoreError::nothing_pending);

  const auto view = rig.tap();
  CHECK(rig.radio.group.has_value());
  CHECK(view.wfd.has_value());
  CHECK(view.pwt == std::optional{pwt});  // the hand-over does not spend the PWT: S31 still needs it
}

TEST_CASE("router hand-over via tick(); rejoined at boot") {
  Rig rig;
  rig.boot();
  REQUIRE(rig.c().accept_router_credentials(rig.tap_pwt(), kAdminWfd, kHomeRouter).ok());
  CHECK(rig.c().next_deadline() == rig.clock.monotonic_now());
  CHECK(rig.c().tick().handover_completed);
  rig.boot();
  CHECK(rig.radio.joins.size() == 2);
  CHECK(rig.radio.station == std::optional<hal::StationConfig>{{"home-router", "correct horse battery"}});
}

TEST_CASE("router hand-over: a failed join brings the WFD group back and commits nothing") {
  Rig rig;
  rig.boot();
  rig.radio.reject_passphrase = "wrong passphrase";
  REQUIRE(
      rig.c().accept_router_credentials(rig.tap_pwt(), kAdminWfd, {"home-router", "wrong passphrase"}).ok());
  auto done = rig.c().complete_router_handover();
  CHECK(done.code() == CoreError::radio_failed);
  CHECK(rig.radio.group.has_value());
  CHECK_FALSE(rig.storage.committed->network.has_value());
  CHECK(rig.ram_equals_committed());
}

TEST_CASE("registration: PT required; device ID, pages and ink sent; ST stored; status polled (S53–S65)") {
  Rig rig;
  rig.boot();
  CHECK(rig.c().register_with_server("pt_forged", kAdminLan).code() == CoreError::unauthenticated);
  CHECK(rig.server.register_calls == 0);
  const std::string pt = rig.get_pt();
  auto before = rig.c().registration_status(pt, kAdminLan);
  REQUIRE(before.ok());
  CHECK(before->state == RegistrationState::unregistered);

  auto reg = rig.c().register_with_server(pt, kAdminLan);
  REQUIRE(reg.ok());
  CHECK(reg->state == RegistrationState::registered);
  REQUIRE(rig.server.registered.has_value());
  CHECK(rig.server.registered->device_id == "dv1");
  CHECK(rig.server.registered->printable_pages == 0);
  CHECK(rig.server.registered->ink == rig.ink.levels);
  CHECK(rig.storage.committed->server_token == std::optional{rig.server.server_token});
  CHECK(rig.c().registration_status(pt, kAdminLan)->state == RegistrationState::registered);

  // Idempotent: a retried S53 does not register twice.
  CHECK(rig.c().register_with_server(pt, kAdminLan).ok());
  CHECK(rig.server.register_calls == 1);
}

TEST_CASE("registration failure is reported to the polling terminal and commits nothing") {
  Rig rig;
  rig.boot();
  const std::string pt = rig.get_pt();
  rig.server.fail_next(hal::HalCode::timeout);
  auto reg = rig.c().register_with_server(pt, kAdminLan);
  CHECK(reg.code() == CoreError::server_failed);
  CHECK(reg.error().detail == "register (S55): timeout: fake server failure");
  auto status = rig.c().registration_status(pt, kAdminLan);
  REQUIRE(status.ok());
  CHECK(status->state == RegistrationState::unregistered);
  REQUIRE(status->last_failure.has_value());
  CHECK(status->last_failure->code == CoreError::server_failed);
  CHECK_FALSE(rig.storage.committed->server_token.has_value());
  CHECK(rig.c().register_with_server(pt, kAdminLan).ok());  // retry succeeds and clears the failure
  CHECK_FALSE(rig.c().registration_status(pt, kAdminLan)->last_failure.has_value());
}

TEST_CASE("after registration the printer prefetches an SVWT; tap shows charge URL with it (S43, S116)") {
  Rig rig;
  rig.boot();
  const std::string pt = rig.get_pt();
  REQUIRE(rig.c().register_with_server(pt, kAdminLan).ok());
  // 0 pages <= threshold 5: charge needed, but no SVWT yet → the tag is empty rather than incomplete.
  CHECK(rig.tag.content.empty());
  REQUIRE(rig.c().snapshot().tag_error.has_value());
  CHECK(rig.c().next_deadline() == rig.clock.monotonic_now());
  const auto report = rig.c().tick();
  CHECK(report.svwt_fetched);
  const auto view = rig.tap();
  CHECK(view.state == PrinterState::charge_needed);
  CHECK(view.url == std::optional<std::string>{"https://vendor.example/charge"});
  CHECK(view.svwt == std::optional<std::string>{"SVWT-1"});
  CHECK(view.printable_pages == std::optional<std::uint32_t>{0});
  CHECK_FALSE(view.pwt.has_value());
}

TEST_CASE("SVWT prefetch: every period exactly; sooner when the TTL is shorter (S43–S45)") {
  Rig rig;
  rig.boot();
  (void)rig.provision();
  CHECK(rig.server.svwt_calls == 1);
  rig.clock.advance(120s - 1ns);
  CHECK_FALSE(rig.c().tick().svwt_fetched);
  rig.clock.advance(1ns);
  CHECK(rig.c().tick().svwt_fetched);
  CHECK(rig.storage.committed->svwt->token == "SVWT-2");

  rig.server.svwt_ttl = 30s;
  rig.clock.advance(120s);
  CHECK(rig.c().tick().svwt_fetched);  // SVWT-3, lives 30 s
  rig.clock.advance(30s);
  CHECK_FALSE(rig.c().snapshot().svwt_available);  // expired exactly at its TTL
  CHECK(rig.c().tick().svwt_fetched);
  CHECK(rig.storage.committed->svwt->token == "SVWT-4");
}

TEST_CASE("SVWT prefetch failure retries after the retry delay") {
  Rig rig;
  rig.boot();
  (void)rig.provision();
  rig.clock.advance(120s);
  rig.server.fail_next(hal::HalCode::unreachable);
  auto report = rig.c().tick();
  CHECK_FALSE(report.svwt_fetched);
  REQUIRE(report.errors.size() == 1);
  CHECK(report.errors[0].code == CoreError::server_failed);
  rig.clock.advance(10s - 1ns);
  CHECK_FALSE(rig.c().tick().svwt_fetched);
  rig.clock.advance(1ns);
  CHECK(rig.c().tick().svwt_fetched);
}

TEST_CASE(
    "SVWT for the terminal: the prefetched one, once; then a fresh one from the server (S49, S67–S75)") {
  Rig rig;
  rig.boot();
  const std::string pt = rig.provision();
  auto first = rig.c().svwt_for_terminal(pt, kAdminLan);
  REQUIRE(first.ok());
  CHECK(*first == "SVWT-1");
  CHECK(rig.server.svwt_calls == 1);
  CHECK_FALSE(rig.storage.committed->svwt.has_value());
  auto second = rig.c().svwt_for_terminal(pt, kAdminLan);
  REQUIRE(second.ok());
  CHECK(*second == "SVWT-2");
  CHECK(rig.server.svwt_calls == 2);
  CHECK(rig.c().svwt_for_terminal("pt_wrong", kAdminLan).code() == CoreError::unauthenticated);
}

TEST_CASE("SVWT and sync need the ST") {
  Rig rig;
  rig.boot();
  const std::string pt = rig.get_pt();
  CHECK(rig.c().svwt_for_terminal(pt, kAdminLan).code() == CoreError::not_registered);
  CHECK(rig.c().sync_with_server(pt, kAdminLan).code() == CoreError::not_registered);
  CHECK(rig.server.svwt_calls == 0);
  CHECK(rig.server.sync_calls == 0);
}

TEST_CASE("sync adds the granted pages and reports the new count (S99–S111)") {
  Rig rig;
  rig.boot();
  const std::string pt = rig.provision();
  rig.server.grant(2000);
  auto s = rig.c().sync_with_server(pt, kAdminLan);
  REQUIRE(s.ok());
  CHECK(s->pages_added == 2000);
  CHECK(s->printable_pages == 2000);
  CHECK(s->reported);
  CHECK(rig.storage.committed->printable_pages == 2000);
  CHECK(rig.storage.committed->applied_credit_id == 1);
  REQUIRE(rig.server.syncs.size() == 2);
  // S101: the count before the addition, authenticated with the ST.
  CHECK(rig.server.syncs[0].server_token == rig.server.server_token);
  CHECK(rig.server.syncs[0].device_id == "dv1");
  CHECK(rig.server.syncs[0].printable_pages == 0);
  CHECK(rig.server.syncs[0].applied_credit_id == 0);
  // S109: the count after it, acknowledging the credit; the server overwrites its copy (S111).
  CHECK(rig.server.syncs[1].printable_pages == 2000);
  CHECK(rig.server.syncs[1].applied_credit_id == 1);
  CHECK(rig.server.reported_pages == std::optional<std::uint32_t>{2000});
  CHECK(rig.server.acknowledged_through == 1);

  const auto view = rig.tap();  // 2000 > threshold: ready, tap to print
  CHECK(view.state == PrinterState::ready);
  CHECK(view.printable_pages == std::optional<std::uint32_t>{2000});
}

TEST_CASE("sync is exactly-once: a lost acknowledgement does not add the credit twice") {
  Rig rig;
  rig.boot();
  const std::string pt = rig.provision();
  rig.server.grant(100);
  rig.server.fail_sync_call = 2;  // S109 is lost
  auto first = rig.c().sync_with_server(pt, kAdminLan);
  REQUIRE(first.ok());
  CHECK_FALSE(first->reported);
  CHECK(first->printable_pages == 100);
  CHECK(rig.server.acknowledged_through == 0);
  auto second = rig.c().sync_with_server(pt, kAdminLan);  // carries applied_credit_id = 1
  REQUIRE(second.ok());
  CHECK(second->pages_added == 0);
  CHECK(second->printable_pages == 100);
  CHECK(second->reported);
  CHECK(rig.server.acknowledged_through == 1);
  CHECK(rig.server.reported_pages == std::optional<std::uint32_t>{100});
}

TEST_CASE("sync: several pending credits are added together and acknowledged through the highest ID") {
  Rig rig;
  rig.boot();
  const std::string pt = rig.provision();
  rig.server.grant(10);
  rig.server.grant(20);
  auto s = rig.c().sync_with_server(pt, kAdminLan);
  REQUIRE(s.ok());
  CHECK(s->pages_added == 30);
  CHECK(rig.storage.committed->applied_credit_id == 2);
  CHECK(s->reported);
}

TEST_CASE("sync ignores a re-sent credit it already applied") {
  Rig rig;
  rig.boot();
  const std::string pt = rig.provision();
  rig.charge(pt, 10);
  // A confused server re-sends credit 1 although the printer acknowledged it.
  rig.server.resend_acknowledged = true;
  auto s = rig.c().sync_with_server(pt, kAdminLan);
  REQUIRE(s.ok());
  CHECK(s->pages_added == 0);
  CHECK(rig.storage.committed->printable_pages == 10);
}

TEST_CASE("sync refuses a credit that would overflow the count and commits nothing") {
  Rig rig;
  rig.boot();
  const std::string pt = rig.provision();
  rig.charge(pt, 10);
  rig.server.grant(UINT32_MAX - 9);
  auto s = rig.c().sync_with_server(pt, kAdminLan);
  CHECK(s.code() == CoreError::server_failed);
  CHECK(s.error().detail == "sync (S105): credit of 4294967286 pages would overflow the page count");
  CHECK(rig.storage.committed->printable_pages == 10);
  CHECK(rig.storage.committed->applied_credit_id == 1);
}

TEST_CASE("sync accepts a credit that brings the count to UINT32_MAX exactly") {
  Rig rig;
  rig.boot();
  const std::string pt = rig.provision();
  rig.charge(pt, 10);
  rig.server.grant(UINT32_MAX - 10);
  REQUIRE(rig.c().sync_with_server(pt, kAdminLan).ok());
  CHECK(rig.storage.committed->printable_pages == UINT32_MAX);
}

TEST_CASE("sync failure at S101 is reported and retried after the retry delay by tick()") {
  Rig rig;
  rig.config.pt_idle_timeout = 3600s;
  rig.boot();
  const std::string pt = rig.provision();
  rig.server.fail_next(hal::HalCode::unreachable);
  auto s = rig.c().sync_with_server(pt, kAdminLan);
  CHECK(s.code() == CoreError::server_failed);
  CHECK(s.error().detail == "sync (S101): unreachable: fake server failure");
  const int calls = rig.server.sync_calls;
  rig.clock.advance(10s - 1ns);
  CHECK_FALSE(rig.c().tick().synced);
  rig.clock.advance(1ns);
  CHECK(rig.c().tick().synced);
  CHECK(rig.server.sync_calls == calls + 1);
}

TEST_CASE("periodic sync in tick() every sync period; the server can disable and re-enable printing") {
  Rig rig;
  rig.config.pt_idle_timeout = 3600s;
  rig.boot();
  const std::string pt = rig.provision();
  rig.charge(pt, 50);
  rig.server.printing_enabled = false;
  rig.clock.advance(600s - 1ns);
  CHECK_FALSE(rig.c().tick().synced);
  rig.clock.advance(1ns);
  CHECK(rig.c().tick().synced);
  CHECK_FALSE(rig.storage.committed->printing_enabled);
  CHECK_FALSE(rig.c().snapshot().printing_enabled);
  CHECK(rig.c().begin_job(pt, kAdminLan).code() == CoreError::printing_disabled);

  rig.server.printing_enabled = true;
  REQUIRE(rig.c().sync_with_server(pt, kAdminLan).ok());
  CHECK(rig.c().begin_job(pt, kAdminLan).ok());
}

TEST_CASE("a WFD group the radio dropped by itself comes back at the next tap") {
  Rig rig;
  rig.boot();
  (void)rig.radio.stop_group();  // e.g. wpa_supplicant restarted under the printer
  const auto view = rig.tap();
  CHECK(rig.radio.group.has_value());
  CHECK(view.wfd.has_value());
}
