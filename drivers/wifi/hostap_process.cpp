#include "drivers/wifi/hostap_process.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "drivers/wifi/child_process.hpp"
#include "drivers/wifi/wifi_error.hpp"
#include "drivers/wifi/wpa_ctrl.hpp"

namespace tapbench::wifi {

using std::chrono::milliseconds;

HostapProcess::HostapProcess(std::vector<std::string> argv, std::string ctrl_socket, std::string log_path,
                             const Clock& clock, milliseconds ready_timeout)
    : ctrl_socket_(std::move(ctrl_socket)), log_path_(std::move(log_path)), clock_(clock) {
  if (argv.empty()) throw WifiError(WifiErrc::kBadArgument, "HostapProcess: empty command line");
  pid_ = spawn_logged(argv, log_path_, WifiErrc::kNoDaemon);

  // Poll for readiness with a deadline (the daemon creates its socket after parsing its config).
  const auto start = clock_.monotonic_now();
  const auto real_start = std::chrono::steady_clock::now();
  std::string last_error = "control socket not there yet";
  for (;;) {
    if (!running()) {
      throw WifiError(WifiErrc::kNoDaemon, argv[0] + " exited during start-up; its log ends:\n" + log_tail());
    }
    try {
      WpaCtrl ctrl(ctrl_socket_, clock_, WpaCtrl::Options{milliseconds{500}, milliseconds{100}});
      if (ctrl.request("PING") == "PONG\n") return;
    } catch (const WifiError& e) {
      last_error = e.what();
    }
    // Bounded by both clocks: a ManualClock in a test does not move by itself.
    if (clock_.monotonic_now() - start >= ready_timeout ||
        std::chrono::steady_clock::now() - real_start >= ready_timeout) {
      stop(milliseconds{500});
      throw WifiError(WifiErrc::kNoDaemon, argv[0] + " did not answer PING on " + ctrl_socket_ + " within " +
                                               std::to_string(ready_timeout.count()) + " ms (" + last_error +
                                               "); its log ends:\n" + log_tail());
    }
    std::this_thread::sleep_for(milliseconds{10});
  }
}

HostapProcess::~HostapProcess() {
  stop(milliseconds{2000});
}

bool HostapProcess::reap(bool block) {
  if (pid_ <= 0) return true;
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid_ || (r < 0 && errno == ECHILD)) {
    pid_ = -1;
    return true;
  }
  return false;
}

bool HostapProcess::running() {
  return !reap(false);
}

void HostapProcess::stop(milliseconds grace) {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  const auto real_start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - real_start < grace) {
    if (reap(false)) return;
    std::this_thread::sleep_for(milliseconds{5});
  }
  kill_now();
}

void HostapProcess::kill_now() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  reap(true);
}

std::string HostapProcess::log_tail(std::size_t max_bytes) const {
  std::ifstream in(log_path_, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  auto s = ss.str();
  return s.size() > max_bytes ? s.substr(s.size() - max_bytes) : s;
}

}  // namespace tapbench::wifi
