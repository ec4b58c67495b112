// Helpers for the NFC integration tests: a temporary bench directory, child processes with captured output,
// and polling with a deadline (no fixed sleeps).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace nfc_test {

using Bytes = std::vector<std::uint8_t>;

// A 432-byte Wi-Fi Direct handover select message (Hs + ac + WSC credential, padded with a vendor extension).
inline Bytes handover_message() {
  static const char* kHex =
      "91020a487312d102046163010130004a1700000182016170706c69636174696f6e2f766e642e7766612e77736330100e005010"
      "2600"
      "0101104500114449524543542d74622d5072696e746572100300020020100f000200081027001c74617062656e63682d776664"
      "2d70"
      "6173737068726173652d3030303110200006020000aabbcc1049000600372a0001201049012000a0f70b30557a9fc4e90e3358"
      "7da2"
      "c7ec11365b80a5caef14395e83a8cdf2173c6186abd0f51a3f6489aed3f81d42678cb1d6fb20456a8fb4d9fe23486d92b7dc01"
      "264b"
      "7095badf04294e7398bde2072c51769bc0e50a2f54799ec3e80d32577ca1c6eb10355a7fa4c9ee13385d82a7ccf1163b6085aa"
      "cff4"
      "193e6388add2f71c41668bb0d5fa1f44698eb3d8fd22476c91b6db00254a6f94b9de03284d7297bce1062b50759abfe4092e53"
      "789d"
      "c2e70c31567ba0c5ea0f34597ea3c8ed12375c81a6cbf0153a5f84a9cef3183d6287acd1f61b40658aafd4f91e43688db2d7fc"
      "2146"
      "6b90b5daff24496e93b8dd02274c7196bbe0052a4f7499bee3082d52779cc1e60b30557a9fc4e90e33587da2c7ec11365b80a5"
      "caef"
      "14395e83a8cdf217";
  Bytes out;
  for (const char* p = kHex; p[0] && p[1]; p += 2)
    out.push_back(static_cast<std::uint8_t>(std::stoul(std::string(p, 2), nullptr, 16)));
  return out;
}

// A short URI record (https://example.com).
inline Bytes uri_message() {
  return {0xD1, 0x01, 0x0C, 0x55, 0x04, 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm', '/', 'x'};
}

inline void quiet_libnfc() {
  ::setenv("LIBNFC_AUTO_SCAN", "false", 1);
  ::setenv("LIBNFC_INTRUSIVE_SCAN", "false", 1);
  ::unsetenv("LIBNFC_DEVICE");
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "tapbench-nfc-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline void write_file(const std::string& path, const Bytes& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

inline std::string read_text(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Polls `cond` every 5 ms until it holds or `timeout` passes.
inline bool eventually(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (cond()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// A child process with stdout+stderr captured in a file.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::string& output_file,
        const std::vector<std::string>& extra_env = {})
      : output_(output_file) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, output_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    std::vector<char*> args;
    for (auto& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<std::string> env_store;
    for (char** e = environ; *e; ++e)
      env_store.emplace_back(*e);
    for (auto& e : extra_env)
      env_store.push_back(e);
    std::vector<char*> env;
    for (auto& e : env_store)
      env.push_back(e.data());
    env.push_back(nullptr);
    if (posix_spawnp(&pid_, args[0], &fa, nullptr, args.data(), env.data()) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
  }
  ~Child() {
    if (running()) {
      ::kill(pid_, SIGKILL);
      wait(std::chrono::milliseconds(5000));
    }
  }
  bool started() const { return pid_ > 0; }
  bool running() {
    if (pid_ <= 0 || status_) return false;
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) {
      status_ = st;
      return false;
    }
    return true;
  }
  // Waits for exit; returns the exit code (or 128+signal), nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout) {
    if (!eventually([&] { return !running(); }, timeout)) return std::nullopt;
    if (!status_) return std::nullopt;
    return WIFEXITED(*status_) ? WEXITSTATUS(*status_) : 128 + WTERMSIG(*status_);
  }
  void signal(int sig) {
    if (running()) ::kill(pid_, sig);
  }
  std::string output() const { return read_text(output_); }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::string output_;
  std::optional<int> status_;
};

}  // namespace nfc_test
