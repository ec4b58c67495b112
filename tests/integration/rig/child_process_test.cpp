// rig/supervisor/child_process: real child processes (/bin/sh scripts). Waits are bounded by deadlines; the
// "never ready" case runs on a ManualClock whose sleeper advances it, so it takes no wall time.
#include <doctest/doctest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <memory>

#include "rig/supervisor/child_process.hpp"

using namespace tapbench;
using namespace tapbench::rig;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/tapbench-child-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() { fs::remove_all(path); }
};

bool alive(pid_t pid) {
  return ::kill(pid, 0) == 0 || errno != ESRCH;
}

const Clock& real() {
  return RealClock::instance();
}

}  // namespace

TEST_CASE("a child is ready when its line appears in its log; stop() ends it with SIGTERM") {
  TempDir tmp;
  ChildProcess child({"/bin/sh", "-c", "echo starting; echo ready on /tmp/x; exec sleep 30"},
                     tmp.path / "c.log", real());
  child.wait_for_log_line("ready", real().monotonic_now() + 10s);
  CHECK(child.running());
  CHECK(child.stop(5s) == "killed by signal 15");
  CHECK_FALSE(child.running());
  CHECK(child.log_tail().find("starting\nready on /tmp/x\n") != std::string::npos);
}

TEST_CASE("a child that ignores SIGTERM is killed after the grace period, its whole process group with it") {
  TempDir tmp;
  ChildProcess child({"/bin/sh", "-c", "trap '' TERM; sleep 30 & echo ready $!; wait"}, tmp.path / "c.log",
                     real());
  child.wait_for_log_line("ready", real().monotonic_now() + 10s);
  const std::string line = child.log_tail();
  const pid_t grandchild = static_cast<pid_t>(std::stol(line.substr(line.find(' ') + 1)));
  CHECK(alive(grandchild));
  CHECK(child.stop(100ms) == "killed by signal 9");
  // The grandchild got the signal too (same process group). Its parent is gone, so whoever inherits it may
  // leave a zombie: dead is "no such process" or state Z.
  auto dead = [&] {
    if (!alive(grandchild)) return true;
    std::string stat;
    if (FILE* f = std::fopen(("/proc/" + std::to_string(grandchild) + "/stat").c_str(), "r")) {
      char buf[256] = {};
      if (std::fgets(buf, sizeof buf, f)) stat = buf;
      std::fclose(f);
    }
    return stat.find(") Z") != std::string::npos;
  };
  const auto deadline = real().monotonic_now() + 10s;
  while (!dead() && real().monotonic_now() < deadline) {
  }
  CHECK(dead());
}

TEST_CASE("a child that exits before it is ready: the error says how, with its log") {
  TempDir tmp;
  ChildProcess child({"/bin/sh", "-c", "echo cannot open /dev/ttyX >&2; exit 3"}, tmp.path / "c.log", real());
  CHECK_THROWS_WITH_AS(child.wait_for_log_line("ready", real().monotonic_now() + 10s),
                       doctest::Contains("exited 3 before it was ready"), ChildProcessError);
  CHECK_THROWS_WITH(child.wait_for_log_line("ready", real().monotonic_now() + 10s),
                    doctest::Contains("cannot open /dev/ttyX"));
}

TEST_CASE("a child that never gets ready: the deadline on the injected clock ends the wait") {
  TempDir tmp;
  ManualClock clock;
  auto child = std::make_unique<ChildProcess>(
      std::vector<std::string>{"/bin/sh", "-c", "echo warming up; exec sleep 30"}, tmp.path / "c.log", clock,
      [&](std::chrono::milliseconds d) { clock.advance(d); });
  CHECK_THROWS_WITH_AS(child->wait_for_log_line("ready", clock.monotonic_now() + 2s),
                       doctest::Contains("did not print 'ready' in time"), ChildProcessError);
  CHECK(child->running());
  // The destructor kills and reaps it: nothing is left behind.
  const pid_t pid = child->pid();
  child.reset();
  CHECK_FALSE(alive(pid));
}

TEST_CASE("if tapbench dies, even by SIGKILL, its children die with it") {
  TempDir tmp;
  int to_parent[2];
  REQUIRE(::pipe(to_parent) == 0);
  const pid_t rig = ::fork();
  REQUIRE(rig >= 0);
  if (rig == 0) {  // plays tapbench: starts a child, reports its pid, then is killed without cleaning up
    ::close(to_parent[0]);
    auto* child =
        new ChildProcess({"/bin/sh", "-c", "echo ready; exec sleep 30"}, tmp.path / "c.log", real());
    child->wait_for_log_line("ready", real().monotonic_now() + 10s);
    const pid_t pid = child->pid();
    (void)!::write(to_parent[1], &pid, sizeof pid);
    ::kill(::getpid(), SIGKILL);
  }
  ::close(to_parent[1]);
  pid_t child_pid = 0;
  REQUIRE(::read(to_parent[0], &child_pid, sizeof child_pid) == static_cast<ssize_t>(sizeof child_pid));
  ::close(to_parent[0]);
  int status = 0;
  REQUIRE(::waitpid(rig, &status, 0) == rig);
  CHECK(WIFSIGNALED(status));
  const auto deadline = real().monotonic_now() + 10s;
  bool dead = false;
  while (!dead && real().monotonic_now() < deadline) {
    dead = !alive(child_pid);
    if (!dead) {  // reparented: a zombie until its new parent reaps it
      if (FILE* f = std::fopen(("/proc/" + std::to_string(child_pid) + "/stat").c_str(), "r")) {
        char buf[256] = {};
        dead = std::fgets(buf, sizeof buf, f) && std::string(buf).find(") Z") != std::string::npos;
        std::fclose(f);
      }
    }
  }
  CHECK(dead);
}

TEST_CASE("a program that does not exist cannot start") {
  TempDir tmp;
  CHECK_THROWS_WITH_AS(ChildProcess({"/nonexistent/pn532-sim"}, tmp.path / "c.log", real()),
                       "cannot start /nonexistent/pn532-sim: No such file or directory", ChildProcessError);
}

TEST_CASE("find_program prefers the environment variable") {
  ::setenv("TAPBENCH_PN532_SIM_BIN", "/opt/x/pn532-sim", 1);
  CHECK(find_program("pn532-sim", "sim/pn532") == "/opt/x/pn532-sim");
  ::unsetenv("TAPBENCH_PN532_SIM_BIN");
  CHECK(find_program("no-such-tool-xyz", "sim/none") == "no-such-tool-xyz");
}
