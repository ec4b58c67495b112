// Test helper for integration_firmware_port_ptb_crash: loads the PTB from STATE_DIR (or starts a fresh one),
// then commits forever through JsonFileStorage (journal appends and compactions). Commit i sets pages_printed
// = i, printable_pages = TOTAL − i, applied_credit_id = i and i % 7 PT bindings derived from i (so the file's
// size changes from commit to commit), and after commit() returned ok prints "committed i" on stdout (one
// write(2), unbuffered). The test kills it with SIGKILL at random instants and checks every reload.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "firmware-under-test/port/linux/bindings/json_file_storage.hpp"

using namespace tapbench::firmware;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s STATE_DIR TOTAL\n", argv[0]);
    return 64;
  }
  // Small journal limits: a compaction (snapshot rewrite + fresh journal) every 16 commits or 8 KiB, so the
  // kills land in appends and in compactions (which take far longer than an append).
  port::JsonFileStorage storage(argv[1], port::JournalLimits{8 * 1024, 16});
  const std::uint32_t total = static_cast<std::uint32_t>(std::strtoul(argv[2], nullptr, 10));
  auto loaded = storage.load();
  if (!loaded) {
    std::fprintf(stderr, "load failed: %s\n", loaded.status().detail.c_str());
    return 3;
  }
  Ptb p = loaded->value_or(Ptb{});
  if (!loaded->has_value()) {
    p.device_id = "dv-crash";
    p.printable_pages = total;
    p.ink = {{"black", 100}};
  }
  for (std::uint64_t i = p.pages_printed + 1;; ++i) {
    p.pages_printed = i;
    p.printable_pages = total - static_cast<std::uint32_t>(i);
    p.applied_credit_id = static_cast<std::int64_t>(i);
    p.pt_bindings.clear();
    for (std::uint64_t k = 0; k < i % 7; ++k)
      p.pt_bindings.push_back({std::string(64, static_cast<char>('a' + (i + k) % 6)), "t" + std::to_string(i),
                               tapbench::SystemTime{std::chrono::seconds{static_cast<long>(i)}}});
    if (const auto s = storage.commit(p); !s) {
      std::fprintf(stderr, "commit failed: %s\n", s.detail.c_str());
      return 4;
    }
    const std::string line = "committed " + std::to_string(i) + "\n";
    if (::write(1, line.data(), line.size()) < 0) return 5;
  }
}
