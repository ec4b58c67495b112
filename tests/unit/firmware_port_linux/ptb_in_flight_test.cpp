// The PTB's pages in flight on disk: omitted when empty (older files load as "none"), an exact round trip
// through the snapshot and the journal (charge → mark is a set then an unset), strict parsing.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>

#include "firmware-under-test/port/linux/bindings/json_file_storage.hpp"
#include "firmware-under-test/port/linux/bindings/ptb_json.hpp"
#include "tests/support/scratch_dir.hpp"

using namespace tapbench;
using namespace tapbench::firmware;
using namespace tapbench::firmware::port;
namespace fs = std::filesystem;

namespace {

struct TmpDir : tapbench::testing::ScratchDir {
  TmpDir() : ScratchDir("inflight") {}
};

Ptb base() {
  Ptb p;
  p.device_id = "dv1";
  p.printable_pages = 10;
  p.ink = {{"black", 100}};
  return p;
}

Ptb load(JsonFileStorage& s) {
  auto r = s.load();
  REQUIRE(r.ok());
  REQUIRE(r->has_value());
  return **r;
}

}  // namespace

TEST_CASE("pages_in_flight: omitted when empty, exact round trip, absent in older files means none") {
  Ptb p = base();
  CHECK(ptb_to_json(p).find("pages_in_flight") == std::string::npos);
  p.pages_in_flight = {{7, 3}, {4294967295u, 1}};
  const std::string text = ptb_to_json(p);
  CHECK(text.find(R"("pages_in_flight":[{"job_id":7,"page":3},{"job_id":4294967295,"page":1}])") !=
        std::string::npos);
  auto back = ptb_from_json(text);
  REQUIRE(back.ok());
  CHECK(back.value() == p);
  auto older = ptb_from_json(ptb_to_json(base()));
  REQUIRE(older.ok());
  CHECK(older.value().pages_in_flight.empty());
}

TEST_CASE("pages_in_flight: a bad entry is an error naming the field") {
  const std::string good = ptb_to_json(base());
  const std::string head = good.substr(0, good.size() - 1);  // without the closing brace
  for (const auto& entry : std::vector<std::pair<std::string, std::string>>{
           {R"("pages_in_flight":{})", "pages_in_flight"},
           {R"("pages_in_flight":[{"job_id":1}])", "pages_in_flight[0].page"},
           {R"("pages_in_flight":[{"job_id":1,"page":0}])", "pages_in_flight[0].page"},
           {R"("pages_in_flight":[{"job_id":-1,"page":1}])", "pages_in_flight[0].job_id"},
           {R"("pages_in_flight":[{"job_id":4294967296,"page":1}])", "pages_in_flight[0].job_id"}}) {
    const std::string& bad = entry.first;
    const std::string& field = entry.second;
    CAPTURE(bad);
    auto r = ptb_from_json(head + "," + bad + "}");
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().detail.find(field) != std::string::npos);
  }
}

TEST_CASE("pages_in_flight through the journal: charge, mark and a reload give exactly the committed state") {
  TmpDir d;
  Ptb p = base();
  {
    JsonFileStorage s(d.path);
    REQUIRE(s.commit(p).ok());  // compaction: the snapshot
    p.printable_pages = 9;
    p.pages_printed = 1;
    p.pages_in_flight = {{1, 1}};
    REQUIRE(s.commit(p).ok());  // the charge: a journal record
  }
  {
    JsonFileStorage s(d.path);
    CHECK(load(s) == p);  // a crash here: the page is in flight on disk
    p.pages_in_flight.clear();
    REQUIRE(s.commit(p).ok());  // the mark: the field goes away
  }
  JsonFileStorage s(d.path);
  CHECK(load(s) == p);
}
