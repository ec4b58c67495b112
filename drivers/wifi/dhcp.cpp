#include "drivers/wifi/dhcp.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <fstream>

#include "drivers/wifi/child_process.hpp"
#include "drivers/wifi/wifi_error.hpp"

namespace tapbench::wifi {

using std::chrono::milliseconds;

namespace {

std::string unique_tmp(const std::string& stem) {
  static std::atomic<int> counter{0};
  return "/tmp/tapbench-" + stem + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

// udhcpc calls this at each event; on a lease it configures the interface and prints the lease for us.
constexpr const char* kUdhcpcScript = R"(#!/bin/sh
case "$1" in
  deconfig) ip addr flush dev "$interface" 2>/dev/null; ip link set "$interface" up ;;
  bound|renew)
    ip addr flush dev "$interface" 2>/dev/null
    ip addr add "$ip/${mask:-24}" dev "$interface" || exit 1
    echo "TAPBENCH-LEASE ip=$ip subnet=$subnet router=$router" ;;
esac
exit 0
)";

std::string value_after(const std::string& text, const std::string& key) {
  auto pos = text.find(key + "=");
  if (pos == std::string::npos) return "";
  auto start = pos + key.size() + 1;
  auto end = text.find_first_of(" \n", start);
  return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::string tail(const std::string& s, std::size_t n) {
  return s.size() > n ? s.substr(s.size() - n) : s;
}

}  // namespace

BusyboxDhcpServer::BusyboxDhcpServer(std::string ifname, DhcpPool pool, std::string netns)
    : ifname_(std::move(ifname)), netns_(std::move(netns)) {
  auto base = unique_tmp("udhcpd-" + ifname_);
  conf_path_ = base + ".conf";
  lease_path_ = base + ".leases";
  log_path_ = base + ".log";
  auto addr = run_bounded(in_netns(netns_, {"ip", "addr", "replace", pool.server_cidr, "dev", ifname_}),
                          milliseconds{5000});
  if (addr.timed_out || addr.exit_status != 0) {
    throw WifiError(WifiErrc::kIo, "DHCP server: cannot address " + ifname_ + ": " + tail(addr.output, 500));
  }
  std::ofstream(lease_path_).flush();
  std::ofstream conf(conf_path_);
  auto router = pool.server_cidr.substr(0, pool.server_cidr.find('/'));
  conf << "start " << pool.first << "\nend " << pool.last << "\ninterface " << ifname_ << "\nlease_file "
       << lease_path_ << "\nmax_leases 64\nauto_time 0\noption subnet " << pool.subnet_mask
       << "\noption router " << router << "\noption lease 3600\n";
  conf.close();
  // -a: how long udhcpd ARP-probes an address before offering it (default 2000 ms: most of a lease's time).
  pid_ = spawn_logged(
      in_netns(netns_, {"busybox", "udhcpd", "-f", "-a", std::to_string(pool.arp_probe.count()), conf_path_}),
      log_path_);
}

BusyboxDhcpServer::~BusyboxDhcpServer() {
  stop_child(pid_, milliseconds{2000});
  ::unlink(conf_path_.c_str());
  ::unlink(lease_path_.c_str());
  ::unlink(log_path_.c_str());
}

Lease obtain_lease(const std::string& ifname, const std::string& netns, milliseconds timeout) {
  auto script = unique_tmp("udhcpc") + ".sh";
  {
    std::ofstream out(script);
    out << kUdhcpcScript;
  }
  ::chmod(script.c_str(), 0700);
  // -t N discovers, 1 s apart (-T 1), then give up (-n); -q: exit once bound; -f: foreground.
  const auto tries = std::max<long>(1, static_cast<long>(timeout.count() / 1000));
  auto r = run_bounded(in_netns(netns, {"busybox", "udhcpc", "-f", "-q", "-n", "-i", ifname, "-t",
                                        std::to_string(tries), "-T", "1", "-s", script}),
                       timeout + milliseconds{500});
  ::unlink(script.c_str());
  auto pos = r.output.find("TAPBENCH-LEASE ");
  if (r.timed_out || r.exit_status != 0 || pos == std::string::npos) {
    throw WifiError(WifiErrc::kDhcpFailed, "no DHCP lease on " + ifname + " within " +
                                               std::to_string(timeout.count()) +
                                               " ms (udhcpc: " + tail(r.output, 300) + ")");
  }
  auto line = r.output.substr(pos, r.output.find('\n', pos) - pos);
  return {value_after(line, "ip"), value_after(line, "subnet"), value_after(line, "router")};
}

}  // namespace tapbench::wifi
