// The simulated RF field shared by every emulated chip and built-in card of one emulator process. One
// mutex guards the whole simulated world (field, chips' protocol state, cards): with a handful of chips this
// is simple and deadlock-free, and every blocking wait (a reader waiting for a card, a target waiting for
// its reader) is a wait on the one condition variable.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace tapbench::sim::pn532 {

using SteadyTime = std::chrono::steady_clock::time_point;

// What an ISO/IEC 14443-A card shows a reader during activation.
struct TargetIdentity {
  std::uint8_t atqa[2] = {0x00, 0x04};  // SENS_RES as a PN532 initiator reports it (byte 0 first)
  std::uint8_t sak = 0x20;              // SEL_RES; 0x20 = ISO/IEC 14443-4 compliant
  std::vector<std::uint8_t> uid;        // NFCID1 (4, 7 or 10 bytes)
  std::vector<std::uint8_t> ats;        // full ATS including TL; empty if not ISO-DEP
};

// How a blocking exchange may end early: the caller's host aborted or the deadline passed.
struct Waiter {
  std::unique_lock<std::mutex>& lock;
  std::condition_variable& cv;
  SteadyTime deadline;
  std::function<bool()> interrupted;  // evaluated with the lock held
};

struct ExchangeResult {
  enum class Status { Ok, NoAnswer, Interrupted } status = Status::NoAnswer;
  std::vector<std::uint8_t> response;
};

// Something in the field a reader can activate: a built-in Type 4 Tag or a PN532 in target mode.
// All methods are called with the world lock held.
class FieldCard {
 public:
  virtual ~FieldCard() = default;
  virtual std::string name() const = 0;
  virtual std::string kind() const = 0;
  // Answers a poll right now (a PN532 only while in TgInitAsTarget and not yet activated).
  virtual bool listening() const = 0;
  virtual TargetIdentity identity() const = 0;
  // Activation by a reader (anticollision, select, RATS); returns a session id.
  virtual std::uint64_t activate() = 0;
  virtual bool session_alive(std::uint64_t session) const = 0;
  virtual ExchangeResult exchange(std::uint64_t session, const std::vector<std::uint8_t>& apdu,
                                  Waiter& w) = 0;
  // The reader deselected or released the card (S(DESELECT) on the air).
  virtual void deactivate(std::uint64_t session) = 0;
  // The card left the field (or the field went off): any session ends.
  virtual void lost_field() = 0;
  // True once if the card asked to leave the field (scripted "remove after N APDUs").
  virtual bool take_removal_due() { return false; }
};

class Field {
 public:
  std::mutex& mutex() { return mutex_; }
  std::condition_variable& cv() { return cv_; }
  void notify() { cv_.notify_all(); }

  // All *_locked methods expect mutex() held.
  void add_card_locked(std::shared_ptr<FieldCard> card, bool placed);
  std::shared_ptr<FieldCard> find_locked(const std::string& name) const;
  bool placed_locked(const FieldCard* card) const;
  bool place_locked(const std::string& name);
  bool remove_locked(const std::string& name);
  // Cards in proximity, in placement order.
  std::vector<std::shared_ptr<FieldCard>> placed_cards_locked() const;
  std::vector<std::pair<std::shared_ptr<FieldCard>, bool>> all_cards_locked() const;
  // Counts initiators whose RF field is on (a target only wakes in a field).
  int fields_on_locked() const { return fields_on_; }
  void set_field_locked(bool was_on, bool is_on);

 private:
  struct Entry {
    std::shared_ptr<FieldCard> card;
    bool placed = false;
    std::uint64_t placed_seq = 0;
  };
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Entry> cards_;
  std::uint64_t seq_ = 0;
  int fields_on_ = 0;
};

}  // namespace tapbench::sim::pn532
