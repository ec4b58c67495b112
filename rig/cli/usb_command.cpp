// `tapbench usb list|hubs|power-cycle|watch`: the USB NFC readers (drivers/usb inventory, with the identity a
// bench YAML pins) and hub port power (uhubctl's technique). docs/DRIVERS-USB.md.
#include <algorithm>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "drivers/nfc/tools/nfc_tag_tool.hpp"
#include "drivers/usb/libusb_hub_power.hpp"
#include "drivers/usb/libusb_reader_inventory.hpp"
#include "drivers/usb/usb_error.hpp"
#include "protocol/clock/clock.hpp"
#include "rig/bench/yaml_check.hpp"
#include "rig/cli/commands.hpp"
#include "rig/cli/exit_codes.hpp"
#include "rig/cli/usb_report.hpp"

namespace tapbench::cli {
namespace {

// A UsbError for the user: the message (which already says what to do) and the exit code — bad input is a
// usage error, everything else the bench's (infrastructure).
int report(const usb::UsbError& e, const char* command) {
  std::cerr << "tapbench usb " << command << ": " << e.what() << " [" << usb::to_string(e.code()) << "]\n";
  return e.code() == usb::UsbErrc::kBadArgument || e.code() == usb::UsbErrc::kPortOutOfRange
             ? kExitUsage
             : kExitInfrastructure;
}

usb::LibusbInventoryOptions inventory_options(const std::vector<std::string>& extra) {
  usb::LibusbInventoryOptions options;
  options.table.add_entries(extra);  // throws kBadArgument naming the entry
  return options;
}

struct ListArgs {
  bool json = false;
  std::vector<std::string> extra;
};

int run_list(const ListArgs& a) {
  try {
    const auto options = inventory_options(a.extra);
    usb::LibusbReaderInventory inventory(options);
    auto readers = inventory.list();
    name_kernel_drivers(readers);
    if (a.json) {
      boost::json::array list;
      for (const auto& r : readers)
        list.push_back(reader_json(r));
      std::cout << boost::json::serialize(boost::json::object{{"readers", list}}) << "\n";
      return kExitOk;
    }
    if (readers.empty()) {
      std::cout << "no USB NFC readers found (looking for: " << known_readers_text(options.table)
                << "; teach others with --extra-reader \"VID:PID DRIVER KIND\")\n";
      return kExitOk;
    }
    std::cout << readers.size() << " USB NFC reader" << (readers.size() == 1 ? "" : "s")
              << " (identity, kind, libnfc connstring):\n";
    for (const auto& r : readers)
      std::cout << "  " << reader_text(r) << "\n";
    return kExitOk;
  } catch (const usb::UsbError& e) {
    return report(e, "list");
  }
}

int run_hubs(bool json) {
  try {
    usb::LibusbHubPower power;
    const auto hubs = power.list_hubs();
    if (json) {
      boost::json::array list;
      for (const auto& h : hubs)
        list.push_back(hub_json(h));
      std::cout << boost::json::serialize(boost::json::object{{"hubs", list}}) << "\n";
      return kExitOk;
    }
    if (hubs.empty()) {
      std::cout << "no USB hubs found (is /dev/bus/usb visible here? containers need it bound in)\n";
      return kExitOk;
    }
    std::cout << hubs.size() << " USB hub" << (hubs.size() == 1 ? "" : "s")
              << " (path, VID:PID, ports, port power switching):\n";
    for (const auto& h : hubs)
      std::cout << "  " << hub_text(h) << "\n";
    return kExitOk;
  } catch (const usb::UsbError& e) {
    return report(e, "hubs");
  }
}

struct PowerCycleArgs {
  std::string hub;
  int port = 0;
  std::string reader;
  std::string off = "2s";
  bool allow_ganged = false;
};

int run_power_cycle(const PowerCycleArgs& a) {
  const auto off = rig::parse_duration(a.off);
  if (!off || off->count() <= 0) {
    std::cerr << "tapbench usb power-cycle: --off '" << a.off << "' is not a positive duration ("
              << rig::kDurationShape << ")\n";
    return kExitUsage;
  }
  if (a.reader.empty() == a.hub.empty()) {
    std::cerr << "tapbench usb power-cycle: give either HUB PORT or --reader PORTPATH\n";
    return kExitUsage;
  }
  try {
    usb::HubPort port;
    if (!a.reader.empty()) {
      port = usb::upstream_port(a.reader);
    } else {
      if (a.port < 1 || a.port > 255) {
        std::cerr << "tapbench usb power-cycle: PORT must be 1..255, not " << a.port << "\n";
        return kExitUsage;
      }
      usb::parse_port_path(a.hub);  // a clear error for a malformed path before touching anything
      port = {a.hub, static_cast<std::uint8_t>(a.port)};
    }
    usb::LibusbHubPowerOptions options;
    options.allow_ganged = a.allow_ganged;
    usb::LibusbHubPower power(options);
    const auto& clock = RealClock::instance();
    std::cerr << "power-cycling " << port.describe() << ": off for " << rig::format_duration(*off) << "\n";
    const auto r = power.power_cycle(port, *off, clock, usb::sleep_on(clock));
    std::cout << port.describe() << ": power off confirmed, on again after "
              << std::chrono::duration<double>(r.on_at - r.off_at).count() << " s\n";
    return kExitOk;
  } catch (const usb::UsbError& e) {
    if (e.code() == usb::UsbErrc::kGangedOnly) {
      std::cerr << "tapbench usb power-cycle: " << e.what() << " (--allow-ganged) [ganged-only]\n";
      return kExitInfrastructure;
    }
    return report(e, "power-cycle");
  }
}

struct WatchArgs {
  std::string for_duration;
  bool json = false;
  std::vector<std::string> extra;
};

std::string utc_now() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03lldZ", buf, static_cast<long long>(ms));
  return out;
}

int run_watch(const WatchArgs& a) {
  std::optional<std::chrono::milliseconds> limit;
  if (!a.for_duration.empty()) {
    limit = rig::parse_duration(a.for_duration);
    if (!limit) {
      std::cerr << "tapbench usb watch: --for '" << a.for_duration << "' is not a duration ("
                << rig::kDurationShape << ")\n";
      return kExitUsage;
    }
  }
  try {
    usb::LibusbReaderInventory inventory(inventory_options(a.extra));
    std::mutex m;
    auto print = [&](const char* what, usb::ReaderInfo r) {
      if (r.kernel_driver_bound) {
        std::vector<usb::ReaderInfo> one{r};
        name_kernel_drivers(one);
        r = one.front();
      }
      std::lock_guard lock(m);
      if (a.json) {
        auto o = reader_json(r);
        o["event"] = what;
        o["at"] = utc_now();
        std::cout << boost::json::serialize(o) << std::endl;
      } else {
        std::cout << utc_now() << " " << what << "  " << reader_text(r) << std::endl;
      }
    };
    const auto& stop = nfc::tools::install_stop_signals();
    std::cerr << "watching USB NFC readers (" << (inventory.native_hotplug() ? "hot-plug events" : "polling")
              << ")" << (limit ? " for " + rig::format_duration(*limit) : std::string(", Ctrl-C to stop"))
              << "\n";
    auto sub = inventory.subscribe({.arrived = [&](const usb::ReaderInfo& r) { print("arrived", r); },
                                    .left = [&](const usb::ReaderInfo& r) { print("left", r); }});
    const auto end = std::chrono::steady_clock::now() + limit.value_or(std::chrono::hours(24 * 365));
    // Signal handlers can only set a flag: check it every 50 ms.
    while (!stop && std::chrono::steady_clock::now() < end) {
      const auto left = end - std::chrono::steady_clock::now();
      std::this_thread::sleep_for(
          std::min<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(50)));
    }
    sub.reset();
    return kExitOk;
  } catch (const usb::UsbError& e) {
    return report(e, "watch");
  }
}

}  // namespace

