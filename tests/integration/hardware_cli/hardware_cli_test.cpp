// The tapbench binary as a user runs it: `tapbench doctor` on the sim bench and on a bench whose USB reader
// is absent, `tapbench nfc read|tag` against pn532-sim (through libnfc's own pn532_uart driver), and usage
// errors. Asserts what the user sees: exit codes and the lines printed.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <string>
#include <vector>

#include "tests/integration/nfc/nfc_test_support.hpp"

using namespace nfc_test;
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

// A loopback port nobody listens on (bound, then released).
int closed_port() {
  TcpListener l;
  return l.port();
}

const std::string kTapbench = TAPBENCH_BIN;

std::string hex(const Bytes& bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string s;
  for (auto b : bytes) {
    s += kDigits[b >> 4];
    s += kDigits[b & 15];
  }
  return s;
}

// Where the programs the sim bench needs are (doctor finds them through the same variables as the rig).
std::vector<std::string> sim_bench_env() {
  return {"TAPBENCH_PN532_SIM_BIN=" PN532_SIM_BIN, "TAPBENCH_VENDORD_BIN=" VENDORD_BIN,
          "TAPBENCH_PRINTERD_BIN=" PRINTERD_BIN, "LIBNFC_AUTO_SCAN=false"};
}

struct Run {
  int code;
  std::string output;  // stdout + stderr
};

Run run(const TempDir& dir, const std::vector<std::string>& args, const std::vector<std::string>& env = {},
        std::chrono::milliseconds timeout = 20s) {
  std::vector<std::string> argv = {kTapbench};
  argv.insert(argv.end(), args.begin(), args.end());
  static int n = 0;
  const std::string out = dir / ("run" + std::to_string(++n) + ".out");
  Child child(argv, out, env);
  REQUIRE(child.started());
  const auto code = child.wait(timeout);
  REQUIRE_MESSAGE(code.has_value(), "tapbench did not finish within the timeout: " << child.output());
  return {*code, child.output()};
}

// The line of `output` that starts with `prefix` (trimmed of leading blanks), or empty.
std::string line_starting(const std::string& output, const std::string& prefix) {
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    const auto start = line.find_first_not_of(' ');
    if (start != std::string::npos && line.compare(start, prefix.size(), prefix) == 0) return line;
  }
  return {};
}

// A pn532-sim with one chip at DIR/phone (and optionally a Type 4 Tag holding `tag`).
struct Sim {
  Sim(const TempDir& dir, const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {PN532_SIM_BIN};
    argv.insert(argv.end(), extra.begin(), extra.end());
    child = std::make_unique<Child>(argv, dir / "sim.log");
    REQUIRE(eventually([&] { return read_text(dir / "sim.log").find("ready") != std::string::npos; }, 10s));
  }
  std::unique_ptr<Child> child;
};

std::string absent_reader_bench(int server_port, int board_port) {
  return R"(bench: absent-reader
devices:
  - name: phone-acr122
    kind: nfc
    backend: usb
    port: 1-9.4
    id: 072f:2200
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
         std::to_string(server_port) + R"(
  - name: printer-board
    kind: printer
    backend: board
    address: 127.0.0.1:)" +
         std::to_string(board_port) + R"(
roles:
  phone-reader: phone-acr122
  phone-radio: phone-wifi
  router: home-ap
  server: vendor-server
  printer: printer-board
)";
}

}  // namespace

