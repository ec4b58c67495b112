// `tapbench doctor`: what this host has (USB NFC readers, hubs and their port power switching, libnfc's
// view, pn532-sim, the radio lab's programs, vendord/printerd) and what each bench would bind to it, device
// by device: "bound: …" or "missing: <why>". docs/BENCH.md "tapbench doctor".
//
// Doctor looks, it does not take over: it never opens a reader or a serial port a running rig may be using
// (two processes on one PN532 corrupt each other's frames). The one thing it starts is a private pn532-sim,
// opened through libnfc's own pn532_uart driver, to prove the simulated NFC path works on this host.
#include <nfc/nfc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json/serialize.hpp>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "drivers/nfc/nfc_error.hpp"
#include "drivers/nfc/nfc_factory.hpp"
#include "drivers/usb/libusb_hub_power.hpp"
#include "drivers/usb/libusb_reader_inventory.hpp"
#include "drivers/usb/usb_error.hpp"
#include "protocol/clock/clock.hpp"
#include "rig/bench/bench_health.hpp"
#include "rig/bench/bench_loader.hpp"
#include "rig/cli/commands.hpp"
#include "rig/cli/exit_codes.hpp"
#include "rig/cli/usb_report.hpp"
#include "rig/supervisor/child_process.hpp"

namespace tapbench::cli {
namespace {

namespace fs = std::filesystem;

// --- what this host has
// -------------------------------------------------------------------------------------

struct Program {
  std::string name;
  std::string path;    // empty when not found
  std::string detail;  // what it is for / how to get it
  bool ok() const { return !path.empty(); }
};

struct SimProbe {
  std::string path;  // the pn532-sim that would be used
  bool ok = false;
  std::string detail;  // what happened
};

struct LibnfcView {
  std::string version;
  bool auto_scan = true;
  std::string scan_note;
  std::vector<std::string> devices;
  std::string error;
};

struct Host {
  std::vector<usb::ReaderInfo> readers;
  std::string usb_error;  // libusb could not start
  std::vector<usb::HubInfo> hubs;
  std::string hubs_error;
  LibnfcView libnfc;
  SimProbe pn532_sim;
  std::map<std::string, Program> programs;  // hostapd, wpa_supplicant, qemu-system-x86_64, vendord, printerd
  bool kvm = false;
};

bool executable(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// PATH, then the sbin directories a non-root PATH often lacks (hostapd and wpa_supplicant live there).
std::string which(const std::string& name) {
  if (name.find('/') != std::string::npos) return executable(name) ? name : std::string();
  std::string dirs = std::getenv("PATH") ? std::getenv("PATH") : "";
  dirs += ":/usr/sbin:/sbin:/usr/local/sbin";
  std::stringstream ss(dirs);
  for (std::string dir; std::getline(ss, dir, ':');) {
    if (dir.empty()) continue;
    const std::string candidate = dir + "/" + name;
    if (executable(candidate)) return candidate;
  }
  return {};
}

// A program tapbench ships (rig::find_program's search), else empty.
std::string shipped(const std::string& name, const std::string& build_subdir) {
  return which(rig::find_program(name, build_subdir));
}

// Starts a private pn532-sim and opens it through libnfc: the whole simulated NFC path of this host.
SimProbe probe_pn532_sim() {
  SimProbe p;
  p.path = shipped("pn532-sim", "sim/pn532");
  if (p.path.empty()) {
    p.detail =
        "pn532-sim not found (build target pn532-sim, put it next to tapbench or on PATH, or set "
        "TAPBENCH_PN532_SIM_BIN)";
    return p;
  }
  std::error_code ec;
  char tmpl[] = "/tmp/tapbench-doctor.XXXXXX";
  if (!::mkdtemp(tmpl)) {
    p.detail = "cannot create a temporary directory to probe " + p.path;
    return p;
  }
  const fs::path dir = tmpl;
  const std::string link = (dir / "probe").string();
  try {
    const auto& clock = RealClock::instance();
    rig::ChildProcess sim({p.path, "--link", link}, dir / "pn532-sim.log", clock);
    sim.wait_for_log_line("ready", clock.monotonic_now() + std::chrono::seconds(5));
    {
      auto reader = nfc::make_nfc_reader("pn532_uart:" + link);
      p.detail = p.path + " (started it on a pty; libnfc's pn532_uart driver opened it)";
    }
    sim.stop(std::chrono::seconds(2));
    p.ok = true;
  } catch (const rig::ChildProcessError& e) {
    p.detail = p.path + " did not start: " + e.what();
  } catch (const nfc::NfcException& e) {
    p.detail = p.path + " started, but libnfc could not open it: " + e.what();
  }
  fs::remove_all(dir, ec);
  return p;
}

LibnfcView probe_libnfc() {
  LibnfcView v;
  v.version = nfc_version();
  const char* env = std::getenv("LIBNFC_AUTO_SCAN");
  const std::string value = env ? env : "";
  v.auto_scan = !(value == "false" || value == "0" || value == "no" || value == "off");
  if (!v.auto_scan) {
    v.scan_note = "auto scan off (LIBNFC_AUTO_SCAN=" + value +
                  "): only devices configured in LIBNFC_DEVICE or /etc/nfc/libnfc.conf are listed";
  } else {
    v.scan_note = std::string("auto scan on (LIBNFC_AUTO_SCAN ") + (env ? "=" + value : "unset") +
                  "): USB readers are scanned; serial ports and emulated chips (ptys) never are";
  }
  if (const char* dev = std::getenv("LIBNFC_DEVICE")) v.scan_note += "; LIBNFC_DEVICE=" + std::string(dev);
  nfc_context* ctx = nullptr;
  nfc_init(&ctx);
  if (!ctx) {
    v.error = "nfc_init failed (out of memory or a broken /etc/nfc/libnfc.conf)";
    return v;
  }
  nfc_connstring found[16];
  const std::size_t n = nfc_list_devices(ctx, found, 16);
  for (std::size_t i = 0; i < n; ++i)
    v.devices.emplace_back(found[i]);
  nfc_exit(ctx);
  return v;
}

Host probe_host(bool probe_sim) {
  Host h;
  try {
    usb::LibusbReaderInventory inventory;
    h.readers = inventory.list();
    name_kernel_drivers(h.readers);
  } catch (const usb::UsbError& e) {
    h.usb_error = e.what();
  }
  try {
    usb::LibusbHubPower power;
    h.hubs = power.list_hubs();
  } catch (const usb::UsbError& e) {
    h.hubs_error = e.what();
  }
  h.libnfc = probe_libnfc();
  if (probe_sim) h.pn532_sim = probe_pn532_sim();
  auto add = [&](const std::string& name, std::string path, std::string detail) {
    h.programs[name] = Program{name, std::move(path), std::move(detail)};
  };
  add("hostapd", which("hostapd"), "radio lab router, hostapd benches (apt-get install hostapd)");
  add("wpa_supplicant", which("wpa_supplicant"),
      "radio lab phone/printer, wpa_supplicant benches (apt-get install wpasupplicant)");
  add("qemu-system-x86_64", which("qemu-system-x86_64"),
      "radio lab VM, qemu-hwsim benches (apt-get install qemu-system-x86)");
  add("vendord", shipped("vendord", "server"), "vendor server for vendord benches (build target vendord)");
  add("printerd", shipped("printerd", "firmware-under-test/port/linux"),
      "printer firmware for printerd benches (build target printerd)");
  h.kvm = ::access("/dev/kvm", R_OK | W_OK) == 0;
  return h;
}

// --- what a bench would bind
// ---------------------------------------------------------------------------------

struct Binding {
  const rig::Device* device = nullptr;
  std::vector<std::string> roles;
  bool ok = false;
  std::string detail;  // "bound: …" / "missing: …" without the prefix
  std::string warning;
};

std::string program_missing(const Host& h, const std::string& name) {
  const auto& p = h.programs.at(name);
  return name + " not found: " + p.detail;
}

Binding bind_usb_reader(const Host& h, const rig::UsbReaderBackend& b) {
  Binding out;
  if (!h.usb_error.empty()) {
    out.detail = "libusb cannot list USB devices: " + h.usb_error;
    return out;
  }
  usb::ReaderSelector sel;
  sel.port_path = b.port;
  sel.serial = b.serial;
  if (b.vendor_id && b.product_id) sel.id = usb::UsbId{*b.vendor_id, *b.product_id};
  try {
    const auto r = usb::select_reader(h.readers, sel);
    if (!r.problem.empty()) {
      out.detail = r.identity() + " (" + r.kind + ") is there but unusable: " + r.problem;
      return out;
    }
    out.ok = true;
    out.detail = r.identity() + " " + r.kind + " -> " + r.connstring;
  } catch (const usb::UsbError& e) {
    out.detail = e.what();
  }
  return out;
}

Binding bind_libnfc(const Host& h, const std::string& connstring) {
  Binding out;
  const auto colon = connstring.find(':');
  const std::string driver = connstring.substr(0, colon);
  const std::string rest = colon == std::string::npos ? "" : connstring.substr(colon + 1);
  if (driver == "acr122_usb" || driver == "pn53x_usb") {
    for (const auto& r : h.readers) {
      if (usb::to_string(r.driver) != driver) continue;
      if (!rest.empty() && r.connstring != connstring) continue;
      if (!r.problem.empty()) {
        out.detail = r.identity() + " (" + r.kind + ") is there but unusable: " + r.problem;
        return out;
      }
      out.ok = true;
      out.detail = r.identity() + " " + r.kind + " -> " + r.connstring;
      return out;
    }
    for (const auto& d : h.libnfc.devices) {
      if (d.rfind(driver, 0) == 0 && (rest.empty() || d == connstring)) {
        out.ok = true;
        out.detail = "libnfc lists " + d;
        return out;
      }
    }
    out.detail = "no " + driver + " reader" + (rest.empty() ? "" : " at " + rest) +
                 " (tapbench usb list shows what is plugged in; USB addresses change on every re-plug, pin "
                 "the reader with backend: usb instead)";
    return out;
  }
  // Serial, SPI and I2C drivers: the device node must exist. Not opened: a running rig may own it.
  const auto node = rest.substr(0, rest.find(':'));
  if (node.empty()) {
    out.detail = "connstring '" + connstring + "' names no device node";
    return out;
  }
  std::error_code ec;
  if (!fs::exists(node, ec)) {
    out.detail = "no device node " + node + " (reader unplugged, or its emulator not running?)";
    return out;
  }
  if (::access(node.c_str(), R_OK | W_OK) != 0) {
    out.detail = node + " is not readable and writable by this user (add yourself to group dialout)";
    return out;
  }
  out.ok = true;
  out.detail = node + " exists (not opened by doctor)";
  return out;
}

Binding bind_radio_daemon(const Host& h, const rig::Bench& bench, const std::string& program,
                          const std::string& interface, const std::optional<std::string>& ctrl_dir,
                          const std::string& default_dir, const std::optional<std::string>& radio_lab,
                          const std::function<Binding(const rig::Device&)>& bind_device) {
  Binding out;
  if (radio_lab) {
    const rig::Device* lab = bench.find_device(*radio_lab);
    if (!lab) {
      out.detail = "radio lab '" + *radio_lab + "' is not a device of this bench";
      return out;
    }
    const Binding lab_binding = bind_device(*lab);
    if (!lab_binding.ok) {
      out.detail = "its radio lab '" + *radio_lab + "' cannot start: " + lab_binding.detail;
      return out;
    }
    out.ok = true;
    out.detail = program + " on " + interface + " inside radio lab '" + *radio_lab + "'";
    return out;
  }
  const std::string socket = ctrl_dir.value_or(default_dir) + "/" + interface;
  std::error_code ec;
  if (fs::is_socket(socket, ec)) {
    out.ok = true;
    out.detail = program + " control socket " + socket;
    return out;
  }
  out.detail = "no control socket " + socket + " (is " + program + " running on " + interface + "?)" +
               (h.programs.at(program).ok() ? "" : "; " + program_missing(h, program));
  return out;
}

Binding bind(const Host& h, const rig::Bench& bench, const rig::Device& d) {
  auto recurse = [&](const rig::Device& other) { return bind(h, bench, other); };
  Binding out;
  const auto& c = d.config;
  if (std::get_if<rig::Pn532SimBackend>(&c)) {
    const auto& sim = std::get<rig::Pn532SimBackend>(c);
    out.ok = h.pn532_sim.ok;
    out.detail = out.ok ? "pn532-sim on field '" + sim.field + "'" +
                              (sim.baud ? ", " + std::to_string(*sim.baud) + " baud" : std::string()) + " (" +
                              h.pn532_sim.path + ")"
                        : h.pn532_sim.detail;
    return out;
  }
  if (const auto* b = std::get_if<rig::UsbReaderBackend>(&c)) return bind_usb_reader(h, *b);
  if (const auto* b = std::get_if<rig::LibnfcBackend>(&c)) return bind_libnfc(h, b->connstring);
  if (const auto* b = std::get_if<rig::LinkModelBackend>(&c)) {
    out.ok = true;
    out.detail = "drivers/wifi link model on air '" + b->air + "' (built in)";
    return out;
  }
  if (const auto* b = std::get_if<rig::WpaSupplicantBackend>(&c))
    return bind_radio_daemon(h, bench, "wpa_supplicant", b->interface, b->ctrl_dir, "/run/wpa_supplicant",
                             b->radio_lab, recurse);
  if (const auto* b = std::get_if<rig::HostapdBackend>(&c))
    return bind_radio_daemon(h, bench, "hostapd", b->interface, b->ctrl_dir, "/run/hostapd", b->radio_lab,
                             recurse);
  if (const auto* b = std::get_if<rig::QemuHwsimBackend>(&c)) {
    std::vector<std::string> missing;
    for (const char* p : {"qemu-system-x86_64", "hostapd", "wpa_supplicant"})
      if (!h.programs.at(p).ok()) missing.push_back(program_missing(h, p));
    if (b->accel == "kvm" && !h.kvm) missing.push_back("accel kvm, but /dev/kvm is not usable here");
    std::error_code ec;
    if (b->kernel && !fs::exists(*b->kernel, ec))
      missing.push_back("kernel " + *b->kernel + " does not exist");
    if (!missing.empty()) {
      out.detail = rig::join(missing, "; ");
      return out;
    }
    out.ok = true;
    out.detail = "qemu-system-x86_64 (" + b->accel + ", " + std::to_string(b->radios) +
                 " radios; hostapd and wpa_supplicant packed into its image)";
    return out;
  }
  if (const auto* b = std::get_if<rig::VendordBackend>(&c)) {
    const std::string path = b->binary ? which(*b->binary) : h.programs.at("vendord").path;
    out.ok = !path.empty();
    out.detail = out.ok ? "vendord " + path
                        : (b->binary ? "binary " + *b->binary + " is not an executable"
                                     : program_missing(h, "vendord"));
    return out;
  }
  if (const auto* b = std::get_if<rig::PrinterdBackend>(&c)) {
    const std::string path = b->binary ? which(*b->binary) : h.programs.at("printerd").path;
    out.ok = !path.empty();
    out.detail = out.ok ? "printerd " + path
                        : (b->binary ? "binary " + *b->binary + " is not an executable"
                                     : program_missing(h, "printerd"));
    return out;
  }
  if (const auto* b = std::get_if<rig::UrlServerBackend>(&c)) {
    out.ok = true;
    out.detail = b->url + " (answers on TCP)";  // else apply_health_check marks it missing
    return out;
  }
  if (const auto* b = std::get_if<rig::BoardBackend>(&c)) {
    out.ok = true;
    out.detail = "board at " + b->address + " (answers on TCP)";
    return out;
  }
  if (const auto* b = std::get_if<rig::UsbHubPortBackend>(&c)) {
    if (!h.hubs_error.empty()) {
      out.detail = "libusb cannot list hubs: " + h.hubs_error;
      return out;
    }
    std::string wanted = b->hub;
    try {
      wanted = usb::format_port_path(usb::parse_port_path(b->hub));
    } catch (const usb::UsbError&) {
    }
    for (const auto& hub : h.hubs) {
      if (hub.path != wanted) continue;
      if (!hub.problem.empty()) {
        out.detail = "hub " + hub.path + " is there but unusable: " + hub.problem;
        return out;
      }
      const auto mode = hub.descriptor.switching();
      if (b->port < 1 || b->port > hub.descriptor.num_ports) {
        out.detail = "hub " + hub.path + " has ports 1.." + std::to_string(hub.descriptor.num_ports) +
                     ", not " + std::to_string(b->port);
      } else if (mode == usb::PowerSwitching::kNone) {
        out.detail = "hub " + hub.path + " cannot switch port power (its descriptor declares none)";
      } else {
        out.ok = true;
        out.detail = "port " + std::to_string(b->port) + " of hub " + hub.path + " (" +
                     usb::format_usb_id({hub.vid, hub.pid}) + ", " + std::string(usb::to_string(mode)) +
                     " power switching)";
        if (mode == usb::PowerSwitching::kGanged)
          out.warning = "ganged: switching port " + std::to_string(b->port) + " switches all " +
                        std::to_string(hub.descriptor.num_ports) + " ports of hub " + hub.path;
      }
      return out;
    }
    out.detail = "no USB hub at " + b->hub + " (tapbench usb hubs lists the hubs)";
    return out;
  }
  if (std::get_if<rig::NoPowerBackend>(&c)) {
    out.ok = true;
    out.detail = "no power control";
    return out;
  }
  out.detail = "doctor does not know backend '" + d.backend + "'";
  return out;
}

struct BenchReport {
  std::string name;
  std::string source;
  std::string load_error;  // the bench could not be loaded
  std::vector<Binding> bindings;
  bool ok() const {
    if (!load_error.empty()) return false;
    for (const auto& b : bindings)
      if (!b.ok) return false;
    return true;
  }
  std::size_t missing() const {
    std::size_t n = 0;
    for (const auto& b : bindings)
      n += b.ok ? 0 : 1;
    return n;
  }
};

// The rig's own bench health check (rig/bench/bench_health.hpp, run before every suite) on the same
// readers: what it would refuse is missing here too — a server or board that does not answer on TCP, a
// router passphrase variable that is not set. Where doctor already found a device missing, its own reason
// (more specific, e.g. the kernel driver's name) stays.
void apply_health_check(const Host& h, const rig::Bench& bench, std::vector<Binding>& bindings) {
  rig::HealthProbe probe = rig::system_probe();
  probe.list_readers = [&h] {
    if (!h.usb_error.empty()) throw usb::UsbError(usb::UsbErrc::kIo, h.usb_error);
    return h.readers;
  };
  for (const auto& problem : rig::bench_health_problems(bench, probe)) {
    for (auto& b : bindings) {
      const std::string prefix = "device '" + b.device->name + "' (";
      if (problem.compare(0, prefix.size(), prefix) != 0) continue;
      if (b.ok) {
        const auto colon = problem.find("): ", prefix.size());
        b.ok = false;
        b.detail = colon == std::string::npos ? problem : problem.substr(colon + 3);
      }
      break;
    }
  }
}

BenchReport check_bench(const Host& h, const rig::Bench& bench) {
  BenchReport report{bench.name, bench.source, {}, {}};
  for (const auto& d : bench.devices) {
    Binding b = bind(h, bench, d);
    b.device = &d;
    for (const auto& [role, name] : bench.roles)
      if (name == d.name) b.roles.emplace_back(rig::to_string(role));
    report.bindings.push_back(std::move(b));
  }
  apply_health_check(h, bench, report.bindings);
  return report;
}

bool needs_sim(const rig::Bench& bench) {
  for (const auto& d : bench.devices)
    if (std::holds_alternative<rig::Pn532SimBackend>(d.config)) return true;
  return false;
}

// --- output
// --------------------------------------------------------------------------------------------------

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s + " ";
}

void print_text(const Host& h, bool sim_probed, const std::vector<BenchReport>& reports,
                const std::vector<bool>& selected) {
  std::cout << "USB NFC readers (libusb):\n";
  if (!h.usb_error.empty()) {
    std::cout << "  unavailable: " << h.usb_error << "\n";
  } else if (h.readers.empty()) {
    std::error_code ec;
    std::cout << "  none (looking for: " << known_readers_text(usb::ReaderTable::defaults()) << ")"
              << (fs::exists("/dev/bus/usb", ec) ? ""
                                                 : "; no /dev/bus/usb on this host (a container needs it "
                                                   "bound in)")
              << "\n";
  }
  for (const auto& r : h.readers)
    std::cout << "  " << reader_text(r) << "\n";
  std::cout << "USB hubs (port power switching):\n";
  if (!h.hubs_error.empty()) std::cout << "  unavailable: " << h.hubs_error << "\n";
  if (h.hubs_error.empty() && h.hubs.empty()) std::cout << "  none\n";
  for (const auto& hub : h.hubs)
    std::cout << "  " << hub_text(hub) << "\n";
  std::cout << "libnfc " << h.libnfc.version << " (" << h.libnfc.scan_note << "):\n";
  if (!h.libnfc.error.empty()) std::cout << "  unavailable: " << h.libnfc.error << "\n";
  if (h.libnfc.error.empty() && h.libnfc.devices.empty()) std::cout << "  no devices\n";
  for (const auto& d : h.libnfc.devices)
    std::cout << "  " << d << "\n";
  std::cout << "Simulators and programs:\n";
  if (sim_probed) {
    std::cout << "  " << pad("pn532-sim", 18) << (h.pn532_sim.ok ? "ok       " : "MISSING  ")
              << h.pn532_sim.detail << "\n";
  }
  for (const auto& [name, p] : h.programs)
    std::cout << "  " << pad(name, 18) << (p.ok() ? "ok       " + p.path : "missing  " + p.detail) << "\n";
  for (std::size_t i = 0; i < reports.size(); ++i) {
    const auto& r = reports[i];
    std::cout << "\nBench '" << r.name << "' (" << r.source << ")" << (selected[i] ? "" : " [not selected]")
              << ":\n";
    if (!r.load_error.empty()) {
      std::cout << "  cannot load: " << r.load_error << "\n";
      continue;
    }
    for (const auto& b : r.bindings) {
      std::string roles = rig::join(b.roles, ",");
      if (roles.empty()) roles = "-";
      std::cout << "  " << pad(b.device->name, 14)
                << pad(std::string(rig::to_string(b.device->kind)) + "/" + b.device->backend, 20)
                << pad(roles, 14) << (b.ok ? "bound: " : "missing: ") << b.detail << "\n";
      if (!b.warning.empty()) std::cout << "  " << pad("", 50) << "warning: " << b.warning << "\n";
    }
    if (r.ok()) {
      std::cout << "  -> every device can be bound\n";
    } else {
      std::cout << "  -> " << r.missing() << " of " << r.bindings.size() << " devices missing\n";
    }
  }
}

boost::json::object to_json(const Host& h, bool sim_probed, const std::vector<BenchReport>& reports,
                            const std::vector<bool>& selected, int exit_code) {
  boost::json::array readers, hubs, programs, benches;
  for (const auto& r : h.readers)
    readers.push_back(reader_json(r));
  for (const auto& hub : h.hubs)
    hubs.push_back(hub_json(hub));
  if (sim_probed)
    programs.push_back({{"name", "pn532-sim"},
                        {"ok", h.pn532_sim.ok},
                        {"path", h.pn532_sim.path},
                        {"detail", h.pn532_sim.detail}});
  for (const auto& [name, p] : h.programs)
    programs.push_back({{"name", name}, {"ok", p.ok()}, {"path", p.path}, {"detail", p.detail}});
  for (std::size_t i = 0; i < reports.size(); ++i) {
    const auto& r = reports[i];
    boost::json::array devices;
    for (const auto& b : r.bindings) {
      boost::json::array roles;
      for (const auto& role : b.roles)
        roles.push_back(boost::json::string(role));
      devices.push_back({{"name", b.device->name},
                         {"kind", std::string(rig::to_string(b.device->kind))},
                         {"backend", b.device->backend},
                         {"roles", roles},
                         {"bound", b.ok},
                         {"detail", b.detail},
                         {"warning", b.warning}});
    }
    benches.push_back({{"name", r.name},
                       {"source", r.source},
                       {"selected", static_cast<bool>(selected[i])},
                       {"ok", r.ok()},
                       {"load_error", r.load_error},
                       {"devices", devices}});
  }
  boost::json::array libnfc_devices;
  for (const auto& d : h.libnfc.devices)
    libnfc_devices.push_back(boost::json::string(d));
  return {{"usb", {{"readers", readers}, {"error", h.usb_error}}},
          {"hubs", {{"hubs", hubs}, {"error", h.hubs_error}}},
          {"libnfc",
           {{"version", h.libnfc.version},
            {"auto_scan", h.libnfc.auto_scan},
            {"note", h.libnfc.scan_note},
            {"devices", libnfc_devices},
            {"error", h.libnfc.error}}},
          {"programs", programs},
          {"benches", benches},
          {"exit_code", exit_code}};
}

struct DoctorArgs {
  std::string bench;
  bool json = false;
};

int run_doctor(const DoctorArgs& a) {
  std::vector<rig::Bench> benches;
  std::vector<BenchReport> failed_loads;
  std::vector<bool> selected;
  if (!a.bench.empty()) {
    try {
      benches.push_back(rig::load_bench(a.bench));
      selected.push_back(true);
    } catch (const rig::ValidationError& e) {
      std::cerr << e.what() << "\n"
                << a.bench << ": not a valid bench (tapbench bench validate " << a.bench << ")\n";
      return kExitDataError;
    } catch (const rig::InputError& e) {
      std::cerr << "tapbench doctor: " << e.what() << "\n";
      return kExitNoInput;
    }
  } else {
    for (const auto& f : rig::embedded_benches()) {
      try {
        benches.push_back(rig::load_bench(std::string(f.name)));
        selected.push_back(f.name == "sim");  // without --bench only the default bench decides the exit code
      } catch (const std::exception& e) {
        failed_loads.push_back({std::string(f.name), std::string(f.path), e.what(), {}});
      }
    }
  }
  bool probe_sim = a.bench.empty();
  for (const auto& b : benches)
    probe_sim = probe_sim || needs_sim(b);
  const Host host = probe_host(probe_sim);

  std::vector<BenchReport> reports;
  for (const auto& b : benches)
    reports.push_back(check_bench(host, b));
  for (auto& f : failed_loads) {
    reports.push_back(std::move(f));
    selected.push_back(reports.back().name == "sim");
  }
  bool ok = true;
  for (std::size_t i = 0; i < reports.size(); ++i)
    if (selected[i] && !reports[i].ok()) ok = false;
  const int code = ok ? kExitOk : kExitInfrastructure;
  if (a.json) {
    std::cout << boost::json::serialize(to_json(host, probe_sim, reports, selected, code)) << "\n";
  } else {
    print_text(host, probe_sim, reports, selected);
    if (!ok)
      std::cout << "\ndoctor: the " << (a.bench.empty() ? "default bench (sim)" : "bench")
                << " cannot bind every device (exit 3)\n";
  }
  return code;
}

}  // namespace

void register_doctor_commands(CLI::App& app, CommandResult& result) {
  auto args = std::make_shared<DoctorArgs>();
  auto* doctor = app.add_subcommand(
      "doctor",
      "List the real and simulated devices of this host (USB NFC readers, hubs, libnfc, pn532-sim, radio "
      "lab\n"
      "programs) and what each bench would bind, device by device: bound, or missing with the reason.\n"
      "Exit 0 when every device of the selected bench can be bound (without --bench: all built-in benches\n"
      "are reported, only the default bench 'sim' decides), 3 otherwise, 65 invalid bench, 66 unreadable.");
  doctor->add_option("--bench", args->bench, "A bench file, or a built-in bench (sim, hwsim, lab-example)");
  doctor->add_flag("--json", args->json, "One JSON object on stdout instead of text");
  doctor->callback([args, &result] { result.exit_code = run_doctor(*args); });
}

}  // namespace tapbench::cli
