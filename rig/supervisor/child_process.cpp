#include "rig/supervisor/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace tapbench::rig {

namespace {

std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

ChildProcess::ChildProcess(std::vector<std::string> argv, std::filesystem::path log, const Clock& clock,
                           Sleeper sleeper)
    : argv_(std::move(argv)), log_(std::move(log)), clock_(clock), sleep_(std::move(sleeper)) {
  if (!sleep_) sleep_ = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  if (argv_.empty()) throw ChildProcessError("no program to start");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);  // its own group: stop() reaches its children too
  posix_spawnattr_setpgroup(&attr, 0);
  std::vector<char*> args;
  for (auto& a : argv_)
    args.push_back(a.data());
  args.push_back(nullptr);
  const int rc = ::posix_spawnp(&pid_, args[0], &actions, &attr, args.data(), environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    throw ChildProcessError("cannot start " + argv_[0] + ": " + std::strerror(rc));
  }
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !status_) {
    ::kill(-pid_, SIGKILL);
    reap(true);
  }
}

bool ChildProcess::reap(bool block) {
  if (pid_ <= 0 || status_) return true;
  int st = 0;
  const pid_t r = ::waitpid(pid_, &st, block ? 0 : WNOHANG);
  if (r == pid_) {
    status_ = st;
    return true;
  }
  return false;
}

bool ChildProcess::running() {
  return pid_ > 0 && !reap(false);
}

std::string ChildProcess::status_text() const {
  if (!status_) return "running";
  if (WIFEXITED(*status_)) return "exited " + std::to_string(WEXITSTATUS(*status_));
  if (WIFSIGNALED(*status_)) return "killed by signal " + std::to_string(WTERMSIG(*status_));
  return "stopped";
}

std::string ChildProcess::log_tail(std::size_t max_bytes) const {
  std::string text = read_all(log_);
  if (text.size() > max_bytes) text = "…" + text.substr(text.size() - max_bytes);
  return text;
}

void ChildProcess::wait_for_log_line(const std::string& prefix, MonotonicTime deadline) {
  while (true) {
    std::istringstream lines(read_all(log_));
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind(prefix, 0) == 0) return;
    }
    if (!running()) {
      throw ChildProcessError(name() + " " + status_text() + " before it was ready; its log " +
                              log_.string() + " ends with:\n" + log_tail());
    }
    if (clock_.monotonic_now() >= deadline) {
      throw ChildProcessError(name() + " did not print '" + prefix + "' in time; its log " + log_.string() +
                              " ends with:\n" + log_tail());
    }
    sleep_(std::chrono::milliseconds(5));
  }
}

std::string ChildProcess::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return "not started";
  if (!reap(false)) {
    ::kill(-pid_, SIGTERM);
    const MonotonicTime deadline = clock_.monotonic_now() + grace;
    while (!reap(false) && clock_.monotonic_now() < deadline)
      sleep_(std::chrono::milliseconds(5));
    if (!reap(false)) {
      ::kill(-pid_, SIGKILL);
      reap(true);
    }
  }
  return status_text();
}

std::string find_program(const std::string& name, const std::string& build_subdir) {
  std::string var = "TAPBENCH_";
  for (char c : name)
    var += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  var += "_BIN";
  if (const char* v = std::getenv(var.c_str()); v && *v) return v;
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto dir = self.parent_path();
    for (const auto& candidate : {dir / name, dir.parent_path().parent_path() / build_subdir / name}) {
      if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
  }
  return name;
}

}  // namespace tapbench::rig
