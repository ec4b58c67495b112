// The pure rules of the core, each at its boundary: page ledger, ink model, PWT guard.
#include <doctest/doctest.h>

#include <cstdint>

#include "firmware-under-test/core/ink_model.hpp"
#include "firmware-under-test/core/page_ledger.hpp"
#include "firmware-under-test/core/pwt_guard.hpp"
#include "protocol/clock/clock.hpp"

using namespace tapbench;
using namespace tapbench::firmware;
using namespace std::chrono_literals;

TEST_CASE("ledger: a page needs one printable page; zero refuses, never wraps below zero") {
  CHECK(ledger::after_page(1) == std::optional<std::uint32_t>{0});
  CHECK(ledger::after_page(2000) == std::optional<std::uint32_t>{1999});
  CHECK_FALSE(ledger::after_page(0).has_value());
  CHECK_FALSE(ledger::can_print(0));
  CHECK(ledger::can_print(1));
}

TEST_CASE("ledger: credit up to UINT32_MAX exactly; one more is refused") {
  CHECK(ledger::after_credit(0, 2000) == std::optional<std::uint32_t>{2000});
  CHECK(ledger::after_credit(10, UINT32_MAX - 10) == std::optional<std::uint32_t>{UINT32_MAX});
  CHECK_FALSE(ledger::after_credit(10, UINT32_MAX - 9).has_value());
  CHECK_FALSE(ledger::after_credit(UINT32_MAX, 1).has_value());
}

TEST_CASE("ledger: a job crosses zero only when it has more pages than are left") {
  CHECK_FALSE(ledger::would_cross_zero(3, 3));
  CHECK(ledger::would_cross_zero(3, 4));
  CHECK(ledger::would_cross_zero(0, 1));
  CHECK_FALSE(ledger::would_cross_zero(0, 0));
}

TEST_CASE("ink: a colour strictly below the threshold is low") {
  std::vector<InkLevel> levels{{"cyan", 10}, {"magenta", 55}, {"yellow", 100}, {"black", 11}};
  CHECK_FALSE(ink::is_low(levels, 10));
  levels[0].percent = 9;
  CHECK(ink::is_low(levels, 10));
  CHECK(ink::low_colours(levels, 10) == std::vector<std::string>{"cyan"});
  levels[3].percent = 0;
  CHECK(ink::low_colours(levels, 10) == std::vector<std::string>{"cyan", "black"});
  CHECK_FALSE(ink::is_low(levels, 0));  // threshold 0: never asks for an exchange
}

TEST_CASE("ink: unusable sensor readings are named") {
  CHECK(ink::validate({{"black", 100}}) == std::nullopt);
  CHECK(ink::validate({}) == std::optional<std::string>{"no ink colours reported"});
  CHECK(ink::validate({{"", 5}}) == std::optional<std::string>{"ink colour without a name"});
  CHECK(ink::validate({{"black", 5}, {"black", 6}}) ==
        std::optional<std::string>{"ink colour 'black' reported twice"});
  CHECK(ink::validate({{"cyan", 101}}) ==
        std::optional<std::string>{"ink colour 'cyan' at 101 % (over 100)"});
}

namespace {
CoreConfig guard_config() {
  CoreConfig c;
  c.pwt_period = 60s;
  c.pwt_max_failures = 5;
  c.pwt_global_max_failures = 8;
  c.pwt_failure_window = 100s;
  return c;
}
}  // namespace

TEST_CASE("PWT guard: 8 typeable characters, valid for [issue, issue + period)") {
  ManualClock clock;
  const CoreConfig config = guard_config();
  PwtGuard guard(clock, config);
  REQUIRE(guard.rotate());
  const std::string pwt = guard.current();
  CHECK(pwt.size() == 8);
  CHECK(pwt.find_first_not_of("BCDFGHJKLMNPQRSTVWXZ") == std::string::npos);
  clock.advance(60s - 1ns);
  CHECK(guard.check(pwt) == PwtGuard::Check::ok);
  CHECK_FALSE(guard.rotate_if_due());
  clock.advance(1ns);
  CHECK(guard.check(pwt) == PwtGuard::Check::wrong);  // rotated exactly at the period
  CHECK(guard.current() != pwt);
  CHECK(guard.check(guard.current()) == PwtGuard::Check::ok);
}

TEST_CASE("PWT guard: typed forms are accepted (lower case, dash)") {
  ManualClock clock;
  const CoreConfig config = guard_config();
  PwtGuard guard(clock, config);
  REQUIRE(guard.rotate());
  std::string typed = guard.current();
  for (auto& ch : typed)
    ch = static_cast<char>(ch - 'A' + 'a');
  typed.insert(4, "-");
  CHECK(guard.check(typed) == PwtGuard::Check::ok);
}

TEST_CASE("PWT guard: the 5th wrong guess burns the PWT, the 4th does not") {
  ManualClock clock;
  const CoreConfig config = guard_config();
  PwtGuard guard(clock, config);
  REQUIRE(guard.rotate());
  const std::string pwt = guard.current();
  for (int i = 0; i < 4; ++i)
    CHECK(guard.check("BBBBBBBB") == PwtGuard::Check::wrong);
  CHECK(guard.failures_on_current() == 4);
  CHECK(guard.check(pwt) == PwtGuard::Check::ok);  // 4 failures: still live
  CHECK(guard.check("BBBBBBBB") == PwtGuard::Check::wrong);
  CHECK(guard.current() != pwt);  // 5th failure: burned
  CHECK(guard.failures_on_current() == 0);
  CHECK(guard.check(pwt) == PwtGuard::Check::wrong);
}

TEST_CASE("PWT guard: the global cap locks PWT checks until the window ends, exactly") {
  ManualClock clock;
  const CoreConfig config = guard_config();  // 8 failures per 100 s
  PwtGuard guard(clock, config);
  REQUIRE(guard.rotate());
  for (int i = 0; i < 7; ++i)
    CHECK(guard.check("BBBBBBBB") == PwtGuard::Check::wrong);
  CHECK_FALSE(guard.locked());
  CHECK(guard.check(guard.current()) == PwtGuard::Check::ok);
  CHECK(guard.check("BBBBBBBB") == PwtGuard::Check::wrong);  // 8th: cap reached
  CHECK(guard.locked());
  CHECK(guard.check(guard.current()) == PwtGuard::Check::locked);  // even the right one
  clock.advance(100s - 1ns);
  CHECK(guard.check(guard.current()) == PwtGuard::Check::locked);
  clock.advance(1ns);
  CHECK_FALSE(guard.locked());
  // Rotations: at boot, burned by the 5th failure, and the period (60 s) elapsed during the lock.
  CHECK(guard.rotations() == 3);
  const std::string fresh = guard.current();
  CHECK(guard.check(fresh) == PwtGuard::Check::ok);
}

TEST_CASE("PWT guard: failures older than the window do not count towards the cap") {
  ManualClock clock;
  CoreConfig config = guard_config();
  config.pwt_max_failures = 100;  // isolate the global cap
  PwtGuard guard(clock, config);
  REQUIRE(guard.rotate());
  for (int i = 0; i < 7; ++i)
    (void)guard.check("BBBBBBBB");
  clock.advance(100s);  // window over: the count starts again
  REQUIRE(guard.rotate());
  for (int i = 0; i < 7; ++i)
    (void)guard.check("BBBBBBBB");
  CHECK_FALSE(guard.locked());
  CHECK(guard.check(guard.current()) == PwtGuard::Check::ok);
}
