// DHCP on a Wi-Fi link, with busybox's udhcpd / udhcpc (Debian's busybox-static: `busybox udhcpc`, so it
// works wherever /bin/busybox is, host or radio-lab VM). The AP / P2P GO side serves a pool on its interface;
// the station side obtains a lease — the "ip-address" phase, or kDhcpFailed.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>

namespace tapbench::wifi {

struct DhcpPool {
  std::string server_cidr = "192.168.77.1/24";  // address given to the serving interface
  std::string first = "192.168.77.10";
  std::string last = "192.168.77.50";
  std::string subnet_mask = "255.255.255.0";
  // udhcpd ARP-probes an address before offering it; its default of 2 s dominated the lease time.
  std::chrono::milliseconds arp_probe{100};
};

struct Lease {
  std::string ip;      // "192.168.77.10"
  std::string subnet;  // "255.255.255.0"
  std::string router;  // may be empty
};

// udhcpd on `ifname` (in `netns` if not empty): adds pool.server_cidr to the interface, writes its config
// and lease file under /tmp, runs in the foreground until destroyed. Throws WifiError(kIo) if it cannot
// start (no busybox, interface missing).
class BusyboxDhcpServer {
 public:
  BusyboxDhcpServer(std::string ifname, DhcpPool pool, std::string netns = "");
  ~BusyboxDhcpServer();
  BusyboxDhcpServer(const BusyboxDhcpServer&) = delete;
  BusyboxDhcpServer& operator=(const BusyboxDhcpServer&) = delete;
  const std::string& ifname() const { return ifname_; }
  const std::string& log_path() const { return log_path_; }

 private:
  std::string ifname_, netns_, conf_path_, lease_path_, log_path_;
  pid_t pid_ = -1;
};

// udhcpc on `ifname` (in `netns` if not empty): DISCOVER every second until `timeout`, configures the
// address on a lease (via `ip addr`), returns it. Throws WifiError(kDhcpFailed) naming the interface and
// what udhcpc said when no lease came in time.
Lease obtain_lease(const std::string& ifname, const std::string& netns, std::chrono::milliseconds timeout);

}  // namespace tapbench::wifi
