// JsonFileStorage's journal: a PT issue is one appended record (the snapshot untouched), replay after a
// reload, a torn last record dropped (every cut inside it), corruption before the end refused, compaction by
// size/record count and when a secret is forgotten, a stale journal left by a compaction cut between its
// renames, and a state directory of an older build (snapshot only). No clock involved: the storage keeps no
// time; the crash behaviour under kill -9 is integration_firmware_port_ptb_crash.
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
  Dir() : ScratchDir("ptbj") {}
};

std::string read(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

void write(const fs::path& p, const std::string& text) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f << text;
}

Ptb registered() {
  Ptb p;
  p.device_id = "dv7";
  p.printable_pages = 40;
  p.page_threshold = 2;
  p.ink = {{"black", 90}};
  p.server_token = "st_secret_value";
  p.svwt = StoredSvwt{"svwt_1", SystemTime{std::chrono::seconds{1000}}};
  p.applied_credit_id = 3;
  return p;
}

PtBinding binding(char c, const std::string& terminal, int at) {
  return {std::string(64, c), terminal, SystemTime{std::chrono::seconds{at}}};
}

// The length field of the journal record starting at `at` (u32 little-endian).
std::size_t record_len(const std::string& j, std::size_t at) {
  std::size_t n = 0;
  for (int i = 3; i >= 0; --i)
    n = (n << 8) | static_cast<unsigned char>(j[at + static_cast<std::size_t>(i)]);
  return n;
}

Ptb loaded(JsonFileStorage& s) {
  auto r = s.load();
  REQUIRE_MESSAGE(r.ok(), r.status().detail);
  REQUIRE(r->has_value());
  return **r;
}

}  // namespace

