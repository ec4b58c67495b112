// Runs one hostapd or wpa_supplicant as a child process (foreground, output to a log file) and knows when it
// is ready: its control socket answers PING. Used by benches that start their own daemons and by the
// integration tests; the roles themselves only talk to a control socket and never start daemons.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "protocol/clock/clock.hpp"

namespace tapbench::wifi {

class HostapProcess {
 public:
  // Starts argv (argv[0] = program, looked up in PATH) with stdout+stderr appended to `log_path`, then polls
  // `ctrl_socket` until PING → PONG. Throws WifiError(kNoDaemon) with the log's tail if the program exits
  // or does not answer within `ready_timeout`.
  HostapProcess(std::vector<std::string> argv, std::string ctrl_socket, std::string log_path,
                const Clock& clock, std::chrono::milliseconds ready_timeout);
  // Stops the daemon (SIGTERM, then SIGKILL after 2 s).
  ~HostapProcess();
  HostapProcess(const HostapProcess&) = delete;
  HostapProcess& operator=(const HostapProcess&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& ctrl_socket() const { return ctrl_socket_; }
  const std::string& log_path() const { return log_path_; }
  // SIGTERM, wait up to `grace`, then SIGKILL. Idempotent.
  void stop(std::chrono::milliseconds grace);
  // SIGKILL now (a daemon that crashes), reaped before returning.
  void kill_now();
  bool running();
  // Last `max_bytes` of the log (for error messages).
  std::string log_tail(std::size_t max_bytes = 2000) const;

 private:
  bool reap(bool block);

  std::string ctrl_socket_;
  std::string log_path_;
  const Clock& clock_;
  pid_t pid_ = -1;
};

}  // namespace tapbench::wifi