TEST_CASE("tapbench doctor --bench sim: pn532-sim is started and opened through libnfc, every device bound") {
  TempDir dir;
  const auto r = run(dir, {"doctor", "--bench", "sim"}, sim_bench_env());
  INFO(r.output);
  CHECK(r.code == 0);
  const auto sim_line = line_starting(r.output, "pn532-sim");
  CHECK(sim_line.find("ok") != std::string::npos);
  CHECK(sim_line.find("libnfc's pn532_uart driver opened it") != std::string::npos);
  CHECK(line_starting(r.output, "phone-nfc").find("phone-reader   bound: pn532-sim on field 'tap'") !=
        std::string::npos);
  CHECK(line_starting(r.output, "printer-nfc").find("printer-tag    bound: pn532-sim on field 'tap'") !=
        std::string::npos);
  CHECK(line_starting(r.output, "vendor-server").find("bound: vendord " VENDORD_BIN) != std::string::npos);
  CHECK(r.output.find("Bench 'sim' (fixtures/benches/sim.yaml (embedded)):") != std::string::npos);
  CHECK(r.output.find("-> every device can be bound") != std::string::npos);
  CHECK(r.output.find("Bench 'hwsim'") == std::string::npos);  // only the bench asked for

  SUBCASE("--json says the same for machines") {
    const auto j = run(dir, {"doctor", "--bench", "sim", "--json"}, sim_bench_env());
    CHECK(j.code == 0);
    const auto doc = boost::json::parse(j.output.substr(j.output.find('{'))).as_object();
    const auto& bench = doc.at("benches").as_array().at(0).as_object();
    CHECK(bench.at("name").as_string() == "sim");
    CHECK(bench.at("ok").as_bool());
    const auto& phone = bench.at("devices").as_array().at(0).as_object();
    CHECK(phone.at("name").as_string() == "phone-nfc");
    CHECK(phone.at("bound").as_bool());
    CHECK(phone.at("roles").as_array().at(0).as_string() == "phone-reader");
    CHECK(doc.at("libnfc").at("auto_scan").as_bool() == false);
  }
}

TEST_CASE("tapbench doctor: without pn532-sim the sim bench cannot bind its readers (exit 3, reason given)") {
  TempDir dir;
  auto env = sim_bench_env();
  env[0] = "TAPBENCH_PN532_SIM_BIN=" + (dir / "no-such-pn532-sim");
  const auto r = run(dir, {"doctor"}, env);  // no --bench: every built-in bench, the default decides
  INFO(r.output);
  CHECK(r.code == 3);
  CHECK(line_starting(r.output, "pn532-sim").find("MISSING  pn532-sim not found") != std::string::npos);
  CHECK(line_starting(r.output, "phone-nfc").find("missing: pn532-sim not found") != std::string::npos);
  CHECK(r.output.find("Bench 'hwsim' (fixtures/benches/hwsim.yaml (embedded)) [not selected]:") !=
        std::string::npos);
  CHECK(r.output.find("Bench 'lab-bench-3'") != std::string::npos);
  CHECK(r.output.find("doctor: the default bench (sim) cannot bind every device (exit 3)") !=
        std::string::npos);
}

TEST_CASE(
    "tapbench doctor --bench FILE naming a USB reader that is not plugged in (and a silent board): missing, "
    "exit 3") {
  TempDir dir;
  TcpListener server;  // the server answers; nobody listens on the board's port
  const int board_port = closed_port();
  std::ofstream(dir / "absent.yaml") << absent_reader_bench(server.port(), board_port);
  const auto r = run(dir, {"doctor", "--bench", dir / "absent.yaml"}, {"LIBNFC_AUTO_SCAN=false"});
  INFO(r.output);
  CHECK(r.code == 3);
  CHECK(line_starting(r.output, "phone-acr122")
            .find("nfc/usb              phone-reader   missing: no NFC reader matches port 1-9.4, id "
                  "072f:2200") != std::string::npos);
  CHECK(line_starting(r.output, "home-ap").find("bound: drivers/wifi link model") != std::string::npos);
  CHECK(line_starting(r.output, "vendor-server")
            .find("bound: http://127.0.0.1:" + std::to_string(server.port()) + " (answers on TCP)") !=
        std::string::npos);
  // The rig's health check (rig/bench/bench_health.hpp) is part of the verdict: a board that does not answer.
  CHECK(line_starting(r.output, "printer-board")
            .find("missing: 127.0.0.1:" + std::to_string(board_port) + " does not answer") !=
        std::string::npos);
  CHECK(r.output.find("-> 2 of 5 devices missing") != std::string::npos);
  CHECK(r.output.find("Simulators and programs:") != std::string::npos);
  CHECK(line_starting(r.output, "pn532-sim").empty());  // not probed: this bench has no pn532-sim

  SUBCASE("an invalid bench file is refused with its problems (65), a missing one with 66") {
    std::ofstream(dir / "bad.yaml") << "bench: bad\ndevices: []\nroles: {phone-reader: nothing}\n";
    const auto bad = run(dir, {"doctor", "--bench", dir / "bad.yaml"});
    CHECK(bad.code == 65);
    CHECK(bad.output.find("bad.yaml:") != std::string::npos);
    const auto none = run(dir, {"doctor", "--bench", dir / "none.yaml"});
    CHECK(none.code == 66);
  }
}

