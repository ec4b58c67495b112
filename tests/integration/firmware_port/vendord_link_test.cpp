// VendordServerLink against the real vendord binary: registration → ST committed in the PTB file, an SVWT
// the terminal redeems for an SVT, a free charge redeemed, and the sync that brings the pages to the
// printer exactly once (S53–S111). Then the failure mapping: bad ST, server gone, a server that never
// answers (the call's own timeout).
#include <doctest/doctest.h>

#include <boost/asio.hpp>
#include <boost/json.hpp>

#include "firmware-under-test/port/linux/bindings/printer_runtime.hpp"
#include "firmware-under-test/port/linux/bindings/vendord_server_link.hpp"
#include "server/api/http_client.hpp"
#include "tests/integration/nfc/nfc_test_support.hpp"
#include "tests/integration/server/vendord_process.hpp"

using namespace tapbench;
using namespace tapbench::firmware;
using namespace tapbench::firmware::port;
namespace json = boost::json;

namespace {
const Terminal kAdmin{"app:admin", Link::wfd};

json::object post(server::HttpClient& c, const std::string& path, const json::object& body,
                  const std::string& bearer, int expect) {
  const auto r = c.post_json(path, json::serialize(body), bearer);
  REQUIRE_MESSAGE(r.status == expect, path << " → " << r.status << " " << r.body);
  return json::parse(r.body).as_object();
}
}  // namespace

