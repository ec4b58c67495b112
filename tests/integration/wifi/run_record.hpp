// Reading a tapbench run folder in the hwsim checks (hwsim_bench_check, hwsim_smoke_check): the run record
// (run.jsonl) as JSON objects, a case's final cycle, and its phase edges, each reached and in order.
#pragma once

#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace hwsim_check {

namespace json = boost::json;
namespace fs = std::filesystem;

inline std::vector<json::object> records(const fs::path& dir) {
  std::ifstream in(dir / "run.jsonl");
  REQUIRE_MESSAGE(in, "no run.jsonl in " << dir.string());
  std::vector<json::object> out;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(json::parse(line).as_object());
  return out;
}

inline std::string str(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : "";
}

// The final cycle record of `case_id` (the attempt that counts).
inline json::object final_cycle(const std::vector<json::object>& recs, const std::string& case_id) {
  json::object found;
  for (const auto& r : recs)
    if (str(r, "type") == "cycle" && str(r, "case") == case_id && !r.at("retried").as_bool()) found = r;
  REQUIRE_MESSAGE(!found.empty(), "no cycle of " << case_id << " in run.jsonl");
  return found;
}

// Phase name → edge (ns from the cycle's start); every phase reached and in order.
inline std::map<std::string, std::int64_t> edges(const json::object& cycle) {
  std::map<std::string, std::int64_t> out;
  std::int64_t previous = 0;
  for (const auto& p : cycle.at("phases").as_array()) {
    const auto& e = p.as_object();
    const auto name = str(e, "name");
    REQUIRE_MESSAGE(e.at("at_ns").is_int64(), name << " not reached");
    const auto at = e.at("at_ns").as_int64();
    CHECK_MESSAGE(at >= previous, name << " out of order");
    previous = at;
    out[name] = at;
  }
  return out;
}

}  // namespace hwsim_check
