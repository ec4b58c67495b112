// Test helper for integration_firmware_port_sync_crash: a printer (PrinterRuntime on the Linux bindings,
// no NFC, link-model radio) against a real vendord, syncing and printing in a loop so that the test can
// kill -9 it at any instant — during a sync (S99–S111) or a page (S123).
// First run: issues itself a PT, writes it to SECRETS (0600, test use only: the product never writes tokens
// anywhere), registers (S53–S61), fetches an SVWT for the test's terminal and appends it to SECRETS, prints
// "registered". Every run then loops: sync → "synced P" (P = printable pages), print one page if P > 0 →
// "printed". A failed step prints its CoreError name (never a token) and the loop goes on.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "firmware-under-test/port/linux/bindings/printer_runtime.hpp"

using namespace tapbench::firmware;
using namespace tapbench::firmware::port;

namespace {
void say(const std::string& line) {
  const std::string l = line + "\n";
  if (::write(1, l.data(), l.size()) < 0) std::_Exit(5);
}
bool append_secret(const std::string& path, const std::string& token) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  if (fd < 0) return false;
  const std::string l = token + "\n";
  const bool ok = ::write(fd, l.data(), l.size()) == static_cast<ssize_t>(l.size()) && ::fsync(fd) == 0;
  return ::close(fd) == 0 && ok;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s STATE_DIR SERVER_URL SECRETS\n", argv[0]);
    return 64;
  }
  PrinterRuntimeOptions o;
  o.state_dir = argv[1];
  o.server_url = argv[2];
  o.core.device_id = "dv-sync-crash";
  o.server_timeout = std::chrono::seconds(5);
  PrinterRuntime rt(o);
  if (auto r = rt.start(false); !r) {
    std::fprintf(stderr, "start: %s\n", r.error().detail.c_str());
    return 3;
  }
  const Terminal me{"crash-helper", Link::local};
  std::string pt;
  std::ifstream(argv[3]) >> pt;
  if (!rt.with_core([](PrinterCore& c) { return c.snapshot().registered; })) {
    const std::string pwt = rt.with_core([](PrinterCore& c) { return c.current_pwt(); });
    auto issued = rt.with_core([&](PrinterCore& c) { return c.issue_pt(pwt, me); });
    if (!issued || !append_secret(argv[3], *issued)) return 4;
    pt = *issued;
    if (auto r = rt.with_core([&](PrinterCore& c) { return c.register_with_server(pt, me); }); !r) {
      std::fprintf(stderr, "register: %s\n", r.error().detail.c_str());
      return 4;
    }
    auto svwt = rt.with_core([&](PrinterCore& c) { return c.svwt_for_terminal(pt, me); });
    if (!svwt || !append_secret(argv[3], *svwt)) return 4;
    say("registered");
  }
  const std::vector<std::uint8_t> raster(256, 0x33);
  for (std::uint32_t n = 1;; ++n) {
    auto s = rt.with_core([&](PrinterCore& c) { return c.sync_with_server(pt, me); });
    if (!s) {
      say(std::string("sync failed ") + core_error_name(s.error().code));
      continue;
    }
    say("synced " + std::to_string(s->printable_pages));
    if (s->printable_pages == 0) continue;
    auto job = rt.with_core([&](PrinterCore& c) { return c.begin_job(pt, me); });
    if (!job) continue;
    hal::Page page;
    page.job_id = job->job_id;
    page.index = 1;
    page.data = raster;
    auto p = rt.with_core([&](PrinterCore& c) { return c.print_page(*job, page); });
    say(p ? "printed" : std::string("print failed ") + core_error_name(p.error().code));
  }
}
