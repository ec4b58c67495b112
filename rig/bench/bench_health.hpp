// The bench health check (DESIGN §7): is what the bench names from outside the rig there? Run before a suite
// and after every ERROR; a bench that fails it is taken out of the run. It checks the resources the rig
// does not start itself: a USB reader by its identity (drivers/usb inventory over libusb), a serial reader's
// device node, the control sockets of daemons on the host, the router passphrase's environment variable,
// a server URL's and a board's TCP port, a server's ca-file. What the rig starts (pn532-sim, printerd,
// vendord, the radio lab) is the supervisor's to check when it starts them. Hub port power is not probed yet.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "drivers/usb/reader_inventory.hpp"
#include "rig/bench/bench.hpp"

namespace tapbench::rig {

// How the check looks at the world; tests substitute every function.
struct HealthProbe {
  std::function<std::vector<usb::ReaderInfo>()>
      list_readers;  // throws usb::UsbError when libusb cannot start
  std::function<bool(const std::string& path)> exists;
  std::function<std::optional<std::string>(const std::string& name)> env;
  // nullopt when a TCP connection to host:port succeeds within `timeout`, else why not.
  std::function<std::optional<std::string>(const std::string& host, int port,
                                           std::chrono::milliseconds timeout)>
      tcp_connect;
};

// The machine's own: libusb inventory, the file system, getenv, a non-blocking connect.
HealthProbe system_probe();

// One line per problem, "device 'phone-acr122' (phone-reader): …"; empty when healthy.
std::vector<std::string> bench_health_problems(const Bench& bench, const HealthProbe& probe);

}  // namespace tapbench::rig
