// printerd's IPP side (IppService) and JSON control API (ControlApi) served by real PAPPL over the real
// printer core (CorePrintAuthority) — the core on its Fake… HAL backends and a ManualClock, in the test's
// process (printerd itself never links them). Loopback models the Wi-Fi Direct link (127.0.0.0/8), as on
// the sim bench. Tokens come from the core the real way: the PWT buys a PT over the JSON API.
#pragma once

#include <algorithm>
#include <boost/json.hpp>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "firmware-under-test/port/linux/control_api.hpp"
#include "firmware-under-test/port/linux/core_print_authority.hpp"
#include "firmware-under-test/port/linux/ipp_service.hpp"
#include "tests/integration/printerd/printerd_test_support.hpp"
#include "tests/unit/firmware/fixture.hpp"

namespace printerd_test {

using namespace tapbench::firmware;
using namespace tapbench::firmware::port;

struct CoreIppSettings {
  std::uint32_t factory_pages = 0;
  pappl_loglevel_t log_level = PAPPL_LOGLEVEL_INFO;
  IppServiceOptions::Tls tls = IppServiceOptions::Tls::automatic;
  std::vector<InkLevel> ink = {};  // the Fake ink sensor's levels at boot (empty: its default, all full)
  // Ink a marked page takes from the Fake sensor (percent of black for a monochrome page, of every colour for
  // a colour page), as printerd's simulated sensor does; 0: the cartridges never run down.
  std::uint8_t ink_use_per_page = 0;
};

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

  explicit CoreIpp(std::uint32_t factory_pages, pappl_loglevel_t log_level = PAPPL_LOGLEVEL_INFO)
      : CoreIpp(CoreIppSettings{factory_pages, log_level}) {}
  explicit CoreIpp(const CoreIppSettings& settings) {
    rig.config.factory_pages = settings.factory_pages;
    if (!settings.ink.empty()) rig.ink.levels = settings.ink;
    options.log_level = settings.log_level;
    options.tls = settings.tls;
    ink_use_per_page_ = settings.ink_use_per_page;
    rig.boot();
    std::string error;
    REQUIRE(links.add_wfd_prefix("127.0.0.0/8", error));
    authority.emplace(
        rig.c(), core_mutex, links, [this](bool colour) { page_marked(colour); }, true);
    api.emplace(rig.c(), core_mutex, links);
    options.listen_host = "127.0.0.1";
    options.port = 0;
    options.state_dir = tmp.path() / "state";
    service.emplace(options, *authority);
    service->set_api(&*api);
    REQUIRE_MESSAGE(service->start(error), error);
    server = std::thread([this] { service->run(); });
    port = service->port();
    REQUIRE(IppClient(port, {}).printer_attributes().status == IPP_STATUS_OK);  // the server answers
  }
  ~CoreIpp() {
    service->shutdown();
    // PAPPL's loop notices the shutdown when its poll of the listeners returns (every second): a connection
    // wakes it now.
    httpClose(httpConnect2("127.0.0.1", port, nullptr, AF_INET, HTTP_ENCRYPTION_NEVER, 0, 1000, nullptr));
    server.join();
  }
  template <class F>
  auto locked(F f) {
    std::lock_guard lock(core_mutex);
    return f(rig.c());
  }
  std::string pt_for(const std::string& terminal) {
    const auto issued =
        http_json(port, "POST", "/tapbench/api/pt", pwt(), R"({"terminal_id":")" + terminal + R"("})");
    REQUIRE_MESSAGE(issued.first == 201, issued.second);
    return std::string(boost::json::parse(issued.second).as_object().at("pt").as_string());
  }
  std::uint32_t pages() {
    return locked([](PrinterCore& c) { return c.ptb().printable_pages; });
  }
  // The core's current PWT (what its tag hands out, S21).
  std::string pwt() {
    return locked([](PrinterCore& c) { return c.current_pwt(); });
  }
  // ipp://USER:TOKEN@127.0.0.1:PORT/ipp/print (how ipptool is given credentials).
  std::string uri_with(const std::string& user, const std::string& token) const {
    return ipp_uri_with(port, user, token);
  }
  fs::path output() const { return options.state_dir / "output"; }
  std::string log() const { return read_file(options.state_dir / "printerd.log"); }

 private:
  // Called with the core mutex held, before the core reads the sensor for the page (CorePrintAuthority).
  void page_marked(bool colour) {
    ++marked;
    for (auto& level : rig.ink.levels) {
      if (colour || level.colour == "black")
        level.percent = static_cast<std::uint8_t>(level.percent - std::min(level.percent, ink_use_per_page_));
    }
  }
  std::uint8_t ink_use_per_page_ = 0;
};

}  // namespace printerd_test
