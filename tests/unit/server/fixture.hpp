// In-process vendord service over a real SQLite file in a fresh temporary directory, with a ManualClock.
#pragma once

#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "protocol/clock/clock.hpp"
#include "server/service/vendor_service.hpp"
#include "server/store/sqlite_store.hpp"

namespace tapbench::server::test {

inline std::filesystem::path fresh_dir() {
  std::random_device rd;
  auto dir = std::filesystem::temp_directory_path() /
             ("tapbench-vendord-" + std::to_string(rd()) + std::to_string(rd()));
  std::filesystem::create_directories(dir);
  return dir;
}

inline ServiceConfig test_config() {
  using namespace std::chrono_literals;
  ServiceConfig c;
  c.svwt.ttl = 60s;
  c.cwt.ttl = 120s;
  c.svt.idle_ttl = 300s;
  c.free_pages = 2000;
  c.ink_low_percent = 15;
  return c;
}

struct Fixture {
  std::filesystem::path dir = fresh_dir();
  ManualClock clock;
  Metrics metrics;
  SandboxGateway gateway{100000};
  std::unique_ptr<Store> store = open_sqlite_store({(dir / "vendord.db").string()});
  VendorService service{*store, clock, test_config(), gateway, &metrics};

  ~Fixture() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  // registration → ST, SVWT → SVT for a new device
  struct Printer {
    std::string device_id, st, svt;
  };
  Printer onboard(const std::string& device_id, std::int64_t pages = 10, InkLevels ink = {{"black", 80}}) {
    Printer p{device_id, service.register_printer(device_id, pages, ink).token, {}};
    p.svt = service.issue_svt(service.issue_svwt(p.st).token, "terminal-1").token;
    return p;
  }
};

}  // namespace tapbench::server::test
