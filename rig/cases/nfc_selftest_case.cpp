#include "rig/cases/nfc_selftest_case.hpp"

#include <filesystem>
#include <fstream>
#include <optional>

#include "drivers/nfc/nfc_error.hpp"
#include "drivers/nfc/nfc_factory.hpp"
#include "drivers/nfc/type4_reader.hpp"
#include "rig/supervisor/child_process.hpp"

namespace tapbench::rig {
namespace {

// A URI record (https://tapbench.invalid/selftest): what the built-in tag holds and the reader must return.
std::vector<std::uint8_t> selftest_message() {
  const std::string rest = "tapbench.invalid/selftest";
  std::vector<std::uint8_t> m = {0xD1, 0x01, static_cast<std::uint8_t>(rest.size() + 1), 'U', 0x04};
  m.insert(m.end(), rest.begin(), rest.end());
  return m;
}

std::chrono::milliseconds ms_left(std::chrono::nanoseconds d) {
  return std::max(std::chrono::milliseconds(1), std::chrono::duration_cast<std::chrono::milliseconds>(d));
}

// NfcException → the runner's outcome classes (docs/DRIVERS-NFC.md: infrastructure vs device).
[[noreturn]] void rethrow(const nfc::NfcException& e, const std::string& doing) {
  const std::string cls = "nfc-" + std::string(nfc::to_string(e.code()));
  if (nfc::classify(e.code()) == nfc::FailureClass::Device) throw CaseFailure(cls, doing + ": " + e.what());
  throw BenchError(cls, doing + ": " + e.what());
}

class NfcSelftestCase final : public Case {
 public:
  explicit NfcSelftestCase(const CaseEnvironment& env) : env_(env), expected_(selftest_message()) {}

  void setup(StepContext& step) override {
    const Device* reader = env_.bench.device_for(Role::kPhoneReader);
    const auto* sim = reader ? std::get_if<Pn532SimBackend>(&reader->config) : nullptr;
    if (!sim) {
      throw CaseSkip("nfc-selftest needs a pn532-sim phone reader; '" + (reader ? reader->name : "?") +
                     "' is backend " + (reader ? reader->backend : "?") +
                     " (place a known tag on a real reader and use `tapbench-nfc-read` instead)");
    }
    dir_ = (env_.run_dir.empty() ? std::filesystem::temp_directory_path() : env_.run_dir) / "nfc-selftest";
    std::filesystem::create_directories(dir_);
    const auto tag = dir_ / "tag.ndef";
    std::ofstream(tag, std::ios::binary)
        .write(reinterpret_cast<const char*>(expected_.data()),
               static_cast<std::streamsize>(expected_.size()));
    link_ = (dir_ / reader->name).string();
    std::vector<std::string> argv = {find_program("pn532-sim", "sim/pn532"), "--link", link_, "--tag-ndef",
                                     tag.string()};
    if (sim->baud) {
      argv.push_back("--baud");
      argv.push_back(std::to_string(*sim->baud));
    }
    try {
      sim_ = std::make_unique<ChildProcess>(argv, dir_ / "pn532-sim.log", step.clock());
      sim_->wait_for_log_line("ready", step.deadline());
    } catch (const ChildProcessError& e) {
      throw BenchError("pn532-sim-not-ready", e.what());
    }
    nfc::ReaderOptions options;
    options.clock = &step.clock();
    try {
      reader_ = nfc::make_nfc_reader("pn532_uart:" + link_, options);
    } catch (const nfc::NfcException& e) {
      rethrow(e, "opening " + reader->name);
    }
  }

  void run_cycle(CycleContext& c) override {
    try {
      reader_->field_off();
      reader_->field_on();
      c.mark_at(0, reader_->timestamps().field_on.value_or(c.clock().monotonic_now()));
      const nfc::TargetInfo target = reader_->wait_for_target(ms_left(c.remaining()));
      c.mark_at(1, reader_->timestamps().target_found.value_or(c.clock().monotonic_now()));
      if (!target.iso_dep())
        throw CaseFailure("not-type4", "the tag found is not ISO-DEP (SAK without 0x20)");
      const auto read = nfc::read_type4_ndef(
          [this](std::span<const std::uint8_t> apdu) { return reader_->transceive(apdu); });
      c.mark(2);
      reader_->release();
      c.note("apdus", std::to_string(read.apdus));
      c.note("ndef_bytes", std::to_string(read.ndef.size()));
      if (read.ndef != expected_) {
        throw CaseFailure("ndef-mismatch", "the reader returned " + std::to_string(read.ndef.size()) +
                                               " bytes that differ from the " +
                                               std::to_string(expected_.size()) + " bytes on the tag");
      }
    } catch (const nfc::NfcException& e) {
      rethrow(e, "tap in phase '" + std::string(c.current_phase()) + "'");
    }
  }

  void recover(StepContext& step) override {
    // A retry starts from a fresh field; if the emulator died, say so (the health check takes it from there).
    if (sim_ && !sim_->running()) {
      throw BenchError("pn532-sim-exited", "pn532-sim exited; its log ends with:\n" + sim_->log_tail());
    }
    step.check_deadline();
  }

  void teardown(StepContext& step) override {
    reader_.reset();  // closes the libnfc device before its pty goes away
    if (sim_) {
      const auto grace = std::min<std::chrono::nanoseconds>(step.remaining(), std::chrono::seconds(2));
      sim_->stop(std::chrono::duration_cast<std::chrono::milliseconds>(grace));
      sim_.reset();
    }
  }

 private:
  const CaseEnvironment& env_;
  std::vector<std::uint8_t> expected_;
  std::filesystem::path dir_;
  std::string link_;
  std::unique_ptr<ChildProcess> sim_;
  std::unique_ptr<nfc::NfcReader> reader_;
};

}  // namespace

CaseInfo nfc_selftest_info() {
  return {
      "nfc-selftest",
      "The phone reader taps a known Type 4 tag on an emulated PN532 through libnfc (the bench's NFC path; "
      "no printer or server)",
      "S17-S21 (reading side)",
      {"field_on", "target_found", "ndef_read"},
      {Role::kPhoneReader}};
}

std::unique_ptr<Case> make_nfc_selftest_case(const CaseEnvironment& env) {
  return std::make_unique<NfcSelftestCase>(env);
}

}  // namespace tapbench::rig
