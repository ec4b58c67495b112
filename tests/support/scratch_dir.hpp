// A fresh private directory under $TMPDIR for one test (mkdtemp, mode 0700), removed with everything in it
// when the test ends — also when a test made parts of it read-only.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>

namespace tapbench::testing {

struct ScratchDir {
  std::filesystem::path path;
  explicit ScratchDir(const std::string& tag = "test") {
    std::string t = (std::filesystem::temp_directory_path() / ("tapbench-" + tag + "-XXXXXX")).string();
    if (::mkdtemp(t.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + t);
    path = t;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::permissions(path, std::filesystem::perms::owner_all, ec);
    std::filesystem::remove_all(path, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
};

}  // namespace tapbench::testing
