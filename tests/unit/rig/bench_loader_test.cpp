#include <doctest/doctest.h>

#include <string>

#include "rig/bench/bench_loader.hpp"

using namespace tapbench::rig;

namespace {

// Line numbers matter: the tests below check file:line:column.
const std::string kBase =
    "bench: t\n"                                               // 1
    "devices:\n"                                               // 2
    "  - name: phone-nfc\n"                                    // 3
    "    kind: nfc\n"                                          // 4
    "    backend: pn532-sim\n"                                 // 5
    "  - name: printer-nfc\n"                                  // 6
    "    kind: nfc\n"                                          // 7
    "    backend: pn532-sim\n"                                 // 8
    "  - name: phone-wifi\n"                                   // 9
    "    kind: radio\n"                                        // 10
    "    backend: link-model\n"                                // 11
    "  - name: printer-wifi\n"                                 // 12
    "    kind: radio\n"                                        // 13
    "    backend: link-model\n"                                // 14
    "  - name: ap\n"                                           // 15
    "    kind: radio\n"                                        // 16
    "    backend: link-model\n"                                // 17
    "    network: {ssid: home, passphrase: sim-passphrase}\n"  // 18
    "  - name: server\n"                                       // 19
    "    kind: server\n"                                       // 20
    "    backend: vendord\n"                                   // 21
    "  - name: dut\n"                                          // 22
    "    kind: printer\n"                                      // 23
    "    backend: printerd\n"                                  // 24
    "roles:\n"                                                 // 25
    "  phone-reader: phone-nfc\n"                              // 26
    "  printer-tag: printer-nfc\n"                             // 27
    "  phone-radio: phone-wifi\n"                              // 28
    "  printer-radio: printer-wifi\n"                          // 29
    "  router: ap\n"                                           // 30
    "  server: server\n"                                       // 31
    "  printer: dut\n";                                        // 32

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto pos = text.find(from);
  REQUIRE_MESSAGE(pos != std::string::npos, from);
  text.replace(pos, from.size(), to);
  return text;
}

// The whole error text a user would see for `text`; empty if it loads.
std::string errors_of(const std::string& text) {
  try {
    (void)load_bench_text(text, "t.yaml");
  } catch (const ValidationError& e) {
    return e.what();
  }
  return {};
}

bool has(const std::string& haystack, const std::string& needle) {
  const bool found = haystack.find(needle) != std::string::npos;
  if (!found) MESSAGE("missing: " << needle << "\nin:\n" << haystack);
  return found;
}

// The base bench with `keys` added to its printerd device (from line 25 on).
std::string printer_with(const std::string& keys) {
  return replaced(kBase, "    backend: printerd\n", "    backend: printerd\n" + keys);
}

const PrinterLink& link_of(const Bench& bench) {
  return std::get<PrinterdBackend>(bench.find_device("dut")->config).link;
}

const std::string kFingerprint =
    "5C:0B:1F:A2:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE";

}  // namespace

TEST_CASE("the base bench loads with every role bound") {
  const Bench bench = load_bench_text(kBase, "t.yaml");
  CHECK(bench.name == "t");
  CHECK(bench.devices.size() == 7);
  REQUIRE(bench.device_for(Role::kPhoneReader) != nullptr);
  CHECK(bench.device_for(Role::kPhoneReader)->name == "phone-nfc");
  CHECK(bench.device_for(Role::kPrinterPower) == nullptr);
  REQUIRE(bench.device_for(Role::kRouter)->network.has_value());
  CHECK(bench.device_for(Role::kRouter)->network->ssid == "home");
  CHECK(bench.device_for(Role::kRouter)->network->channel == 6);
  CHECK(bench.simulated());
}

TEST_CASE("the fixture benches are compiled in and valid") {
  const Bench sim = load_bench("sim");
  CHECK(sim.name == "sim");
  CHECK(sim.source == "fixtures/benches/sim.yaml (embedded)");
  CHECK(sim.simulated());
  CHECK(std::get<Pn532SimBackend>(sim.device_for(Role::kPrinterTag)->config).field == "tap");

  const Bench hwsim = load_bench("hwsim");
  CHECK_FALSE(hwsim.simulated());
  const auto& ap = std::get<HostapdBackend>(hwsim.device_for(Role::kRouter)->config);
  CHECK(ap.interface == "wlan0");
  CHECK(ap.radio_lab == "radio-lab");
  CHECK(std::get<QemuHwsimBackend>(hwsim.find_device("radio-lab")->config).radios ==
        4);  // radio-lab-up: router, phone, printer P2P, printer station

  const Bench lab = load_bench("lab-example");
  const auto& reader = std::get<UsbReaderBackend>(lab.device_for(Role::kPhoneReader)->config);
  CHECK(reader.port == "1-2.3");
  CHECK(reader.vendor_id == 0x072f);
  CHECK(reader.product_id == 0x2200);
  CHECK(lab.device_for(Role::kPrinterTag) == nullptr);
  CHECK(std::get<BoardBackend>(lab.device_for(Role::kPrinter)->config).address == "192.168.50.20:8631");
  CHECK(std::get<UsbHubPortBackend>(lab.device_for(Role::kPrinterPower)->config).port == 4);
  CHECK(lab.device_for(Role::kRouter)->network->passphrase_env == "TAPBENCH_LAB3_PSK");
}

