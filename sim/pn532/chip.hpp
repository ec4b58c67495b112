// One emulated PN532 on one host interface. Two threads: a reader that turns bytes into frame events (and
// notices a host abort while a command runs), and an executor that runs one command at a time against the
// shared Field. All protocol state is guarded by the Field's world mutex.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "sim/pn532/frame_codec.hpp"
#include "sim/pn532/frame_log.hpp"
#include "sim/pn532/rf_field.hpp"
#include "sim/pn532/transport.hpp"

namespace tapbench::sim::pn532 {

struct ChipOptions {
  unsigned uart_baud = 0;   // pace the UART at this baud (0 = as fast as the pty goes)
  bool air_pacing = false;  // pace RF exchanges at 106 kbit/s
  // How long an initiator waits for a PN532 target's host to answer (TgSetData) before reporting an RF
  // timeout. A real PN532 in PICC mode keeps the reader waiting with S(WTX) while its host thinks.
  std::chrono::milliseconds target_answer_timeout{2000};
  // Wall time of one passive activation attempt that finds nothing (MxRtyPassiveActivation steps).
  std::chrono::milliseconds activation_attempt{5};
  std::vector<std::uint8_t> firmware{0x32, 0x01, 0x06, 0x07};  // IC, Ver, Rev, Support
  // Spends paced wall time (UART bytes, air time). Pacing is real time by design; tests inject a recorder.
  Sleeper sleeper;  // empty: real_sleeper()
};

class Pn532Chip {
 public:
  Pn532Chip(std::string name, Field& field, FrameLog& log, ChipOptions options = {});
  ~Pn532Chip();
  Pn532Chip(const Pn532Chip&) = delete;
  Pn532Chip& operator=(const Pn532Chip&) = delete;

  const std::string& name() const { return name_; }
  // Starts serving the host on this transport.
  void attach(std::unique_ptr<FdTransport> transport);
  void stop();
  // The chip's face in the field while in target mode (registered in the Field by the Simulator).
  std::shared_ptr<FieldCard> target_card() const { return card_; }

  // Failure injection (thread-safe).
  void stall_after(unsigned frames);  // answer this many more host frames, then go silent
  void unstall();
  void inject_garbage(std::vector<std::uint8_t> bytes);  // sent instead of the next response frame
  bool stalled() const;
  // With the world lock held.
  std::string describe() const;

  // One command's outcome (public for the command implementation files' helpers).
  struct Reply {
    std::optional<std::vector<std::uint8_t>> data;  // response after TFI: CC+1, params; nullopt = none
    std::chrono::nanoseconds air_time{0};
    bool syntax_error = false;  // answer with the application-level error frame
  };

 private:
  class TargetCard;
  friend class TargetCard;

  void reader_loop();
  void executor_loop();
  void send_bytes(const std::vector<std::uint8_t>& bytes, const char* what);
  Reply dispatch_locked(const std::vector<std::uint8_t>& cmd, std::unique_lock<std::mutex>& lk);
  // True if the host sent something while a command runs (an ACK aborts it). With the world lock held.
  bool host_interrupted_locked() const { return !inbox_.empty(); }
  bool consume_abort_locked();

  // initiator_commands.cpp
  Reply in_list_passive_target(const std::vector<std::uint8_t>& cmd, std::unique_lock<std::mutex>& lk);
  Reply in_auto_poll(const std::vector<std::uint8_t>& cmd, std::unique_lock<std::mutex>& lk);
  Reply in_data_exchange(const std::vector<std::uint8_t>& cmd, std::unique_lock<std::mutex>& lk);
  Reply in_communicate_thru(const std::vector<std::uint8_t>& cmd, std::unique_lock<std::mutex>& lk);
  Reply in_deselect_release(const std::vector<std::uint8_t>& cmd, bool release);
  Reply diagnose(const std::vector<std::uint8_t>& cmd);
  Reply rf_configuration(const std::vector<std::uint8_t>& cmd);
  Reply registers(const std::vector<std::uint8_t>& cmd);
  Reply general_status();
  std::shared_ptr<FieldCard> wait_for_card_locked(std::uint8_t max_retries_or_ff, SteadyTime deadline,
                                                  const std::vector<std::uint8_t>& uid_filter,
                                                  std::unique_lock<std::mutex>& lk, bool& interrupted);
  std::vector<std::uint8_t> target_data_locked(const TargetIdentity& id, bool with_ats) const;
  bool selected_alive_locked() const;
  ExchangeResult exchange_with_selected_locked(const std::vector<std::uint8_t>& apdu,
                                               std::unique_lock<std::mutex>& lk);
  void set_rf_locked(bool on);
  void drop_selection_locked();

