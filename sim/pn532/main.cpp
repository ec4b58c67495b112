// pn532-sim: emulated PN532 chips on pseudo-terminals, opened by libnfc's own pn532_uart driver.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>

#include "sim/pn532/control_server.hpp"
#include "sim/pn532/simulator.hpp"

namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) {
  g_stop = true;
}

const char* kUsage =
    "usage: pn532-sim --link PATH [--link PATH ...] [options]\n"
    "\n"
    "Emulates PN532 NFC controllers on pseudo-terminals. Each --link creates one chip and a symlink PATH to\n"
    "its pty: open it with libnfc as pn532_uart:PATH. All chips and tags share one RF field: a chip in\n"
    "initiator mode (a reader) finds the built-in tag and any chip in target mode (card emulation).\n"
    "\n"
    "options:\n"
    "  --link PATH            add a chip; its card name in the field is basename(PATH)\n"
    "  --tag-ndef FILE        put a built-in NFC Forum Type 4 Tag holding FILE's NDEF message in the field\n"
    "  --tag-name NAME        the built-in tag's name (default: tag)\n"
    "  --tag-uid HEX          its UID (4, 7 or 10 bytes; default 04544e4300 01 style)\n"
    "  --tag-writable         accept UPDATE BINARY\n"
    "  --tag-mle N            MLe announced in the tag's CC (15..256, default 255)\n"
    "  --absent NAME          start with card NAME out of the field (repeatable)\n"
    "  --control PATH         control socket (default: first link + \".ctl\"); see docs/NFC-SIM.md\n"
    "  --baud N               pace the UART at N baud (e.g. 115200); default unpaced\n"
    "  --air-pacing           pace RF exchanges at 106 kbit/s\n"
    "  --target-timeout MS    how long a reader waits for a target chip's host to answer (default 2000)\n"
    "  --frame-log FILE       also append every frame log line to FILE ('-' = stderr)\n"
    "  --help                 this text\n"
    "\n"
    "Prints one line 'ready ...' on stdout once every link exists; stops on SIGINT/SIGTERM or 'quit'.\n";

int usage_error(const std::string& msg) {
  std::cerr << "pn532-sim: " << msg << "\n(try --help)\n";
  return 64;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tapbench::sim::pn532;
  std::vector<std::string> links, absent;
  std::string tag_file, tag_name = "tag", tag_uid, control, frame_log;
  tapbench::nfc::Type4TagConfig tag_cfg;
  ChipOptions chip_options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&](const char* what) -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(std::string(arg) + " needs " + what);
      return argv[++i];
    };
    try {
      if (arg == "--help" || arg == "-h") {
        std::cout << kUsage;
        return 0;
      } else if (arg == "--link") {
        links.push_back(value("a path"));
      } else if (arg == "--tag-ndef") {
        tag_file = value("a file");
      } else if (arg == "--tag-name") {
        tag_name = value("a name");
      } else if (arg == "--tag-uid") {
        tag_uid = value("hex bytes");
      } else if (arg == "--tag-writable") {
        tag_cfg.writable = true;
      } else if (arg == "--tag-mle") {
        tag_cfg.mle = static_cast<std::uint16_t>(std::stoul(value("a number")));
      } else if (arg == "--absent") {
        absent.push_back(value("a card name"));
      } else if (arg == "--control") {
        control = value("a path");
      } else if (arg == "--baud") {
        chip_options.uart_baud = static_cast<unsigned>(std::stoul(value("a baud rate")));
      } else if (arg == "--air-pacing") {
        chip_options.air_pacing = true;
      } else if (arg == "--target-timeout") {
        chip_options.target_answer_timeout = std::chrono::milliseconds(std::stoul(value("milliseconds")));
      } else if (arg == "--frame-log") {
        frame_log = value("a file");
      } else {
        return usage_error("unknown option " + arg);
      }
    } catch (const std::invalid_argument& e) {
      return usage_error(e.what());
    } catch (const std::out_of_range&) {
      return usage_error("number out of range for " + arg);
    }
  }
  if (links.empty()) return usage_error("at least one --link PATH is required");
  if (control.empty()) control = links.front() + ".ctl";

  const auto is_absent = [&](const std::string& n) {
    for (auto& a : absent)
      if (a == n) return true;
    return false;
  };

  struct sigaction sa {};
  sa.sa_handler = on_signal;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  try {
    Simulator sim(chip_options);
    int log_fd = -1;
    if (frame_log == "-") {
      sim.log().set_mirror_fd(STDERR_FILENO);
    } else if (!frame_log.empty()) {
      log_fd = ::open(frame_log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      if (log_fd < 0)
        throw std::runtime_error("cannot open frame log " + frame_log + ": " + std::strerror(errno));
      sim.log().set_mirror_fd(log_fd);
    }
    std::string ready = "ready";
    for (const auto& link : links) {
      auto& chip = sim.add_chip_on_pty(link);
      const bool placed = !is_absent(chip.name());
      if (!placed) {
        std::lock_guard lock(sim.field().mutex());
        sim.field().remove_locked(chip.name());
      }
      ready += " " + chip.name() + "=" + link + "(" + sim.device_path(chip.name()) + ")";
    }
    if (!tag_file.empty()) {
      std::ifstream f(tag_file, std::ios::binary);
      if (!f) throw std::runtime_error("cannot read --tag-ndef file " + tag_file);
      std::vector<std::uint8_t> ndef(std::istreambuf_iterator<char>(f), {});
      std::vector<std::uint8_t> uid = tag_uid.empty() ? std::vector<std::uint8_t>{} : parse_hex(tag_uid);
      sim.add_tag(tag_name, ndef, tag_cfg, uid, !is_absent(tag_name));
      ready += " " + tag_name + "=" + std::to_string(ndef.size()) + "B";
    }
    ControlServer server(sim, control);
    ready += " control=" + control;
    std::cout << ready << std::endl;
    while (!g_stop && !sim.quit_requested())
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    sim.stop();
    if (log_fd >= 0) ::close(log_fd);
  } catch (const std::exception& e) {
    std::cerr << "pn532-sim: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
