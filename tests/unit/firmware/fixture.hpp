// A printer on Fake… HAL backends with a ManualClock, and helpers that play the terminal's side of the
// patent steps. Tests read the tag exactly as a phone would (parse_tap_message on the served bytes).
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "firmware-under-test/core/printer_core.hpp"
#include "firmware-under-test/hal/fake/fake_ink_sensor.hpp"
#include "firmware-under-test/hal/fake/fake_print_engine.hpp"
#include "firmware-under-test/hal/fake/fake_radio.hpp"
#include "firmware-under-test/hal/fake/fake_server_link.hpp"
#include "firmware-under-test/hal/fake/fake_storage.hpp"
#include "firmware-under-test/hal/fake/fake_tag_frontend.hpp"
#include "protocol/clock/clock.hpp"
#include "protocol/handover/tap_message.hpp"

namespace tapbench::firmware::test {

using namespace std::chrono_literals;
using handover::PrinterState;

inline const Terminal kAdminWfd{"app:admin", Link::wfd};
inline const Terminal kAdminLan{"app:admin", Link::lan};
inline const Terminal kUserWfd{"app:user", Link::wfd};
inline const Terminal kUserLan{"app:user", Link::lan};
inline const NetworkConfig kHomeRouter{"home-router", "correct horse battery"};

// Fixture lifetimes: seconds, as the bench fixtures use.
inline CoreConfig test_config() {
  CoreConfig c;
  c.device_id = "dv1";
  c.factory_pages = 0;
  c.page_threshold = 5;
  c.ink_low_percent = 10;
  c.pwt_period = 60s;
  c.pwt_max_failures = 5;
  c.pwt_global_max_failures = 20;
  c.pwt_failure_window = 600s;
  c.pt_idle_timeout = 300s;
  c.max_pts = 4;
  c.svwt_prefetch_period = 120s;
  c.sync_period = 600s;
  c.server_retry_delay = 10s;
  c.charge_url = "https://vendor.example/charge";
  c.exchange_url = "https://vendor.example/exchange";
  return c;
}

inline hal::Page page(std::uint32_t job, std::uint32_t index) {
  hal::Page p;
  p.job_id = job;
  p.index = index;
  p.width_px = 2480;
  p.height_px = 3508;
  p.dpi = 300;
  p.format = "image/pwg-raster";
  return p;
}

struct Rig {
  ManualClock clock;
  hal::FakeTagFrontend tag;
  hal::FakeRadio radio;
  hal::FakeStorage storage;
  hal::FakePrintEngine engine;
  hal::FakeInkSensor ink;
  hal::FakeServerLink server;
  CoreConfig config = test_config();
  std::unique_ptr<PrinterCore> core;

  Hal hal() { return Hal{tag, radio, storage, engine, ink, server, clock}; }

  // S11/S13. A second call is a reboot: a new core on the same storage.
  void boot() {
    tag.set_tap_listener(nullptr);
    core = std::make_unique<PrinterCore>(hal(), config);
    auto started = core->start();
    REQUIRE_MESSAGE(started.ok(), (started.ok() ? "" : started.error().detail));
    tag.set_tap_listener(core.get());
  }
  PrinterCore& c() { return *core; }

  // S17–S21 as the phone sees it.
  handover::TapView tap() {
    const auto& bytes = tag.tap();
    auto view = handover::parse_tap_message(ndef::ByteView(bytes));
    REQUIRE_MESSAGE(view.ok(), (view.ok() ? "" : view.error().to_string()));
    return *view;
  }
  std::string tap_pwt() {
    auto view = tap();
    REQUIRE(view.pwt.has_value());
    return *view.pwt;
  }

  // S17–S35: tap, hand over the router over WFD, get a PT over the LAN.
  std::string get_pt(const Terminal& lan = kAdminLan) {
    const std::string pwt = tap_pwt();
    auto pt = core->issue_pt(pwt, lan);
    REQUIRE(pt.ok());
    return *pt;
  }
  // S17–S65 plus the first SVWT prefetch (S43): a registered printer on the router with a PT.
  std::string provision() {
    const std::string pwt = tap_pwt();
    REQUIRE(core->accept_router_credentials(pwt, kAdminWfd, kHomeRouter).ok());
    REQUIRE(core->complete_router_handover().ok());
    auto pt = core->issue_pt(pwt, kAdminLan);
    REQUIRE(pt.ok());
    REQUIRE(core->register_with_server(*pt, kAdminLan).ok());
    core->tick();  // S43 prefetch
    return *pt;
  }
  // S95 + S99–S111: the server grants pages, the terminal triggers a sync.
  void charge(const std::string& pt, std::uint32_t pages) {
    server.grant(pages);
    auto s = core->sync_with_server(pt, kAdminLan);
    REQUIRE(s.ok());
  }
  // The invariant every test can check: RAM equals the last commit.
  bool ram_equals_committed() const { return storage.committed && core->ptb() == *storage.committed; }
};

}  // namespace tapbench::firmware::test
