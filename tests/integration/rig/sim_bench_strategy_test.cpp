// rig/strategy's SimBenchStrategy with the real processes: pn532-sim, vendord and printerd (printer core)
// come up with their endpoints answering and their logs in the folder, the phone taps the printer's tag
// through libnfc and the control channel takes it out of the field, printerd restarts on the same port, and
// nothing outlives the strategy — neither after stop(), nor after an exception unwinds it, nor when a process
// cannot start.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "drivers/nfc/nfc_error.hpp"
#include "drivers/nfc/nfc_factory.hpp"
#include "protocol/clock/clock.hpp"
#include "rig/bench/bench_loader.hpp"
#include "rig/runner/secrets.hpp"
#include "rig/strategy/sim_bench_strategy.hpp"
#include "rig/terminal/ipp_client.hpp"
#include "rig/terminal/nfc_tap.hpp"
#include "rig/terminal/printer_api_client.hpp"
#include "rig/terminal/vendor_client.hpp"
#include "server/api/tls_trust.hpp"

using namespace std::chrono_literals;
using namespace tapbench;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    std::string p = (fs::temp_directory_path() / "sim-bench-strategy-XXXXXX").string();
    REQUIRE(::mkdtemp(p.data()) != nullptr);
    path = p;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

void use_build_tree_binaries() {
  ::setenv("TAPBENCH_PN532_SIM_BIN", PN532_SIM_PATH, 1);
  ::setenv("TAPBENCH_VENDORD_BIN", VENDORD_PATH, 1);
  ::setenv("TAPBENCH_PRINTERD_BIN", PRINTERD_PATH, 1);
  ::setenv("LIBNFC_AUTO_SCAN", "false", 1);
  ::setenv("LIBNFC_INTRUSIVE_SCAN", "false", 1);
}

// True once no process `pid` exists (children are reaped by ChildProcess; a zombie would still answer).
// Something accepts connections on 127.0.0.1:port.
bool listening(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

bool gone(int pid) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
    std::this_thread::sleep_for(20ms);  // polling interval, bounded by the deadline
  }
  return false;
}

rig::Lifetimes short_lifetimes() {
  rig::Lifetimes l;
  l.printer.pwt_period = 20s;
  l.printer.pt_idle = 30s;
  l.server.svwt_ttl = 10s;
  return l;
}

MonotonicTime in(std::chrono::seconds s) {
  return RealClock::instance().monotonic_now() + s;
}

}  // namespace

