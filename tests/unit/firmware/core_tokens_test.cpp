// PWT and PT through the core: boot (S13), rotation on schedule and on PT issue (S13/S33), the attempt cap,
// PT binding to the terminal (S33), owner-only deletion and idle deletion (S39–S41).
#include "tests/unit/firmware/fixture.hpp"

using namespace tapbench;
using namespace tapbench::firmware;
using namespace tapbench::firmware::test;

TEST_CASE("boot of a factory-fresh printer: PTB committed, WFD group up, tag asks to register (S13/S21)") {
  Rig rig;
  rig.boot();
  REQUIRE(rig.storage.committed.has_value());
  CHECK(rig.storage.committed->device_id == "dv1");
  CHECK(rig.storage.committed->printable_pages == 0);
  CHECK(rig.storage.committed->ink == rig.ink.levels);
  CHECK_FALSE(rig.storage.committed->server_token.has_value());
  REQUIRE(rig.radio.group.has_value());
  CHECK(rig.radio.group->ssid == "DIRECT-tb-dv1");
  CHECK(rig.radio.group->passphrase.size() == 22);

  const auto view = rig.tap();
  CHECK(view.state == PrinterState::unregistered);
  CHECK(view.instruction == std::optional{ndef::Instruction::register_with_server});
  REQUIRE(view.wfd.has_value());
  CHECK(view.wfd->ssid == rig.radio.group->ssid);
  CHECK(view.wfd->passphrase == rig.radio.group->passphrase);
  CHECK(view.wfd->go_mac == rig.radio.go_mac);
  CHECK(view.pwt == std::optional<std::string>{rig.c().current_pwt()});
  CHECK(view.app_package == std::optional<std::string>{"dev.tapbench.manager"});
}

TEST_CASE("a reboot makes a new PWT and keeps the PTB") {
  Rig rig;
  rig.boot();
  const std::string before = rig.tap_pwt();
  const Ptb ptb = rig.c().ptb();
  rig.boot();
  CHECK(rig.c().ptb() == ptb);
  CHECK(rig.tap_pwt() != before);
  CHECK(rig.c().issue_pt(before, kAdminLan).code() == CoreError::unauthenticated);
}

TEST_CASE("PT issue: bound to the terminal that presented the PWT, committed, PWT rotated (S33)") {
  Rig rig;
  rig.boot();
  const std::string pwt = rig.tap_pwt();
  auto pt = rig.c().issue_pt(pwt, kAdminLan);
  REQUIRE(pt.ok());
  CHECK(pt->rfind("pt_", 0) == 0);
  CHECK(pt->size() >= 3 + 22);  // ≥128 bits in base64url
  REQUIRE(rig.storage.committed->pt_bindings.size() == 1);
  CHECK(rig.storage.committed->pt_bindings[0].terminal_id == "app:admin");
  CHECK(rig.storage.committed->pt_bindings[0].pt_hash.size() == 64);
  CHECK(rig.storage.committed->pt_bindings[0].pt_hash.find(*pt) == std::string::npos);  // hash only

  // S33: the old PWT authenticates nothing any more; the next tap shows the new one.
  CHECK(rig.c().issue_pt(pwt, kUserLan).code() == CoreError::unauthenticated);
  const std::string next = rig.tap_pwt();
  CHECK(next != pwt);
  CHECK(rig.c().issue_pt(next, kUserLan).ok());
}

TEST_CASE("PT issue needs a terminal ID to bind to") {
  Rig rig;
  rig.boot();
  const std::string pwt = rig.tap_pwt();
  CHECK(rig.c().issue_pt(pwt, Terminal{"", Link::lan}).code() == CoreError::invalid_argument);
  CHECK(rig.c().issue_pt(pwt, kAdminLan).ok());  // the refused call did not spend the PWT
}

TEST_CASE("PWT rotates every period: valid at period - 1 ns, refused at the period (S13)") {
  Rig rig;
  rig.boot();
  const std::string pwt = rig.tap_pwt();
  CHECK(rig.c().next_deadline() == rig.clock.monotonic_now() + 60s);

  SUBCASE("just before") {
    rig.clock.advance(60s - 1ns);
    CHECK_FALSE(rig.c().tick().pwt_rotated);
    CHECK(rig.tap_pwt() == pwt);
    CHECK(rig.c().issue_pt(pwt, kAdminLan).ok());
  }
  SUBCASE("at the period, by tick()") {
    rig.clock.advance(60s);
    CHECK(rig.c().tick().pwt_rotated);
    CHECK(rig.tap_pwt() != pwt);
    CHECK(rig.c().issue_pt(pwt, kAdminLan).code() == CoreError::unauthenticated);
  }
  SUBCASE("at the period, without tick(): the tap and the check rotate it themselves") {
    rig.clock.advance(60s);
    CHECK(rig.c().issue_pt(pwt, kAdminLan).code() == CoreError::unauthenticated);
    CHECK(rig.tap_pwt() != pwt);
  }
}

