// CorePrintAuthority: the IPP side's questions answered by the real printer core (on its Fake… HAL
// backends, unit tests only): 401 vs 403 per core error, exact per-page charging per IPP job, router
// hand-over only over the WFD link, principals that never contain a token.
#include <doctest/doctest.h>

#include <future>
#include <tuple>

#include "firmware-under-test/port/linux/core_print_authority.hpp"
#include "tests/unit/firmware/fixture.hpp"

using namespace tapbench::firmware;
using namespace tapbench::firmware::port;
using Outcome = AuthDecision::Outcome;

namespace {

LinkClassifier sim_links() {
  LinkClassifier links;
  std::string error;
  REQUIRE(links.add_wfd_prefix("192.168.49.0/24", error));
  return links;
}

const Peer kWfdPeer{"192.168.49.7", "app:admin", false};
const Peer kLanPeer{"10.0.0.7", "app:admin", false};

struct CountingInk {
  int colour_pages = 0, mono_pages = 0;
  CorePrintAuthority::PageMarked hook() {
    return [this](bool colour) { colour ? ++colour_pages : ++mono_pages; };
  }
};

// Router credentials accepted over the WFD link (S27): the hand-over waits for the core's tick (S29).
void accept_home_router(CorePrintAuthority& authority, test::Rig& rig) {
  const RouterCredentials home{"home-router", "correct horse battery"};
  REQUIRE(
      authority.authorize(rig.c().current_pwt(), kWfdPeer, AuthPurpose::router_handover, &home).allowed());
}

}  // namespace

TEST_CASE("LinkClassifier: WFD prefixes, loopback, LAN") {
  LinkClassifier links = sim_links();
  CHECK(links.classify("192.168.49.1") == Link::wfd);
  CHECK(links.classify("192.168.50.1") == Link::lan);
  CHECK(links.classify("127.0.0.1") == Link::local);
  CHECK(links.classify("::1") == Link::local);
  std::string error;
  CHECK_FALSE(links.add_wfd_prefix("192.168.49.0/33", error));
  CHECK(error.find("0–32") != std::string::npos);
  CHECK_FALSE(links.add_wfd_prefix("not-an-address/24", error));
  REQUIRE(links.add_wfd_prefix("127.0.0.0/8", error));  // the sim bench models the WFD link on loopback
  CHECK(links.classify("127.0.0.1") == Link::wfd);
}

TEST_CASE("print authorisation: PWT and PT allowed, wrong token 401, no pages 403") {
  test::Rig rig;
  rig.config.factory_pages = 3;
  rig.boot();
  CountingInk ink;
  std::mutex core_mutex;
  CorePrintAuthority authority(rig.c(), core_mutex, sim_links(), ink.hook(), true);
  const std::string pwt = rig.c().current_pwt();

  const auto by_pwt = authority.authorize(pwt, kLanPeer, AuthPurpose::print);
  CHECK(by_pwt.outcome == Outcome::allowed);
  CHECK(by_pwt.principal == "pwt:app:admin");
  CHECK(by_pwt.principal.find(pwt) == std::string::npos);

  auto pt = rig.c().issue_pt(rig.c().current_pwt(), test::kAdminLan);
  REQUIRE(pt.ok());
  const auto by_pt = authority.authorize(*pt, Peer{"10.0.0.9", "", false}, AuthPurpose::print);
  CHECK(by_pt.outcome == Outcome::allowed);
  CHECK(by_pt.principal == "pt:app:admin");  // the terminal the PT is bound to, not the peer

  CHECK(authority.authorize("WRONGPWT", kLanPeer, AuthPurpose::print).outcome == Outcome::unauthenticated);
  CHECK(authority.authorize("", kLanPeer, AuthPurpose::print).outcome == Outcome::unauthenticated);

  // Spend the pages: a PT job of 3 pages, then printing is forbidden (403), other operations still work.
  for (int i = 0; i < 3; ++i)
    CHECK(authority.charge_page(7, by_pt.principal).charged);
  authority.end_job(7);
  const auto at_zero = authority.authorize(*pt, kLanPeer, AuthPurpose::print);
  CHECK(at_zero.outcome == Outcome::forbidden);
  CHECK(at_zero.reason.find("0 printable pages") != std::string::npos);
  CHECK(authority.authorize(*pt, kLanPeer, AuthPurpose::job_control).outcome == Outcome::allowed);
  CHECK(authority.remaining_pages() == 0);
}

TEST_CASE("charging is exact per job: cut at zero, never negative, refunds restore") {
  test::Rig rig;
  rig.config.factory_pages = 2;
  rig.boot();
  CountingInk ink;
  std::mutex core_mutex;
  CorePrintAuthority authority(rig.c(), core_mutex, sim_links(), ink.hook(), true);
  const std::string who = authority.authorize(rig.c().current_pwt(), kLanPeer, AuthPurpose::print).principal;

  auto first = authority.charge_page(1, who);
  CHECK(first.charged);
  CHECK(first.remaining == 1);
  authority.page_marked(1, who, false);
  auto second = authority.charge_page(1, who);
  CHECK(second.charged);
  CHECK(second.remaining == 0);
  authority.page_marked(1, who, true);
  auto third = authority.charge_page(1, who);
  CHECK_FALSE(third.charged);
  CHECK(third.remaining == 0);
  CHECK(third.reason.find("cut after 2 pages") != std::string::npos);
  CHECK(rig.c().ptb().printable_pages == 0);
  CHECK(rig.c().ptb().pages_printed == 2);
  CHECK(ink.mono_pages == 1);
  CHECK(ink.colour_pages == 1);

  // The engine failed the second page: refunded, committed.
  authority.refund_page(1, who);
  CHECK(authority.remaining_pages() == 1);
  CHECK(rig.ram_equals_committed());
  authority.end_job(1);
}