TEST_CASE("an unknown key is an error at its position, with a did-you-mean") {
  const auto e = errors_of(replaced(kBase, "    backend: pn532-sim\n  - name: printer-nfc",
                                    "    backend: pn532-sim\n    feild: tap\n  - name: printer-nfc"));
  CHECK(has(e, "t.yaml:6:5: error: unknown key 'feild' in device 'phone-nfc'"));
  CHECK(has(e, "did you mean 'field'?"));
  CHECK(has(e, "expected: one of: name, kind, backend, description, baud, field"));
}

TEST_CASE("a key of another backend says which backend it belongs to") {
  const auto e = errors_of(
      replaced(kBase, "    backend: pn532-sim\n  - name: printer-nfc",
               "    backend: pn532-sim\n    connstring: pn532_uart:/dev/ttyUSB0\n  - name: printer-nfc"));
  CHECK(has(e, "t.yaml:6:5: error: unknown key 'connstring' in device 'phone-nfc'"));
  CHECK(has(e, "'connstring' belongs to backend 'libnfc', this device's backend is 'pn532-sim'"));
}

TEST_CASE("an unknown backend lists the backends of the kind") {
  auto e = errors_of(replaced(kBase, "backend: vendord", "backend: vendor"));
  CHECK(has(e, "t.yaml:21:14: error: unknown backend 'vendor' for device 'server' (kind server)"));
  CHECK(has(e, "expected: one of: vendord, url"));
  CHECK(has(e, "did you mean 'vendord'?"));
  e = errors_of(replaced(kBase, "backend: vendord", "backend: hostapd"));
  CHECK(has(e, "'hostapd' is a backend for radio devices, not server"));
}

TEST_CASE("wrong types and missing required keys name the expected shape") {
  auto e = errors_of(replaced(kBase, "    backend: vendord\n", "    backend: vendord\n    port: eighty\n"));
  CHECK(has(e, "t.yaml:22:11: error: 'port' in device 'server' must be a whole number, found 'eighty'"));
  CHECK(has(e, "expected: a whole number from 0 to 65535"));

  e = errors_of(replaced(kBase, "    kind: printer\n", ""));
  CHECK(has(e, "t.yaml:22:5: error: device 'dut' is missing the required key 'kind'"));

  e = errors_of(replaced(kBase, "network: {ssid: home, passphrase: sim-passphrase}", "network: home"));
  CHECK(has(e, "t.yaml:18:14: error: 'network' of device 'ap' must be a mapping, found 'home'"));

  e = errors_of(replaced(kBase, "passphrase: sim-passphrase", "passphrase: short"));
  CHECK(has(e, "has 5 characters"));
  CHECK(e.find("short") == std::string::npos);  // a passphrase is never echoed
}

TEST_CASE("duplicate device names point at both declarations") {
  const auto e = errors_of(replaced(kBase, "  - name: dut\n", "  - name: server\n"));
  CHECK(has(e, "t.yaml:22:11: error: duplicate device name 'server' (first declared at t.yaml:19:5)"));
}

TEST_CASE("roles bound to missing devices, to the wrong kind, or not at all") {
  auto e = errors_of(replaced(kBase, "printer: dut", "printer: dutt"));
  CHECK(
      has(e, "t.yaml:32:12: error: role 'printer' is bound to 'dutt', which is not a device of this bench"));
  CHECK(has(e, "did you mean 'dut'?"));

  e = errors_of(replaced(kBase, "router: ap", "router: server"));
  CHECK(has(e, "role 'router' needs a device of kind radio, but 'server' is of kind server"));

  e = errors_of(replaced(kBase, "  router: ap\n", ""));
  CHECK(has(e, "t.yaml:26:3: error: role 'router' is not bound to a device"));

  e = errors_of(replaced(kBase, "  phone-reader: phone-nfc\n", "  phone-readr: phone-nfc\n"));
  CHECK(has(e, "unknown key 'phone-readr' in 'roles'"));
  CHECK(has(e, "did you mean 'phone-reader'?"));

  e = errors_of(replaced(kBase, "printer-tag: printer-nfc", "printer-tag: phone-nfc"));
  CHECK(has(e, "device 'phone-nfc' is bound to two roles: 'phone-reader' and 'printer-tag'"));
}