TEST_CASE("PWT attempt cap through the core: 4 wrong then right works; the 5th wrong burns it") {
  Rig rig;
  rig.boot();
  const std::string pwt = rig.tap_pwt();
  SUBCASE("4 wrong") {
    for (int i = 0; i < 4; ++i)
      CHECK(rig.c().issue_pt("ZZZZZZZZ", kUserLan).code() == CoreError::unauthenticated);
    CHECK(rig.c().issue_pt(pwt, kAdminLan).ok());
  }
  SUBCASE("5 wrong") {
    for (int i = 0; i < 5; ++i)
      CHECK(rig.c().issue_pt("ZZZZZZZZ", kUserLan).code() == CoreError::unauthenticated);
    CHECK(rig.c().issue_pt(pwt, kAdminLan).code() == CoreError::unauthenticated);
    const std::string fresh = rig.tap_pwt();  // the tag already shows the new one
    CHECK(fresh != pwt);
    CHECK(rig.c().issue_pt(fresh, kAdminLan).ok());
  }
}

TEST_CASE("PWT global cap: 20 wrong in the window lock PWT use until the window ends") {
  Rig rig;
  rig.config.pwt_period = 3600s;  // keep one PWT alive across the window
  rig.boot();
  for (int i = 0; i < 20; ++i)
    (void)rig.c().issue_pt("ZZZZZZZZ", kUserLan);
  const std::string pwt = rig.tap_pwt();
  CHECK(rig.c().issue_pt(pwt, kAdminLan).code() == CoreError::pwt_locked);
  CHECK(rig.c().accept_router_credentials(pwt, kAdminWfd, kHomeRouter).code() == CoreError::pwt_locked);
  rig.clock.advance(600s - 1ns);
  CHECK(rig.c().issue_pt(pwt, kAdminLan).code() == CoreError::pwt_locked);
  rig.clock.advance(1ns);
  CHECK(rig.c().issue_pt(pwt, kAdminLan).ok());
}

TEST_CASE("PT deletion: only by the terminal it was issued to (S39–S41)") {
  Rig rig;
  rig.boot();
  const std::string pt = rig.get_pt(kAdminLan);
  auto by_other = rig.c().delete_pt(pt, kUserLan);
  CHECK(by_other.code() == CoreError::not_owner);
  CHECK(rig.storage.committed->pt_bindings.size() == 1);
  CHECK(rig.c().registration_status(pt, kAdminLan).ok());  // still works

  CHECK(rig.c().delete_pt(pt, Terminal{"app:admin", Link::wfd}).ok());  // same terminal, any link
  CHECK(rig.storage.committed->pt_bindings.empty());
  CHECK(rig.c().registration_status(pt, kAdminLan).code() == CoreError::unauthenticated);
  CHECK(rig.c().delete_pt(pt, kAdminLan).code() == CoreError::unauthenticated);
}

TEST_CASE("PT idle timeout: deleted at exactly idle timeout after the last use") {
  Rig rig;
  rig.boot();
  const std::string pt = rig.get_pt();
  rig.clock.advance(300s - 1s);
  CHECK(rig.c().registration_status(pt, kAdminLan).ok());  // a use restarts the idle timer
  rig.clock.advance(300s - 1ns);
  CHECK(rig.c().tick().pts_expired == 0);
  CHECK(rig.c().snapshot().live_pts == 1);
  rig.clock.advance(1ns);
  const auto report = rig.c().tick();
  CHECK(report.pts_expired == 1);
  CHECK(rig.storage.committed->pt_bindings.empty());
  CHECK(rig.c().registration_status(pt, kAdminLan).code() == CoreError::unauthenticated);
}

TEST_CASE("PT idle timeout is enforced on use even without tick()") {
  Rig rig;
  rig.boot();
  const std::string pt = rig.get_pt();
  rig.clock.advance(300s);
  CHECK(rig.c().registration_status(pt, kAdminLan).code() == CoreError::unauthenticated);
  CHECK(rig.storage.committed->pt_bindings.empty());
}

TEST_CASE("PT idle timers restart at boot (a PT use costs no flash write)") {
  Rig rig;
  rig.boot();
  const std::string pt = rig.get_pt();
  const int commits = rig.storage.commits;
  rig.clock.advance(200s);
  CHECK(rig.c().registration_status(pt, kAdminLan).ok());
  CHECK(rig.storage.commits == commits);
  rig.boot();  // at t = 200 s
  rig.clock.advance(300s - 1ns);
  CHECK(rig.c().registration_status(pt, kAdminLan).ok());
}

TEST_CASE("PT limit: at most max_pts live PTs") {
  Rig rig;
  rig.boot();
  for (int i = 0; i < 4; ++i)
    (void)rig.get_pt(Terminal{"app:" + std::to_string(i), Link::lan});
  const std::string pwt = rig.tap_pwt();
  CHECK(rig.c().issue_pt(pwt, kUserLan).code() == CoreError::pt_limit);
  rig.clock.advance(300s);  // all idle → deleted → room again (the PWT rotated meanwhile)
  CHECK(rig.c().issue_pt(rig.tap_pwt(), kUserLan).ok());
}

TEST_CASE("next_deadline() names the earliest timer: PWT period or PT idle expiry") {
  Rig rig;
  rig.config.pwt_period = 3600s;
  rig.boot();
  const auto t0 = rig.clock.monotonic_now();
  CHECK(rig.c().next_deadline() == t0 + 3600s);
  (void)rig.get_pt();
  CHECK(rig.c().next_deadline() == t0 + 300s);
}
