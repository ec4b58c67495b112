// `tapbench usb …` and `tapbench doctor` on simulated USB devices: the commands run in this process (as
// tapbench's main runs them: the same CLI11 registration and parse) under libumockdev-preload, so real
// libusb enumerates the testbed of tests/integration/usb (hubs 1-2 and 1-4, an ACR122U at 1-2.1, a PN533 at
// 1-2.3, a keyboard at 1-1). Asserts the lines and exit codes the user sees.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/json/parse.hpp>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "rig/cli/commands.hpp"
#include "rig/cli/exit_codes.hpp"
#include "tests/integration/usb/umockdev_usb_bench.hpp"

using tapbench::usb::ControlSetup;
using tapbench::usb::testing::UmockdevUsbBench;
using namespace std::chrono_literals;

namespace {

// A TCP port that accepts connections (the kernel completes them from the backlog), for the health check's
// connect to a server URL or board; closed with the object.
class TcpListener {
 public:
  TcpListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd_, 16) == 0);
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port_ = ntohs(a.sin_port);
  }
  ~TcpListener() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A stream buffer that other threads may write to while the test reads it (usb watch prints from the
// inventory's thread).
class SyncBuf : public std::streambuf {
 public:
  std::string str() {
    std::lock_guard lock(m_);
    return s_;
  }

 protected:
  int overflow(int c) override {
    if (c != EOF) {
      std::lock_guard lock(m_);
      s_.push_back(static_cast<char>(c));
    }
    return c;
  }
  std::streamsize xsputn(const char* p, std::streamsize n) override {
    std::lock_guard lock(m_);
    s_.append(p, static_cast<std::size_t>(n));
    return n;
  }

 private:
  std::mutex m_;
  std::string s_;
};

struct Result {
  int code;
  std::string out;
  std::string err;
};

// Parses and runs one tapbench command line like rig/cli/main.cpp does; stdout/stderr into `out`/`err`.
int run_into(std::vector<std::string> args, SyncBuf& out, SyncBuf& err) {
  CLI::App app{"tapbench", "tapbench"};
  app.require_subcommand(1);
  tapbench::cli::CommandResult result;
  tapbench::cli::register_doctor_commands(app, result);
  tapbench::cli::register_nfc_commands(app, result);
  tapbench::cli::register_usb_commands(app, result);
  auto* old_out = std::cout.rdbuf(&out);
  auto* old_err = std::cerr.rdbuf(&err);
  int code = 0;
  try {
    std::reverse(args.begin(), args.end());
    app.parse(args);
    code = result.exit_code;
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    code = tapbench::cli::kExitUsage;
  }
  std::cout.rdbuf(old_out);
  std::cerr.rdbuf(old_err);
  return code;
}

Result run(std::vector<std::string> args) {
  SyncBuf out, err;
  const int code = run_into(std::move(args), out, err);
  return {code, out.str(), err.str()};
}

void add_lab(UmockdevUsbBench& bench) {
  ::setenv("LIBNFC_AUTO_SCAN", "false", 1);  // libnfc's own USB scan would claim the simulated readers
  ::unsetenv("LD_PRELOAD");                  // children (none expected) must not inherit the testbed
  bench.add("usb-hubs.umockdev");
  bench.add("keyboard.umockdev");
  bench.add("acr122u.umockdev");
  bench.add("pn533.umockdev");
  bench.make_hub("usb1", {4, 0x0000, false});  // ganged
  bench.make_hub("1-2", {4, 0x0001, false});   // per-port
  bench.make_hub("1-4", {2, 0x0002, false});   // none
  bench.make_hub("usb2", {4, 0x0001, false});
}

bool contains(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

std::string usb_lab_bench(int tcp_port) {
  return R"(bench: usb-lab
devices:
  - name: phone-pn533
    kind: nfc
    backend: usb
    port: 1-2.3
    id: 04cc:2533
  - name: phone-wifi
    kind: radio
    backend: link-model
  - name: home-ap
    kind: radio
    backend: link-model
    network:
      ssid: lab-home
      passphrase: sim-only-passphrase
  - name: vendor-server
    kind: server
    backend: url
    url: http://127.0.0.1:)" +
         std::to_string(tcp_port) + R"(
  - name: printer-board
    kind: printer
    backend: board
    address: 127.0.0.1:)" +
         std::to_string(tcp_port) + R"(
  - name: board-power
    kind: power
    backend: usb-hub-port
    hub: 1-2
    port: 4
roles:
  phone-reader: phone-pn533
  phone-radio: phone-wifi
  router: home-ap
  server: vendor-server
  printer: printer-board
  printer-power: board-power
)";
}

