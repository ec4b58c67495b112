// Running a helper program with a deadline (busybox udhcpc / udhcpd, ip): spawn, wait bounded, kill on
// timeout. Output goes to a file so that nothing blocks on a full pipe.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "drivers/wifi/wifi_error.hpp"

namespace tapbench::wifi {

struct ChildResult {
  bool timed_out = false;
  int exit_status = -1;  // valid when !timed_out; -1 if killed by a signal
  std::string output;    // stdout + stderr (last 16 KiB)
};

// Runs argv (argv[0] looked up in PATH) and waits up to `timeout` (then SIGKILL). Throws
// WifiError(kIo) if it cannot be started.
ChildResult run_bounded(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

// Starts argv in the background with output appended to `log_path`; returns its pid. Throws `failure`
// (kIo unless the caller says what a start failure means to it, e.g. kNoDaemon).
pid_t spawn_logged(const std::vector<std::string>& argv, const std::string& log_path,
                   WifiErrc failure = WifiErrc::kIo);
// SIGTERM, up to `grace`, then SIGKILL; reaps. No-op for pid <= 0.
void stop_child(pid_t pid, std::chrono::milliseconds grace);

// argv prefixed to run inside network namespace `netns` ("ip netns exec NS …"); unchanged if empty.
std::vector<std::string> in_netns(const std::string& netns, std::vector<std::string> argv);

}  // namespace tapbench::wifi
