// vendord: the local vendor server (the patent's server 30). See docs/API.md.
//   vendord --db PATH --listen ADDR:PORT [--config FILE] [overrides]
#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <string_view>

#include "protocol/clock/clock.hpp"
#include "server/api/http_server.hpp"
#include "server/api/router.hpp"
#include "server/service/vendor_service.hpp"
#include "server/store/sqlite_store.hpp"
#include "sim/clock/sim_clock.hpp"

namespace {

std::mutex log_mutex;

void log_line(const std::string& line) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
  // One write(2) per line (std::cerr is unit-buffered: every << would be a write of its own, four per
  // request on the access-log hot path); nothing is held back, so a crash loses no line.
  std::string out;
  out.reserve(line.size() + 40);
  out.append(stamp).append(" vendord: ").append(line).push_back('\n');
  std::lock_guard lock(log_mutex);
  std::fwrite(out.data(), 1, out.size(), stderr);
}

// Written via a temporary file and rename, so a poller never reads a partial port number.
void write_port_file(const std::string& path, std::uint16_t port) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << port << '\n';
  }
  std::filesystem::rename(tmp, path);
}

// TAPBENCH_VENDORD_CRASH_AT=POINT:N (crash tests only): SIGKILL ourselves at the Nth pass through POINT
// ("charge.committed", "sync.committed", "paid.committed"): after the commit, before the answer leaves.
void install_crash_hook(tapbench::server::Router& router) {
  const char* spec = std::getenv("TAPBENCH_VENDORD_CRASH_AT");
  if (!spec || !*spec) return;
  const std::string s{spec};
  const auto colon = s.find(':');
  const std::string point = s.substr(0, colon);
  const long n = colon == std::string::npos ? 1 : std::atol(s.c_str() + colon + 1);
  log_line("crash test hook armed: SIGKILL at " + point + " #" + std::to_string(n));
  auto count = std::make_shared<std::atomic<long>>(0);
  router.set_crash_hook([point, n, count](const char* where) {
    if (point == where && ++*count == n) ::raise(SIGKILL);
  });
}

