// hal::PrintEngine for the core's own page path (PrinterCore::print_page): each page's rendered bytes go to
// `<dir>/core-job-NNNN-page-NNN.bin` (fsync'd), and the simulated ink sensor (if any) is told a page was
// marked. printerd's IPP side marks pages itself through PAPPL (page_store.hpp) and uses charge_page /
// refund_page instead; this engine serves ports and tests that drive the core directly.
#pragma once

#include <filesystem>
#include <functional>

#include <vector>

#include "firmware-under-test/hal/print_engine.hpp"
#include "firmware-under-test/hal/tag_frontend.hpp"
#include "firmware-under-test/port/linux/bindings/simulated_ink_sensor.hpp"

namespace tapbench::firmware::port {

class FilePrintEngine final : public hal::PrintEngine {
 public:
  // Says whether a page the port wrote itself (printerd's IPP pages) is out whole; see page_finished().
  using OutputProbe = std::function<bool(std::uint32_t job_id, std::uint32_t index)>;
  FilePrintEngine(std::filesystem::path dir, SimulatedInkSensor* ink, OutputProbe port_output = {});
  // io_error (nothing marked: the core refunds the page) when the file cannot be written completely.
  // Written to a temporary name, fsync'd, renamed: the page file exists whole or not at all.
  hal::Status print_page(const hal::Page& page) override;
  // Boot reconciliation: the port's probe finds its page whole (printerd's IPP pages). This engine's own
  // pages are not consulted (their job IDs restart at every boot): false without a probe.
  bool page_finished(std::uint32_t job_id, std::uint32_t index) override;
  static std::string file_name(std::uint32_t job_id, std::uint32_t index);

 private:
  std::filesystem::path dir_;
  SimulatedInkSensor* ink_;
  OutputProbe port_output_;
};

// The printer has no NFC frontend (--nfc none): the message the core publishes is kept, never served.
class DetachedTagFrontend final : public hal::TagFrontend {
 public:
  hal::Status set_ndef(std::span<const std::uint8_t> message) override {
    message_.assign(message.begin(), message.end());
    return hal::Status::success();
  }
  void set_tap_listener(hal::TapListener*) override {}
  const std::vector<std::uint8_t>& message() const { return message_; }

 private:
  std::vector<std::uint8_t> message_;
};

}  // namespace tapbench::firmware::port
