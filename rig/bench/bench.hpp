// A bench: the devices on one rig host and which device plays which role of the patent's system
// (docs/BENCH.md). labgrid's layering: this is the resource layer (what exists and how to reach it); drivers/
// opens them and strategies bring them into a state. Loaded and validated by bench_loader.hpp.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "rig/bench/yaml_check.hpp"

namespace tapbench::rig {

enum class DeviceKind { kNfc, kRadio, kRadioLab, kServer, kPrinter, kPower };
std::string_view to_string(DeviceKind kind);  // "nfc", "radio", "radio-lab", "server", "printer", "power"

// --- NFC devices: a reader (initiator) for the phone, a tag frontend (target) for the printer --------------
struct LibnfcBackend {  // backend: libnfc — any libnfc connstring ("pn532_uart:/dev/ttyUSB0", "acr122_usb")
  std::string connstring;
};
struct UsbReaderBackend {  // backend: usb — a USB reader pinned by where it is plugged (drivers/usb identity)
  std::optional<std::string> port;    // port path "1-2.3" (stable while the reader stays in that socket)
  std::optional<std::string> serial;  // iSerialNumber, when the reader has one
  std::optional<std::uint16_t> vendor_id;
  std::optional<std::uint16_t> product_id;
};
struct Pn532SimBackend {  // backend: pn532-sim — an emulated PN532 on a pty, opened by libnfc's pn532_uart
  std::string field = "default";     // devices on the same field are in RF range of each other
  std::optional<std::int64_t> baud;  // pace the emulated UART (wire time); unpaced when absent
};

// --- Radios: the phone's station, the printer's P2P GO + station, the router's AP -------------------------
struct Network {  // what an access point role offers (router): also what the phone hands over (S25)
  std::string ssid;
  std::optional<std::string> passphrase;  // in the file (simulated benches)
  std::optional<std::string>
      passphrase_env;  // or from the environment (lab benches: keep secrets out of git)
  int channel = 6;
};
struct LinkModelBackend {       // backend: link-model — drivers/wifi's modelled links (sim bench)
  std::string air = "default";  // radios on the same air can see each other
};
struct WpaSupplicantBackend {            // backend: wpa_supplicant — a real supplicant's control socket
  std::string interface;                 // "wlan1"
  std::optional<std::string> ctrl_dir;   // default /run/wpa_supplicant
  std::optional<std::string> radio_lab;  // name of a radio-lab device when the daemon runs inside the VM
};
struct HostapdBackend {  // backend: hostapd — a real hostapd (router AP)
  std::string interface;
  std::optional<std::string> ctrl_dir;  // default /run/hostapd
  std::optional<std::string> radio_lab;
};
struct QemuHwsimBackend {  // backend: qemu-hwsim — the radio lab VM (mac80211_hwsim, sim/radio-lab)
  int radios = 3;
  std::string accel = "tcg";  // tcg | kvm | auto
  int memory_mb = 1024;
  std::optional<std::string> kernel;  // vmlinuz; default: the one the radio lab builds
};

// --- Parties
// ------------------------------------------------------------------------------------------------
struct VendordBackend {               // backend: vendord — the rig starts a local vendor server
  std::optional<std::string> binary;  // default: the vendord built next to tapbench, then PATH
  int port = 0;                       // 0: a free port picked at run time
  std::string database = ":memory:";  // SQLite path, or :memory:
};
struct UrlServerBackend {  // backend: url — an already running server
  std::string url;
  std::optional<std::string> ca_file;  // https: CA certificates (PEM) to verify it by, else the system store
};
// How the phone reaches the printer (JSON API and IPP alike): `tls: auto | always | never`.
enum class PrinterTls { kAuto, kAlways, kNever };
std::string_view to_string(PrinterTls tls);  // "auto", "always", "never"
struct PrinterLink {
  PrinterTls tls = PrinterTls::kAuto;
  // printer-cert-sha256: the printer's certificate pinned up front ("AB:CD:…", 32 bytes); else trust on
  // first use (the run's first TLS connection pins it).
  std::optional<std::string> cert_sha256;
};
// The one decision "TLS or not" for the printer link, shared by the JSON API and IPP: `always` / `never` as
// said; `auto` = TLS unless `host` is a loopback address (127.0.0.0/8, ::1, localhost) — what a phone on the
// Wi-Fi Direct group must do: printerd, like any IPP Everywhere printer, answers 426 Upgrade Required to a
// non-loopback client in clear.
bool printer_link_uses_tls(PrinterTls tls, std::string_view host);

// How the phone's requests to a local printerd travel (`phone-traffic`, docs/BENCH.md): `loopback` (default)
// — the rig's clients talk to printerd on 127.0.0.1, standing for the phone on the group; `radio` (hostapd /
// wpa_supplicant radios in a radio lab only) — printerd also serves on its Wi-Fi Direct group's address and
// the phone's JSON API and IPP connections are made from the phone's network namespace, over its radio.
enum class PhoneTraffic { kLoopback, kRadio };
std::string_view to_string(PhoneTraffic traffic);  // "loopback", "radio"

struct PrinterdBackend {  // backend: printerd — the rig starts the reference firmware locally
  std::optional<std::string> binary;
  int port = 0;
  std::optional<std::string> state_dir;  // default: inside the run folder
  PrinterLink link;                      // printerd listens on 127.0.0.1: auto = plain HTTP
  PhoneTraffic phone_traffic = PhoneTraffic::kLoopback;
};
struct BoardBackend {   // backend: board — printerd (or a vendor printer) on its own board
  std::string address;  // host:port of its control API
  PrinterLink link;
};

// --- Power
// ----------------------------------------------------------------------------------------------------
struct UsbHubPortBackend {  // backend: usb-hub-port — power-cycle through a hub port (drivers/usb/hub_power)
  std::string hub;          // port path of the hub itself, "1-2"
  int port = 0;             // downstream port number, 1-based
};
struct NoPowerBackend {};  // backend: none — no power control (resets become process restarts)

using DeviceBackend =
    std::variant<LibnfcBackend, UsbReaderBackend, Pn532SimBackend, LinkModelBackend, WpaSupplicantBackend,
                 HostapdBackend, QemuHwsimBackend, VendordBackend, UrlServerBackend, PrinterdBackend,
                 BoardBackend, UsbHubPortBackend, NoPowerBackend>;

struct Device {
  std::string name;
  DeviceKind kind = DeviceKind::kNfc;
  std::string backend;  // the backend's YAML name, e.g. "pn532-sim"
  DeviceBackend config;
  std::optional<Network> network;  // radios acting as an access point (router)
  std::string description;
  SourcePos pos;  // where it was declared
};

// The roles of the patent's system that a bench must fill.
enum class Role {
  kPhoneReader,   // terminal 10's NFC (initiator)
  kPrinterTag,    // printer 20's NFC tag frontend (target) — only when the rig runs printerd itself
  kPhoneRadio,    // terminal 10's Wi-Fi station
  kPrinterRadio,  // printer 20's Wi-Fi (P2P GO + station) — only when the rig runs printerd itself
  kRouter,        // access point 2
  kServer,        // server 30
  kPrinter,       // printer 20: the device under test
  kPrinterPower,  // power control of the printer or its reader (optional)
};
inline constexpr std::array<Role, 8> kAllRoles = {Role::kPhoneReader,  Role::kPrinterTag,  Role::kPhoneRadio,
                                                  Role::kPrinterRadio, Role::kRouter,      Role::kServer,
                                                  Role::kPrinter,      Role::kPrinterPower};
std::string_view to_string(Role role);  // "phone-reader" …
DeviceKind role_kind(Role role);        // the kind of device a role needs

struct Bench {
  std::string name;
  std::string description;
  std::string source;  // file it came from ("fixtures/benches/sim.yaml (embedded)")
  std::vector<Device> devices;
  std::map<Role, std::string> roles;  // role → device name

  const Device* find_device(std::string_view name) const;
  // The device bound to `role`, or null when the role is not bound (only printer-tag/radio/power may be).
  const Device* device_for(Role role) const;
  // True when every device is simulated (no root, no hardware): pn532-sim, link-model, local parties.
  bool simulated() const;
};

}  // namespace tapbench::rig
