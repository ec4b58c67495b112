// printerd's IPP side (IppService) and JSON control API (ControlApi) served by real PAPPL over the real
// printer core (CorePrintAuthority) — the core on its Fake… HAL backends and a ManualClock, in the test's
// process (printerd itself never links them). Loopback models the Wi-Fi Direct link (127.0.0.0/8), as on
// the sim bench. Tokens come from the core the real way: the PWT buys a PT over the JSON API.
#pragma once

#include <boost/json.hpp>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "firmware-under-test/port/linux/control_api.hpp"
#include "firmware-under-test/port/linux/core_print_authority.hpp"
#include "firmware-under-test/port/linux/ipp_service.hpp"
#include "tests/integration/printerd/printerd_test_support.hpp"
#include "tests/unit/firmware/fixture.hpp"

namespace printerd_test {

using namespace tapbench::firmware;
using namespace tapbench::firmware::port;

// printerd's IPP side and JSON API served by PAPPL over a core on the Fake HAL and a ManualClock.
struct CoreIpp {
  TempDir tmp;
  test::Rig rig;
  std::mutex core_mutex;
  LinkClassifier links;
  int marked = 0;
  std::optional<CorePrintAuthority> authority;
  std::optional<ControlApi> api;
  IppServiceOptions options;
  std::optional<IppService> service;
  std::thread server;
  int port = 0;

  explicit CoreIpp(std::uint32_t factory_pages, pappl_loglevel_t log_level = PAPPL_LOGLEVEL_INFO) {
    rig.config.factory_pages = factory_pages;
    options.log_level = log_level;
    rig.boot();
    std::string error;
    REQUIRE(links.add_wfd_prefix("127.0.0.0/8", error));
    authority.emplace(
        rig.c(), core_mutex, links, [this](bool) { ++marked; }, true);
    api.emplace(rig.c(), core_mutex, links);
    options.listen_host = "127.0.0.1";
    options.port = 0;
    options.state_dir = tmp.path() / "state";
    service.emplace(options, *authority);
    service->set_api(&*api);
    REQUIRE_MESSAGE(service->start(error), error);
    server = std::thread([this] { service->run(); });
    port = service->port();
    REQUIRE(wait_printer_up_time(port));  // also: the server answers
  }
  ~CoreIpp() {
    service->shutdown();
    server.join();
  }
  template <class F>
  auto locked(F f) {
    std::lock_guard lock(core_mutex);
    return f(rig.c());
  }
  std::string pt_for(const std::string& terminal) {
    const std::string pwt = locked([](PrinterCore& c) { return c.current_pwt(); });
    const auto issued =
        http_json(port, "POST", "/tapbench/api/pt", pwt, R"({"terminal_id":")" + terminal + R"("})");
    REQUIRE_MESSAGE(issued.first == 201, issued.second);
    return std::string(boost::json::parse(issued.second).as_object().at("pt").as_string());
  }
  std::uint32_t pages() {
    return locked([](PrinterCore& c) { return c.ptb().printable_pages; });
  }
};

}  // namespace printerd_test