TEST_CASE("router hand-over: the PWT over the WFD link only, credentials checked by the core") {
  test::Rig rig;
  rig.boot();
  std::mutex core_mutex;
  CorePrintAuthority authority(rig.c(), core_mutex, sim_links(), {}, true);
  const RouterCredentials home{"home-router", "correct horse battery"};
  const std::string pwt = rig.c().current_pwt();

  SUBCASE("over WFD with the PWT: accepted, then joined by tick()") {
    const auto d = authority.authorize(pwt, kWfdPeer, AuthPurpose::router_handover, &home);
    CHECK(d.outcome == Outcome::allowed);
    CHECK(authority.router_ssid() == "home-router");
    CHECK(authority.router_link() == PrintAuthority::RouterLink::joining);  // S29 pending
    authority.tick();  // S29: the core leaves the group and joins the router
    REQUIRE(rig.c().ptb().network.has_value());
    CHECK(rig.c().ptb().network->ssid == "home-router");
    CHECK(authority.router_link() == PrintAuthority::RouterLink::joined);
  }
  SUBCASE("a router that refuses the handed-over passphrase: the station cannot join") {
    rig.radio.reject_passphrase = home.passphrase;
    REQUIRE(authority.authorize(pwt, kWfdPeer, AuthPurpose::router_handover, &home).outcome ==
            Outcome::allowed);
    authority.tick();
    CHECK(authority.router_link() == PrintAuthority::RouterLink::cannot_join);
  }
  SUBCASE("over the LAN: forbidden (wrong link), nothing kept") {
    const auto d = authority.authorize(pwt, kLanPeer, AuthPurpose::router_handover, &home);
    CHECK(d.outcome == Outcome::forbidden);
    CHECK(d.reason.find("WFD") != std::string::npos);
    CHECK(authority.router_ssid().empty());
  }
  SUBCASE("a PT: forbidden, and not counted as a wrong PWT") {
    auto pt = rig.c().issue_pt(pwt, test::kAdminLan);
    REQUIRE(pt.ok());
    const std::string pwt2 = rig.c().current_pwt();
    const auto d = authority.authorize(*pt, kWfdPeer, AuthPurpose::router_handover, &home);
    CHECK(d.outcome == Outcome::forbidden);
    CHECK(rig.c().pwt_guard().failures_on_current() == 0);
    CHECK(rig.c().current_pwt() == pwt2);
  }
  SUBCASE("a wrong PWT: not authenticated") {
    CHECK(authority.authorize("WRONGPWT", kWfdPeer, AuthPurpose::router_handover, &home).outcome ==
          Outcome::unauthenticated);
  }
  SUBCASE("a passphrase too short: refused by the core's check") {
    const RouterCredentials bad{"home-router", "short"};
    CHECK(authority.authorize(pwt, kWfdPeer, AuthPurpose::router_handover, &bad).outcome ==
          Outcome::forbidden);
    CHECK(authority.router_ssid().empty());
  }
}

TEST_CASE("ink status comes from the core's PTB and threshold") {
  test::Rig rig;
  rig.ink.set("black", 5);
  rig.boot();
  std::mutex core_mutex;
  CorePrintAuthority authority(rig.c(), core_mutex, sim_links(), {}, true);
  const InkStatus s = authority.ink();
  REQUIRE(s.levels.size() == 4);
  CHECK(s.levels[3].colour == "black");
  CHECK(s.levels[3].percent == 5);
  CHECK(s.low_percent == 10);
}

TEST_CASE("with drive_tick=false the authority leaves due work to the runtime's tick thread") {
  test::Rig rig;
  rig.boot();
  std::mutex core_mutex;
  CorePrintAuthority authority(rig.c(), core_mutex, sim_links(), {}, false);
  accept_home_router(authority, rig);
  authority.tick();
  CHECK_FALSE(rig.c().ptb().network.has_value());  // still pending: nobody ran the core's tick
  CHECK(rig.c().snapshot().handover_pending);
}

TEST_CASE("status reads do not wait while the core is busy (a router join, a vendord call)") {
  test::Rig rig;
  rig.config.factory_pages = 5;
  rig.boot();
  std::mutex core_mutex;
  CorePrintAuthority authority(rig.c(), core_mutex, sim_links(), {}, false);
  accept_home_router(authority, rig);
  CHECK(authority.router_link() == PrintAuthority::RouterLink::joining);
  CHECK(authority.remaining_pages() == 5);

  // The runtime holds the core mutex for the whole join (S29); a status read from another thread answers
  // from the last view instead of waiting for it.
  std::unique_lock busy(core_mutex);
  auto status = std::async(std::launch::async, [&] {
    return std::tuple{authority.remaining_pages(), authority.router_link(), authority.router_ssid(),
                      authority.ink().levels.size()};
  });
  const bool answered = status.wait_for(std::chrono::seconds(10)) == std::future_status::ready;  // a bound
  if (!answered) busy.unlock();  // let the blocked read finish, so the failure is reported, not a hang
  REQUIRE(answered);
  const auto [pages, link, ssid, inks] = status.get();
  CHECK(pages == 5);
  CHECK(link == PrintAuthority::RouterLink::joining);
  CHECK(ssid == "home-router");
  CHECK(inks == 4);

  // Once the core is free again, reads are fresh: the join done by the core's tick shows at once.
  (void)rig.c().tick();
  busy.unlock();
  CHECK(authority.router_link() == PrintAuthority::RouterLink::joined);
}
