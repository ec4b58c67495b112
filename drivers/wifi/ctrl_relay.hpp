// tapbench-wpa-ctrl-relay: makes daemons' control sockets reachable over TCP, for a rig on the host driving
// hostapd / wpa_supplicant inside the radio-lab VM (qemu forwards a host port to the guest's relay port).
// Each TCP connection gets its own client socket to the daemon (so ATTACH, replies and events are per
// connection, as with a local socket); messages cross TCP framed as in ctrl_channel.hpp. When the daemon
// goes away the relay closes the connection, which the host's WpaCtrl reports as kDaemonGone.
#pragma once

#include <atomic>
#include <string>
#include <vector>

namespace tapbench::wifi {

struct RelayMapping {
  int port = 0;           // TCP port to listen on (0: any free one, see CtrlRelay::port())
  std::string ctrl_path;  // the daemon's socket: ctrl_interface dir + "/" + interface
};

class CtrlRelay {
 public:
  // Binds every listener (throws WifiError(kIo) naming the port if it cannot).
  explicit CtrlRelay(std::vector<RelayMapping> mappings, const std::string& bind_address = "0.0.0.0");
  ~CtrlRelay();
  CtrlRelay(const CtrlRelay&) = delete;
  CtrlRelay& operator=(const CtrlRelay&) = delete;

  int port(std::size_t mapping) const;
  // Serves until stop() (from any thread or a signal handler).
  void run();
  void stop();

 private:
  std::vector<RelayMapping> mappings_;
  std::vector<int> listeners_;
  int wake_[2] = {-1, -1};  // self-pipe: stop() writes, run() wakes up
  std::atomic<bool> stop_{false};
};

}  // namespace tapbench::wifi
