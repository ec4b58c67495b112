// printerd: the reference printer firmware's Linux host port. The printer core runs on the Linux HAL
// bindings (PrinterRuntime: PTB file, NFC tag, radio, vendord link, simulated ink) and the IPP side (PAPPL)
// asks it through CorePrintAuthority. See docs/PRINTERD.md.
#include <cctype>

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "firmware-under-test/port/linux/bindings/printer_runtime.hpp"
#include "firmware-under-test/port/linux/control_api.hpp"
#include "firmware-under-test/port/linux/core_print_authority.hpp"
#include "firmware-under-test/port/linux/ipp_service.hpp"
#include "firmware-under-test/port/linux/page_store.hpp"
#include "sim/clock/sim_clock.hpp"

namespace fs = std::filesystem;
using namespace tapbench::firmware;
using namespace tapbench::firmware::port;

namespace {

constexpr int kExitUsage = 64;
constexpr int kExitFailure = 1;

// "127.0.0.1:8631", "localhost:8631", "[::1]:8631"; port 0 lets the system pick one.
bool parse_listen(const std::string& text, std::string& host, int& port, std::string& error) {
  std::string port_text;
  if (!text.empty() && text[0] == '[') {
    const auto close = text.find("]:");
    if (close == std::string::npos) {
      error = "--listen '" + text + "': expected [IPV6]:PORT";
      return false;
    }
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0 || text.find(':') != colon) {
      error = "--listen '" + text + "': expected ADDR:PORT (IPv6 as [ADDR]:PORT)";
      return false;
    }
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  unsigned value = 0;
  const auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
  if (port_text.empty() || ec != std::errc{} || ptr != port_text.data() + port_text.size() || value > 65535) {
    error = "--listen '" + text + "': port must be 0–65535";
    return false;
  }
  port = static_cast<int>(value);
  return true;
}

// Writes `text` to `path` atomically (temp file + rename), so a reader never sees half a URI.
bool write_atomically(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!(out << text << '\n')) return false;
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  return !ec;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "printerd — tapbench reference printer firmware (Linux port): the printer core (tokens, page ledger, "
      "ink, activation, router hand-over, server sync) behind an IPP Everywhere printer on PAPPL and a JSON "
      "control API on the same port."};
  app.set_config("--config", "", "Read options from an INI/TOML file (keys = long option names)");
  // A misspelt key in the file is an error naming it, not a silently ignored setting.
  app.allow_config_extras(CLI::config_extras_mode::error);

  std::string state_dir;
  std::string listen = "127.0.0.1:8631";
  std::string log_file;
  std::string log_level = "info";
  std::string name = "tapbench printer";
  int max_active_jobs = 8;
  std::string tls = "auto";
  unsigned ink_low = 10;
  std::string nfc = "none";
  std::string radio = "link-model";
  std::string server;
  std::string sim_clock_file;
  std::vector<std::string> wfd_subnets = {"192.168.49.0/24"};
  std::string device_id = "dv1";
  std::uint32_t factory_pages = 0;
  std::uint32_t page_threshold = 0;
  unsigned pwt_period_s = 3600, pt_idle_s = 86400, svwt_prefetch_s = 600, sync_period_s = 3600;

  app.add_option("--state-dir", state_dir,
                 "State directory (ptb.json, ink-sim.json, spool/, output/, printerd.log, printerd.uri)")
      ->required();
  app.add_option("--listen", listen,
                 "IPP + JSON API address ADDR:PORT ([ADDR]:PORT for IPv6; port 0 = any free)")
      ->capture_default_str();
  app.add_option("--log-file", log_file, "Log file, '-' for stderr (default STATE_DIR/printerd.log)");
  app.add_option("--log-level", log_level, "debug, info, warn, error or fatal")
      ->capture_default_str()
      ->check(CLI::IsMember({"debug", "info", "warn", "error", "fatal"}));
  app.add_option("--tls", tls, "ipps:// support: auto (off on a loopback listener, else on), on, off")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "on", "off"}));
  app.add_option("--name", name, "printer-name / printer-info")->capture_default_str();
  app.add_option("--max-active-jobs", max_active_jobs,
                 "Jobs queued or printing at once (more: server-error-busy)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  app.add_option("--ink-low-percent", ink_low, "A colour below this percent is low (marker-supply-low, S19)")
      ->capture_default_str()
      ->check(CLI::Range(0, 100));
  app.add_option("--nfc", nfc, "NFC tag: a drivers/nfc connstring (e.g. pn532_uart:/dev/ttyUSB0) or none")
      ->capture_default_str();
  app.add_option(
         "--radio", radio,
         "Wi-Fi Direct group + router link: link-model (in-process model), link-model:DIR (the model's "
         "air shared through DIR with the rig's phone), or hostap:p2p=CTRL,sta=CTRL,go-mac=MAC[,netns=NS]"
         "[,dhcp] (wpa_supplicant control sockets; dhcp: the group serves addresses, the router link takes "
         "a lease)")
      ->capture_default_str();
  app.add_option(
      "--sim-clock", sim_clock_file,
      "Run the core on the bench's simulated clock in FILE (real time + an offset the rig advances; "
      "created when missing; docs/SIM-CLOCK.md)");
  app.add_option("--server", server, "vendord base URL (http://HOST:PORT); empty: no server")
      ->capture_default_str();
  app.add_option(
         "--wfd-subnet", wfd_subnets,
         "IPv4 prefix of the Wi-Fi Direct group (router credentials only from there, S27); repeatable")
      ->capture_default_str();
  app.add_option("--device-id", device_id, "Factory device ID (used when no PTB exists yet)")
      ->capture_default_str();
  app.add_option("--factory-pages", factory_pages, "Factory printable pages (no PTB yet; the patent ships 0)")
      ->capture_default_str();
  app.add_option("--page-threshold", page_threshold, "Charge offered on the tag when pages <= this")
      ->capture_default_str();
  // Lifetimes as fixtures (seconds) and products (hours) write them: 90, 90s, 15m, 1h, 7d; 1 s to 366 days.
  const CLI::Validator lifetime(
      [](std::string& text) -> std::string {
        static const std::pair<char, unsigned long> kUnits[] = {
            {'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
        std::size_t digits = 0;
        while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits])))
          ++digits;
        unsigned long scale = 0;
        if (digits == text.size()) scale = 1;
        for (const auto& [unit, seconds] : kUnits)
          if (digits + 1 == text.size() && text[digits] == unit) scale = seconds;
        if (digits == 0 || digits > 9 || scale == 0)
          return "expected a duration such as 90, 90s, 15m, 1h or 7d";
        const unsigned long value = std::stoul(text.substr(0, digits)) * scale;
        if (value < 1 || value > 366ul * 86400) return "must be between 1 s and 366 days";
        text = std::to_string(value);
        return {};
      },
      "DURATION");
  app.add_option("--pwt-period", pwt_period_s, "PWT rotation period (S13)")
      ->transform(lifetime)
      ->capture_default_str();
  app.add_option("--pt-idle-timeout", pt_idle_s, "PT idle expiry (S39)")
      ->transform(lifetime)
      ->capture_default_str();
  app.add_option("--svwt-prefetch-period", svwt_prefetch_s, "SVWT prefetch period (S43)")
      ->transform(lifetime)
      ->capture_default_str();
  app.add_option("--sync-period", sync_period_s, "Server sync period (S101)")
      ->transform(lifetime)
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kExitUsage;
  }

  IppServiceOptions options;
  std::string error;
  if (!parse_listen(listen, options.listen_host, options.port, error) ||
      !parse_log_level(log_level, options.log_level)) {
    std::cerr << "printerd: " << (error.empty() ? "bad --log-level" : error) << "\n";
    return kExitUsage;
  }
  LinkClassifier links;
  for (const auto& cidr : wfd_subnets) {
    if (!links.add_wfd_prefix(cidr, error)) {
      std::cerr << "printerd: --wfd-subnet: " << error << "\n";
      return kExitUsage;
    }
  }
  std::error_code ec;
  fs::create_directories(state_dir, ec);
  if (ec) {
    std::cerr << "printerd: cannot create state directory '" << state_dir << "': " << ec.message() << "\n";
    return kExitFailure;
  }
  options.state_dir = fs::absolute(state_dir);
  // A printerd killed with -9 left its URI file behind: nobody may read it as "ready" before we are.
  const fs::path uri_file = options.state_dir / "printerd.uri";
  fs::remove(uri_file, ec);
  options.log_file = log_file;
  options.printer_name = name;
  options.max_active_jobs = max_active_jobs;
  options.tls = tls == "on"    ? IppServiceOptions::Tls::on
                : tls == "off" ? IppServiceOptions::Tls::off
                               : IppServiceOptions::Tls::automatic;

  std::unique_ptr<tapbench::sim::SimClock> sim_clock;  // outlives the runtime that reads it
  std::unique_ptr<PrinterRuntime> runtime;
  PrinterRuntimeOptions ro;
  ro.state_dir = options.state_dir;
  // A page charged whose mark was not committed (kill -9 in between) is kept if its file is in place
  // (PageWriter renames it there whole), refunded otherwise.
  ro.page_output_finished = [output = options.state_dir / "output"](std::uint32_t job, std::uint32_t page) {
    std::error_code e;
    return fs::is_regular_file(output / PageStore::page_file_name(static_cast<int>(job), page), e);
  };
  ro.core.device_id = device_id;
  ro.core.factory_pages = factory_pages;
  ro.core.page_threshold = page_threshold;
  ro.core.ink_low_percent = static_cast<std::uint8_t>(ink_low);
  ro.core.pwt_period = std::chrono::seconds(pwt_period_s);
  ro.core.pt_idle_timeout = std::chrono::seconds(pt_idle_s);
  ro.core.svwt_prefetch_period = std::chrono::seconds(svwt_prefetch_s);
  ro.core.sync_period = std::chrono::seconds(sync_period_s);
  ro.nfc = nfc;
  if (!parse_radio_spec(radio, ro.radio, error)) {
    std::cerr << "printerd: " << error << "\n";
    return kExitUsage;
  }
  ro.server_url = server;
  try {
    if (!sim_clock_file.empty()) sim_clock = std::make_unique<tapbench::sim::SimClock>(sim_clock_file);
    runtime = std::make_unique<PrinterRuntime>(
        std::move(ro),
        sim_clock ? static_cast<const tapbench::Clock&>(*sim_clock) : tapbench::RealClock::instance());
  } catch (const std::exception& e) {
    std::cerr << "printerd: " << e.what() << "\n";
    return kExitUsage;
  }
  if (auto started = runtime->start(); !started) {
    std::cerr << "printerd: the printer core did not start: " << started.error().detail << "\n";
    return kExitFailure;
  }
  PrinterRuntime& rt = *runtime;
  if (const auto s = rt.core_unlocked().boot_settlement(); s.refunded + s.kept > 0) {
    std::cerr << "printerd: pages in flight at the last stop: " << s.refunded << " refunded (not printed), "
              << s.kept << " kept (printed)\n";
  }
  CorePrintAuthority authority(
      rt.core_unlocked(), rt.core_mutex(), links,
      [&rt](bool colour) {
        (void)rt.ink_sensor().page_marked(colour ? hal::ColourMode::colour : hal::ColourMode::monochrome);
      },
      // No tick wake-up here: the tick thread completes an accepted router hand-over at its next wake-up,
      // which leaves the IPP response time to go out before S29 takes the group (a real phone's link) down.
      /*drive_tick=*/false);
  ControlApi api(rt.core_unlocked(), rt.core_mutex(), links, [&rt] { rt.wake_tick_thread(); });
  IppService service(options, authority);
  service.set_api(&api);
  if (!service.start(error)) {
    std::cerr << "printerd: " << error << "\n";
    return kExitFailure;
  }
  if (!write_atomically(uri_file, service.printer_uri())) {
    std::cerr << "printerd: cannot write '" << uri_file.string() << "'\n";
    return kExitFailure;
  }
  std::cerr << "printerd: serving " << service.printer_uri() << " (printer core, "
            << authority.remaining_pages() << " printable pages)\n";
  service.run();
  fs::remove(uri_file, ec);
  runtime->stop();
  std::cerr << "printerd: stopped\n";
  return 0;
}
