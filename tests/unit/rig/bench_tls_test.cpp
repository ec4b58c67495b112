// The bench's TLS settings (docs/BENCH.md, "TLS"): the printer link's `tls` and `printer-cert-sha256`, a url
// server's `ca-file`, what each accepts and the errors a user gets; and the one rule that decides TLS for the
// printer link.
#include <doctest/doctest.h>

#include <string>

#include "rig/bench/bench_loader.hpp"

using namespace tapbench::rig;

namespace {

const std::string kBench =
    "bench: t\n"                                                    // 1
    "devices:\n"                                                    // 2
    "  - {name: phone-nfc, kind: nfc, backend: pn532-sim}\n"        // 3
    "  - {name: printer-nfc, kind: nfc, backend: pn532-sim}\n"      // 4
    "  - {name: phone-wifi, kind: radio, backend: link-model}\n"    // 5
    "  - {name: printer-wifi, kind: radio, backend: link-model}\n"  // 6
    "  - name: ap\n"                                                // 7
    "    kind: radio\n"                                             // 8
    "    backend: link-model\n"                                     // 9
    "    network: {ssid: home, passphrase: sim-passphrase}\n"       // 10
    "  - name: server\n"                                            // 11
    "    kind: server\n"                                            // 12
    "    backend: vendord\n"                                        // 13
    "  - name: dut\n"                                               // 14
    "    kind: printer\n"                                           // 15
    "    backend: printerd\n"                                       // 16
    "PRINTER_KEYS"                                                  // 17…
    "roles:\n"
    "  phone-reader: phone-nfc\n"
    "  printer-tag: printer-nfc\n"
    "  phone-radio: phone-wifi\n"
    "  printer-radio: printer-wifi\n"
    "  router: ap\n"
    "  server: server\n"
    "  printer: dut\n";

std::string with_printer_keys(const std::string& keys) {
  std::string text = kBench;
  text.replace(text.find("PRINTER_KEYS"), 12, keys);
  return text;
}

std::string errors_of(const std::string& text) {
  try {
    (void)load_bench_text(text, "t.yaml");
  } catch (const ValidationError& e) {
    return e.what();
  }
  return {};
}

const PrinterLink& link_of(const Bench& bench) {
  return std::get<PrinterdBackend>(bench.find_device("dut")->config).link;
}

const std::string kFingerprint =
    "5C:0B:1F:A2:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE";

}  // namespace

TEST_CASE("tls: auto by default; always and never as written; a pin in either hex form") {
  CHECK(link_of(load_bench_text(with_printer_keys(""), "t.yaml")).tls == PrinterTls::kAuto);
  CHECK_FALSE(link_of(load_bench_text(with_printer_keys(""), "t.yaml")).cert_sha256);
  CHECK(link_of(load_bench_text(with_printer_keys("    tls: always\n"), "t.yaml")).tls ==
        PrinterTls::kAlways);
  CHECK(link_of(load_bench_text(with_printer_keys("    tls: never\n"), "t.yaml")).tls == PrinterTls::kNever);
  std::string bare;
  for (char c : kFingerprint)
    if (c != ':') bare.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  const auto link = link_of(load_bench_text(
      with_printer_keys("    tls: always\n    printer-cert-sha256: " + bare + "\n"), "t.yaml"));
  REQUIRE(link.cert_sha256);
  CHECK(*link.cert_sha256 == kFingerprint);
}

TEST_CASE("a wrong tls value or fingerprint is an error at its file:line:column") {
  auto e = errors_of(with_printer_keys("    tls: alway\n"));
  CHECK(e.find("t.yaml:17:10: error:") != std::string::npos);
  CHECK(e.find("auto, always, never") != std::string::npos);
  CHECK(e.find("did you mean 'always'?") != std::string::npos);

  e = errors_of(with_printer_keys("    printer-cert-sha256: AB:CD\n"));
  CHECK(e.find("t.yaml:17:26: error: 'printer-cert-sha256' in device 'dut' is not a SHA-256 fingerprint: "
               "'AB:CD'") != std::string::npos);
  CHECK(e.find("32 hex bytes") != std::string::npos);

  e = errors_of(with_printer_keys("    tls: never\n    printer-cert-sha256: " + kFingerprint + "\n"));
  CHECK(e.find("t.yaml:18:26: error: 'printer-cert-sha256' in device 'dut' has no use with 'tls: never'") !=
        std::string::npos);
}

TEST_CASE("ca-file belongs to an https:// url server") {
  const std::string https =
      "  - name: server\n    kind: server\n    backend: url\n    url: https://vendor.example:8443\n"
      "    ca-file: /etc/lab/ca.pem\n";
  const std::string vendord = "  - name: server\n    kind: server\n    backend: vendord\n";
  std::string text = with_printer_keys("");
  text.replace(text.find(vendord), vendord.size(), https);
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
          "t.yaml:15:14: error: 'ca-file' in device 'server' has no use: the server's URL is not https://") !=
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
