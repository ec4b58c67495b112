// A process the rig runs for a bench (pn532-sim now; printerd, vendord and the radio lab next): started in
// its own process group with stdout+stderr appended to a log file in the run folder, ready when a line
// appears in that log, stopped with SIGTERM then SIGKILL after a grace period — and always killed and
// reaped by the destructor, so a case that throws never leaves a child behind; and killed by the kernel
// (PR_SET_PDEATHSIG) if tapbench itself dies, even by SIGKILL. Every wait is bounded by a
// deadline on the injected Clock; polling pauses go through a sleeper (real sleep in production).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "protocol/clock/clock.hpp"

namespace tapbench::rig {

class ChildProcessError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ChildProcess {
 public:
  using Sleeper = std::function<void(std::chrono::milliseconds)>;

  // Starts argv[0] (a path, or a name looked up in PATH). Throws ChildProcessError when it cannot start
  // (including a failed exec: "No such file or directory"). The kernel ties the child's life to the calling
  // *thread* (PR_SET_PDEATHSIG): create children from a thread that outlives them (the runner's).
  ChildProcess(std::vector<std::string> argv, std::filesystem::path log, const Clock& clock,
               Sleeper sleeper = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Waits until a line of the log starts with `prefix`. Throws ChildProcessError (with the log's tail) when
  // the process exits first or `deadline` passes.
  void wait_for_log_line(const std::string& prefix, MonotonicTime deadline);
  bool running();
  // SIGTERM to the process group, wait up to `grace`, then SIGKILL. Returns the exit status text
  // ("exited 0", "killed by signal 9"). Idempotent.
  std::string stop(std::chrono::milliseconds grace);
  pid_t pid() const { return pid_; }
  const std::filesystem::path& log() const { return log_; }
  std::string log_tail(std::size_t max_bytes = 1500) const;
  std::string name() const { return argv_.empty() ? "?" : argv_[0]; }

 private:
  bool reap(bool block);
  std::string status_text() const;

  std::vector<std::string> argv_;
  std::filesystem::path log_;
  const Clock& clock_;
  Sleeper sleep_;
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// The path of a program that ships with tapbench: $TAPBENCH_<NAME>_BIN (NAME upper-cased, '-' → '_'), then
// next to the running tapbench, then in the build tree next to it (<build>/<subdir>/<name>), then PATH.
// Returns the bare name when nothing better is found (posix_spawnp searches PATH).
std::string find_program(const std::string& name, const std::string& build_subdir);

}  // namespace tapbench::rig
