// The patent's printer-side story end to end (FIG. 4–8), as one reading: what the administrator's terminal
// and then a user's terminal see at each step.
#include "tests/unit/firmware/fixture.hpp"

using namespace tapbench;
using namespace tapbench::firmware;
using namespace tapbench::firmware::test;

TEST_CASE(
    "FIG. 4–8: provision, register, free charge, hand back the PT, tap to print down to zero, ink low") {
  Rig rig;
  rig.config.pt_idle_timeout = 3600s;
  rig.boot();  // S11/S13

  // FIG. 4: the administrator taps (S17–S21), joins the group, hands over the router (S27–S29).
  auto tap = rig.tap();
  REQUIRE(tap.state == PrinterState::unregistered);
  REQUIRE(tap.wfd.has_value());
  const std::string pwt = *tap.pwt;
  REQUIRE(rig.c().accept_router_credentials(pwt, kAdminWfd, kHomeRouter).ok());
  REQUIRE(rig.c().tick().handover_completed);
  CHECK(rig.radio.station.has_value());

  // S31–S35 over the router: a PT bound to the administrator's app; the PWT is spent.
  auto pt = rig.c().issue_pt(pwt, kAdminLan);
  REQUIRE(pt.ok());
  CHECK(rig.c().issue_pt(pwt, kAdminLan).code() == CoreError::unauthenticated);

  // FIG. 5: register (S53–S61), poll (S63/S65), SVWT through the printer (S67–S75).
  REQUIRE(rig.c().register_with_server(*pt, kAdminLan).ok());
  CHECK(rig.c().registration_status(*pt, kAdminLan)->state == RegistrationState::registered);
  auto svwt = rig.c().svwt_for_terminal(*pt, kAdminLan);
  REQUIRE(svwt.ok());
  CHECK(svwt->rfind("SVWT-", 0) == 0);

  // FIG. 6: the free charge was redeemed at the server (S93–S97); the terminal asks for a sync (S99–S111).
  rig.server.grant(2000);
  auto synced = rig.c().sync_with_server(*pt, kAdminLan);
  REQUIRE(synced.ok());
  CHECK(synced->printable_pages == 2000);
  CHECK(rig.server.reported_pages == std::optional<std::uint32_t>{2000});

  // S39–S41: setup done, the administrator deletes its PT.
  REQUIRE(rig.c().delete_pt(*pt, kAdminLan).ok());
  CHECK(rig.c().snapshot().live_pts == 0);

  // S43–S45: the printer keeps an SVWT ready by itself.
  (void)rig.c().tick();
  CHECK(rig.c().snapshot().svwt_available);

  // FIG. 8: a user taps (ready: WFD + PWT), prints 3 pages over WFD with the PWT (S121–S125).
  // (The vendor's charge threshold for this printer is 1995 pages, so the story reaches it quickly.)
  REQUIRE(rig.c().update_settings(rig.get_pt(kUserLan), kUserLan, Settings{1995, std::nullopt}).ok());
  tap = rig.tap();
  REQUIRE(tap.state == PrinterState::ready);
  auto ticket = rig.c().begin_job(*tap.pwt, kUserWfd, 3);
  REQUIRE(ticket.ok());
  for (std::uint32_t i = 1; i <= 3; ++i)
    REQUIRE(rig.c().print_page(*ticket, page(ticket->job_id, i)).ok());
  CHECK(rig.c().end_job(*ticket).printable_pages == 1997);

  // FIG. 7: two more pages bring it to the threshold: the next tap asks for a charge with the SVWT (S116).
  auto more = rig.c().begin_job(*tap.pwt, kUserWfd, 2);
  REQUIRE(more.ok());
  for (std::uint32_t i = 1; i <= 2; ++i)
    REQUIRE(rig.c().print_page(*more, page(more->job_id, i)).ok());
  tap = rig.tap();
  CHECK(tap.state == PrinterState::charge_needed);
  CHECK(tap.url == std::optional<std::string>{"https://vendor.example/charge"});
  CHECK(tap.svwt.has_value());
  CHECK(tap.app_package == std::optional<std::string>{"dev.tapbench.manager"});

  // The cyan cartridge runs low: the exchange request wins over the charge (S19 order).
  rig.ink.set("cyan", 4);
  REQUIRE(rig.c().refresh_ink().ok());
  tap = rig.tap();
  CHECK(tap.state == PrinterState::ink_low);
  CHECK(tap.url == std::optional<std::string>{"https://vendor.example/exchange"});
  CHECK(tap.printable_pages == std::optional<std::uint32_t>{1995});
  CHECK(rig.engine.printed.size() == 5);
}
