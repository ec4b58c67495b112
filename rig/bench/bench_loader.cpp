#include "rig/bench/bench_loader.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <set>

#include "server/api/tls_trust.hpp"

namespace tapbench::rig {
namespace {

using Keys = std::vector<std::string>;

struct BackendSpec {
  DeviceKind kind;
  std::string name;
  Keys keys;  // backend-specific keys
  std::string summary;
};

const std::vector<BackendSpec>& backend_specs() {
  static const std::vector<BackendSpec> specs = {
      {DeviceKind::kNfc, "libnfc", {"connstring"}, "a libnfc device by connstring"},
      {DeviceKind::kNfc, "usb", {"port", "serial", "id"}, "a USB reader by port path / serial / VID:PID"},
      {DeviceKind::kNfc, "pn532-sim", {"field", "baud"}, "an emulated PN532 on a pty (opened by libnfc)"},
      {DeviceKind::kRadio, "link-model", {"air"}, "a modelled link (sim bench, no radio)"},
      {DeviceKind::kRadio, "wpa_supplicant", {"interface", "ctrl-dir", "radio-lab"}, "a real wpa_supplicant"},
      {DeviceKind::kRadio, "hostapd", {"interface", "ctrl-dir", "radio-lab"}, "a real hostapd"},
      {DeviceKind::kRadioLab, "qemu-hwsim", {"radios", "accel", "memory-mb", "kernel"}, "the radio lab VM"},
      {DeviceKind::kServer, "vendord", {"binary", "port", "database"}, "a local vendord started by the rig"},
      {DeviceKind::kServer, "url", {"url", "ca-file"}, "a vendor server already running"},
      {DeviceKind::kPrinter,
       "printerd",
       {"binary", "port", "state-dir", "tls", "printer-cert-sha256", "phone-traffic"},
       "printerd started by the rig"},
      {DeviceKind::kPrinter,
       "board",
       {"address", "tls", "printer-cert-sha256"},
       "a printer on its own board"},
      {DeviceKind::kPower, "usb-hub-port", {"hub", "port"}, "power-cycle through a USB hub port"},
      {DeviceKind::kPower, "none", {}, "no power control"},
  };
  return specs;
}

const Keys kKinds = {"nfc", "radio", "radio-lab", "server", "printer", "power"};
const Keys kCommonDeviceKeys = {"name", "kind", "backend", "description"};
const Keys kTopKeys = {"bench", "description", "version", "devices", "roles"};
const std::string kDeviceShape =
    "a mapping: {name: <device name>, kind: nfc|radio|radio-lab|server|printer|power, backend: <backend>, …}";
const std::string kNetworkShape =
    "{ssid: <name>, passphrase: <8-63 chars> | passphrase-env: <VAR>, channel: 1-14}";

std::optional<DeviceKind> kind_from(std::string_view s) {
  for (DeviceKind k : {DeviceKind::kNfc, DeviceKind::kRadio, DeviceKind::kRadioLab, DeviceKind::kServer,
                       DeviceKind::kPrinter, DeviceKind::kPower}) {
    if (to_string(k) == s) return k;
  }
  return std::nullopt;
}

Keys backends_of(DeviceKind kind) {
  Keys out;
  for (const auto& spec : backend_specs()) {
    if (spec.kind == kind) out.push_back(spec.name);
  }
  return out;
}

Keys role_names() {
  Keys out;
  for (Role r : kAllRoles)
    out.emplace_back(to_string(r));
  return out;
}

bool valid_name(std::string_view s) {
  if (s.empty() || !std::isalnum(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

std::optional<std::uint16_t> parse_hex16(std::string_view s) {
  std::uint16_t v = 0;
  if (s.empty() || s.size() > 4) return std::nullopt;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

class BenchParser {
 public:
  explicit BenchParser(const std::string& source) : check_(source) {}

  Bench parse(const std::string& text) {
    Bench bench;
    bench.source = check_.file();
    auto root = check_.parse(text);
    if (!root) check_.throw_if_errors();
    const YAML::Node& top = *root;
    if (!check_.expect_map(top, "a bench file", "a mapping with keys: " + join(kTopKeys))) {
      check_.throw_if_errors();
    }
    check_.check_keys(top, kTopKeys, "the bench");
    if (auto v = check_.get_int(top, "version", "the bench", false, 1, 1)) (void)v;
    if (auto name = check_.get_string(top, "bench", "the bench", true, "the bench's name")) {
      if (!valid_name(*name)) {
        check_.error(top["bench"], "bench name '" + *name + "' has characters that do not belong in a name",
                     "letters, digits, '-', '_' and '.'");
      }
      bench.name = *name;
    }
    if (auto d = check_.get_string(top, "description", "the bench", false)) bench.description = *d;

    const YAML::Node devices = top["devices"];
    if (!devices.IsDefined()) {
      check_.error(top, "the bench is missing the required key 'devices'",
                   "devices: a list of " + kDeviceShape);
    } else if (check_.expect_sequence(devices, "'devices'", "a list of " + kDeviceShape)) {
      for (const auto& node : devices)
        parse_device(node, bench);
    }
    check_radio_lab_references(bench);

    const YAML::Node roles = top["roles"];
    if (!roles.IsDefined()) {
      check_.error(top, "the bench is missing the required key 'roles'",
                   "roles: a mapping of role → device name, roles: " + join(role_names()));
    } else {
      parse_roles(roles, bench);
    }
    check_.throw_if_errors();
    return bench;
  }

 private:
  void parse_device(const YAML::Node& node, Bench& bench) {
    if (!check_.expect_map(node, "a device", kDeviceShape)) return;
    Device device;
    device.pos = check_.pos(node);
    auto name = check_.get_string(node, "name", "a device", true, "the device's name");
    const std::string what = name ? "device '" + *name + "'" : "a device";
    if (name) {
      if (!valid_name(*name)) {
        check_.error(node["name"], "device name '" + *name + "' has characters that do not belong in a name",
                     "letters, digits, '-', '_' and '.'");
      }
      if (const Device* first = bench.find_device(*name)) {
        check_.error(
            node["name"],
            "duplicate device name '" + *name + "' (first declared at " + first->pos.to_string() + ")",
            "every device name once in a bench");
        name.reset();
      } else {
        device.name = *name;
      }
    }
    if (auto d = check_.get_string(node, "description", what, false)) device.description = *d;

    // A device with a problem is still declared: roles naming it must not add a second, cascading error.
    if (name) broken_devices_.insert(*name);
    auto kind_name = check_.get_choice(node, "kind", what, true, kKinds);
    if (!kind_name) {
      // Without a kind the backend cannot be checked; still flag keys nobody knows.
      check_unknown_keys_without_kind(node, what);
      return;
    }
    device.kind = *kind_from(*kind_name);
    const Keys backends = backends_of(device.kind);
    auto backend = check_.get_string(node, "backend", what, true, "one of: " + join(backends));
    const BackendSpec* spec = nullptr;
    if (backend) {
      for (const auto& s : backend_specs()) {
        if (s.kind == device.kind && s.name == *backend) spec = &s;
      }
      if (!spec) {
        std::string hint = did_you_mean(*backend, backends);
        for (const auto& s : backend_specs()) {
          if (hint.empty() && s.name == *backend) {
            hint = "'" + *backend + "' is a backend for " + std::string(to_string(s.kind)) +
                   " devices, not " + *kind_name;
          }
        }
        check_.error(node["backend"],
                     "unknown backend '" + *backend + "' for " + what + " (kind " + *kind_name + ")",
                     "one of: " + join(backends), hint);
      }
    }
    Keys allowed = kCommonDeviceKeys;
    if (device.kind == DeviceKind::kRadio) allowed.push_back("network");
    if (spec) {
      allowed.insert(allowed.end(), spec->keys.begin(), spec->keys.end());
    } else {
      for (const auto& s : backend_specs()) {
        if (s.kind == device.kind) allowed.insert(allowed.end(), s.keys.begin(), s.keys.end());
      }
    }
    std::sort(allowed.begin() + static_cast<std::ptrdiff_t>(kCommonDeviceKeys.size()), allowed.end());
    allowed.erase(std::unique(allowed.begin(), allowed.end()), allowed.end());
    check_keys_with_backend_hint(node, allowed, what, spec);
    if (!spec) return;
    device.backend = spec->name;
    device.config = parse_backend(node, *spec, what);
    if (device.kind == DeviceKind::kRadio && node["network"].IsDefined()) {
      device.network = parse_network(node["network"], what);
    }
    if (name) {
      broken_devices_.erase(*name);
      bench.devices.push_back(std::move(device));
    }
  }

  // Unknown keys, with the note that a key belongs to another backend when it does.
  void check_keys_with_backend_hint(const YAML::Node& node, const Keys& allowed, const std::string& what,
                                    const BackendSpec* spec) {
    YamlChecker local(check_.file());
    local.check_keys(node, allowed, what);
    for (auto issue : local.issues()) {
      if (spec && issue.hint.empty() && issue.message.starts_with("unknown key '")) {
        const std::string key = issue.message.substr(13, issue.message.find('\'', 13) - 13);
        for (const auto& s : backend_specs()) {
          if (s.kind == spec->kind && std::find(s.keys.begin(), s.keys.end(), key) != s.keys.end()) {
            issue.hint = "'" + key + "' belongs to backend '" + s.name + "', this device's backend is '" +
                         spec->name + "'";
            break;
          }
        }
      }
      check_.error_at(issue.pos, issue.message, issue.expected, issue.hint);
    }
  }

  void check_unknown_keys_without_kind(const YAML::Node& node, const std::string& what) {
    Keys all = kCommonDeviceKeys;
    all.push_back("network");
    for (const auto& s : backend_specs())
      all.insert(all.end(), s.keys.begin(), s.keys.end());
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    check_.check_keys(node, all, what);
  }

  // tls / printer-cert-sha256 of a printer device (docs/BENCH.md, "TLS to the printer").
  PrinterLink parse_printer_link(const YAML::Node& node, const std::string& what) {
    PrinterLink link;
    const Keys modes = {"auto", "always", "never"};
    if (auto t = check_.get_choice(node, "tls", what, false, modes)) {
      link.tls = *t == "always"  ? PrinterTls::kAlways
                 : *t == "never" ? PrinterTls::kNever
                                 : PrinterTls::kAuto;
    }
    constexpr std::string_view shape =
        "the SHA-256 fingerprint of the printer's certificate: 32 hex bytes, with or without ':' (openssl "
        "x509 "
        "-noout -fingerprint -sha256)";
    if (auto f = check_.get_string(node, "printer-cert-sha256", what, false, shape)) {
      link.cert_sha256 = server::normalise_fingerprint(*f);
      if (!link.cert_sha256) {
        check_.error(node["printer-cert-sha256"],
                     "'printer-cert-sha256' in " + what + " is not a SHA-256 fingerprint: '" + *f + "'",
                     std::string(shape));
      } else if (link.tls == PrinterTls::kNever) {
        check_.error(node["printer-cert-sha256"],
                     "'printer-cert-sha256' in " + what + " has no use with 'tls: never'",
                     "tls: auto or always with a pinned certificate");
      }
    }
    return link;
  }

  int get_port(const YAML::Node& node, const std::string& what) {
    return static_cast<int>(check_.get_int(node, "port", what, false, 0, 65535).value_or(0));
  }

  DeviceBackend parse_backend(const YAML::Node& node, const BackendSpec& spec, const std::string& what) {
    const std::string& b = spec.name;
    if (b == "libnfc") {
      LibnfcBackend c;
      if (auto s = check_.get_string(node, "connstring", what, true,
                                     "a libnfc connstring, e.g. pn532_uart:/dev/ttyUSB0 or acr122_usb")) {
        if (s->find(':') == std::string::npos && *s != "acr122_usb" && *s != "pn53x_usb") {
          check_.error(node["connstring"], "connstring '" + *s + "' in " + what + " names no libnfc driver",
                       "driver:port, e.g. pn532_uart:/dev/ttyUSB0, acr122_usb:001:005");
        }
        c.connstring = *s;
      }
      return c;
    }
    if (b == "usb") {
      UsbReaderBackend c;
      c.port = check_.get_string(node, "port", what, false, "a USB port path, e.g. 1-2.3");
      c.serial = check_.get_string(node, "serial", what, false, "the reader's iSerialNumber");
      if (auto id = check_.get_string(node, "id", what, false, "VID:PID in hex, e.g. 072f:2200")) {
        const auto colon = id->find(':');
        auto vid =
            colon == std::string::npos ? std::nullopt : parse_hex16(std::string_view(*id).substr(0, colon));
        auto pid =
            colon == std::string::npos ? std::nullopt : parse_hex16(std::string_view(*id).substr(colon + 1));
        if (!vid || !pid) {
          check_.error(node["id"], "'id' in " + what + " is not VID:PID: '" + *id + "'",
                       "VID:PID in hex, e.g. 072f:2200");
        } else {
          c.vendor_id = vid;
          c.product_id = pid;
        }
      }
      if (!node["port"].IsDefined() && !node["serial"].IsDefined() && !node["id"].IsDefined()) {
        check_.error(node, what + " (backend usb) does not say which reader",
                     "at least one of: port (e.g. 1-2.3), serial, id (VID:PID)",
                     "`tapbench doctor` lists the readers plugged in with their identities");
      }
      return c;
    }
    if (b == "pn532-sim") {
      Pn532SimBackend c;
      if (auto f = check_.get_string(node, "field", what, false, "the name of a shared RF field"))
        c.field = *f;
      c.baud = check_.get_int(node, "baud", what, false, 9600, 921600);
      return c;
    }
    if (b == "link-model") {
      LinkModelBackend c;
      if (auto a = check_.get_string(node, "air", what, false, "the name of a shared modelled air"))
        c.air = *a;
      return c;
    }
    if (b == "wpa_supplicant" || b == "hostapd") {
      auto interface = check_.get_string(node, "interface", what, true, "a Wi-Fi interface name, e.g. wlan1");
      auto ctrl_dir = check_.get_string(node, "ctrl-dir", what, false, "a control socket directory");
      auto lab = check_.get_string(node, "radio-lab", what, false, "the name of a radio-lab device");
      if (b == "hostapd") return HostapdBackend{interface.value_or(""), ctrl_dir, lab};
      return WpaSupplicantBackend{interface.value_or(""), ctrl_dir, lab};
    }
    if (b == "qemu-hwsim") {
      QemuHwsimBackend c;
      c.radios = static_cast<int>(check_.get_int(node, "radios", what, false, 2, 100).value_or(3));
      const Keys accels = {"tcg", "kvm", "auto"};
      if (auto a = check_.get_choice(node, "accel", what, false, accels)) c.accel = *a;
      c.memory_mb =
          static_cast<int>(check_.get_int(node, "memory-mb", what, false, 256, 65536).value_or(1024));
      c.kernel = check_.get_string(node, "kernel", what, false, "a path to a kernel image");
      return c;
    }
    if (b == "vendord") {
      VendordBackend c;
      c.binary = check_.get_string(node, "binary", what, false, "a path to vendord");
      c.port = get_port(node, what);
      if (auto d = check_.get_string(node, "database", what, false, "a SQLite file path or :memory:")) {
        c.database = *d;
      }
      return c;
    }
    if (b == "url") {
      UrlServerBackend c;
      if (auto u = check_.get_string(node, "url", what, true, "an http:// or https:// URL")) {
        if (!u->starts_with("http://") && !u->starts_with("https://")) {
          check_.error(node["url"], "'url' in " + what + " is not an http(s) URL: '" + *u + "'",
                       "an http:// or https:// URL, e.g. https://vendor.example:8443");
        }
        c.url = *u;
      }
      c.ca_file = check_.get_string(node, "ca-file", what, false, "a path to CA certificates (PEM)");
      if (c.ca_file && !c.url.starts_with("https://")) {
        check_.error(node["ca-file"],
                     "'ca-file' in " + what + " has no use: the server's URL is not https://",
                     "ca-file only with an https:// url");
      }
      return c;
    }
    if (b == "printerd") {
      PrinterdBackend c;
      c.binary = check_.get_string(node, "binary", what, false, "a path to printerd");
      c.port = get_port(node, what);
      c.state_dir = check_.get_string(node, "state-dir", what, false, "a directory for the printer's state");
      c.link = parse_printer_link(node, what);
      const Keys traffic = {"loopback", "radio"};
      if (auto t = check_.get_choice(node, "phone-traffic", what, false, traffic)) {
        c.phone_traffic = *t == "radio" ? PhoneTraffic::kRadio : PhoneTraffic::kLoopback;
        if (c.phone_traffic == PhoneTraffic::kRadio) {
          phone_traffic_radio_at_ = check_.pos(node["phone-traffic"]);
          if (c.link.tls == PrinterTls::kNever) {
            check_.error(node["phone-traffic"],
                         "'phone-traffic: radio' in " + what +
                             " cannot go with 'tls: never': printerd answers "
                             "426 Upgrade Required to a phone on its group that does not start TLS",
                         "tls: auto (TLS on the group, the default) or always");
          }
        }
      }
      return c;
    }
    if (b == "board") {
      BoardBackend c;
      if (auto a = check_.get_string(node, "address", what, true, "host:port of the board's control API")) {
        const auto colon = a->rfind(':');
        int port = 0;
        const bool port_ok =
            colon != std::string::npos && colon > 0 &&
            std::from_chars(a->data() + colon + 1, a->data() + a->size(), port).ec == std::errc{} &&
            port > 0 && port <= 65535;
        if (!port_ok) {
          check_.error(node["address"], "'address' in " + what + " is not host:port: '" + *a + "'",
                       "host:port, e.g. 192.168.50.20:8631");
        }
        c.address = *a;
      }
      c.link = parse_printer_link(node, what);
      return c;
    }
    if (b == "usb-hub-port") {
      UsbHubPortBackend c;
      if (auto h = check_.get_string(node, "hub", what, true, "the hub's port path, e.g. 1-2")) c.hub = *h;
      c.port = static_cast<int>(check_.get_int(node, "port", what, true, 1, 15).value_or(0));
      return c;
    }
    return NoPowerBackend{};
  }

  std::optional<Network> parse_network(const YAML::Node& node, const std::string& what) {
    const std::string where = "'network' of " + what;
    if (!check_.expect_map(node, where, kNetworkShape)) return std::nullopt;
    const Keys keys = {"ssid", "passphrase", "passphrase-env", "channel"};
    check_.check_keys(node, keys, where);
    Network n;
    auto ssid = check_.get_string(node, "ssid", where, true, "an SSID of 1-32 bytes");
    if (ssid && ssid->size() > 32) {
      check_.error(node["ssid"], "SSID in " + where + " is longer than 32 bytes", "an SSID of 1-32 bytes");
    }
    n.ssid = ssid.value_or("");
    n.passphrase =
        check_.get_string(node, "passphrase", where, false, "a WPA2 passphrase of 8-63 characters");
    if (n.passphrase && (n.passphrase->size() < 8 || n.passphrase->size() > 63)) {
      // Never echo the passphrase itself.
      check_.error(node["passphrase"],
                   "passphrase in " + where + " has " + std::to_string(n.passphrase->size()) + " characters",
                   "a WPA2 passphrase of 8-63 characters");
    }
    n.passphrase_env =
        check_.get_string(node, "passphrase-env", where, false, "an environment variable name");
    if (n.passphrase.has_value() == n.passphrase_env.has_value()) {
      check_.error(node, where + " needs exactly one of 'passphrase' and 'passphrase-env'", kNetworkShape);
    }
    n.channel = static_cast<int>(check_.get_int(node, "channel", where, false, 1, 14).value_or(6));
    return n;
  }

  void check_radio_lab_references(const Bench& bench) {
    Keys labs;
    for (const auto& d : bench.devices) {
      if (d.kind == DeviceKind::kRadioLab) labs.push_back(d.name);
    }
    for (const auto& d : bench.devices) {
      std::optional<std::string> lab;
      if (auto* s = std::get_if<WpaSupplicantBackend>(&d.config)) lab = s->radio_lab;
      if (auto* h = std::get_if<HostapdBackend>(&d.config)) lab = h->radio_lab;
      if (lab && std::find(labs.begin(), labs.end(), *lab) == labs.end()) {
        check_.error_at(
            d.pos,
            "device '" + d.name + "' runs in radio lab '" + *lab +
                "', which is not a device of kind radio-lab in this bench",
            labs.empty() ? "a device {kind: radio-lab, backend: qemu-hwsim}" : "one of: " + join(labs),
            did_you_mean(*lab, labs));
      }
    }
  }

  void parse_roles(const YAML::Node& roles, Bench& bench) {
    const Keys names = role_names();
    const std::string shape = "a mapping of role → device name, roles: " + join(names);
    if (!check_.expect_map(roles, "'roles'", shape)) return;
    check_.check_keys(roles, names, "'roles'");
    Keys device_names;
    for (const auto& d : bench.devices)
      device_names.push_back(d.name);
    std::map<std::string, std::string> first_role_of_device;
    for (Role role : kAllRoles) {
      const std::string role_name(to_string(role));
      const YAML::Node node = roles[role_name];
      if (!node.IsDefined()) continue;
      auto device_name = check_.as_string(node, "role '" + role_name + "'", "a device name");
      if (!device_name) continue;
      const Device* device = bench.find_device(*device_name);
      if (!device && broken_devices_.contains(*device_name)) continue;  // its own error says why
      if (!device) {
        check_.error(
            node,
            "role '" + role_name + "' is bound to '" + *device_name +
                "', which is not a device of this bench",
            device_names.empty() ? "a device declared under 'devices'" : "one of: " + join(device_names),
            did_you_mean(*device_name, device_names));
        continue;
      }
      if (device->kind != role_kind(role)) {
        check_.error(node,
                     "role '" + role_name + "' needs a device of kind " +
                         std::string(to_string(role_kind(role))) + ", but '" + *device_name +
                         "' is of kind " + std::string(to_string(device->kind)),
                     "a " + std::string(to_string(role_kind(role))) + " device");
        continue;
      }
      const auto [it, inserted] = first_role_of_device.emplace(*device_name, role_name);
      if (!inserted) {
        check_.error(node,
                     "device '" + *device_name + "' is bound to two roles: '" + it->second + "' and '" +
                         role_name + "'",
                     "one device per role (one process owns a reader or a radio)");
        continue;
      }
      bench.roles[role] = *device_name;
    }
    if (!check_.ok()) return;  // the rules below assume the bindings themselves are sound

    for (Role role : {Role::kPhoneReader, Role::kPhoneRadio, Role::kRouter, Role::kServer, Role::kPrinter}) {
      if (!bench.roles.contains(role)) {
        check_.error(roles, "role '" + std::string(to_string(role)) + "' is not bound to a device",
                     "'" + std::string(to_string(role)) + ": <name of a " +
                         std::string(to_string(role_kind(role))) + " device>'");
      }
    }
    const Device* printer = bench.device_for(Role::kPrinter);
    if (printer) {
      const bool local = std::holds_alternative<PrinterdBackend>(printer->config);
      for (Role role : {Role::kPrinterTag, Role::kPrinterRadio}) {
        const std::string rn(to_string(role));
        if (local && !bench.roles.contains(role)) {
          check_.error(roles,
                       "role '" + rn + "' is not bound, but printer '" + printer->name +
                           "' is a local printerd that needs one",
                       "'" + rn + ": <name of a " + std::string(to_string(role_kind(role))) + " device>'");
        }
        if (!local && bench.roles.contains(role)) {
          check_.error(roles[rn],
                       "role '" + rn + "' is bound, but printer '" + printer->name +
                           "' is a board that brings its own",
                       "no '" + rn + "' for a board printer");
        }
      }
    }
    const Device* router = bench.device_for(Role::kRouter);
    if (router && !router->network) {
      check_.error_at(router->pos, "device '" + router->name + "' is the router but has no 'network'",
                      "network: " + kNetworkShape);
    }
    check_same_medium(bench, roles);
    check_phone_traffic(bench);
  }

  // phone-traffic: radio needs a phone whose radio has a network namespace of its own on the bench's air:
  // a wpa_supplicant in a radio lab (the hwsim bench), with the printer's radio there too.
  void check_phone_traffic(const Bench& bench) {
    if (!phone_traffic_radio_at_) return;
    const Device* phone = bench.device_for(Role::kPhoneRadio);
    const Device* printer_radio = bench.device_for(Role::kPrinterRadio);
    const auto* p = phone ? std::get_if<WpaSupplicantBackend>(&phone->config) : nullptr;
    const auto* g = printer_radio ? std::get_if<WpaSupplicantBackend>(&printer_radio->config) : nullptr;
    if (!p || !p->radio_lab || !g || !g->radio_lab) {
      check_.error_at(*phone_traffic_radio_at_,
                      "'phone-traffic: radio' needs the phone's and the printer's radios in a radio lab (the "
                      "phone's requests leave from its network namespace there)",
                      "phone-radio and printer-radio: wpa_supplicant devices with 'radio-lab: <radio-lab "
                      "device>', or 'phone-traffic: loopback'");
    }
  }

  // Simulated and real media do not mix: a link-model phone cannot join a hostapd AP, a pn532-sim reader
  // cannot read a real tag.
  void check_same_medium(const Bench& bench, const YAML::Node& roles) {
    std::set<std::string> airs;
    bool real_radio = false;
    for (Role role : {Role::kPhoneRadio, Role::kPrinterRadio, Role::kRouter}) {
      const Device* d = bench.device_for(role);
      if (!d) continue;
      if (auto* lm = std::get_if<LinkModelBackend>(&d->config)) {
        airs.insert(lm->air);
      } else {
        real_radio = true;
      }
    }
    if ((real_radio && !airs.empty()) || airs.size() > 1) {
      check_.error(roles, "the bench's radios do not share a medium",
                   "phone-radio, printer-radio and router all link-model on one 'air', or all real radios");
    }
    const Device* reader = bench.device_for(Role::kPhoneReader);
    const Device* tag = bench.device_for(Role::kPrinterTag);
    if (reader && tag) {
      auto* r = std::get_if<Pn532SimBackend>(&reader->config);
      auto* t = std::get_if<Pn532SimBackend>(&tag->config);
      if ((r == nullptr) != (t == nullptr) || (r && t && r->field != t->field)) {
        check_.error(roles,
                     "phone-reader '" + reader->name + "' and printer-tag '" + tag->name +
                         "' cannot be in range of each other",
                     "both pn532-sim on the same 'field', or both real devices");
      }
    }
  }

  YamlChecker check_;
  std::set<std::string> broken_devices_;
  std::optional<SourcePos> phone_traffic_radio_at_;  // where a printerd says `phone-traffic: radio`
};

}  // namespace

Bench load_bench_text(const std::string& text, const std::string& source_name) {
  return BenchParser(source_name).parse(text);
}

Bench load_bench(const std::string& file_or_name) {
  const YamlSource source = resolve_source(file_or_name, "bench", embedded_benches());
  return load_bench_text(source.text, source.name);
}

}  // namespace tapbench::rig