TEST_CASE("tapbench nfc read: a tag through libnfc (hex on stdout, exit 0); no card: typed error, exit 2") {
  quiet_libnfc();
  TempDir dir;
  const Bytes msg = handover_message();
  write_file(dir / "msg.ndef", msg);
  {
    Sim sim(dir, {"--link", dir / "phone", "--tag-ndef", dir / "msg.ndef"});
    const auto r =
        run(dir, {"nfc", "read", "pn532_uart:" + dir / "phone", "--repeat", "2", "--out", dir / "got"});
    INFO(r.output);
    CHECK(r.code == 0);
    CHECK(line_starting(r.output, hex(msg).substr(0, 16)) == hex(msg));
    CHECK(r.output.find("tap 1: 432 bytes, 7 APDUs, field_on->target_found") != std::string::npos);
    CHECK(r.output.find("2 taps: target_found->ndef_read p50") != std::string::npos);
    std::ifstream got(dir / "got", std::ios::binary);
    CHECK(Bytes(std::istreambuf_iterator<char>(got), {}) == msg);

    const auto unwritable =
        run(dir, {"nfc", "read", "pn532_uart:" + dir / "phone", "--out", dir / "no/such/dir"});
    CHECK(unwritable.code == 74);
    CHECK(unwritable.output.find("tapbench nfc read: cannot write " + dir / "no/such/dir") !=
          std::string::npos);

    // The same reader named by a bench's libnfc connstring: doctor binds it by its device node.
    TcpListener server;
    std::string bench = absent_reader_bench(server.port(), server.port());
    const std::string usb_reader = "    backend: usb\n    port: 1-9.4\n    id: 072f:2200\n";
    bench.replace(bench.find(usb_reader), usb_reader.size(),
                  "    backend: libnfc\n    connstring: pn532_uart:" + dir / "phone" + "\n");
    std::ofstream(dir / "libnfc.yaml") << bench;
    const auto d = run(dir, {"doctor", "--bench", dir / "libnfc.yaml"}, {"LIBNFC_AUTO_SCAN=false"});
    CHECK(d.code == 0);
    CHECK(line_starting(d.output, "phone-acr122")
              .find("nfc/libnfc           phone-reader   bound: " + dir / "phone" +
                    " exists (not opened by doctor)") != std::string::npos);

    const auto j = run(dir, {"nfc", "read", "pn532_uart:" + dir / "phone", "--json"});
    CHECK(j.code == 0);
    const auto doc = boost::json::parse(j.output.substr(j.output.find('{'))).as_object();
    CHECK(doc.at("ok").as_bool());
    CHECK(doc.at("ndef").as_string() == hex(msg));
    CHECK(doc.at("taps").as_array().at(0).at("apdus").as_int64() == 7);
  }
  {
    Sim sim(dir, {"--link", dir / "empty"});  // a reader with no card in its field
    const auto r = run(dir, {"nfc", "read", "pn532_uart:" + dir / "empty", "--wait", "200"});
    INFO(r.output);
    CHECK(r.code == 2);
    CHECK(r.output.find("tapbench nfc read: timeout: no ISO/IEC 14443-A target") != std::string::npos);
    CHECK(r.output.find("(device FAIL)") != std::string::npos);
    const auto j = run(dir, {"nfc", "read", "pn532_uart:" + dir / "empty", "--wait", "200", "--json"});
    CHECK(j.code == 2);
    const auto doc = boost::json::parse(j.output.substr(j.output.find('{'))).as_object();
    CHECK(doc.at("error").at("code").as_string() == "timeout");
    CHECK(doc.at("error").at("class").as_string() == "device");
  }
  const auto missing = run(dir, {"nfc", "read", "pn532_uart:" + dir / "nothing-here"});
  CHECK(missing.code == 3);
  CHECK(missing.output.find("(infrastructure ERROR)") != std::string::npos);
}

