// printerd: the reference printer firmware's Linux host port. This build runs the IPP side (PAPPL) over the
// interim FakePrintAuthority until the core's printer state machine lands (see docs/PRINTERD.md).
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "firmware-under-test/port/linux/fake_print_authority.hpp"
#include "firmware-under-test/port/linux/ipp_service.hpp"

namespace fs = std::filesystem;
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
      "printerd — tapbench reference printer firmware (Linux port): an IPP Everywhere printer on PAPPL with "
      "token-authorised printing, an exact page quota, ink supplies and router hand-over.\n"
      "Interim: tokens, pages and ink come from the options below (FakePrintAuthority) until the printer "
      "core "
      "lands; the count is not persisted across restarts."};
  app.set_config("--config", "", "Read options from an INI/TOML file (keys = long option names)");

  std::string state_dir;
  std::string listen = "127.0.0.1:8631";
  std::string log_file;
  std::string log_level = "info";
  std::string name = "tapbench printer";
  int max_active_jobs = 8;
  std::string tokens_file;
  std::uint32_t pages = 0;
  std::string ink = "cyan=100,magenta=100,yellow=100,black=100";
  unsigned ink_low = 10;
  unsigned ink_use = 0;
  std::string tls = "auto";

  app.add_option("--state-dir", state_dir, "State directory (spool/, output/, printerd.log, printerd.uri)")
      ->required();
  app.add_option("--listen", listen, "IPP listen address ADDR:PORT ([ADDR]:PORT for IPv6; port 0 = any free)")
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
  app.add_option("--fake-tokens", tokens_file,
                 "Interim token file: 'PRINCIPAL TOKEN' per line; principal 'pwt' may also hand over router "
                 "credentials. Keep it mode 0600.")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--pages", pages, "Interim: printable pages at start")->capture_default_str();
  app.add_option("--ink", ink, "Interim: ink levels COLOUR=PERCENT,...")->capture_default_str();
  app.add_option("--ink-low-percent", ink_low, "A colour below this percent is low (marker-supply-low)")
      ->capture_default_str()
      ->check(CLI::Range(0, 100));
  app.add_option("--ink-use-per-page", ink_use, "Interim: percent of each used colour one page consumes")
      ->capture_default_str()
      ->check(CLI::Range(0, 100));

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
  FakePrintAuthorityConfig config;
  auto tokens = load_fake_tokens(tokens_file, error);
  if (!tokens) {
    std::cerr << "printerd: " << error << "\n";
    return kExitUsage;
  }
  struct stat st {};
  if (stat(tokens_file.c_str(), &st) == 0 && (st.st_mode & 0077) != 0) {
    std::cerr << "printerd: warning: token file '" << tokens_file << "' is readable by others (chmod 600)\n";
  }
  auto levels = parse_ink_levels(ink, error);
  if (!levels) {
    std::cerr << "printerd: --ink: " << error << "\n";
    return kExitUsage;
  }
  config.tokens = std::move(*tokens);
  config.pages = pages;
  config.ink.levels = std::move(*levels);
  config.ink.low_percent = static_cast<std::uint8_t>(ink_low);
  config.ink_use_per_page = static_cast<std::uint8_t>(ink_use);

  std::error_code ec;
  fs::create_directories(state_dir, ec);
  if (ec) {
    std::cerr << "printerd: cannot create state directory '" << state_dir << "': " << ec.message() << "\n";
    return kExitFailure;
  }
  options.state_dir = fs::absolute(state_dir);
  options.log_file = log_file;
  options.printer_name = name;
  options.max_active_jobs = max_active_jobs;
  options.tls = tls == "on"    ? IppServiceOptions::Tls::on
                : tls == "off" ? IppServiceOptions::Tls::off
                               : IppServiceOptions::Tls::automatic;

  FakePrintAuthority authority(std::move(config));
  IppService service(options, authority);
  if (!service.start(error)) {
    std::cerr << "printerd: " << error << "\n";
    return kExitFailure;
  }
  const fs::path uri_file = options.state_dir / "printerd.uri";
  if (!write_atomically(uri_file, service.printer_uri())) {
    std::cerr << "printerd: cannot write '" << uri_file.string() << "'\n";
    return kExitFailure;
  }
  std::cerr << "printerd: serving " << service.printer_uri() << " (" << authority.remaining_pages()
            << " printable pages)\n";
  service.run();
  fs::remove(uri_file, ec);
  std::cerr << "printerd: stopped\n";
  return 0;
}
