// Many threads redeem the same single-use token at once through the service (each on its own pooled SQLite
// connection): exactly one wins, every time.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "tests/unit/server/fixture.hpp"

using namespace tapbench::server;
using tapbench::server::test::Fixture;

namespace {
constexpr int kThreads = 12;
constexpr int kTrials = 15;

template <typename F>
int race(F&& attempt) {
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::atomic<int> wins{0};
  std::atomic<int> other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      ready.fetch_add(1);
      while (!go.load())
        std::this_thread::yield();
      try {
        attempt();
        wins.fetch_add(1);
      } catch (const ApiError& e) {
        if (e.code() != "token_already_used") other.fetch_add(1);
      }
    });
  }
  while (ready.load() < kThreads)
    std::this_thread::yield();
  go.store(true);
  for (auto& t : threads)
    t.join();
  CHECK(other.load() == 0);  // every loser is told "already used", nothing else
  return wins.load();
}
}  // namespace

TEST_CASE("concurrent CWT redemption: exactly one success per token, credited once") {
  Fixture f;
  const auto p = f.onboard("dv1");
  std::int64_t expected = 0;
  for (int trial = 0; trial < kTrials; ++trial) {
    const IssuedCwt c = f.service.paid_charge(p.svt, 10 + trial, "4242424242424242");
    expected += 10 + trial;
    CHECK(race([&] { f.service.charge(c.cwt); }) == 1);
  }
  CHECK(f.store->totals().credited_pages == expected);
  CHECK(f.store->totals().credits == kTrials);
  CHECK(f.store->device("dv1")->pending_pages == expected);
}

TEST_CASE("concurrent SVWT redemption: exactly one SVT per SVWT") {
  Fixture f;
  const std::string st = f.service.register_printer("dv1", 1, {}).token;
  for (int trial = 0; trial < kTrials; ++trial) {
    const std::string svwt = f.service.issue_svwt(st).token;
    const auto tokens_before = f.store->totals().live_tokens;
    CHECK(race([&] { f.service.issue_svt(svwt, "t"); }) == 1);
    CHECK(f.store->totals().live_tokens == tokens_before);  // one SVWT out, one SVT in
  }
}

TEST_CASE("concurrent free-charge CWTs of one device: one grant in total") {
  Fixture f;
  const auto p = f.onboard("dv1");
  std::vector<std::string> cwts;
  for (int i = 0; i < kThreads; ++i)
    cwts.push_back(f.service.confirm_free_charge(p.svt).cwt);
  std::atomic<int> next{0};
  std::atomic<std::int64_t> granted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back(
        [&] { granted += f.service.charge(cwts[static_cast<std::size_t>(next++)]).pages_granted; });
  }
  for (auto& t : threads)
    t.join();
  CHECK(granted.load() == 2000);
  CHECK(f.store->totals().credited_pages == 2000);
}
