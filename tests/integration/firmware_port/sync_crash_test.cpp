// kill -9 the printer (PrinterRuntime + bindings, real vendord) at seeded random instants while it syncs
// and prints in a loop, with the terminal buying pages in between. After every kill the PTB file must
// satisfy the page-conservation rule exactly: printable_pages + pages_printed = the pages of every credit up
// to applied_credit_id — no credit applied twice or lost, no page gained by a crash. At the end every credit
// has been applied once and vendord's copy of the count equals the printer's (S111).
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <fstream>
#include <map>
#include <random>

#include "firmware-under-test/port/linux/bindings/json_file_storage.hpp"
#include "server/api/http_client.hpp"
#include "tests/integration/nfc/nfc_test_support.hpp"
#include "tests/integration/server/vendord_process.hpp"

using namespace tapbench;
using namespace tapbench::firmware;
using nfc_test::Child;
using nfc_test::eventually;
namespace json = boost::json;

namespace {

std::size_t count(const std::string& out, const std::string& what) {
  std::size_t n = 0;
  for (auto p = out.find(what); p != std::string::npos; p = out.find(what, p + 1))
    ++n;
  return n;
}

json::object post(server::HttpClient& c, const std::string& path, const json::object& body,
                  const std::string& bearer) {
  const auto r = c.post_json(path, json::serialize(body), bearer);
  REQUIRE_MESSAGE(r.status / 100 == 2, path << " → " << r.status << " " << r.body);
  return json::parse(r.body).as_object();
}

}  // namespace

TEST_CASE("printer killed -9 during syncs and prints: page counts exact after every restart") {
  nfc_test::TempDir dir;
  std::filesystem::create_directories(dir / "v");
  server::test::VendordProcess vendord(dir / "v");
  vendord.start();
  const std::string url = "http://127.0.0.1:" + std::to_string(vendord.port());
  const std::string state = dir / "state", secrets = dir / "secrets";
  auto run = [&](int n) {
    return std::make_unique<Child>(std::vector<std::string>{PRINTER_LOOP_PATH, state, url, secrets},
                                   dir / ("printer-" + std::to_string(n) + ".out"));
  };

  auto printer = run(0);
  REQUIRE(eventually(
      [&] { return printer->output().find("registered") != std::string::npos || !printer->running(); },
      std::chrono::seconds(15)));
  REQUIRE_MESSAGE(printer->running(), printer->output());
  std::ifstream in(secrets);
  std::string pt, svwt;
  in >> pt >> svwt;
  REQUIRE(svwt.rfind("svwt_", 0) == 0);
  server::HttpClient terminal("127.0.0.1", vendord.port());
  const std::string svt(
      post(terminal, "/v1/terminal/svt", {{"svwt", svwt}, {"terminal_id", "t"}}, {}).at("svt").as_string());

  std::map<std::int64_t, std::int64_t> credits;  // credit id → pages
  std::mt19937 rng(424242);
  std::uniform_int_distribution<int> pages(1, 8), syncs(1, 6);
  constexpr int kRounds = 8;
  for (int round = 1; round <= kRounds; ++round) {
    CAPTURE(round);
    const auto cwt = post(terminal, "/v1/terminal/paid-charge",
                          {{"pages", pages(rng)},
                           {"card_number", "4242424242424242"},
                           {"request_id", "r-" + std::to_string(round)}},
                          svt);
    const auto credit = post(terminal, "/v1/terminal/charge", {{"cwt", cwt.at("cwt")}}, {});
    credits[credit.at("credit_id").as_int64()] = credit.at("pages_granted").as_int64();
    // Let it run a random number of sync(+print) cycles, then kill it wherever it is.
    const std::size_t target = count(printer->output(), "synced ") + static_cast<std::size_t>(syncs(rng));
    REQUIRE_MESSAGE(
        eventually([&] { return count(printer->output(), "synced ") >= target || !printer->running(); },
                   std::chrono::seconds(20)),
        printer->output());
    REQUIRE_MESSAGE(printer->running(), printer->output());
    printer->signal(SIGKILL);
    REQUIRE(printer->wait(std::chrono::seconds(5)) == 128 + SIGKILL);

    auto loaded = port::JsonFileStorage(state).load();
    REQUIRE_MESSAGE(loaded.ok(), loaded.status().detail);
    const Ptb& p = **loaded;
    std::int64_t applied = 0;
    for (const auto& [id, n] : credits)
      if (id <= p.applied_credit_id) applied += n;
    CHECK(static_cast<std::int64_t>(p.printable_pages + p.pages_printed) == applied);
    printer = run(round);
  }
  // A clean stretch: every credit gets applied, and the server's count follows the printer's.
  REQUIRE(eventually([&] { return count(printer->output(), "synced 0\n") >= 2 || !printer->running(); },
                     std::chrono::seconds(30)));
  REQUIRE_MESSAGE(printer->running(), printer->output());
  printer->signal(SIGKILL);
  REQUIRE(printer->wait(std::chrono::seconds(5)).has_value());
  auto loaded = port::JsonFileStorage(state).load();
  REQUIRE(loaded.ok());
  const Ptb& p = **loaded;
  CHECK(p.applied_credit_id == credits.rbegin()->first);
  std::int64_t total = 0;
  for (const auto& [id, n] : credits)
    total += n;
  CHECK(static_cast<std::int64_t>(p.pages_printed) == total);  // everything bought was printed, once
  CHECK(p.printable_pages == 0);
  const auto dev = terminal.get("/v1/terminal/device", svt);
  REQUIRE(dev.status == 200);
  CHECK(json::parse(dev.body).at("pages").as_int64() == 0);
}