std::string write_bench(const std::string& name, const std::string& text) {
  const auto path =
      std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(path) << text;
  return path.string();
}

}  // namespace

TEST_CASE("tapbench usb list: the two readers with identity, kind and connstring; --json; --extra-reader") {
  UmockdevUsbBench bench;
  add_lab(bench);
  const auto r = run({"usb", "list"});
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(contains(r.out, "2 USB NFC readers (identity, kind, libnfc connstring):\n"));
  CHECK(contains(r.out, "  1-2.1  ACS ACR122U (072f:2200)  acr122_usb:001:005"));
  CHECK(contains(r.out, "  1-2.3#PN533BENCH07  NXP PN533 (04cc:2533)  pn53x_usb:001:007"));
  CHECK(!contains(r.out, "046d:c31c"));  // the keyboard is no reader

  const auto j = run({"usb", "list", "--json"});
  CHECK(j.code == 0);
  const auto readers = boost::json::parse(j.out).at("readers").as_array();
  REQUIRE(readers.size() == 2);
  CHECK(readers[1].at("identity").as_string() == "1-2.3#PN533BENCH07");
  CHECK(readers[1].at("connstring").as_string() == "pn53x_usb:001:007");
  CHECK(readers[1].at("serial").as_string() == "PN533BENCH07");

  const auto extra = run({"usb", "list", "--extra-reader", "046d:c31c pn53x_usb Lab Keyboard Reader"});
  CHECK(extra.code == 0);
  CHECK(contains(extra.out, "  1-1  Lab Keyboard Reader (046d:c31c)  pn53x_usb:001:003"));

  SUBCASE("a reader held by the kernel's pn533_usb driver is listed with the problem") {
    bench.bind_kernel_driver("1-2.3", "pn533_usb");
    const auto held = run({"usb", "list"});
    CHECK(contains(held.out, "1-2.3#PN533BENCH07  NXP PN533"));
    CHECK(contains(held.out,
                   "problem: held by kernel driver pn533_usb: libnfc cannot claim it; blacklist it (echo "
                   "\"blacklist pn533_usb\" > /etc/modprobe.d/tapbench-nfc.conf, then modprobe -r "
                   "pn533_usb)"));
    const auto json = boost::json::parse(run({"usb", "list", "--json"}).out);
    CHECK(json.at("readers").at(1).at("kernel_driver_bound").as_bool());
  }
}

TEST_CASE("tapbench usb hubs and power-cycle: switching modes, a reader's port cycled, ganged refused") {
  UmockdevUsbBench bench;
  add_lab(bench);
  const auto hubs = run({"usb", "hubs"});
  INFO(hubs.out << hubs.err);
  CHECK(hubs.code == 0);
  CHECK(contains(hubs.out, "  usb1  1d6b:0002  4 ports  ganged power switching"));
  CHECK(contains(hubs.out, "  1-2  "));
  CHECK(contains(hubs.out, "4 ports  per-port power switching"));
  CHECK(contains(hubs.out, "2 ports  none power switching"));

  const auto cycle = run({"usb", "power-cycle", "--reader", "1-2.3", "--off", "20ms"});
  INFO(cycle.out << cycle.err);
  CHECK(cycle.code == 0);
  CHECK(contains(cycle.out, "port 3 of hub 1-2 (device 1-2.3): power off confirmed, on again after"));
  CHECK(bench.port_powered("1-2", 3));
  std::vector<ControlSetup> switches;
  for (const auto& s : bench.requests("1-2"))
    if (s.request_type == 0x23) switches.push_back(s);
  REQUIRE(switches.size() == 2);
  CHECK(switches[0] == ControlSetup{0x23, 1, 8, 3, 0});  // CLEAR_FEATURE(PORT_POWER) port 3
  CHECK(switches[1] == ControlSetup{0x23, 3, 8, 3, 0});  // SET_FEATURE(PORT_POWER) port 3

  const auto ganged = run({"usb", "power-cycle", "usb1", "2", "--off", "10ms"});
  CHECK(ganged.code == 3);
  CHECK(contains(ganged.err, "switches all its ports together"));
  CHECK(contains(ganged.err, "(--allow-ganged)"));
  const auto none = run({"usb", "power-cycle", "1-4", "1"});
  CHECK(none.code == 3);
  CHECK(contains(none.err, "cannot switch port power"));
  const auto range = run({"usb", "power-cycle", "1-2", "5"});
  CHECK(range.code == 64);
  CHECK(contains(range.err, "hub 1-2 has ports 1..4, not 5"));
  const auto nothing = run({"usb", "power-cycle", "1-9", "1"});
  CHECK(nothing.code == 3);
  CHECK(contains(nothing.err, "no USB device at 1-9"));
}

