// Printing (S121–S125): token authorisation, the page ledger (refuse at zero, cut at the page boundary,
// never negative, the terminal learns the count), the activation flag, the engine failing, and the tag
// following ink and page levels (S19/S116).
#include "tests/unit/firmware/fixture.hpp"

using namespace tapbench;
using namespace tapbench::firmware;
using namespace tapbench::firmware::test;

namespace {

// A provisioned printer with `pages` printable pages and a PT for the admin terminal.
struct Charged {
  Rig rig;
  std::string pt;
  explicit Charged(std::uint32_t pages, bool refuse_crossing = false) {
    rig.config.refuse_jobs_that_would_cross_zero = refuse_crossing;
    rig.config.pt_idle_timeout = 3600s;
    rig.boot();
    pt = rig.provision();
    if (pages > 0) rig.charge(pt, pages);
  }
  // Prints `n` pages with `token`; returns what end_job() tells the terminal and the last page's error.
  std::pair<JobSummary, std::optional<CoreError>> print(const std::string& token, std::uint32_t n,
                                                        const Terminal& t = kAdminLan) {
    auto ticket = rig.c().begin_job(token, t, n);
    REQUIRE(ticket.ok());
    std::optional<CoreError> last;
    for (std::uint32_t i = 1; i <= n; ++i) {
      auto r = rig.c().print_page(*ticket, page(ticket->job_id, i));
      if (!r) {
        last = r.code();
        break;
      }
    }
    return {rig.c().end_job(*ticket), last};
  }
};

}  // namespace

TEST_CASE(
    "tap to print with the PWT over WFD: pages charged, engine marks them, count reported (S121–S125)") {
  Charged p(10);
  const std::string pwt = p.rig.tap_pwt();
  auto [summary, error] = p.print(pwt, 3, kUserWfd);
  CHECK_FALSE(error.has_value());
  CHECK(summary.pages_printed == 3);
  CHECK(summary.printable_pages == 7);
  CHECK_FALSE(summary.cut);
  CHECK(p.rig.engine.printed.size() == 3);
  CHECK(p.rig.storage.committed->printable_pages == 7);
  CHECK(p.rig.storage.committed->pages_printed == 3);
}

TEST_CASE("print with a PT; a wrong token is refused and counted as a PWT guess") {
  Charged p(10);
  auto [summary, error] = p.print(p.pt, 1);
  CHECK(summary.pages_printed == 1);
  const std::string pwt = p.rig.tap_pwt();
  for (int i = 0; i < 5; ++i)
    CHECK(p.rig.c().begin_job("ZZZZZZZZ", kUserWfd).code() == CoreError::unauthenticated);
  CHECK(p.rig.c().begin_job(pwt, kUserWfd).code() == CoreError::unauthenticated);  // burned by the cap
  CHECK(p.rig.engine.printed.size() == 1);
}

TEST_CASE("refuse at zero: no job starts with 0 printable pages (S123)") {
  Charged p(0);
  auto r = p.rig.c().begin_job(p.pt, kAdminLan, 1);
  CHECK(r.code() == CoreError::out_of_pages);
  CHECK(r.error().detail == "0 printable pages left (charge to print)");
  CHECK(p.rig.engine.printed.empty());
}

TEST_CASE("a job of exactly the pages left prints them all and leaves 0") {
  Charged p(3);
  auto [summary, error] = p.print(p.pt, 3);
  CHECK_FALSE(error.has_value());
  CHECK(summary.pages_printed == 3);
  CHECK(summary.printable_pages == 0);
  CHECK_FALSE(summary.cut);
  CHECK(p.rig.c().begin_job(p.pt, kAdminLan).code() == CoreError::out_of_pages);
}

TEST_CASE("a job that would cross zero is cut at the page boundary; the count never goes negative (S125)") {
  Charged p(3);
  auto [summary, error] = p.print(p.pt, 5);
  CHECK(error == std::optional{CoreError::out_of_pages});
  CHECK(summary.pages_printed == 3);
  CHECK(summary.printable_pages == 0);
  CHECK(summary.cut);
  CHECK(p.rig.engine.printed.size() == 3);
  CHECK(p.rig.storage.committed->printable_pages == 0);
  CHECK(p.rig.storage.committed->pages_printed == 3);
}