TEST_CASE("a PT issue, a page and a PT delete are appended records; the snapshot is not rewritten") {
  Dir d;
  JsonFileStorage s(d.path);
  REQUIRE(s.load().ok());
  Ptb p = registered();
  REQUIRE(s.commit(p).ok());  // the first commit writes the snapshot and a fresh journal
  CHECK(s.compactions() == 1);
  const std::string snapshot = read(s.path());
  const auto journal_size = fs::file_size(s.journal_path());

  p.pt_bindings.push_back(binding('a', "load-00001", 10));  // PT issue
  REQUIRE(s.commit(p).ok());
  const auto one_record = fs::file_size(s.journal_path()) - journal_size;
  CHECK(one_record < 250);  // the binding, not the PTB (the snapshot alone is larger)
  CHECK(one_record < snapshot.size() + 64);
  p.printable_pages -= 1;  // a page
  p.pages_printed += 1;
  REQUIRE(s.commit(p).ok());
  p.pt_bindings.push_back(binding('b', "load-00002", 11));
  REQUIRE(s.commit(p).ok());
  p.pt_bindings.erase(p.pt_bindings.begin());  // the first PT deleted by its owner
  p.svwt = StoredSvwt{"svwt_2", SystemTime{std::chrono::seconds{2000}}};
  REQUIRE(s.commit(p).ok());
  p.svwt.reset();  // consumed
  REQUIRE(s.commit(p).ok());
  CHECK(s.appended_records() == 5);
  CHECK(s.compactions() == 1);
  CHECK(read(s.path()) == snapshot);

  JsonFileStorage again(d.path);
  CHECK(loaded(again) == p);
  CHECK_FALSE(again.last_load_dropped_torn_tail());
  struct stat st {};
  REQUIRE(::stat(s.journal_path().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);  // it holds SVWTs like the snapshot

  // The reloaded object keeps appending where the file ends.
  p.printable_pages += 20;
  REQUIRE(again.commit(p).ok());
  CHECK(again.appended_records() == 1);
  JsonFileStorage third(d.path);
  CHECK(loaded(third) == p);
}

TEST_CASE("a torn last record (every cut inside it) loads the previous state; the next commit compacts") {
  Dir d;
  Ptb before, after;
  std::string full;
  std::uintmax_t good = 0;
  {
    JsonFileStorage s(d.path);
    REQUIRE(s.load().ok());
    before = registered();
    before.pt_bindings = {binding('a', "t1", 1)};
    REQUIRE(s.commit(before).ok());
    before.printable_pages = 39;
    REQUIRE(s.commit(before).ok());
    good = fs::file_size(s.journal_path());
    after = before;
    after.pt_bindings.push_back(binding('c', "t3", 3));
    REQUIRE(s.commit(after).ok());
    full = read(s.journal_path());
  }
  REQUIRE(full.size() > good);
  for (std::uintmax_t cut = good + 1; cut < full.size(); ++cut) {
    CAPTURE(cut);
    write(d.path / JsonFileStorage::kJournalName, full.substr(0, cut));
    JsonFileStorage s(d.path);
    CHECK(loaded(s) == before);
    CHECK(s.last_load_dropped_torn_tail());
  }
  // A record whose bytes never reached the disk (zeros) and one with a flipped byte: also the tail.
  for (const std::string& tail : {full.substr(0, good) + std::string(full.size() - good, '\0'),
                                  full.substr(0, full.size() - 1) + static_cast<char>(full.back() ^ 0x01)}) {
    write(d.path / JsonFileStorage::kJournalName, tail);
    JsonFileStorage s(d.path);
    CHECK(loaded(s) == before);
  }
  // After a torn tail the next commit starts a fresh journal (no garbage stays between records).
  JsonFileStorage s(d.path);
  CHECK(loaded(s) == before);
  REQUIRE(s.commit(after).ok());
  CHECK(s.compactions() == 1);
  JsonFileStorage again(d.path);
  CHECK(loaded(again) == after);
  CHECK_FALSE(again.last_load_dropped_torn_tail());
}

TEST_CASE("a bad record before the end, a sequence gap or a foreign header is corruption, never a reset") {
  Dir d;
  std::string full;
  {
    JsonFileStorage s(d.path);
    REQUIRE(s.load().ok());
    Ptb p = registered();
    REQUIRE(s.commit(p).ok());
    for (int i = 0; i < 3; ++i) {
      p.pt_bindings.push_back(binding(static_cast<char>('a' + i), "t", i));
      REQUIRE(s.commit(p).ok());
    }
    full = read(s.journal_path());
  }
  // A flipped byte in the header and in the first record, far enough from the end that it cannot be the
  // record in flight (pad with a large valid-looking tail: more than one record's worth of bytes follows).
  const std::size_t header_len = 16 + record_len(full, 0);
  std::string flipped_header = full;
  flipped_header[20] ^= 0x20;
  std::string flipped_first = full + std::string(JsonFileStorage::kMaxRecordBytes + 64, 'x');
  flipped_first[header_len + 20] ^= 0x20;
  // Record 2 written twice: sequence 1, 2, 2, 3.
  const std::size_t r1 = header_len + 16 + record_len(full, header_len);
  const std::size_t r2 = r1 + 16 + record_len(full, r1);
  const std::string gap = full.substr(0, r2) + full.substr(r1, r2 - r1) + full.substr(r2);
  struct Case {
    std::string text;
    std::string says;
  };
  for (const Case& c : {Case{flipped_header, "journal header unreadable"},
                        Case{flipped_first, "bad record before the end"}, Case{gap, "sequence 2 after 2"}}) {
    CAPTURE(c.says);
    write(d.path / JsonFileStorage::kJournalName, c.text);
    JsonFileStorage s(d.path);
    auto r = s.load();
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().detail.find(c.says) != std::string::npos);
    CHECK(r.status().detail.find("ptb.journal") != std::string::npos);
    CHECK(r.status().detail.find("refusing to start from factory state") != std::string::npos);
    CHECK(r.status().detail.find("st_secret_value") == std::string::npos);
  }
}

TEST_CASE("compaction at the record limit: the snapshot catches up and the journal starts again") {
  Dir d;
  JsonFileStorage s(d.path, JournalLimits{1 << 20, 4});
  REQUIRE(s.load().ok());
  Ptb p = registered();
  REQUIRE(s.commit(p).ok());
  for (int i = 1; i <= 10; ++i) {
    p.printable_pages = 40 - static_cast<std::uint32_t>(i);
    p.pages_printed = static_cast<std::uint64_t>(i);
    REQUIRE(s.commit(p).ok());
    JsonFileStorage other(d.path);  // every intermediate state reloads exactly
    CHECK(loaded(other) == p);
  }
  // 1 + 10 commits, 4 records per journal: compactions at commits 1, 6 and 11.
  CHECK(s.compactions() == 3);
  CHECK(s.appended_records() == 8);
  auto snap = ptb_from_json(read(s.path()));
  REQUIRE(snap.ok());
  CHECK(snap.value() == p);  // the last commit was a compaction
}

