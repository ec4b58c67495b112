// The built-in Type 4 Tag card: a passive ISO/IEC 14443-4A tag in the simulated field, for benches whose
// printer side is not a PN532 (or for reader-only tests). Content can be swapped at any time (dynamic tag).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "drivers/nfc/type4_tag.hpp"
#include "sim/pn532/rf_field.hpp"

namespace tapbench::sim::pn532 {

class BuiltinType4Card final : public FieldCard {
 public:
  BuiltinType4Card(std::string name, std::vector<std::uint8_t> uid, nfc::Type4TagConfig config);

  std::string name() const override { return name_; }
  std::string kind() const override { return "type4-tag"; }
  // ISO/IEC 14443-3: a deselected card is HALTed and ignores polls until it leaves the field or the field
  // resets (libnfc's nfc_initiator_list_passive_targets relies on this to enumerate several cards).
  bool listening() const override { return !halted_; }
  TargetIdentity identity() const override { return identity_; }
  std::uint64_t activate() override;
  bool session_alive(std::uint64_t session) const override { return active_ && session == session_; }
  ExchangeResult exchange(std::uint64_t session, const std::vector<std::uint8_t>& apdu, Waiter& w) override;
  void deactivate(std::uint64_t session) override;
  void lost_field() override;

  // With the world lock held.
  const nfc::Type4Tag& tag() const { return tag_; }
  // New content: at once if no reader is in a session with the card, else when that session ends, so a
  // reader never reads a torn message. Throws std::invalid_argument if it does not fit the NDEF file.
  void set_ndef(const std::vector<std::uint8_t>& message);
  // The message the next tap reads.
  std::vector<std::uint8_t> next_ndef() const { return pending_ ? *pending_ : tag_.ndef(); }
  // Leaves the field by itself after answering this many more APDUs (0 = off): "card removed mid-read".
  void remove_after(unsigned apdus) { remove_after_ = apdus; }
  bool take_removal_due() override {
    const bool due = removal_due_;
    removal_due_ = false;
    return due;
  }
  unsigned apdus_answered() const { return answered_; }

 private:
  std::string name_;
  TargetIdentity identity_;
  nfc::Type4Tag tag_;
  bool active_ = false;
  bool halted_ = false;
  std::uint64_t session_ = 0;
  unsigned remove_after_ = 0;
  bool removal_due_ = false;
  unsigned answered_ = 0;
  std::optional<std::vector<std::uint8_t>> pending_;
  void apply_pending();
};

}  // namespace tapbench::sim::pn532
