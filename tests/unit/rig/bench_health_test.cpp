// The bench health check against a fake view of the machine (readers, files, environment, TCP).
#include <doctest/doctest.h>

#include <algorithm>
#include <map>

#include "drivers/usb/usb_error.hpp"
#include "rig/bench/bench_health.hpp"
#include "rig/bench/bench_loader.hpp"

using namespace tapbench;
using namespace tapbench::rig;

namespace {

struct FakeWorld {
  std::vector<usb::ReaderInfo> readers;
  std::vector<std::string> files;
  std::map<std::string, std::string> env;
  std::vector<std::string> listening;  // "host:port"
  int connects = 0;

  HealthProbe probe() {
    HealthProbe p;
    p.list_readers = [this] { return readers; };
    p.exists = [this](const std::string& f) {
      return std::find(files.begin(), files.end(), f) != files.end();
    };
    p.env = [this](const std::string& n) -> std::optional<std::string> {
      auto it = env.find(n);
      if (it == env.end()) return std::nullopt;
      return it->second;
    };
    p.tcp_connect = [this](const std::string& host, int port,
                           std::chrono::milliseconds) -> std::optional<std::string> {
      ++connects;
      const std::string a = host + ":" + std::to_string(port);
      if (std::find(listening.begin(), listening.end(), a) != listening.end()) return std::nullopt;
      return "connection refused";
    };
    return p;
  }
};

usb::ReaderInfo acr122_at(std::string port) {
  usb::ReaderInfo r;
  r.id = {0x072f, 0x2200};
  r.kind = "ACS ACR122U";
  r.port_path = std::move(port);
  r.connstring = "acr122_usb:001:005";
  return r;
}

}  // namespace

TEST_CASE("the sim bench has nothing outside the rig to check") {
  FakeWorld world;
  CHECK(bench_health_problems(load_bench("sim"), world.probe()).empty());
  CHECK(world.connects == 0);
}

TEST_CASE("a lab bench with everything in place is healthy") {
  FakeWorld world;
  world.readers = {acr122_at("1-2.3")};
  world.files = {"/run/wpa_supplicant/wlx00c0ca000002", "/run/hostapd/wlx00c0ca000001"};
  world.env = {{"TAPBENCH_LAB3_PSK", "correct horse battery"}};
  world.listening = {"vendord.lab.example:8443", "192.168.50.20:8631"};
  CHECK(bench_health_problems(load_bench("lab-example"), world.probe()).empty());
  CHECK(world.connects == 2);
}

TEST_CASE("a lab bench with nothing in place: one line per problem, naming device and role") {
  FakeWorld world;
  world.readers = {acr122_at("1-4")};
  world.env = {{"TAPBENCH_LAB3_PSK", "short"}};
  const auto problems = bench_health_problems(load_bench("lab-example"), world.probe());
  REQUIRE(problems.size() == 6);
  CHECK(problems[0].starts_with("device 'phone-acr122' (phone-reader): "));
  CHECK(problems[0].find("1-4") != std::string::npos);  // says which readers are there instead
  CHECK(problems[1] ==
        "device 'phone-wifi' (phone-radio): no wpa_supplicant control socket "
        "/run/wpa_supplicant/wlx00c0ca000002");
  CHECK(problems[2] == "device 'home-ap' (router): no hostapd control socket /run/hostapd/wlx00c0ca000001");
  CHECK(problems[3] ==
        "device 'home-ap' (router): TAPBENCH_LAB3_PSK holds 5 characters, not a WPA2 passphrase (8-63)");
  CHECK(problems[4] ==
        "device 'vendor-server' (server): https://vendord.lab.example:8443 does not answer: "
        "connection refused");
  CHECK(problems[5] ==
        "device 'printer-board' (printer): 192.168.50.20:8631 does not answer: connection refused");
}

TEST_CASE("a reader held by pn533_usb, a missing serial node, libusb unavailable") {
  FakeWorld world;
  world.readers = {acr122_at("1-2.3")};
  world.readers[0].kernel_driver_bound = true;
  Bench bench = load_bench("lab-example");
  auto problems = bench_health_problems(bench, world.probe());
  CHECK(problems[0].find("held by a kernel driver (pn533_usb)") != std::string::npos);

  Device serial;
  serial.name = "uart-reader";
  serial.kind = DeviceKind::kNfc;
  serial.config = LibnfcBackend{"pn532_uart:/dev/ttyUSB7:115200"};
  bench.devices.push_back(serial);
  world.readers[0].kernel_driver_bound = false;
  HealthProbe probe = world.probe();
  probe.list_readers = []() -> std::vector<usb::ReaderInfo> {
    throw usb::UsbError(usb::UsbErrc::kIo, "libusb_init failed: no /dev/bus/usb");
  };
  problems = bench_health_problems(bench, probe);
  CHECK(problems[0] ==
        "device 'phone-acr122' (phone-reader): cannot list USB readers: libusb_init failed: no "
        "/dev/bus/usb");
  CHECK(problems.back() ==
        "device 'uart-reader' (no role): /dev/ttyUSB7 does not exist (reader unplugged, or "
        "another name?)");
}

TEST_CASE("the real TCP probe: a closed local port is refused, quickly") {
  const HealthProbe probe = system_probe();
  // Port 1 on loopback: nothing listens there on these machines.
  const auto why = probe.tcp_connect("127.0.0.1", 1, std::chrono::milliseconds(2000));
  REQUIRE(why.has_value());
  CHECK(*why == "Connection refused");
}

TEST_CASE("an https server's ca-file must exist on the rig host") {
  FakeWorld world;
  world.listening = {"vendord.lab.example:8443"};
  Bench bench = load_bench("lab-example");
  for (auto& d : bench.devices) {
    if (auto* url = std::get_if<UrlServerBackend>(&d.config)) url->ca_file = "/etc/tapbench/lab-ca.pem";
  }
  auto problems = bench_health_problems(bench, world.probe());
  CHECK(std::find(
            problems.begin(), problems.end(),
            "device 'vendor-server' (server): no CA file /etc/tapbench/lab-ca.pem (ca-file: the https server "
            "cannot be verified)") != problems.end());
  world.files = {"/etc/tapbench/lab-ca.pem"};
  problems = bench_health_problems(bench, world.probe());
  CHECK(std::none_of(problems.begin(), problems.end(),
                     [](const std::string& p) { return p.find("CA file") != std::string::npos; }));
}
