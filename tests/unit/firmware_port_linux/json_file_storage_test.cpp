// JsonFileStorage: the documented JSON format, exact round trip, mode 0600, and loud failures on anything
// that is not a complete PTB (never a silent factory reset).
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "firmware-under-test/port/linux/bindings/json_file_storage.hpp"
#include "firmware-under-test/port/linux/bindings/ptb_json.hpp"
#include "tests/support/scratch_dir.hpp"

using namespace tapbench;
using namespace tapbench::firmware;
using namespace tapbench::firmware::port;
namespace fs = std::filesystem;

namespace {

struct Dir : tapbench::testing::ScratchDir {
  Dir() : ScratchDir("ptb") {}
};

Ptb full_ptb() {
  Ptb p;
  p.device_id = "dv1";
  p.printable_pages = 4294967295u;
  p.pages_printed = 18446744073709551615ull;
  p.page_threshold = 5;
  p.ink_low_percent = 10;
  p.ink = {{"cyan", 100}, {"black", 0}};
  p.printing_enabled = false;
  p.network = NetworkConfig{"home \"wifi\"", "pass phrase 1"};
  p.server_token = "st_abc";
  p.pt_bindings = {
      {std::string(64, 'a'), "app:admin", SystemTime{std::chrono::nanoseconds{1767225600123456789}}},
      {std::string(64, 'b'), "aa:bb:cc:dd:ee:ff", SystemTime{std::chrono::nanoseconds{-5}}}};
  p.svwt = StoredSvwt{"svwt_x", SystemTime{std::chrono::nanoseconds{1767226500000000001}}};
  p.applied_credit_id = 7;
  return p;
}

void write(const fs::path& p, const std::string& text) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f << text;
}

std::string read(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("a fresh state directory loads as 'nothing committed'; a commit loads back exactly") {
  Dir d;
  JsonFileStorage s(d.path / "state");  // created on the first commit
  auto first = s.load();
  REQUIRE(first.ok());
  CHECK_FALSE(first->has_value());
  const Ptb p = full_ptb();
  REQUIRE(s.commit(p).ok());
  auto back = JsonFileStorage(d.path / "state").load();
  REQUIRE(back.ok());
  REQUIRE(back->has_value());
  CHECK(**back == p);  // every field, nanosecond times and the uint32/uint64 maxima included
  struct stat st {};
  REQUIRE(::stat(s.path().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);  // holds the ST, the router passphrase, the SVWT
  REQUIRE(::stat((d.path / "state").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  CHECK_FALSE(fs::exists(d.path / "state" / "ptb.json.tmp"));
}

TEST_CASE("the file is the documented format: absent optionals are omitted") {
  Ptb p;
  p.device_id = "dv1";
  p.printable_pages = 2000;
  p.pages_printed = 3;
  p.page_threshold = 5;
  p.ink = {{"cyan", 100}};
  p.applied_credit_id = 1;
  CHECK(ptb_to_json(p) ==
        R"({"version":1,"device_id":"dv1","printable_pages":2000,"pages_printed":3,"page_threshold":5,)"
        R"("ink_low_percent":10,"ink":[{"colour":"cyan","percent":100}],"printing_enabled":true,)"
        R"("pt_bindings":[],"applied_credit_id":1})");
  const std::string with = ptb_to_json(full_ptb());
  CHECK(with.find(R"("network":{"ssid":"home \"wifi\"","passphrase":"pass phrase 1"})") != std::string::npos);
  CHECK(with.find(R"("issued_at_ns":1767225600123456789)") != std::string::npos);
  CHECK(with.find(R"("svwt":{"token":"svwt_x","expires_at_ns":1767226500000000001})") != std::string::npos);
}

TEST_CASE("a later commit replaces the whole state; a leftover temp file alone is 'nothing committed'") {
  Dir d;
  JsonFileStorage s(d.path);
  write(d.path / "ptb.json.tmp", "{\"version\":1,\"device_id\":");  // a commit killed before its rename
  auto none = s.load();
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
  Ptb a = full_ptb();
  REQUIRE(s.commit(a).ok());
  Ptb b;
  b.device_id = "dv2";
  REQUIRE(s.commit(b).ok());
  auto back = s.load();
  REQUIRE(back.ok());
  CHECK(**back == b);
  CHECK(read(s.path()).find("st_abc") == std::string::npos);
}

TEST_CASE("corrupt, truncated or foreign files are failures that name the file and the field") {
  Dir d;
  JsonFileStorage s(d.path);
  const std::string good = ptb_to_json(full_ptb());
  struct Case {
    std::string text;
    hal::HalCode code;
    std::string says;
  };
  const Case cases[] = {
      {"", hal::HalCode::bad_response, "not valid JSON"},
      {good.substr(0, good.size() / 2), hal::HalCode::bad_response, "not valid JSON"},
      {"[1,2]", hal::HalCode::bad_response, "not a JSON object"},
      {R"({"version":1})", hal::HalCode::bad_response, "device_id: missing"},
      {R"({"version":2,"device_id":"dv1"})", hal::HalCode::unsupported, "PTB version 2"},
      {std::string(good).replace(good.find("\"printable_pages\":4294967295"), 28, "\"printable_pages\":-1"),
       hal::HalCode::bad_response, "printable_pages: out of range"},
      {std::string(good).replace(good.find("\"percent\":100"), 13, "\"percent\":101"),
       hal::HalCode::bad_response, "ink[0].percent: out of range"},
      {std::string(good).replace(good.find("\"printing_enabled\":false"), 24, "\"printing_enabled\":0"),
       hal::HalCode::bad_response, "printing_enabled: not a boolean"},
      {std::string(good).replace(good.find("\"terminal_id\":\"app:admin\""), 25, "\"terminal_id\":5"),
       hal::HalCode::bad_response, "pt_bindings[0].terminal_id: not a string"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    write(s.path(), c.text);
    auto r = s.load();
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code == c.code);
    CHECK(r.status().detail.find(c.says) != std::string::npos);
    CHECK(r.status().detail.find(s.path().string()) != std::string::npos);
    CHECK(r.status().detail.find("refusing to start from factory state") != std::string::npos);
    CHECK(r.status().detail.find("st_abc") == std::string::npos);  // no secret in the message
  }
}

TEST_CASE("a commit that cannot be written fails and the previous state stays loadable") {
  if (::geteuid() == 0) {
    // root ignores directory permissions: use a path whose parent is a file instead.
    Dir d;
    write(d.path / "file", "x");
    JsonFileStorage s(d.path / "file" / "state");
    auto st = s.commit(full_ptb());
    CHECK(st.code == hal::HalCode::io_error);
    CHECK(st.detail.find("cannot create state directory") != std::string::npos);
  }
  Dir d;
  JsonFileStorage s(d.path);
  const Ptb a = full_ptb();
  REQUIRE(s.commit(a).ok());
  fs::create_directory(d.path / "ptb.json.tmp");  // the temp path is taken: open() fails
  Ptb b;
  b.device_id = "dv2";
  const auto st = s.commit(b);
  CHECK(st.code == hal::HalCode::io_error);
  CHECK(st.detail.find("ptb.json.tmp") != std::string::npos);
  auto back = s.load();
  REQUIRE(back.ok());
  CHECK(**back == a);
}
