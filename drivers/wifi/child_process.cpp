#include "drivers/wifi/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "drivers/wifi/wifi_error.hpp"

extern char** environ;

namespace tapbench::wifi {

using std::chrono::milliseconds;

pid_t spawn_logged(const std::vector<std::string>& argv, const std::string& log_path, WifiErrc failure) {
  if (argv.empty()) throw WifiError(WifiErrc::kBadArgument, "spawn: empty command line");
  std::vector<std::string> copy = argv;
  std::vector<char*> args;
  for (auto& a : copy)
    args.push_back(a.data());
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw WifiError(failure, "cannot start " + argv[0] + ": " + std::strerror(rc));
  return pid;
}

namespace {

// Waits for `pid` up to `timeout` (real time: this bounds an OS process, not test logic).
bool wait_exit(pid_t pid, milliseconds timeout, int& status) {
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return true;
    if (r < 0 && errno != EINTR) return true;  // not our child any more
    if (std::chrono::steady_clock::now() - start >= timeout) return false;
    std::this_thread::sleep_for(milliseconds{5});
  }
}

}  // namespace

void stop_child(pid_t pid, milliseconds grace) {
  if (pid <= 0) return;
  int status = 0;
  ::kill(pid, SIGTERM);
  if (wait_exit(pid, grace, status)) return;
  ::kill(pid, SIGKILL);
  wait_exit(pid, milliseconds{5000}, status);
}

ChildResult run_bounded(const std::vector<std::string>& argv, milliseconds timeout) {
  char path[] = "/tmp/tapbench-child-XXXXXX";
  int fd = ::mkstemp(path);
  if (fd < 0) throw WifiError(WifiErrc::kIo, std::string("mkstemp: ") + std::strerror(errno));
  ::close(fd);
  ChildResult result;
  pid_t pid;
  try {
    pid = spawn_logged(argv, path);
  } catch (...) {
    ::unlink(path);
    throw;
  }
  int status = 0;
  if (wait_exit(pid, timeout, status)) {
    result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  } else {
    result.timed_out = true;
    ::kill(pid, SIGKILL);
    wait_exit(pid, milliseconds{5000}, status);
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  result.output = ss.str();
  if (result.output.size() > 16384) result.output = result.output.substr(result.output.size() - 16384);
  ::unlink(path);
  return result;
}

std::vector<std::string> in_netns(const std::string& netns, std::vector<std::string> argv) {
  if (netns.empty()) return argv;
  std::vector<std::string> out{"ip", "netns", "exec", netns};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

}  // namespace tapbench::wifi
