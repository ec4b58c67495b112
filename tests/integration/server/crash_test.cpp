// kill -9 of the real vendord while terminals charge and a printer syncs; restart on the same database;
// every total must come out exact: nothing lost, nothing doubled. Ambiguous calls (the server died before
// answering) are resolved the way a real client would: retry with the same token / the same sync state.
#include <doctest/doctest.h>

#include <atomic>
#include <boost/json.hpp>
#include <fstream>
#include <iterator>
#include <random>
#include <regex>
#include <thread>

#include "server/api/http_client.hpp"
#include "server/store/sqlite_store.hpp"
#include "tests/integration/server/vendord_process.hpp"
#include "tests/unit/server/fixture.hpp"

using namespace tapbench::server;
using tapbench::server::test::VendordProcess;
namespace json = boost::json;

namespace {

json::object parse(const ClientResponse& r) {
  INFO(r.status << " " << r.body);
  return json::parse(r.body).as_object();
}

// The printer's durable state (its PTB): count and the last credit it applied, updated together.
struct Printer {
  std::string st;
  std::int64_t pages = 100;
  std::int64_t applied = 0;

  // One sync round (S101-S111); throws HttpClientError if the server is gone (state untouched then, or
  // already updated atomically: both are safe to retry).
  std::int64_t sync(HttpClient& c) {
    const auto r =
        c.post_json("/v1/printer/sync",
                    R"({"pages":)" + std::to_string(pages) + R"(,"ink":{"black":50},"applied_credit_id":)" +
                        std::to_string(applied) + "}",
                    st);
    REQUIRE(r.status == 200);
    const auto o = parse(r);
    const std::int64_t add = o.at("add_pages").as_int64();
    if (add > 0) {  // printer adds and records the credit id in one durable step
      pages += add;
      applied = o.at("credit_through").as_int64();
    }
    return add;
  }
};

struct Ledger {
  std::int64_t granted = 0;  // pages the server confirmed (or, after a crash, proved) credited
  std::vector<std::pair<std::string, std::int64_t>> unresolved;  // CWTs whose charge answer was lost
  std::vector<std::pair<std::string, std::int64_t>> unpaid;      // paid-charge requests whose answer was lost
  int lost_answers = 0, committed_before_crash = 0;              // how often the crash hit mid-charge
  int requests = 0;                                              // paid-charge request ids used
};

// One terminal step: buy pages (paid CWT), then redeem it. Throws HttpClientError when the server dies;
// a CWT whose redemption answer was lost is remembered for resolution after the restart.
void charge_once(HttpClient& c, const std::string& svt, std::int64_t pages, Ledger& ledger) {
  const std::string request_id = "req-" + std::to_string(++ledger.requests);
  ClientResponse paid;
  try {
    paid = c.post_json("/v1/terminal/paid-charge",
                       R"({"pages":)" + std::to_string(pages) +
                           R"(,"card_number":"4242424242424242","request_id":")" + request_id + R"("})",
                       svt);
  } catch (const HttpClientError&) {
    ledger.unpaid.emplace_back(request_id, pages);
    throw;
  }
  REQUIRE(paid.status == 201);
  const std::string cwt{parse(paid).at("cwt").as_string()};
  try {
    const auto r = c.post_json("/v1/terminal/charge", R"({"cwt":")" + cwt + R"("})");
    REQUIRE(r.status == 200);
    CHECK(parse(r).at("pages_granted").as_int64() == pages);
    ledger.granted += pages;
  } catch (const HttpClientError&) {
    ledger.unresolved.emplace_back(cwt, pages);
    throw;
  }
}

// After a restart: a lost answer is resolved by presenting the same CWT again.
void resolve(HttpClient& c, const std::string& svt, Ledger& ledger) {
  // A paid-charge answer lost: retry with the same request_id. Whether or not the payment committed before
  // the crash, this yields exactly one payment and a CWT for it.
  for (const auto& [request_id, pages] : ledger.unpaid) {
    const auto paid =
        c.post_json("/v1/terminal/paid-charge",
                    R"({"pages":)" + std::to_string(pages) +
                        R"(,"card_number":"4242424242424242","request_id":")" + request_id + R"("})",
                    svt);
    REQUIRE((paid.status == 200 || paid.status == 201));
    const auto r = c.post_json("/v1/terminal/charge",
                               R"({"cwt":")" + std::string{parse(paid).at("cwt").as_string()} + R"("})");
    REQUIRE(r.status == 200);
    ledger.granted += pages;
  }
  ledger.unpaid.clear();
  for (const auto& [cwt, pages] : ledger.unresolved) {
    ++ledger.lost_answers;
    const auto r = c.post_json("/v1/terminal/charge", R"({"cwt":")" + cwt + R"("})");
    if (r.status == 200) {
      ledger.granted += pages;  // the crash came before the commit: redeemed now
    } else {
      REQUIRE(r.status == 409);  // committed before the crash: credited exactly once already
      ++ledger.committed_before_crash;
      ledger.granted += pages;
    }
  }
  ledger.unresolved.clear();
}

struct Onboarded {
  std::string st, svt;
};

Onboarded onboard(HttpClient& c) {
  Onboarded o;
  o.st = std::string{
      parse(c.post_json("/v1/printer/register", R"({"device_id":"dv1","pages":100})")).at("st").as_string()};
  const std::string svwt{parse(c.post_json("/v1/printer/svwt", "", o.st)).at("svwt").as_string()};
  // A long idle lifetime is configured below so the SVT outlives the restarts.
  o.svt = std::string{
      parse(c.post_json("/v1/terminal/svt", R"({"svwt":")" + svwt + R"("})")).at("svt").as_string()};
  return o;
}

// Runs `work` on a thread until the server dies; kills the server -9 once `work` has done `after` steps.
template <typename Work>
void kill_during(VendordProcess& vendord, int after, Work&& work) {
  std::atomic<int> steps{0};
  std::atomic<bool> died{false};
  std::thread worker([&] {
    try {
      for (;;) {
        work();
        ++steps;
      }
    } catch (const HttpClientError&) {
      died = true;
    }
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{30};
  while (steps.load() < after && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  REQUIRE(steps.load() >= after);
  vendord.kill9();
  worker.join();
  CHECK(died.load());
}

}  // namespace

TEST_CASE("kill -9 during charges: after restart every charge is credited exactly once") {
  const auto dir = tapbench::server::test::fresh_dir();
  VendordProcess vendord(dir, {"--svt-idle", "3600"});
  std::mt19937 rng{std::random_device{}()};
  Ledger ledger;
  vendord.start();
  Onboarded who;
  {
    HttpClient c("127.0.0.1", vendord.port());
    who = onboard(c);
  }
  for (int round = 0; round < 3; ++round) {
    HttpClient c("127.0.0.1", vendord.port(), std::chrono::seconds{3});
    std::int64_t n = 0;
    kill_during(vendord, std::uniform_int_distribution<int>(2, 25)(rng),
                [&] { charge_once(c, who.svt, 1 + (n++ % 17), ledger); });
    vendord.start();  // restart on the same database (WAL recovery)
    HttpClient after("127.0.0.1", vendord.port());
    resolve(after, who.svt, ledger);
  }
  HttpClient c("127.0.0.1", vendord.port());
  const auto d = parse(c.get("/v1/terminal/device", who.svt));
  CHECK(d.at("pending_pages").as_int64() == ledger.granted);
  CHECK(vendord.terminate() == 0);
  const auto totals = open_sqlite_store({(dir / "vendord.db").string()})->totals();
  CHECK(totals.credited_pages == ledger.granted);
  CHECK(totals.payments == ledger.requests);  // one payment per request id, none lost, none doubled
  CHECK(totals.devices == 1);
  MESSAGE("charged " << ledger.granted << " pages over 3 crashes; lost answers " << ledger.lost_answers
                     << ", of which committed before the crash " << ledger.committed_before_crash
                     << "; paid-charge requests " << ledger.requests);
  // No token in any log line (the log has one line per request of this whole run).
  std::ifstream log(dir / "vendord.log");
  const std::string text{std::istreambuf_iterator<char>(log), std::istreambuf_iterator<char>()};
  CHECK(text.find("POST /v1/terminal/charge 200 ok") != std::string::npos);
  CHECK_FALSE(std::regex_search(text, std::regex("(st|svwt|svt|cwt)_[A-Za-z0-9_-]{20}")));
  CHECK(text.find(who.svt.substr(4, 12)) == std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("kill -9 during charges and syncs: printer and server counts agree, no credit lost or doubled") {
  const auto dir = tapbench::server::test::fresh_dir();
  VendordProcess vendord(dir, {"--svt-idle", "3600"});
  std::mt19937 rng{std::random_device{}()};
  Ledger ledger;
  Printer printer;
  vendord.start();
  Onboarded who;
  {
    HttpClient c("127.0.0.1", vendord.port());
    who = onboard(c);
  }
  printer.st = who.st;
  const std::int64_t initial = printer.pages;
  for (int round = 0; round < 3; ++round) {
    HttpClient terminal("127.0.0.1", vendord.port(), std::chrono::seconds{3});
    HttpClient link("127.0.0.1", vendord.port(), std::chrono::seconds{3});
    std::int64_t n = 0;
    // Each step: one charge, then one or two sync rounds (offer, then apply + acknowledge).
    kill_during(vendord, std::uniform_int_distribution<int>(2, 25)(rng), [&] {
      charge_once(terminal, who.svt, 3 + (n++ % 11), ledger);
      printer.sync(link);
      if (n % 2 == 0) printer.sync(link);
    });
    vendord.start();
    HttpClient after("127.0.0.1", vendord.port());
    resolve(after, who.svt, ledger);
  }
  HttpClient c("127.0.0.1", vendord.port());
  // Sync until nothing is outstanding: at most a few rounds.
  for (int i = 0; i < 3 && printer.sync(c) > 0; ++i) {
  }
  CHECK(printer.sync(c) == 0);
  CHECK(printer.pages == initial + ledger.granted);
  const auto d = parse(c.get("/v1/terminal/device", who.svt));
  CHECK(d.at("pages").as_int64() == printer.pages);  // S111: the server holds the printer's count
  CHECK(d.at("pending_pages").as_int64() == 0);
  CHECK(vendord.terminate() == 0);
  const auto totals = open_sqlite_store({(dir / "vendord.db").string()})->totals();
  CHECK(totals.credited_pages == ledger.granted);
  CHECK(totals.applied_pages == ledger.granted);
  CHECK(totals.payments == ledger.requests);
  MESSAGE("charged and synced " << ledger.granted << " pages over 3 crashes; lost charge answers "
                                << ledger.lost_answers);
  std::filesystem::remove_all(dir);
}

TEST_CASE("crash exactly after a charge commits, before its answer: the retry is refused, credited once") {
  const auto dir = tapbench::server::test::fresh_dir();
  VendordProcess vendord(dir, {"--svt-idle", "3600"});
  vendord.set_env({"TAPBENCH_VENDORD_CRASH_AT=charge.committed:3"});
  vendord.start();
  Ledger ledger;
  HttpClient c("127.0.0.1", vendord.port(), std::chrono::seconds{3});
  const Onboarded who = onboard(c);
  charge_once(c, who.svt, 10, ledger);
  charge_once(c, who.svt, 20, ledger);
  CHECK_THROWS_AS(charge_once(c, who.svt, 40, ledger),
                  HttpClientError);  // the 3rd charge: killed after commit
  REQUIRE(ledger.unresolved.size() == 1);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{10};
  while (!vendord.exited() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  REQUIRE(vendord.exited());
  vendord.set_env({});
  vendord.start();
  HttpClient after("127.0.0.1", vendord.port());
  resolve(after, who.svt, ledger);
  CHECK(ledger.committed_before_crash == 1);  // the retry was told "already used"
  CHECK(ledger.granted == 70);
  CHECK(parse(after.get("/v1/terminal/device", who.svt)).at("pending_pages").as_int64() == 70);
  CHECK(vendord.terminate() == 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE(
    "crash exactly after a sync commits, before its answer: the printer's retry neither loses nor doubles") {
  const auto dir = tapbench::server::test::fresh_dir();
  VendordProcess vendord(dir, {"--svt-idle", "3600"});
  Ledger ledger;
  Printer printer;
  for (const char* point : {"sync.committed:1", "sync.committed:2"}) {
    INFO(point);
    vendord.set_env({std::string{"TAPBENCH_VENDORD_CRASH_AT="} + point});
    vendord.start();
    HttpClient c("127.0.0.1", vendord.port(), std::chrono::seconds{3});
    if (printer.st.empty()) {
      const Onboarded who = onboard(c);
      printer.st = who.st;
      const auto svt = who.svt;
      charge_once(c, svt, 500, ledger);
    } else {
      // A second credit for the second round.
      const std::string svwt{parse(c.post_json("/v1/printer/svwt", "", printer.st)).at("svwt").as_string()};
      const std::string svt{
          parse(c.post_json("/v1/terminal/svt", R"({"svwt":")" + svwt + R"("})")).at("svt").as_string()};
      charge_once(c, svt, 300, ledger);
    }
    const auto before = printer;
    // Sync #1 offers the credit (crash point 1 loses that answer); sync #2 acknowledges (point 2 loses it).
    try {
      printer.sync(c);
      printer.sync(c);
      FAIL("vendord should have been killed by the crash hook");
    } catch (const HttpClientError&) {
    }
    CHECK(printer.applied >= before.applied);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{10};
    while (!vendord.exited() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::yield();
    REQUIRE(vendord.exited());
    vendord.set_env({});
    vendord.start();
    HttpClient after("127.0.0.1", vendord.port());
    for (int i = 0; i < 3 && printer.sync(after) > 0; ++i) {
    }
    CHECK(printer.sync(after) == 0);
    CHECK(vendord.terminate() == 0);
  }
  CHECK(printer.pages == 100 + 500 + 300);
  const auto totals = open_sqlite_store({(dir / "vendord.db").string()})->totals();
  CHECK(totals.credited_pages == 800);
  CHECK(totals.applied_pages == 800);
  std::filesystem::remove_all(dir);
}

TEST_CASE("crash exactly after a paid charge commits, before its answer: the retry is the same payment") {
  const auto dir = tapbench::server::test::fresh_dir();
  VendordProcess vendord(dir, {"--svt-idle", "3600"});
  vendord.set_env({"TAPBENCH_VENDORD_CRASH_AT=paid.committed:1"});
  vendord.start();
  Ledger ledger;
  HttpClient c("127.0.0.1", vendord.port(), std::chrono::seconds{3});
  const Onboarded who = onboard(c);
  CHECK_THROWS_AS(charge_once(c, who.svt, 250, ledger), HttpClientError);
  REQUIRE(ledger.unpaid.size() == 1);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{10};
  while (!vendord.exited() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  REQUIRE(vendord.exited());
  vendord.set_env({});
  vendord.start();
  HttpClient after("127.0.0.1", vendord.port());
  const auto retry =
      after.post_json("/v1/terminal/paid-charge",
                      R"({"pages":250,"card_number":"4242424242424242","request_id":"req-1"})", who.svt);
  CHECK(retry.status == 200);  // not 201: the payment committed before the crash is found, not repeated
  CHECK(parse(retry).at("replayed").as_bool());
  CHECK(parse(retry).at("payment_id").as_int64() == 1);
  const std::string cwt{parse(retry).at("cwt").as_string()};
  CHECK(after.post_json("/v1/terminal/charge", R"({"cwt":")" + cwt + R"("})").status == 200);
  CHECK(vendord.terminate() == 0);
  const auto totals = open_sqlite_store({(dir / "vendord.db").string()})->totals();
  CHECK(totals.payments == 1);
  CHECK(totals.credited_pages == 250);
  std::filesystem::remove_all(dir);
}
