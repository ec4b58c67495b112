#include "sim/pn532/rf_field.hpp"

#include <algorithm>

namespace tapbench::sim::pn532 {

void Field::add_card_locked(std::shared_ptr<FieldCard> card, bool placed) {
  cards_.push_back({std::move(card), placed, ++seq_});
  notify();
}

std::shared_ptr<FieldCard> Field::find_locked(const std::string& name) const {
  for (const auto& e : cards_)
    if (e.card->name() == name) return e.card;
  return nullptr;
}

bool Field::placed_locked(const FieldCard* card) const {
  for (const auto& e : cards_)
    if (e.card.get() == card) return e.placed;
  return false;
}

bool Field::place_locked(const std::string& name) {
  for (auto& e : cards_) {
    if (e.card->name() != name) continue;
    if (!e.placed) {
      e.placed = true;
      e.placed_seq = ++seq_;
    }
    notify();
    return true;
  }
  return false;
}

bool Field::remove_locked(const std::string& name) {
  for (auto& e : cards_) {
    if (e.card->name() != name) continue;
    if (e.placed) {
      e.placed = false;
      e.card->lost_field();
    }
    notify();
    return true;
  }
  return false;
}

std::vector<std::shared_ptr<FieldCard>> Field::placed_cards_locked() const {
  std::vector<const Entry*> placed;
  for (const auto& e : cards_)
    if (e.placed) placed.push_back(&e);
  std::sort(placed.begin(), placed.end(), [](auto* a, auto* b) { return a->placed_seq < b->placed_seq; });
  std::vector<std::shared_ptr<FieldCard>> out;
  for (auto* e : placed)
    out.push_back(e->card);
  return out;
}

std::vector<std::pair<std::shared_ptr<FieldCard>, bool>> Field::all_cards_locked() const {
  std::vector<std::pair<std::shared_ptr<FieldCard>, bool>> out;
  for (const auto& e : cards_)
    out.emplace_back(e.card, e.placed);
  return out;
}

void Field::set_field_locked(bool was_on, bool is_on) {
  if (was_on == is_on) return;
  fields_on_ += is_on ? 1 : -1;
  if (fields_on_ == 0) {
    for (auto& e : cards_)
      e.card->lost_field();  // no field: every card powers down
  }
  notify();
}

}  // namespace tapbench::sim::pn532
