// Group commit of SVWT→SVT exchanges (SqliteOptions::group_commit): concurrent exchanges share one
// transaction. The committer thread is held in its first batch (a decoy exchange) until every racer has
// queued, so the racers are certainly in one batch together.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "tests/unit/server/fixture.hpp"

using namespace tapbench::server;
using tapbench::ManualClock;
using tapbench::server::test::fresh_dir;
using tapbench::server::test::test_config;

namespace {

constexpr int kRacers = 16;

// Watches the store's queue through its test hooks: the first batch waits (bounded) until `hold_until`
// exchanges have been queued in total; optionally a batch of a given size fails before its COMMIT.
struct Batches {
  std::mutex m;
  std::condition_variable cv;
  std::size_t queued_total = 0;
  std::size_t hold_until = 0;
  std::size_t fail_size = 0;  // throw before COMMIT in a batch of this size (0: never)
  bool holding = false;       // the committer is inside its first batch
  std::vector<std::size_t> sizes;

  void enqueued(std::size_t) {
    std::lock_guard lock(m);
    ++queued_total;
    cv.notify_all();
  }
  void before_commit(std::size_t n) {
    std::unique_lock lock(m);
    if (sizes.empty()) {
      holding = true;
      cv.notify_all();
      cv.wait_for(lock, std::chrono::seconds(10), [&] { return queued_total >= hold_until; });
    }
    sizes.push_back(n);
    if (fail_size != 0 && n == fail_size) throw std::runtime_error("injected failure before COMMIT");
  }
  // Returns once the committer has taken the first exchange and holds its batch open.
  void wait_holding() {
    std::unique_lock lock(m);
    cv.wait_for(lock, std::chrono::seconds(10), [&] { return holding; });
  }
};

struct GroupFixture {
  std::filesystem::path dir = fresh_dir();
  ManualClock clock;
  Metrics metrics;
  SandboxGateway gateway{100000};
  Batches batches;
  std::unique_ptr<Store> store;
  std::unique_ptr<VendorService> service;