TEST_CASE("policy refuse_jobs_that_would_cross_zero: refused up front when announced pages > pages left") {
  Charged p(3, true);
  auto four = p.rig.c().begin_job(p.pt, kAdminLan, 4);
  CHECK(four.code() == CoreError::out_of_pages);
  CHECK(four.error().detail == "job of 4 pages exceeds the 3 printable pages left");
  CHECK(p.rig.c().begin_job(p.pt, kAdminLan, 3).ok());
  CHECK(p.rig.c().begin_job(p.pt, kAdminLan).ok());  // unknown page count: cut at the boundary instead
}

TEST_CASE("a disabled printer refuses jobs, and cuts a running job at the next page") {
  Charged p(10);
  auto ticket = p.rig.c().begin_job(p.pt, kAdminLan);
  REQUIRE(ticket.ok());
  REQUIRE(p.rig.c().print_page(*ticket, page(ticket->job_id, 1)).ok());
  p.rig.server.printing_enabled = false;
  REQUIRE(p.rig.c().sync_with_server(p.pt, kAdminLan).ok());
  CHECK(p.rig.c().print_page(*ticket, page(ticket->job_id, 2)).code() == CoreError::printing_disabled);
  const auto summary = p.rig.c().end_job(*ticket);
  CHECK(summary.pages_printed == 1);
  CHECK(summary.printable_pages == 9);
  CHECK(summary.cut);
  CHECK(p.rig.c().print_page(*ticket, page(ticket->job_id, 3)).code() == CoreError::out_of_pages);
  CHECK(p.rig.c().begin_job(p.pt, kAdminLan).code() == CoreError::printing_disabled);
  CHECK(p.rig.engine.printed.size() == 1);
}

TEST_CASE("an engine failure refunds the page") {
  Charged p(10);
  auto ticket = p.rig.c().begin_job(p.pt, kAdminLan);
  REQUIRE(ticket.ok());
  p.rig.engine.fail_next_page = true;
  auto r = p.rig.c().print_page(*ticket, page(ticket->job_id, 1));
  CHECK(r.code() == CoreError::engine_failed);
  CHECK(p.rig.storage.committed->printable_pages == 10);
  CHECK(p.rig.storage.committed->pages_printed == 0);
  CHECK(p.rig.c().end_job(*ticket).pages_printed == 0);
}

TEST_CASE("tag follows the ink: 10 % is not low (ready), 9 % asks for an exchange with the SVWT (S116)") {
  Charged p(100);
  p.rig.ink.set("magenta", 10);
  REQUIRE(p.rig.c().refresh_ink().ok());
  CHECK(p.rig.tap().state == PrinterState::ready);
  p.rig.ink.set("magenta", 9);
  REQUIRE(p.rig.c().refresh_ink().ok());
  CHECK(p.rig.storage.committed->ink[1] == InkLevel{"magenta", 9});
  const auto view = p.rig.tap();
  CHECK(view.state == PrinterState::ink_low);
  CHECK(view.instruction == std::optional{ndef::Instruction::exchange});
  CHECK(view.url == std::optional<std::string>{"https://vendor.example/exchange"});
  CHECK(view.svwt.has_value());
  CHECK(p.rig.c().snapshot().ink_low_colours == std::vector<std::string>{"magenta"});
}

TEST_CASE("ink read after every page: the tag switches to exchange during a job") {
  Charged p(100);
  auto ticket = p.rig.c().begin_job(p.pt, kAdminLan);
  REQUIRE(ticket.ok());
  p.rig.ink.set("black", 3);
  REQUIRE(p.rig.c().print_page(*ticket, page(ticket->job_id, 1)).ok());
  CHECK(p.rig.tap().state == PrinterState::ink_low);
}

TEST_CASE("tag follows the pages: threshold + 1 is ready, threshold asks for a charge (S19/S116)") {
  Charged p(7);  // threshold 5
  CHECK(p.rig.tap().state == PrinterState::ready);
  (void)p.print(p.pt, 1);  // 6
  CHECK(p.rig.tap().state == PrinterState::ready);
  (void)p.print(p.pt, 1);  // 5
  const auto view = p.rig.tap();
  CHECK(view.state == PrinterState::charge_needed);
  CHECK(view.url == std::optional<std::string>{"https://vendor.example/charge"});
  CHECK(view.printable_pages == std::optional<std::uint32_t>{5});
  CHECK(view.svwt.has_value());
}

