#include "rig/supervisor/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
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

// argv[0] as execvp would find it (resolved before fork: PATH search allocates).
std::string resolve_in_path(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const std::size_t end = std::min(dirs.find(':', start), dirs.size());
    const std::string dir = dirs.substr(start, end - start);
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return name;  // execve fails with ENOENT, reported as such
}

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
  // Everything the child needs is prepared here: between fork and exec only async-signal-safe calls.
  const std::string program = resolve_in_path(argv_[0]);
  std::vector<char*> args;
  for (auto& a : argv_)
    args.push_back(a.data());
  args.push_back(nullptr);
  const std::string log_path = log_.string();
  int report[2];  // exec failure reported through a close-on-exec pipe: EOF means exec succeeded
  if (::pipe2(report, O_CLOEXEC) != 0) throw ChildProcessError("cannot start " + argv_[0] + ": pipe failed");
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) {
    const int err = errno;
    ::close(report[0]);
    ::close(report[1]);
    throw ChildProcessError("cannot start " + argv_[0] + ": " + std::strerror(err));
  }
  if (pid_ == 0) {
    ::close(report[0]);
    ::setpgid(0, 0);  // its own group: stop() reaches its children too
    // If tapbench dies (even kill -9), the child gets SIGKILL: a bench never keeps stray emulators.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the parent died before prctl took effect
    const int in = ::open("/dev/null", O_RDONLY);
    const int out = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (in < 0 || out < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(out, 2) < 0) {
      const int err = errno;
      (void)!::write(report[1], &err, sizeof err);
      ::_exit(127);
    }
    ::execve(program.c_str(), args.data(), environ);
    const int err = errno;
    (void)!::write(report[1], &err, sizeof err);
    ::_exit(127);
  }
  ::close(report[1]);
  int err = 0;
  ssize_t n;
  do {
    n = ::read(report[0], &err, sizeof err);
  } while (n < 0 && errno == EINTR);
  ::close(report[0]);
  if (n == static_cast<ssize_t>(sizeof err)) {
    reap(true);
    pid_ = -1;
    throw ChildProcessError("cannot start " + argv_[0] + ": " + std::strerror(err));
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