  GroupFixture() {
    SqliteOptions o{(dir / "vendord.db").string()};
    o.on_group_enqueue = [this](std::size_t n) { batches.enqueued(n); };
    o.before_group_commit = [this](std::size_t n) { batches.before_commit(n); };
    store = open_sqlite_store(o);
    service = std::make_unique<VendorService>(*store, clock, test_config(), gateway, &metrics);
  }
  ~GroupFixture() {
    service.reset();
    store.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

}  // namespace

TEST_CASE("group commit: racers on one SVWT in one batch, exactly one SVT") {
  GroupFixture f;
  const std::string st = f.service->register_printer("dv1", 1, {}).token;
  const std::string decoy = f.service->issue_svwt(st).token;
  const std::string svwt = f.service->issue_svwt(st).token;
  const auto before = f.store->totals();
  f.batches.hold_until = 1 + kRacers;

  std::atomic<bool> decoy_ok{false};
  std::thread first([&] {
    try {
      decoy_ok = f.service->issue_svt(decoy, "t0").device_id == "dv1";
    } catch (const std::exception&) {
    }
  });
  f.batches.wait_holding();  // the committer now holds the decoy's batch open
  std::atomic<int> wins{0}, used{0}, other{0};
  std::vector<std::thread> racers;
  for (int i = 0; i < kRacers; ++i) {
    racers.emplace_back([&] {
      try {
        f.service->issue_svt(svwt, "t");
        wins.fetch_add(1);
      } catch (const ApiError& e) {
        (e.code() == "token_already_used" ? used : other).fetch_add(1);
      }
    });
  }
  for (auto& t : racers)
    t.join();
  first.join();

  CHECK(decoy_ok.load());
  CHECK(wins.load() == 1);
  CHECK(used.load() == kRacers - 1);
  CHECK(other.load() == 0);
  REQUIRE(f.batches.sizes.size() == 2);
  CHECK(f.batches.sizes[0] == 1);
  CHECK(f.batches.sizes[1] == static_cast<std::size_t>(kRacers));  // all racers in one transaction
  // Two SVWTs out, two SVTs in; the losers of the batch count as races lost.
  CHECK(f.store->totals().live_tokens == before.live_tokens);
  CHECK(f.store->totals().spent_tokens == before.spent_tokens + 2);
  CHECK(f.metrics.serialize().find("vendord_token_races_lost_total{kind=\"svwt\"} " +
                                   std::to_string(kRacers - 1)) != std::string::npos);
}

TEST_CASE("group commit: a batch that fails before COMMIT answers nobody success and consumes nothing") {
  GroupFixture f;
  const std::string st = f.service->register_printer("dv1", 1, {}).token;
  const std::string decoy = f.service->issue_svwt(st).token;
  std::vector<std::string> svwts;
  for (int i = 0; i < 8; ++i)
    svwts.push_back(f.service->issue_svwt(st).token);
  const auto before = f.store->totals();
  f.batches.hold_until = 1 + svwts.size();
  f.batches.fail_size = svwts.size();

  std::atomic<bool> decoy_ok{false};
  std::thread first([&] {
    try {
      decoy_ok = f.service->issue_svt(decoy, "t0").device_id == "dv1";
    } catch (const std::exception&) {
    }
  });
  f.batches.wait_holding();
  std::atomic<int> wins{0}, failures{0};
  std::vector<std::thread> clients;
  for (const auto& s : svwts) {
    clients.emplace_back([&, s] {
      try {
        f.service->issue_svt(s, "t");
        wins.fetch_add(1);
      } catch (const StoreFailure&) {
        failures.fetch_add(1);
      }
    });
  }
  for (auto& t : clients)
    t.join();
  first.join();

  CHECK(decoy_ok.load());
  CHECK(wins.load() == 0);
  CHECK(failures.load() == static_cast<int>(svwts.size()));
  REQUIRE(f.batches.sizes.size() == 2);
  CHECK(f.batches.sizes[1] == svwts.size());
  // Only the decoy's exchange committed; every SVWT of the failed batch is still live and redeemable.
  CHECK(f.store->totals().live_tokens == before.live_tokens);
  CHECK(f.store->totals().spent_tokens == before.spent_tokens + 1);
  f.batches.fail_size = 0;
  for (const auto& s : svwts)
    CHECK(f.service->issue_svt(s, "again").device_id == "dv1");
  CHECK(f.store->totals().spent_tokens == before.spent_tokens + 1 + svwts.size());
}

TEST_CASE("group commit off: the same exchange, one transaction each") {
  const auto dir = fresh_dir();
  SqliteOptions o{(dir / "vendord.db").string()};
  o.group_commit = false;
  {
    auto store = open_sqlite_store(o);
    ManualClock clock;
    SandboxGateway gateway{100000};
    VendorService service{*store, clock, test_config(), gateway, nullptr};
    const std::string st = service.register_printer("dv1", 1, {}).token;
    const std::string svwt = service.issue_svwt(st).token;
    CHECK(service.issue_svt(svwt, "t").device_id == "dv1");
    CHECK_THROWS_WITH_AS(service.issue_svt(svwt, "t"), "SVWT was already used (single use)", ApiError);
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

TEST_CASE("group commit, async: every callback is called once, after its batch; one winner per SVWT") {
  GroupFixture f;
  const std::string st = f.service->register_printer("dv1", 1, {}).token;
  const std::string decoy = f.service->issue_svwt(st).token;
  const std::string svwt = f.service->issue_svwt(st).token;
  f.batches.hold_until = 1 + kRacers;

  std::mutex m;
  std::condition_variable cv;
  int answered = 0, wins = 0, used = 0;
  std::vector<std::string> svts;
  const auto done = [&](IssuedToken t, std::exception_ptr error) {
    std::lock_guard lock(m);
    ++answered;
    if (!error) {
      ++wins;
      svts.push_back(t.token);
    } else {
      try {
        std::rethrow_exception(error);
      } catch (const ApiError& e) {
        if (e.code() == "token_already_used") ++used;
      } catch (...) {
      }
    }
    cv.notify_all();
  };
  f.service->issue_svt_async(decoy, "t0", done);  // returns at once; the committer holds this batch
  f.batches.wait_holding();
  for (int i = 0; i < kRacers; ++i)
    f.service->issue_svt_async(svwt, "t", done);
  {
    std::unique_lock lock(m);
    CHECK(cv.wait_for(lock, std::chrono::seconds(10), [&] { return answered == 1 + kRacers; }));
    CHECK(wins == 2);  // the decoy's and one racer's
    CHECK(used == kRacers - 1);
  }
  REQUIRE(f.batches.sizes.size() == 2);
  CHECK(f.batches.sizes[1] == static_cast<std::size_t>(kRacers));
  for (const auto& svt : svts)  // each SVT answered is durable and usable
    CHECK(f.service->device_for_svt(svt).device.device_id == "dv1");
  // Malformed input is refused at once, nothing queued.
  CHECK_THROWS_AS(f.service->issue_svt_async("not-a-token", "t", done), ApiError);
}