TEST_CASE("sim bench strategy: up, endpoints answer, tap in and out of the field, restart, down") {
  use_build_tree_binaries();
  TempDir tmp;
  const rig::Bench bench = rig::load_bench("sim");
  std::vector<int> pids;
  {
    rig::SimBenchStrategy strategy(bench, short_lifetimes(), tmp.path / "bench", RealClock::instance());
    strategy.start(in(30s));
    pids = strategy.pids();
    REQUIRE(pids.size() == 3);
    CHECK(strategy.healthy());
    const auto& ep = strategy.endpoints();
    CHECK(ep.printer_ipp_uri.rfind("ipp://127.0.0.1:", 0) == 0);

    const rig::terminal::PrinterApiClient printer(ep.printer_url);
    const auto status = printer.status(5s);
    REQUIRE(status.ok());
    CHECK(status.value->pages_remaining == 0);  // a new printer out of the box

    // The phone taps: an unregistered printer's tag with a PWT, read through libnfc.
    rig::SecretRegistry secrets;
    auto phone = nfc::make_nfc_reader(ep.phone_reader);
    const auto tap = rig::terminal::tap(*phone, RealClock::instance(), 5s, secrets);
    CHECK(tap.view.state == ndef::PrinterState::unregistered);
    CHECK(tap.view.pwt.has_value());
    CHECK(tap.view.wfd.has_value());

    // Out of the field: the reader finds nothing; back in: it reads again.
    strategy.tap(false);
    phone->field_off();
    phone->field_on();
    CHECK_THROWS_AS(phone->wait_for_target(300ms), nfc::NfcException);
    strategy.tap(true);
    CHECK(rig::terminal::tap(*phone, RealClock::instance(), 5s, secrets).view.pwt.has_value());

    // Crash and recover: same port, state kept — unless another process took the port meanwhile (ctest runs
    // tests in parallel and every PAPPL printer takes ports from 8000 up): then it must be in use now.
    const std::string url = ep.printer_url;
    const int first_port = std::stoi(url.substr(url.rfind(':') + 1));
    strategy.restart_printer(in(20s), /*crash=*/true);
    CHECK(gone(pids[2]));
    if (strategy.endpoints().printer_url != url)
      CHECK_MESSAGE(listening(first_port), "printerd moved off port ", first_port, " although it was free");
    CHECK(printer.status(5s).ok());
    pids = strategy.pids();

    // Its port taken while it was down (a shared host): it comes back on another one, endpoints updated.
    {
      const int port = std::stoi(url.substr(url.rfind(':') + 1));
      REQUIRE(::kill(pids[2], SIGKILL) == 0);
      const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      // Connections the killed printerd served leave its port in TIME_WAIT for a minute; SO_REUSEADDR binds
      // past those (as printerd itself does), never past a live listener.
      const int one = 1;
      REQUIRE(::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      a.sin_port = htons(static_cast<std::uint16_t>(port));
      bool bound = false;
      for (int i = 0; i < 250 && !bound; ++i) {  // until the killed printerd's socket is gone (≤ 5 s)
        bound = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
        if (!bound) std::this_thread::sleep_for(20ms);
      }
      // Not bound: another test's process holds the port, which is the situation this block sets up anyway.
      if (bound)
        REQUIRE(::listen(fd, 1) == 0);
      else
        REQUIRE_MESSAGE(listening(port), "port ", port, " neither free nor in use");
      strategy.restart_printer(in(20s));
      ::close(fd);
      CHECK(strategy.endpoints().printer_url != url);
      CHECK(rig::terminal::PrinterApiClient(strategy.endpoints().printer_url).status(5s).ok());
      pids = strategy.pids();
    }

    // Logs of every process in the folder.
    for (const char* log : {"pn532-sim.log", "vendord.log", "printerd.console.log", "printerd/printerd.log"})
      CHECK_MESSAGE(fs::exists(tmp.path / "bench" / log), log);
    // While the bench is up, the printer's PTB (with its ST) and vendord's database are in the folder.
    CHECK(fs::exists(tmp.path / "bench" / "printerd" / "ptb.json"));
    CHECK(fs::exists(tmp.path / "bench" / "vendord.db"));
    phone.reset();
    strategy.stop();
  }
  for (int pid : pids)
    CHECK_MESSAGE(gone(pid), "pid ", pid, " outlived the strategy");
  // After the run the folder keeps logs and printed pages, never the live secrets: no PTB, no TLS key, no
  // server database.
  const fs::path state = tmp.path / "bench" / "printerd";
  CHECK(fs::exists(state / "printerd.log"));
  for (const auto& e : fs::directory_iterator(state))
    CHECK_MESSAGE((e.path().filename() == "printerd.log" || e.path().filename() == "output"), e.path());
  CHECK_FALSE(fs::exists(tmp.path / "bench" / "vendord.db"));
  CHECK(fs::exists(tmp.path / "bench" / "vendord.log"));
}

// The fingerprint of the certificate printerd (libcups) made in its state directory: ssl/*.crt.
std::string state_certificate(const fs::path& state) {
  for (const auto& e : fs::directory_iterator(state / "ssl")) {
    if (e.path().extension() != ".crt") continue;
    std::FILE* f = std::fopen(e.path().c_str(), "r");
    REQUIRE(f != nullptr);
    X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    REQUIRE(cert != nullptr);
    unsigned char* der = nullptr;
    const int len = i2d_X509(cert, &der);
    X509_free(cert);
    std::string fp = server::sha256_fingerprint(der, static_cast<std::size_t>(len));
    OPENSSL_free(der);
    return fp;
  }
  FAIL("no certificate in " << (state / "ssl"));
  return {};
}

TEST_CASE(
    "sim bench strategy, tls: always: the phone speaks TLS to printerd and refuses a changed certificate") {
  use_build_tree_binaries();
  TempDir tmp;
  rig::Bench bench = rig::load_bench("sim");
  for (auto& d : bench.devices) {
    if (auto* p = std::get_if<rig::PrinterdBackend>(&d.config)) p->link.tls = rig::PrinterTls::kAlways;
  }
  rig::SimBenchStrategy strategy(bench, short_lifetimes(), tmp.path / "bench", RealClock::instance());
  strategy.start(in(30s));
  const auto& ep = strategy.endpoints();
  CHECK(ep.printer_url.starts_with("https://127.0.0.1:"));
  CHECK(ep.printer_ipp_uri.starts_with("ipps://"));
  REQUIRE(ep.printer_pin);
  CHECK_FALSE(ep.printer_pin->pinned());  // nothing pinned before the first TLS connection

  // The first connection (JSON API, Beast over OpenSSL) pins the certificate printerd made; IPP (libcups,
  // ipps) presents the same one and passes.
  const rig::terminal::PrinterApiClient api(ep.printer_url, ep.printer_tls);
  CHECK(api.status(5s).ok());
  REQUIRE(ep.printer_pin->pinned());
  const std::string pinned = *ep.printer_pin->pinned();
  CHECK(pinned == state_certificate(ep.printer_state));
  const rig::terminal::IppClient ipp(ep.printer_ipp_uri, ep.printer_pin);
  CHECK(ipp.supplies(5s).ok());

  // The rig's factory reset makes a new printer but keeps its certificate: the pin holds (provisioning).
  strategy.factory_reset_printer(in(30s));
  CHECK(rig::terminal::PrinterApiClient(strategy.endpoints().printer_url, strategy.endpoints().printer_tls)
            .status(5s)
            .ok());

  // Mid-run the printer comes back with another certificate (its ssl/ gone: libcups makes a new one).
  fs::remove_all(ep.printer_state / "ssl");
  strategy.restart_printer(in(30s));
  const rig::terminal::PrinterApiClient changed(strategy.endpoints().printer_url,
                                                strategy.endpoints().printer_tls);
  std::string refused;
  try {
    (void)changed.status(5s);
  } catch (const rig::terminal::TerminalTransportError& e) {
    refused = e.what();
  }
  // (printerd made its new certificate at that handshake.)
  const std::string refusal =
      "the printer's TLS certificate is not the one pinned at the run's first TLS connection to it: refused "
      "(sha256 " +
      state_certificate(ep.printer_state) + ", pinned " + pinned + ")";
  CHECK(refused.find(refusal) != std::string::npos);
  const rig::terminal::IppClient changed_ipp(strategy.endpoints().printer_ipp_uri,
                                             strategy.endpoints().printer_pin);
  CHECK_THROWS_WITH_AS(changed_ipp.supplies(5s), doctest::Contains("is not the one pinned"),
                       rig::terminal::TerminalTransportError);
  CHECK(ep.printer_pin->pinned() == pinned);
  CHECK(state_certificate(ep.printer_state) != pinned);
  // No libcups trust store was written for the rig's user (the pin lives in the rig, for the run).
  if (const char* home = std::getenv("HOME")) CHECK_FALSE(fs::exists(fs::path(home) / ".cups" / "ssl"));
}

TEST_CASE("sim bench strategy: an exception unwinding through it leaves no process behind") {
  use_build_tree_binaries();
  TempDir tmp;
  const rig::Bench bench = rig::load_bench("sim");
  std::vector<int> pids;
  try {
    rig::SimBenchStrategy strategy(bench, short_lifetimes(), tmp.path / "bench", RealClock::instance());
    strategy.start(in(30s));
    pids = strategy.pids();
    throw std::runtime_error("a case threw");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()) == "a case threw");
  }
  REQUIRE(pids.size() == 3);
  for (int pid : pids)
    CHECK_MESSAGE(gone(pid), "pid ", pid, " outlived the strategy");
}