TEST_CASE("printer ↔ vendord: register, SVWT, charge by the terminal, sync exactly once") {
  nfc_test::TempDir dir;
  std::filesystem::create_directories(dir / "v");
  server::test::VendordProcess vendord(dir / "v");
  vendord.start();
  PrinterRuntimeOptions o;
  o.state_dir = dir / "state";
  o.server_url = "http://127.0.0.1:" + std::to_string(vendord.port());
  o.core.device_id = "dv-port-1";
  o.core.page_threshold = 5;
  o.server_timeout = std::chrono::seconds(5);
  PrinterRuntime printer(o);
  REQUIRE(printer.start(false).ok());

  const std::string pwt = printer.with_core([](PrinterCore& c) { return c.current_pwt(); });
  const auto pt = printer.with_core([&](PrinterCore& c) { return c.issue_pt(pwt, kAdmin); });
  REQUIRE(pt.ok());
  const auto reg = printer.with_core([&](PrinterCore& c) { return c.register_with_server(*pt, kAdmin); });
  REQUIRE_MESSAGE(reg.ok(), reg.error().detail);
  CHECK(reg->state == RegistrationState::registered);
  // The ST is in the committed PTB file (a restart keeps the registration).
  const auto stored = printer.storage().load();
  REQUIRE(stored.ok());
  REQUIRE((*stored)->server_token);
  CHECK((*stored)->server_token->rfind("st_", 0) == 0);

  const auto svwt = printer.with_core([&](PrinterCore& c) { return c.svwt_for_terminal(*pt, kAdmin); });
  REQUIRE_MESSAGE(svwt.ok(), svwt.error().detail);
  CHECK(svwt->rfind("svwt_", 0) == 0);

  // The terminal's side (S77–S97) with vendord's own client.
  server::HttpClient terminal("127.0.0.1", vendord.port());
  const auto svt = post(terminal, "/v1/terminal/svt", {{"svwt", *svwt}, {"terminal_id", "phone-1"}}, {}, 201);
  const std::string svt_token(svt.at("svt").as_string());
  CHECK(svt.at("device_id").as_string() == "dv-port-1");
  const auto cwt = post(terminal, "/v1/terminal/free-charge", {}, svt_token, 201);
  const auto granted = post(terminal, "/v1/terminal/charge", {{"cwt", cwt.at("cwt")}}, {}, 200);
  const auto pages = static_cast<std::uint32_t>(granted.at("pages_granted").as_int64());
  REQUIRE(pages > 0);

  const auto sync = printer.with_core([&](PrinterCore& c) { return c.sync_with_server(*pt, kAdmin); });
  REQUIRE_MESSAGE(sync.ok(), sync.error().detail);
  CHECK(sync->pages_added == pages);
  CHECK(sync->reported);
  CHECK(sync->printing_enabled);
  const auto again = printer.with_core([&](PrinterCore& c) { return c.sync_with_server(*pt, kAdmin); });
  REQUIRE(again.ok());
  CHECK(again->pages_added == 0);  // exactly once
  CHECK(printer.with_core([](PrinterCore& c) { return c.snapshot().printable_pages; }) == pages);
  // The server's copy equals the printer's (S111).
  const auto dev = terminal.get("/v1/terminal/device", svt_token);
  REQUIRE(dev.status == 200);
  CHECK(json::parse(dev.body).at("pages").as_int64() == pages);

  // The server disables printing (activation): the next sync carries it and the core refuses jobs.
  post(terminal, "/v1/terminal/activation", {{"active", false}}, svt_token, 200);
  const auto off = printer.with_core([&](PrinterCore& c) { return c.sync_with_server(*pt, kAdmin); });
  REQUIRE(off.ok());
  CHECK_FALSE(off->printing_enabled);
  const auto refused = printer.with_core([&](PrinterCore& c) { return c.begin_job(*pt, kAdmin); });
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == CoreError::printing_disabled);
  post(terminal, "/v1/terminal/activation", {{"active", true}}, svt_token, 200);
  REQUIRE(
      printer.with_core([&](PrinterCore& c) { return c.sync_with_server(*pt, kAdmin); })->printing_enabled);
  CHECK(printer.with_core([&](PrinterCore& c) { return c.begin_job(*pt, kAdmin); }).ok());

  // A wrong ST is `rejected` with vendord's code, and the detail carries no token.
  VendordEndpoint ep{"127.0.0.1", vendord.port(), ""};
  VendordServerLink link(ep, RealClock::instance(), std::chrono::seconds(5));
  const std::string bogus = "st_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
  const auto bad = link.request_svwt({bogus});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code == hal::HalCode::rejected);
  CHECK(bad.status().detail.find("401 token_unknown") != std::string::npos);
  CHECK(bad.status().detail.find(bogus) == std::string::npos);
  // A second registration of the same device id: rejected (409), the core keeps its ST.
  const auto dup = link.register_device({"dv-port-1", 0, {}});
  CHECK(dup.status().code == hal::HalCode::rejected);
  CHECK(dup.status().detail.find("409 device_already_registered") != std::string::npos);

  // Server gone: the core reports server_failed, nothing changes.
  vendord.kill9();
  const auto gone = printer.with_core([&](PrinterCore& c) { return c.sync_with_server(*pt, kAdmin); });
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.error().code == CoreError::server_failed);
  CHECK(gone.error().detail.find("unreachable") != std::string::npos);
  CHECK(printer.with_core([](PrinterCore& c) { return c.snapshot().printable_pages; }) == pages);
}

TEST_CASE("a server that accepts the connection and never answers: the call ends at its timeout") {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor mute(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});  // never accepts
  VendordEndpoint ep{"127.0.0.1", mute.local_endpoint().port(), ""};
  VendordServerLink link(ep, RealClock::instance(), std::chrono::milliseconds(300));
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = link.sync({"st_x", "dv1", 1, 0, {}, 0});
  const auto took = std::chrono::steady_clock::now() - t0;
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code == hal::HalCode::timeout);
  CHECK(r.status().detail.find("no answer within 300 ms") != std::string::npos);
  CHECK(took < std::chrono::seconds(5));  // bounded (generous: a loaded CI machine)
  // Nothing listening at all: unreachable, at once.
  const auto port = mute.local_endpoint().port();
  mute.close();
  VendordServerLink closed({"127.0.0.1", port, ""}, RealClock::instance(), std::chrono::milliseconds(300));
  CHECK(closed.request_svwt({"st_x"}).status().code == hal::HalCode::unreachable);
}