void register_usb_commands(CLI::App& app, CommandResult& result) {
  auto* usb_cmd = app.add_subcommand("usb", "USB NFC readers and hub port power (docs/DRIVERS-USB.md)");
  usb_cmd->require_subcommand(1);

  auto list_args = std::make_shared<ListArgs>();
  auto* list = usb_cmd->add_subcommand(
      "list",
      "List the USB NFC readers plugged in: identity (port path + serial, what a bench pins), kind, libnfc\n"
      "connstring, and problems (no permission, held by a kernel driver). Exit 0, 3 when libusb cannot "
      "start.");
  list->add_flag("--json", list_args->json, "One JSON object {readers: [...]} on stdout");
  list->add_option("--extra-reader", list_args->extra,
                   "Also treat this device as a reader: \"VID:PID DRIVER KIND\", DRIVER pn53x_usb or "
                   "acr122_usb (repeatable)");
  list->callback([list_args, &result] { result.exit_code = run_list(*list_args); });

  auto hubs_json = std::make_shared<bool>(false);
  auto* hubs = usb_cmd->add_subcommand(
      "hubs", "List USB hubs and whether they can switch port power (per-port, ganged, none)");
  hubs->add_flag("--json", *hubs_json, "One JSON object {hubs: [...]} on stdout");
  hubs->callback([hubs_json, &result] { result.exit_code = run_hubs(*hubs_json); });

  auto pc = std::make_shared<PowerCycleArgs>();
  auto* cycle = usb_cmd->add_subcommand(
      "power-cycle",
      "Switch a hub port off, wait, and on again (a hard reset of the reader or board it powers).\n"
      "Give HUB PORT (e.g. 1-2 3) or --reader PORTPATH (the port the reader at 1-2.3 hangs off).\n"
      "Exit 0 done, 3 the hub cannot or did not do it, 64 usage.");
  cycle->add_option("HUB", pc->hub, "The hub's own port path: 1-2, or usb1 for a root hub");
  cycle->add_option("PORT", pc->port, "Downstream port of the hub, 1-based");
  cycle->add_option("--reader", pc->reader,
                    "Power-cycle the port this device (port path, e.g. 1-2.3) hangs off");
  cycle->add_option("--off", pc->off, "How long the port stays off")->default_val("2s");
  cycle->add_flag("--allow-ganged", pc->allow_ganged,
                  "Also on hubs that switch all ports together (cuts the neighbours' power too)");
  cycle->callback([pc, &result] { result.exit_code = run_power_cycle(*pc); });

  auto watch_args = std::make_shared<WatchArgs>();
  auto* watch = usb_cmd->add_subcommand(
      "watch",
      "Print readers as they arrive and leave (those present first) until Ctrl-C or --for DURATION.");
  watch->add_option("--for", watch_args->for_duration, "Stop after this long, e.g. 30s");
  watch->add_flag("--json", watch_args->json, "One JSON object per event (event: arrived|left)");
  watch->add_option("--extra-reader", watch_args->extra, "As for `usb list` (repeatable)");
  watch->callback([watch_args, &result] { result.exit_code = run_watch(*watch_args); });
}

}  // namespace tapbench::cli
