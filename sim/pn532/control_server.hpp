// The emulator's control channel: a Unix stream socket taking one line command at a time (see
// Simulator::execute and docs/NFC-SIM.md). Any number of clients, served one after the other.
#pragma once

#include <atomic>
#include <string>
#include <thread>

#include "sim/pn532/simulator.hpp"

namespace tapbench::sim::pn532 {

class ControlServer {
 public:
  // Binds `path` (an existing socket file there is replaced). Throws std::system_error.
  ControlServer(Simulator& sim, std::string path);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;
  const std::string& path() const { return path_; }

 private:
  void loop();
  void serve(int fd);
  Simulator& sim_;
  std::string path_;
  int listen_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// Client side, for tests and tools: sends one command, returns the whole reply. Throws std::system_error.
std::string control_request(const std::string& socket_path, const std::string& command);

}  // namespace tapbench::sim::pn532
