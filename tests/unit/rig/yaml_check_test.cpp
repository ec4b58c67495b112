#include <doctest/doctest.h>

#include "rig/bench/yaml_check.hpp"

using namespace std::chrono_literals;
using tapbench::rig::closest_match;
using tapbench::rig::format_duration;
using tapbench::rig::parse_duration;

TEST_CASE("durations need a unit and accept compound forms") {
  CHECK(parse_duration("250ms") == 250ms);
  CHECK(parse_duration("30s") == 30s);
  CHECK(parse_duration("5m") == 5min);
  CHECK(parse_duration("1h30m") == 90min);
  CHECK(parse_duration("1.5s") == 1500ms);
  CHECK(parse_duration("2d") == 48h);
  CHECK_FALSE(parse_duration("30").has_value());  // no unit: ambiguous
  CHECK_FALSE(parse_duration("30 s").has_value());
  CHECK_FALSE(parse_duration("5min").has_value());
  CHECK_FALSE(parse_duration("").has_value());
  CHECK_FALSE(parse_duration("400d").has_value());  // over a year: a typo
}

TEST_CASE("format_duration is the inverse for whole units") {
  CHECK(format_duration(90min) == "1h30m");
  CHECK(format_duration(1500ms) == "1s500ms");
  CHECK(format_duration(0ms) == "0s");
  CHECK(parse_duration(format_duration(3723004ms)) == 3723004ms);
}

TEST_CASE("closest_match suggests near misses only") {
  const std::vector<std::string> keys = {"connstring", "backend", "kind", "name"};
  CHECK(closest_match("conectstring", keys) == "connstring");
  CHECK(closest_match("backned", keys) == "backend");
  CHECK(closest_match("Kind", keys) == "kind");
  CHECK(closest_match("colour", keys).empty());
  const std::vector<std::string> roles = {"phone-reader", "printer-tag"};
  CHECK(closest_match("phone_reader", roles) == "phone-reader");  // underscore for dash
}

TEST_CASE("a YAML syntax error names its line and column") {
  tapbench::rig::YamlChecker check("x.yaml");
  CHECK_FALSE(check.parse("a: 1\nb: [1, 2\nc: 3\n").has_value());
  REQUIRE(check.issues().size() == 1);
  const auto& issue = check.issues()[0];
  CHECK(issue.pos.file == "x.yaml");
  CHECK(issue.pos.line >= 2);
  CHECK(issue.message.find("not valid YAML") != std::string::npos);
}
