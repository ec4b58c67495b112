// The emulator: one process hosting several PN532 chips (each on its own pty + symlink) and built-in
// Type 4 Tags, all sharing one RF field. execute() implements the control channel's line commands
// (docs/NFC-SIM.md); the pn532-sim executable and in-process tests both drive it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "drivers/nfc/type4_tag.hpp"
#include "sim/pn532/chip.hpp"
#include "sim/pn532/frame_log.hpp"
#include "sim/pn532/rf_field.hpp"
#include "sim/pn532/type4_card.hpp"

namespace tapbench::sim::pn532 {

class Simulator {
 public:
  explicit Simulator(ChipOptions chip_options = {});
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  // A chip on a fresh pty, reachable as pn532_uart:<link_path>. Its card name defaults to the link's
  // basename.
  Pn532Chip& add_chip_on_pty(const std::string& link_path, std::string name = "", bool placed = true);
  // A chip on an existing byte-stream fd (owned), e.g. one end of a socketpair in unit tests.
  Pn532Chip& add_chip_on_fd(std::string name, int fd, bool placed = true);
  // A built-in Type 4 Tag. Throws std::invalid_argument for a bad UID or an NDEF message that does not fit.
  BuiltinType4Card& add_tag(std::string name, const std::vector<std::uint8_t>& ndef,
                            nfc::Type4TagConfig config = {}, std::vector<std::uint8_t> uid = {},
                            bool placed = true);

  // Runs one control command; returns the reply: data lines, then a final "ok[ ...]" or "error: ..." line.
  std::string execute(const std::string& line);
  bool quit_requested() const { return quit_; }

  FrameLog& log() { return log_; }
  Field& field() { return field_; }
  Pn532Chip* chip(const std::string& name);
  // Slave device path (/dev/pts/N) of a chip created by add_chip_on_pty.
  std::string device_path(const std::string& name) const;
  void stop();

 private:
  struct ChipEntry {
    std::unique_ptr<Pn532Chip> chip;
    std::string link, device;
  };
  ChipOptions chip_options_;
  Field field_;
  FrameLog log_;
  std::vector<ChipEntry> chips_;
  std::vector<std::shared_ptr<BuiltinType4Card>> tags_;
  bool quit_ = false;
  bool stopped_ = false;
};

}  // namespace tapbench::sim::pn532
