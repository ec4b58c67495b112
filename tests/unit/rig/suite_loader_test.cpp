#include <doctest/doctest.h>

#include <string>

#include "rig/runner/case_registry.hpp"
#include "rig/suite/suite_loader.hpp"

using namespace tapbench::rig;
using namespace std::chrono_literals;

namespace {

const std::vector<KnownCase>& known() {
  static const std::vector<KnownCase> k = make_builtin_registry().known();
  return k;
}

std::string errors_of(const std::string& text) {
  try {
    (void)load_suite_text(text, "s.yaml", known());
  } catch (const ValidationError& e) {
    return e.what();
  }
  return {};
}

bool has(const std::string& haystack, const std::string& needle) {
  const bool found = haystack.find(needle) != std::string::npos;
  if (!found) MESSAGE("missing: " << needle << "\nin:\n" << haystack);
  return found;
}

}  // namespace

TEST_CASE("the fixture suites are compiled in and valid against the case catalogue") {
  const Suite smoke = load_suite("smoke", known());
  CHECK(smoke.name == "smoke");
  CHECK(smoke.cases.size() == 11);
  CHECK(smoke.cases[0].id == "provisioning");
  CHECK(smoke.cases[0].cycles == 1);
  CHECK(smoke.cases[0].retries == 1);
  CHECK(smoke.cases[0].timeouts.for_phase("carrier_up") == 20s);
  CHECK(smoke.cases[0].timeouts.for_phase("field_on") == 10s);
  CHECK(smoke.lifetimes.printer.pwt_period == 20s);
  CHECK(smoke.lifetimes.server.cwt_ttl == 10s);
  CHECK_FALSE(smoke.load.has_value());

  const Suite nightly = load_suite("nightly", known());
  const auto& print = nightly.cases[1];
  CHECK(print.id == "tap-to-print");
  CHECK(print.cycles == 200);
  CHECK(print.timeouts.for_phase("job_done") == 30s);
  CHECK(print.timeouts.for_phase("carrier_up") == 30s);  // from the suite's defaults
  CHECK(nightly.cases[2].cycles == 50);                  // default cycles

  const Suite soak = load_suite("soak", known());
  CHECK(soak.cases[0].duration == 6h);
  CHECK_FALSE(soak.cases[0].cycles.has_value());

  const Suite load = load_suite("load", known());
  REQUIRE(load.load.has_value());
  CHECK(load.load->terminals == 1000);
  CHECK(load.load->mix.at("print") == 20);  // the tag-light mix of one printer (fixtures/suites/load.yaml)
  CHECK(load.load->mix.at("charge") == 40);
  CHECK(load.cases[0].retries == 0);
}

TEST_CASE("a case entry is a map or just the case ID") {
  const Suite s = load_suite_text("suite: s\ncases:\n  - tap-to-print\n  - case: token-cwt\n    cycles: 5\n",
                                  "s.yaml", known());
  REQUIRE(s.cases.size() == 2);
  CHECK(s.cases[0].cycles == 1);
  CHECK(s.cases[1].cycles == 5);
  CHECK(s.cases[0].timeouts.setup == 60s);  // built-in default
}

TEST_CASE("unknown case IDs and phases get a did-you-mean at their position") {
  auto e = errors_of("suite: s\ncases:\n  - tap-to-prnt\n");
  CHECK(has(e, "s.yaml:3:5: error: unknown case 'tap-to-prnt'"));
  CHECK(has(e, "did you mean 'tap-to-print'?"));

  e = errors_of(
      "suite: s\n"
      "cases:\n"
      "  - case: tap-to-print\n"
      "    timeouts:\n"
      "      phases:\n"
      "        job_dne: 5s\n");
  CHECK(has(e, "s.yaml:6:9: error: unknown phase 'job_dne' for case 'tap-to-print'"));
  CHECK(has(e, "did you mean 'job_done'?"));
}

TEST_CASE("durations without a unit, wrong types, unknown keys") {
  auto e = errors_of("suite: s\ndefaults:\n  timeouts:\n    phase: 30\ncases: [tap-to-print]\n");
  CHECK(has(e, "s.yaml:4:12: error: 'phase' in 'timeouts' of 'defaults' is not a duration: '30'"));
  CHECK(has(e, "hint: add a unit: '30s' or '30ms'"));

  e = errors_of("suite: s\ncases:\n  - case: tap-to-print\n    cycles: many\n");
  CHECK(has(e, "s.yaml:4:13: error: 'cycles' in case 'tap-to-print' must be a whole number, found 'many'"));

  e = errors_of("suite: s\ncases:\n  - case: tap-to-print\n    retry: 2\n");
  CHECK(has(e, "s.yaml:4:5: error: unknown key 'retry' in a case entry"));
  CHECK(has(e, "did you mean 'retries'?"));

  e = errors_of("suite: s\nlifetimes:\n  server:\n    cwt: 10s\ncases: [token-cwt]\n");
  CHECK(has(e, "did you mean 'cwt-ttl'?"));
}

TEST_CASE("the load shape and the load case go together") {
  auto e = errors_of("suite: s\ncases: [load]\n");
  CHECK(has(e, "the suite runs the 'load' case but has no 'load' shape"));
  e = errors_of("suite: s\nload: {terminals: 10, duration: 1m}\ncases: [tap-to-print]\n");
  CHECK(has(e, "s.yaml:2:7: error: the suite has a 'load' shape but no 'load' case that would use it"));
  e = errors_of("suite: s\nload: {terminals: 0, duration: 1m}\ncases: [load]\n");
  CHECK(has(e, "'terminals' in 'load' is out of range: 0"));
  e = errors_of("suite: s\nload: {terminals: 10, duration: 1m, actions-per-terminal: 0}\ncases: [load]\n");
  CHECK(has(e, "'actions-per-terminal' in 'load' is out of range: 0"));
  const Suite s = load_suite_text(
      "suite: s\nload: {terminals: 10, duration: 1m, actions-per-terminal: 25}\ncases: [load]\n", "s.yaml",
      known());
  REQUIRE(s.load.has_value());
  CHECK(s.load->actions_per_terminal == 25);
  CHECK(load_suite_text("suite: s\nload: {terminals: 10, duration: 1m}\ncases: [load]\n", "s.yaml", known())
            .load->actions_per_terminal == 0);  // absent: the terminals act until the hold ends
}

TEST_CASE("lifetimes that contradict each other are refused") {
  const auto e = errors_of(
      "suite: s\n"
      "lifetimes:\n"
      "  printer: {svwt-prefetch: 30s}\n"
      "  server: {svwt-ttl: 10s}\n"
      "cases: [token-svwt]\n");
  CHECK(has(e, "svwt-prefetch (30s) is not shorter than the server's svwt-ttl (10s)"));
}

TEST_CASE("a suite argument is a path or a built-in name") {
  CHECK_THROWS_AS(load_suite("smok", known()), InputError);
  CHECK_THROWS_WITH(load_suite("smok", known()),
                    doctest::Contains("not one of the built-in suites (smoke, nightly, soak, load, radio)"));
}