TEST_CASE("compaction at the size limit; an unchanged state is not written again") {
  Dir d;
  JsonFileStorage s(d.path, JournalLimits{600, 1000});
  REQUIRE(s.load().ok());
  Ptb p = registered();
  REQUIRE(s.commit(p).ok());
  REQUIRE(s.commit(p).ok());
  CHECK(s.appended_records() == 0);
  CHECK(s.compactions() == 1);
  for (int i = 0; i < 8; ++i) {
    p.pt_bindings = {binding(static_cast<char>('a' + i), "terminal-" + std::to_string(i), i)};
    REQUIRE(s.commit(p).ok());
  }
  CHECK(s.compactions() >= 2);
  CHECK(fs::file_size(s.journal_path()) < 600 + JsonFileStorage::kMaxRecordBytes);
  JsonFileStorage again(d.path);
  CHECK(loaded(again) == p);
}

TEST_CASE("forgetting the ST, the router credentials or the device ID compacts: no old secret stays behind") {
  Dir d;
  JsonFileStorage s(d.path);
  REQUIRE(s.load().ok());
  Ptb p = registered();
  p.network = NetworkConfig{"home", "router-passphrase-1"};
  REQUIRE(s.commit(p).ok());
  p.pt_bindings = {binding('a', "t", 1)};
  REQUIRE(s.commit(p).ok());
  CHECK(s.compactions() == 1);
  p.server_token.reset();  // deregistered
  p.network = NetworkConfig{"home", "router-passphrase-2"};
  REQUIRE(s.commit(p).ok());
  CHECK(s.compactions() == 2);
  for (const auto& f : {s.path(), s.journal_path()}) {
    const std::string text = read(f);
    CHECK(text.find("st_secret_value") == std::string::npos);
    CHECK(text.find("router-passphrase-1") == std::string::npos);
  }
  JsonFileStorage again(d.path);
  CHECK(loaded(again) == p);
}

TEST_CASE("a compaction cut between its renames: the new snapshot wins over the old journal") {
  Dir d;
  Ptb old_state, new_state;
  std::string old_journal;
  {
    JsonFileStorage s(d.path, JournalLimits{1 << 20, 2});
    REQUIRE(s.load().ok());
    old_state = registered();
    REQUIRE(s.commit(old_state).ok());
    old_state.pt_bindings = {binding('a', "t", 1)};
    REQUIRE(s.commit(old_state).ok());
    old_state.pt_bindings.push_back(binding('b', "t", 2));
    REQUIRE(s.commit(old_state).ok());
    old_journal = read(s.journal_path());
    new_state = old_state;
    new_state.printable_pages = 7;
    REQUIRE(s.commit(new_state).ok());  // the record limit: this one compacts
    REQUIRE(s.compactions() == 2);
  }
  write(d.path / JsonFileStorage::kJournalName, old_journal);  // as if the journal's rename never happened
  JsonFileStorage s(d.path);
  CHECK(loaded(s) == new_state);
  CHECK(s.last_load_ignored_stale_journal());
  Ptb next = new_state;
  next.pt_bindings.clear();
  REQUIRE(s.commit(next).ok());
  JsonFileStorage again(d.path);
  CHECK(loaded(again) == next);
  CHECK_FALSE(again.last_load_ignored_stale_journal());
}

TEST_CASE("a state directory of an older build (snapshot only) loads and is journalled from then on") {
  Dir d;
  Ptb p = registered();
  write(d.path / JsonFileStorage::kFileName, ptb_to_json(p));
  JsonFileStorage s(d.path);
  CHECK(loaded(s) == p);
  p.pt_bindings = {binding('z', "t", 5)};
  REQUIRE(s.commit(p).ok());
  CHECK(s.compactions() == 1);  // the first commit starts the journal
  p.printable_pages = 1;
  REQUIRE(s.commit(p).ok());
  CHECK(s.appended_records() == 1);
  JsonFileStorage again(d.path);
  CHECK(loaded(again) == p);
  // A journal without its snapshot is never applied: the device is factory-fresh.
  fs::remove(d.path / JsonFileStorage::kFileName);
  JsonFileStorage fresh(d.path);
  auto r = fresh.load();
  REQUIRE(r.ok());
  CHECK_FALSE(r->has_value());
}
