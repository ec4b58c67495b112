// In-process fake of the PTB storage, for unit tests only: "committed" is what a reboot would load. A commit
// can be made to fail (fail_next_commit / fail_commits) to check that the core then keeps its last state.
#pragma once

#include <optional>

#include "firmware-under-test/hal/storage.hpp"

namespace tapbench::firmware::hal {

class FakeStorage final : public Storage {
 public:
  Result<std::optional<Ptb>> load() override {
    if (fail_load) return Status::failure(HalCode::io_error, "fake storage: unreadable");
    return committed;
  }
  Status commit(const Ptb& ptb) override {
    ++commit_calls;
    if (fail_commits || fail_next_commit) {
      fail_next_commit = false;
      ++failed_commits;
      return Status::failure(HalCode::io_error, "fake storage: fsync failed");
    }
    committed = ptb;
    ++commits;
    return Status::success();
  }

  std::optional<Ptb> committed;
  int commit_calls = 0;
  int commits = 0;
  int failed_commits = 0;
  bool fail_next_commit = false;
  bool fail_commits = false;
  bool fail_load = false;
};

}  // namespace tapbench::firmware::hal