TEST_CASE("ink low wins over charge needed (S19 order)") {
  Charged p(0);
  p.rig.ink.set("cyan", 0);
  REQUIRE(p.rig.c().refresh_ink().ok());
  CHECK(p.rig.tap().state == PrinterState::ink_low);
}

TEST_CASE("bad ink readings are refused and keep the last good one") {
  Charged p(10);
  const auto before = p.rig.storage.committed->ink;
  p.rig.ink.levels.push_back({"black", 50});  // duplicate colour
  CHECK(p.rig.c().refresh_ink().code() == CoreError::invalid_argument);
  p.rig.ink.fail = true;
  CHECK(p.rig.c().refresh_ink().code() == CoreError::sensor_failed);
  CHECK(p.rig.storage.committed->ink == before);
}

TEST_CASE("authenticate(): a PT stands for the terminal it was bound to; a PWT for the asking terminal") {
  Charged p(10);
  auto by_pt = p.rig.c().authenticate(p.pt, Terminal{"10.0.0.9", Link::lan});
  REQUIRE(by_pt.ok());
  CHECK(*by_pt == Principal{CredentialKind::pt, "app:admin"});
  const std::string pwt = p.rig.tap_pwt();
  auto by_pwt = p.rig.c().authenticate(pwt, kUserWfd);
  REQUIRE(by_pwt.ok());
  CHECK(*by_pwt == Principal{CredentialKind::pwt, "app:user"});
  auto ticket = p.rig.c().begin_job(p.pt, Terminal{"10.0.0.9", Link::lan});
  REQUIRE(ticket.ok());
  CHECK(ticket->terminal_id == "app:admin");
  CHECK(ticket->credential == CredentialKind::pt);
}

TEST_CASE("charge_page / refund_page for ports that mark pages themselves") {
  Charged p(2);
  auto ticket = p.rig.c().begin_job(p.pt, kAdminLan);
  REQUIRE(ticket.ok());
  CHECK(p.rig.c().refund_page(*ticket).code() == CoreError::invalid_argument);  // nothing charged yet
  CHECK(*p.rig.c().charge_page(*ticket) == 1);
  CHECK(p.rig.storage.committed->printable_pages == 1);
  REQUIRE(p.rig.c().refund_page(*ticket).ok());
  CHECK(p.rig.storage.committed->printable_pages == 2);
  CHECK(*p.rig.c().charge_page(*ticket) == 1);
  CHECK(*p.rig.c().charge_page(*ticket) == 0);
  CHECK(p.rig.c().charge_page(*ticket).code() == CoreError::out_of_pages);
  CHECK(p.rig.c().end_job(*ticket).pages_printed == 2);
  CHECK(p.rig.engine.printed.empty());  // the engine HAL was not involved
}

TEST_CASE("settings: thresholds change with a PT, are committed, and the tag follows") {
  Charged p(7);  // threshold 5: ready
  CHECK(p.rig.tap().state == PrinterState::ready);
  REQUIRE(p.rig.c().update_settings(p.pt, kAdminLan, Settings{7, std::nullopt}).ok());
  CHECK(p.rig.storage.committed->page_threshold == 7);
  CHECK(p.rig.tap().state == PrinterState::charge_needed);  // 7 <= 7
  p.rig.ink.set("black", 60);
  REQUIRE(p.rig.c().refresh_ink().ok());
  CHECK(p.rig.tap().state == PrinterState::charge_needed);  // 60 % is not below 10 %
  REQUIRE(p.rig.c().update_settings(p.pt, kAdminLan, Settings{std::nullopt, 61}).ok());
  CHECK(p.rig.tap().state == PrinterState::ink_low);  // 60 % is below 61 %
  CHECK(p.rig.c().update_settings(p.pt, kAdminLan, Settings{std::nullopt, 101}).code() ==
        CoreError::invalid_argument);
  CHECK(p.rig.c().update_settings("pt_forged", kAdminLan, Settings{0, 0}).code() ==
        CoreError::unauthenticated);
  CHECK(p.rig.storage.committed->ink_low_percent == 61);
}