// `vendord revoke-st --db FILE --device ID`: the operator revokes a device's ST (the server's right to
// refuse a printer, docs/API.md). Runs on the database file, beside a running vendord or without one: SQLite
// serializes the two processes' writes (WAL, busy timeout), and vendord reads the token row on every request,
// so the next request with the revoked ST gets 401 token_unknown.
int revoke_st_main(int argc, char** argv) {
  CLI::App app{"vendord revoke-st: revoke a device's ST (its next server call is refused with 401)"};
  std::string db_path, device_id;
  app.add_option("--db", db_path, "vendord's SQLite database file")->required()->check(CLI::ExistingFile);
  app.add_option("--device", device_id, "the device whose ST is revoked")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 64;
  }
  try {
    auto store = tapbench::server::open_sqlite_store({db_path});
    if (!store->device(device_id)) {
      std::cerr << "vendord revoke-st: no device " << device_id << " in " << db_path << '\n';
      return 2;
    }
    const std::int64_t n = store->revoke_tokens(device_id, tapbench::token::Kind::ST);
    std::cout << "vendord revoke-st: device " << device_id << ": " << n << " ST revoked" << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "vendord revoke-st: " << e.what() << '\n';
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tapbench;
  using namespace tapbench::server;
  if (argc > 1 && std::string_view{argv[1]} == "revoke-st") return revoke_st_main(argc - 1, argv + 1);

  CLI::App app{
      "vendord: local vendor server for tapbench (patent JP7615840B2 server 30): registration, SVWT/SVT,\n"
      "free and paid charge with single-use CWTs, printer sync, ink notices, charge/exchange web pages,\n"
      "Prometheus /metrics. API: docs/API.md."};
  std::string db_path, listen, config_path, port_file, sim_clock_file;
  std::optional<long> svwt_ttl, cwt_ttl, svt_idle, free_pages, ink_low, threads;
  bool print_config = false;
  app.add_option("--db", db_path, "SQLite database file (created and migrated if needed)")->required();
  app.add_option("--listen", listen,
                 "address to listen on, HOST:PORT (port 0 = any free port) [127.0.0.1:8080]");
  app.add_option("--config", config_path,
                 "YAML configuration file (token lifetimes, thresholds, HTTP limits)")
      ->check(CLI::ExistingFile);
  app.add_option(
      "--sim-clock", sim_clock_file,
      "use the bench's simulated clock in FILE (real time + an offset the rig advances; created when "
      "missing; docs/SIM-CLOCK.md)");
  app.add_option("--port-file", port_file, "write the bound port to this file once listening (for scripts)");
  app.add_option("--svwt-ttl", svwt_ttl, "SVWT lifetime in seconds (overrides the config) [600]");
  app.add_option("--cwt-ttl", cwt_ttl, "CWT lifetime in seconds [600]");
  app.add_option("--svt-idle", svt_idle, "SVT idle lifetime in seconds [3600]");
  app.add_option("--free-pages", free_pages, "pages of the one free charge per device [2000]");
  app.add_option("--ink-low", ink_low, "ink percentage below which a replacement notice opens [15]");
  app.add_option("--threads", threads, "HTTP I/O threads [2]");
  app.add_flag("--print-config", print_config, "print the effective lifetimes and limits, then exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 64;
  }

  VendordConfig config;
  try {
    if (!config_path.empty()) config = load_config_file(config_path);
    using std::chrono::seconds;
    auto pos = [](const char* what, long v) {
      if (v <= 0) throw std::invalid_argument(std::string{what} + " must be > 0");
      return v;
    };
    if (svwt_ttl) config.service.svwt.ttl = seconds{pos("--svwt-ttl", *svwt_ttl)};
    if (cwt_ttl) config.service.cwt.ttl = seconds{pos("--cwt-ttl", *cwt_ttl)};
    if (svt_idle) config.service.svt.idle_ttl = seconds{pos("--svt-idle", *svt_idle)};
    if (free_pages) {
      if (*free_pages < 0) throw std::invalid_argument("--free-pages must be >= 0");
      config.service.free_pages = *free_pages;
    }
    if (ink_low) {
      if (*ink_low < 0 || *ink_low > 100) throw std::invalid_argument("--ink-low must be 0..100");
      config.service.ink_low_percent = static_cast<int>(*ink_low);
    }
    if (threads) config.http.threads = static_cast<int>(pos("--threads", *threads));
    if (!listen.empty()) config.http.listen = listen;
    (void)parse_listen(config.http.listen);
  } catch (const std::exception& e) {
    std::cerr << "vendord: " << e.what() << '\n';
    return 64;
  }

  auto opt = [](const std::optional<std::chrono::seconds>& s) {
    return s ? std::to_string(s->count()) + "s" : std::string{"none"};
  };
  const auto& sc = config.service;
  const auto& hc = config.http;
  const std::string summary =
      "st.ttl=" + opt(sc.st.ttl) + " st.idle_ttl=" + opt(sc.st.idle_ttl) + " svwt.ttl=" + opt(sc.svwt.ttl) +
      " svwt.max_live=" + std::to_string(sc.svwt_max_live) + " svt.ttl=" + opt(sc.svt.ttl) +
      " svt.idle_ttl=" + opt(sc.svt.idle_ttl) + " cwt.ttl=" + opt(sc.cwt.ttl) +
      " cwt.max_live=" + std::to_string(sc.cwt_max_live) + " free_pages=" + std::to_string(sc.free_pages) +
      " ink_low_percent=" + std::to_string(sc.ink_low_percent) +
      " max_pages_per_charge=" + std::to_string(sc.max_pages_per_charge) +
      " keep_spent=" + std::to_string(sc.keep_spent.count()) + "s" +
      " purge_interval=" + std::to_string(sc.purge_interval.count()) + "s" +
      " price_cents_per_page=" + std::to_string(sc.price_cents_per_page) +
      " payment_limit_cents=" + std::to_string(sc.payment_limit_cents) + " listen=" + hc.listen +
      " threads=" + std::to_string(hc.threads) + " blocking_threads=" + std::to_string(hc.blocking_threads) +
      " body_limit=" + std::to_string(hc.body_limit) + " header_limit=" + std::to_string(hc.header_limit) +
      " read_timeout=" + std::to_string(hc.read_timeout.count()) + "s" +
      " idle_timeout=" + std::to_string(hc.idle_timeout.count()) + "s" +
      " token_failures=" + std::to_string(hc.token_failures_per_minute) + "/" +
      std::to_string(hc.token_failure_window.count()) + "s";
  if (print_config) {
    std::cout << summary << '\n';
    return 0;
  }

  // Signals are taken synchronously by the main thread (sigtimedwait); the I/O threads inherit the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  try {
    std::unique_ptr<sim::SimClock> sim_clock;
    if (!sim_clock_file.empty()) sim_clock = std::make_unique<sim::SimClock>(sim_clock_file);
    const Clock& clock = sim_clock ? static_cast<const Clock&>(*sim_clock) : RealClock::instance();
    auto store = open_sqlite_store({db_path});
    Metrics metrics;
    SandboxGateway gateway(config.service.payment_limit_cents);
    VendorService service(*store, clock, config.service, gateway, &metrics);
    Router router(service, metrics, clock, config.http);
    install_crash_hook(router);
    HttpServer server(router, config.http, log_line);
    server.start();
    const auto [host, port_unused] = parse_listen(config.http.listen);
    (void)port_unused;
    log_line("database " + db_path + " (schema v" + std::to_string(sqlite_schema_version()) + ", WAL)");
    log_line(summary);
    if (!port_file.empty()) write_port_file(port_file, server.port());
    std::cout << "vendord: listening on " << host << ":" << server.port() << std::endl;

    const timespec purge_every{static_cast<std::time_t>(config.service.purge_interval.count()), 0};
    for (;;) {
      const int sig = sigtimedwait(&signals, nullptr, &purge_every);
      if (sig == SIGINT || sig == SIGTERM) {
        log_line(std::string{"stopping on "} + (sig == SIGINT ? "SIGINT" : "SIGTERM"));
        break;
      }
      try {
        service.purge();
      } catch (const std::exception& e) {
        log_line(std::string{"purge failed: "} + e.what());
      }
    }
    server.stop();
  } catch (const std::exception& e) {
    std::cerr << "vendord: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