TEST_CASE("simulated and real media do not mix") {
  auto e = errors_of(replaced(kBase, "  - name: ap\n    kind: radio\n    backend: link-model\n",
                              "  - name: ap\n    kind: radio\n    backend: hostapd\n    interface: wlan0\n"));
  CHECK(has(e, "the bench's radios do not share a medium"));
  e = errors_of(replaced(kBase, "  - name: printer-nfc\n    kind: nfc\n    backend: pn532-sim\n",
                         "  - name: printer-nfc\n    kind: nfc\n    backend: pn532-sim\n    field: other\n"));
  CHECK(has(e, "phone-reader 'phone-nfc' and printer-tag 'printer-nfc' cannot be in range of each other"));
}

TEST_CASE("every problem of a file is reported at once") {
  std::string text = replaced(kBase, "backend: vendord", "backend: vendor");
  text = replaced(text, "printer: dut", "printer: dutt");
  text = replaced(text, "bench: t\n", "bench: t\nversoin: 1\n");
  try {
    (void)load_bench_text(text, "t.yaml");
    FAIL("expected a ValidationError");
  } catch (const ValidationError& e) {
    CHECK(e.issues().size() == 3);
    CHECK(has(e.what(), "did you mean 'version'?"));
  }
}

TEST_CASE("not YAML, not a mapping, empty") {
  CHECK(has(errors_of("bench: [\n"), "t.yaml:2:1: error: not valid YAML"));
  CHECK(has(errors_of("- a\n- b\n"), "t.yaml:1:1: error: a bench file must be a mapping, found a list"));
  CHECK(has(errors_of(""), "t.yaml:1:1: error: the file is empty"));
}

TEST_CASE("a bench argument is a path or a built-in name") {
  CHECK_THROWS_WITH_AS(load_bench("simm"),
                       "no bench named 'simm': not a file, and not one of the built-in benches (sim, hwsim, "
                       "lab-example); did you mean 'sim'?",
                       InputError);
  CHECK_THROWS_WITH_AS(load_bench("/nonexistent/bench.yaml"),
                       "cannot read bench file '/nonexistent/bench.yaml': no such file", InputError);
}

// The bench's TLS settings (docs/BENCH.md, "TLS"): the printer link's tls and printer-cert-sha256, a url
// server's ca-file, and the one rule that decides TLS for the printer link.
TEST_CASE("tls: auto by default; always and never as written; a pin in either hex form") {
  CHECK(link_of(load_bench_text(kBase, "t.yaml")).tls == PrinterTls::kAuto);
  CHECK_FALSE(link_of(load_bench_text(kBase, "t.yaml")).cert_sha256);
  CHECK(link_of(load_bench_text(printer_with("    tls: always\n"), "t.yaml")).tls == PrinterTls::kAlways);
  CHECK(link_of(load_bench_text(printer_with("    tls: never\n"), "t.yaml")).tls == PrinterTls::kNever);
  std::string bare;
  for (char c : kFingerprint)
    if (c != ':') bare.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  const auto link = link_of(
      load_bench_text(printer_with("    tls: always\n    printer-cert-sha256: " + bare + "\n"), "t.yaml"));
  REQUIRE(link.cert_sha256);
  CHECK(*link.cert_sha256 == kFingerprint);
}

TEST_CASE("a wrong tls value or fingerprint is an error at its file:line:column") {
  auto e = errors_of(printer_with("    tls: alway\n"));
  CHECK(e.find("t.yaml:25:10: error:") != std::string::npos);
  CHECK(e.find("auto, always, never") != std::string::npos);
  CHECK(e.find("did you mean 'always'?") != std::string::npos);

  e = errors_of(printer_with("    printer-cert-sha256: AB:CD\n"));
  CHECK(e.find("t.yaml:25:26: error: 'printer-cert-sha256' in device 'dut' is not a SHA-256 fingerprint: "
               "'AB:CD'") != std::string::npos);
  CHECK(e.find("32 hex bytes") != std::string::npos);

  e = errors_of(printer_with("    tls: never\n    printer-cert-sha256: " + kFingerprint + "\n"));
  CHECK(e.find("t.yaml:26:26: error: 'printer-cert-sha256' in device 'dut' has no use with 'tls: never'") !=
        std::string::npos);
}