  // target_commands.cpp
  Reply tg_init_as_target(const std::vector<std::uint8_t>& cmd, std::unique_lock<std::mutex>& lk);
  Reply tg_get_data(std::unique_lock<std::mutex>& lk);
  Reply tg_set_data(const std::vector<std::uint8_t>& cmd);
  Reply tg_get_target_status();
  void leave_target_mode_locked();

  std::string name_;
  Field& field_;
  FrameLog& log_;
  ChipOptions options_;
  std::shared_ptr<FieldCard> card_;

  std::unique_ptr<FdTransport> transport_;
  std::thread reader_, executor_;
  std::atomic<bool> stopping_{false};

  // --- guarded by field_.mutex() ---
  FrameParser parser_;
  std::deque<FrameEvent> inbox_;
  std::vector<std::uint8_t> last_response_;  // for a host NACK
  std::map<std::uint16_t, std::uint8_t> registers_;
  std::uint8_t parameters_ = 0x00;
  std::uint8_t sam_mode_ = 0x01;
  bool rf_on_ = false;
  std::uint8_t mx_rty_passive_ = 0xFF;
  bool powered_down_ = false;

  // initiator state
  std::shared_ptr<FieldCard> selected_;
  std::uint64_t selected_session_ = 0;
  std::vector<std::uint8_t> chained_command_;   // InDataExchange data gathered while the host sets MI
  std::vector<std::uint8_t> pending_response_;  // R-APDU part still to deliver with MI chaining

  // target state
  bool target_mode_ = false;    // TgInitAsTarget issued (listening or active)
  bool target_active_ = false;  // activated by a reader
  bool target_released_ = false;
  TargetIdentity target_identity_;
  std::uint64_t target_session_ = 0;
  std::optional<std::vector<std::uint8_t>> from_reader_;  // C-APDU waiting for TgGetData
  std::optional<std::vector<std::uint8_t>> to_reader_;    // R-APDU from TgSetData
  bool reader_waiting_ = false;

  // failure injection
  std::optional<unsigned> stall_after_;
  bool stalled_ = false;
  std::vector<std::uint8_t> garbage_;
};

// PN532 command codes (PN532 user manual §7).
namespace cmd {
inline constexpr std::uint8_t kDiagnose = 0x00, kGetFirmwareVersion = 0x02, kGetGeneralStatus = 0x04,
                              kReadRegister = 0x06, kWriteRegister = 0x08, kReadGpio = 0x0C,
                              kWriteGpio = 0x0E, kSetSerialBaudRate = 0x10, kSetParameters = 0x12,
                              kSamConfiguration = 0x14, kPowerDown = 0x16, kRfConfiguration = 0x32,
                              kRfRegulationTest = 0x58, kInJumpForDep = 0x56, kInJumpForPsl = 0x46,
                              kInListPassiveTarget = 0x4A, kInAtr = 0x50, kInPsl = 0x4E,
                              kInDataExchange = 0x40, kInCommunicateThru = 0x42, kInDeselect = 0x44,
                              kInRelease = 0x52, kInSelect = 0x54, kInAutoPoll = 0x60, kTgInitAsTarget = 0x8C,
                              kTgSetGeneralBytes = 0x92, kTgGetData = 0x86, kTgSetData = 0x8E,
                              kTgSetMetaData = 0x94, kTgGetInitiatorCommand = 0x88,
                              kTgResponseToInitiator = 0x90, kTgGetTargetStatus = 0x8A;
}  // namespace cmd

// PN532 status codes used in answers.
namespace status {
inline constexpr std::uint8_t kOk = 0x00, kTimeout = 0x01, kInvalidParameter = 0x10,
                              kCommandNotAcceptable = 0x27, kReleased = 0x29, kInvalidState = 0x25,
                              kMoreInformation = 0x40;
}

const char* command_name(std::uint8_t code);

}  // namespace tapbench::sim::pn532