TEST_CASE("tapbench usb watch: readers present first, then a departure, until Ctrl-C") {
  UmockdevUsbBench bench;
  add_lab(bench);
  SyncBuf out, err;
  int code = -1;
  std::thread watch([&] { code = run_into({"usb", "watch", "--for", "60s"}, out, err); });
  auto wait_for = [&](const std::string& what) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!contains(out.str(), what) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(5ms);
    return contains(out.str(), what);
  };
  CHECK(wait_for(" arrived  1-2.1  ACS ACR122U (072f:2200)  acr122_usb:001:005"));
  CHECK(wait_for(" arrived  1-2.3#PN533BENCH07"));
  bench.unplug("1-2.1");
  CHECK(wait_for(" left  1-2.1  ACS ACR122U"));
  std::raise(SIGINT);  // what Ctrl-C does: the command's handler stops the watch
  watch.join();
  CHECK(code == 0);
  CHECK(contains(err.str(), "watching USB NFC readers"));
}

TEST_CASE("tapbench doctor with a bench pinning a simulated USB reader and hub port") {
  UmockdevUsbBench bench;
  add_lab(bench);
  TcpListener server_and_board;
  const auto file = write_bench("usb-lab", usb_lab_bench(server_and_board.port()));
  const auto r = run({"doctor", "--bench", file});
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(contains(r.out, "  1-2.3#PN533BENCH07  NXP PN533 (04cc:2533)  pn53x_usb:001:007"));
  CHECK(contains(r.out, "4 ports  per-port power switching"));
  CHECK(contains(r.out, "libnfc 1.8.0 (auto scan off (LIBNFC_AUTO_SCAN=false)"));
  CHECK(contains(r.out, "phone-reader   bound: 1-2.3#PN533BENCH07 NXP PN533 -> pn53x_usb:001:007"));
  CHECK(contains(r.out, "printer-power  bound: port 4 of hub 1-2 ("));
  CHECK(contains(r.out, "-> every device can be bound"));

  SUBCASE("the reader held by a kernel driver: missing, with the driver's name and what to do") {
    bench.bind_kernel_driver("1-2.3", "pn533_usb");
    const auto held = run({"doctor", "--bench", file});
    CHECK(held.code == 3);
    CHECK(contains(held.out,
                   "phone-reader   missing: 1-2.3#PN533BENCH07 (NXP PN533) is there but unusable: held "
                   "by kernel driver pn533_usb: libnfc cannot claim it; blacklist it"));
  }
  SUBCASE("the reader unplugged: missing, naming what is there instead") {
    bench.unplug("1-2.3");
    const auto gone = run({"doctor", "--bench", file, "--json"});
    CHECK(gone.code == 3);
    const auto doc = boost::json::parse(gone.out);
    const auto& phone = doc.at("benches").at(0).at("devices").at(0);
    CHECK(phone.at("bound").as_bool() == false);
    CHECK(contains(std::string(phone.at("detail").as_string()),
                   "no NFC reader matches port 1-2.3, id 04cc:2533"));
    CHECK(contains(std::string(phone.at("detail").as_string()), "1-2.1"));
  }
  std::filesystem::remove(file);
}
