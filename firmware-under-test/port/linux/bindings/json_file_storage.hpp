// hal::Storage on the Linux file system: the PTB as one JSON file (ptb_json.hpp) in the state directory.
// commit(): write `ptb.json.tmp` (mode 0600) → fsync → rename over `ptb.json` → fsync the directory, so
// after commit() returns ok a power cut at any later instant loads exactly this state, and a cut during
// commit() loads either the previous state or this one (rename is atomic), never a mix.
// load(): nullopt only when no `ptb.json` exists (a factory-fresh device; a leftover temp file means no
// commit ever finished). An unreadable, truncated or corrupt file is a failure naming the file — never a
// silent factory reset, which would lose the pages the user paid for.
#pragma once

#include <filesystem>
#include <string>

#include "firmware-under-test/hal/storage.hpp"

namespace tapbench::firmware::port {

class JsonFileStorage final : public hal::Storage {
 public:
  // `state_dir` is created (mode 0700) on the first commit if missing.
  explicit JsonFileStorage(std::filesystem::path state_dir);

  hal::Result<std::optional<Ptb>> load() override;
  hal::Status commit(const Ptb& ptb) override;

  const std::filesystem::path& path() const { return path_; }
  static constexpr const char* kFileName = "ptb.json";

 private:
  std::filesystem::path dir_;
  std::filesystem::path path_;
  std::filesystem::path temp_;
};

}  // namespace tapbench::firmware::port