TEST_CASE(
    "tapbench nfc tag + nfc read: a two-chip tap, the tag command logs the taps and stops after --taps") {
  quiet_libnfc();
  TempDir dir;
  const Bytes msg = uri_message();
  write_file(dir / "msg.ndef", msg);
  Sim sim(dir, {"--link", dir / "phone", "--link", dir / "printer"});
  Child tag(
      {kTapbench, "nfc", "tag", "pn532_uart:" + dir / "printer", "--ndef", dir / "msg.ndef", "--taps", "1"},
      dir / "tag.out");
  REQUIRE(eventually(
      [&] { return read_text(dir / "tag.out").find("presenting 18 bytes") != std::string::npos; }, 10s));
  const auto r = run(dir, {"nfc", "read", "pn532_uart:" + dir / "phone", "--wait", "5000"});
  INFO(r.output);
  CHECK(r.code == 0);
  CHECK(line_starting(r.output, hex(msg)) == hex(msg));
  CHECK(tag.wait(10s) == 0);
  CHECK(tag.output().find("tap 1: released after") != std::string::npos);
  const auto no_file = run(dir, {"nfc", "tag", "pn532_uart:" + dir / "printer", "--ndef", dir / "nope.ndef"});
  CHECK(no_file.code == 66);
  CHECK(no_file.output.find("tapbench nfc tag: cannot read " + dir / "nope.ndef") != std::string::npos);
}

TEST_CASE("usage errors exit 64 with the reason") {
  TempDir dir;
  const auto no_spec = run(dir, {"nfc", "read"});
  CHECK(no_spec.code == 64);
  CHECK(no_spec.output.find("SPEC is required") != std::string::npos);
  CHECK(run(dir, {"nfc", "read", "pn532_uart:/x", "--repeat", "0"}).code == 64);
  CHECK(run(dir, {"nfc", "read", "pn532_uart:/x", "--wait", "soon"}).code == 64);
  CHECK(run(dir, {"nfc", "tag", "pn532_uart:/x"}).code == 64);  // --ndef is required
  CHECK(run(dir, {"nfc"}).code == 64);
  CHECK(run(dir, {"doctor", "--bogus"}).code == 64);
  const auto either = run(dir, {"usb", "power-cycle"});
  CHECK(either.code == 64);
  CHECK(either.output.find("give either HUB PORT or --reader PORTPATH") != std::string::npos);
  const auto bare = run(dir, {"usb", "power-cycle", "1-2", "3", "--off", "30"});
  CHECK(bare.code == 64);
  CHECK(bare.output.find("--off '30' is not a positive duration") != std::string::npos);
  const auto path = run(dir, {"usb", "power-cycle", "--reader", "1-2-3"});
  CHECK(path.code == 64);
  CHECK(path.output.find("bad USB port path '1-2-3'") != std::string::npos);
  const auto entry = run(dir, {"usb", "list", "--extra-reader", "zz:1 pn53x_usb X"});
  CHECK(entry.code == 64);
  CHECK(run(dir, {"usb", "watch", "--for", "ever"}).code == 64);
}