TEST_CASE("sim bench strategy: a process that cannot start is a StrategyError, and what started is stopped") {
  use_build_tree_binaries();
  ::setenv("TAPBENCH_PRINTERD_BIN", "/nonexistent/printerd", 1);
  TempDir tmp;
  const rig::Bench bench = rig::load_bench("sim");
  rig::SimBenchStrategy strategy(bench, short_lifetimes(), tmp.path / "bench", RealClock::instance());
  std::string message;
  try {
    strategy.start(in(30s));
  } catch (const rig::StrategyError& e) {
    message = e.what();
  }
  ::setenv("TAPBENCH_PRINTERD_BIN", PRINTERD_PATH, 1);
  CHECK_MESSAGE(message.find("printerd") != std::string::npos, message);
  CHECK(strategy.pids().empty());
  CHECK_FALSE(strategy.healthy());
}

TEST_CASE("sim bench strategy: a bench it cannot bring up is refused, naming the role") {
  rig::Bench bench = rig::load_bench("sim");
  for (auto& d : bench.devices) {
    if (d.name == "dut") d.config = rig::BoardBackend{"192.0.2.1:8631", {}}, d.backend = "board";
  }
  try {
    rig::SimBenchStrategy strategy(bench, short_lifetimes(), "/tmp/unused", RealClock::instance());
    FAIL("a board printer was accepted");
  } catch (const rig::StrategyUnsupported& e) {
    CHECK(std::string(e.what()).find("role 'printer'") != std::string::npos);
  }
}
