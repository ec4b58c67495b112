// Runs the real vendord binary for crash tests: spawn, wait until it is listening (port file, bounded by a
// deadline), kill -9, restart on the same database.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace tapbench::server::test {

class VendordProcess {
 public:
  VendordProcess(std::filesystem::path dir, std::vector<std::string> extra_args = {})
      : dir_(std::move(dir)), extra_(std::move(extra_args)) {}

  // Extra environment for the next start() ("NAME=value"); cleared by passing {}.
  void set_env(std::vector<std::string> env) { env_ = std::move(env); }
  ~VendordProcess() { kill9(); }

  // Starts vendord on dir/vendord.db and waits (≤ 10 s) until it writes its port. Throws on failure.
  void start() {
    const auto port_file = dir_ / "port";
    std::filesystem::remove(port_file);
    std::vector<std::string> args{VENDORD_PATH,      "--db",        (dir_ / "vendord.db").string(),
                                  "--listen",        "127.0.0.1:0", "--port-file",
                                  port_file.string()};
    args.insert(args.end(), extra_.begin(), extra_.end());
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    const std::string log = (dir_ / "vendord.log").string();
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    std::vector<char*> envp;
    for (char** e = environ; *e; ++e)
      envp.push_back(*e);
    for (auto& e : env_)
      envp.push_back(e.data());
    envp.push_back(nullptr);
    const int rc = posix_spawn(&pid_, VENDORD_PATH, &fa, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) throw std::runtime_error("cannot spawn " + std::string{VENDORD_PATH});
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{10};
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("vendord exited during startup; see " + log);
      }
      std::ifstream in(port_file);
      int port = 0;
      if (in >> port && port > 0) {
        port_ = static_cast<std::uint16_t>(port);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds{5});  // polling interval, bounded by the deadline
    }
    kill9();
    throw std::runtime_error("vendord did not start listening within 10 s; see " + log);
  }

  void kill9() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  // SIGTERM and wait (at most 10 s) for a clean exit; returns the exit status, or -1 (killed -9 if it hung).
  int terminate() {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{10};
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds{5});  // polling interval, bounded by the deadline
    }
    kill9();
    return -1;
  }

  std::uint16_t port() const { return port_; }

  // True once the process has exited by itself (e.g. the crash hook fired); reaps it.
  bool exited() {
    if (pid_ <= 0) return true;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return true;
    }
    return false;
  }

 private:
  std::filesystem::path dir_;
  std::vector<std::string> extra_;
  std::vector<std::string> env_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace tapbench::server::test