TEST_CASE("ca-file belongs to an https:// url server") {
  const std::string https =
      "  - name: server\n    kind: server\n    backend: url\n    url: https://vendor.example:8443\n"
      "    ca-file: /etc/lab/ca.pem\n";
  const std::string text =
      replaced(kBase, "  - name: server\n    kind: server\n    backend: vendord\n", https);
  // A url server cannot run the flows on the sim strategy, but the bench itself is valid.
  const Bench bench = load_bench_text(text, "t.yaml");
  const auto& url = std::get<UrlServerBackend>(bench.find_device("server")->config);
  REQUIRE(url.ca_file);
  CHECK(*url.ca_file == "/etc/lab/ca.pem");

  std::string plain = text;
  plain.replace(plain.find("https://"), 8, "http://");
  const auto e = errors_of(plain);
  CHECK(
      e.find(
          "t.yaml:23:14: error: 'ca-file' in device 'server' has no use: the server's URL is not https://") !=
      std::string::npos);
}

TEST_CASE("printer_link_uses_tls: auto = TLS unless the printer's address is loopback") {
  CHECK_FALSE(printer_link_uses_tls(PrinterTls::kAuto, "127.0.0.1"));
  CHECK_FALSE(printer_link_uses_tls(PrinterTls::kAuto, "127.1.2.3"));
  CHECK_FALSE(printer_link_uses_tls(PrinterTls::kAuto, "::1"));
  CHECK_FALSE(printer_link_uses_tls(PrinterTls::kAuto, "[::1]"));
  CHECK_FALSE(printer_link_uses_tls(PrinterTls::kAuto, "localhost"));
  CHECK(printer_link_uses_tls(PrinterTls::kAuto, "192.168.49.1"));
  CHECK(printer_link_uses_tls(PrinterTls::kAuto, "printer.lab.example"));
  CHECK(printer_link_uses_tls(PrinterTls::kAlways, "127.0.0.1"));
  CHECK_FALSE(printer_link_uses_tls(PrinterTls::kNever, "192.168.49.1"));
}

namespace {

// kBase with the radios in a radio lab (as fixtures/benches/hwsim.yaml), `keys` added to its printerd.
std::string lab_printer_with(const std::string& keys) {
  std::string text = printer_with(keys);
  text = replaced(text, "  - name: phone-wifi\n    kind: radio\n    backend: link-model\n",
                  "  - name: phone-wifi\n    kind: radio\n    backend: wpa_supplicant\n    interface: wlan1\n"
                  "    radio-lab: lab\n");
  text =
      replaced(text, "  - name: printer-wifi\n    kind: radio\n    backend: link-model\n",
               "  - name: printer-wifi\n    kind: radio\n    backend: wpa_supplicant\n    interface: wlan2\n"
               "    radio-lab: lab\n");
  text = replaced(text, "  - name: ap\n    kind: radio\n    backend: link-model\n",
                  "  - name: ap\n    kind: radio\n    backend: hostapd\n    interface: wlan0\n"
                  "    radio-lab: lab\n");
  return replaced(text, "devices:\n",
                  "devices:\n  - name: lab\n    kind: radio-lab\n    backend: qemu-hwsim\n");
}

PhoneTraffic traffic_of(const Bench& bench) {
  return std::get<PrinterdBackend>(bench.find_device("dut")->config).phone_traffic;
}

}  // namespace

TEST_CASE("phone-traffic: loopback by default; radio on a radio-lab bench") {
  CHECK(traffic_of(load_bench_text(kBase, "t.yaml")) == PhoneTraffic::kLoopback);
  CHECK(traffic_of(load_bench("hwsim")) == PhoneTraffic::kLoopback);
  CHECK(traffic_of(load_bench_text(lab_printer_with("    phone-traffic: radio\n"), "t.yaml")) ==
        PhoneTraffic::kRadio);
  CHECK(traffic_of(load_bench_text(lab_printer_with("    phone-traffic: loopback\n"), "t.yaml")) ==
        PhoneTraffic::kLoopback);
  CHECK(to_string(PhoneTraffic::kRadio) == "radio");
}

TEST_CASE("a wrong phone-traffic is an error at its file:line:column") {
  auto e = errors_of(printer_with("    phone-traffic: radoi\n"));
  CHECK(has(e, "t.yaml:25:20: error: unknown phone-traffic 'radoi' in device 'dut'"));
  CHECK(has(e, "loopback, radio"));
  CHECK(has(e, "did you mean 'radio'?"));

  // link-model radios: the phone has no namespace of its own for its requests to leave from
  e = errors_of(printer_with("    phone-traffic: radio\n"));
  CHECK(has(e,
            "t.yaml:25:20: error: 'phone-traffic: radio' needs the phone's and the printer's radios in a "
            "radio lab"));

  // printerd refuses a phone on its group in clear (426)
  e = errors_of(lab_printer_with("    phone-traffic: radio\n    tls: never\n"));
  CHECK(has(e, "error: 'phone-traffic: radio' in device 'dut' cannot go with 'tls: never'"));
  CHECK(has(e, "426"));
}
