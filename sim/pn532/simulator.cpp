#include "sim/pn532/simulator.hpp"

#include <unistd.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>

namespace tapbench::sim::pn532 {
namespace {

std::string basename_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

const char* kHelp =
    "commands:\n"
    "  status                     chips and cards, placed or not\n"
    "  place NAME | remove NAME   bring a card (tag or target chip) into / out of the field\n"
    "  swap NAME                  remove every card, then place NAME\n"
    "  remove-all                 empty the field\n"
    "  set-ndef NAME HEX          replace a built-in tag's NDEF message\n"
    "  set-ndef-file NAME PATH    same, from a file\n"
    "  get-ndef NAME              print a built-in tag's NDEF message (hex)\n"
    "  add-tag NAME [HEX]         add a built-in Type 4 Tag (placed)\n"
    "  remove-after NAME N        the tag leaves the field after answering N more APDUs\n"
    "  stall CHIP [N]             the chip answers N more host frames (default 0), then goes silent\n"
    "  unstall CHIP               the chip answers again\n"
    "  garbage CHIP HEX           the chip's next response is replaced by these bytes\n"
    "  log | log-clear            dump / clear the frame log\n"
    "  quit                       stop the emulator\n";

}  // namespace

Simulator::Simulator(ChipOptions chip_options) : chip_options_(std::move(chip_options)) {}

Simulator::~Simulator() {
  stop();
}

void Simulator::stop() {
  if (stopped_) return;
  stopped_ = true;
  for (auto& e : chips_)
    e.chip->stop();
  for (auto& e : chips_)
    if (!e.link.empty()) ::unlink(e.link.c_str());
}

Pn532Chip& Simulator::add_chip_on_pty(const std::string& link_path, std::string name, bool placed) {
  if (name.empty()) name = basename_of(link_path);
  Pty pty = open_pty();
  make_symlink(pty.slave_path, link_path);
  auto chip = std::make_unique<Pn532Chip>(name, field_, log_, chip_options_);
  {
    std::lock_guard lock(field_.mutex());
    field_.add_card_locked(chip->target_card(), placed);
  }
  chip->attach(std::make_unique<FdTransport>(pty.master, pty.slave));
  chips_.push_back({std::move(chip), link_path, pty.slave_path});
  log_.add(name, "event", "pty " + pty.slave_path + " linked at " + link_path);
  return *chips_.back().chip;
}

Pn532Chip& Simulator::add_chip_on_fd(std::string name, int fd, bool placed) {
  auto chip = std::make_unique<Pn532Chip>(name, field_, log_, chip_options_);
  {
    std::lock_guard lock(field_.mutex());
    field_.add_card_locked(chip->target_card(), placed);
  }
  chip->attach(std::make_unique<FdTransport>(fd));
  chips_.push_back({std::move(chip), "", ""});
  return *chips_.back().chip;
}

BuiltinType4Card& Simulator::add_tag(std::string name, const std::vector<std::uint8_t>& ndef,
                                     nfc::Type4TagConfig config, std::vector<std::uint8_t> uid, bool placed) {
  if (uid.empty()) {
    // A 7-byte UID, NXP-style (04 ...), distinct per tag.
    uid = {0x04, 0x54, 0x42, 0x4E, 0x43, 0x00, static_cast<std::uint8_t>(0x01 + tags_.size())};
  }
  auto tag = std::make_shared<BuiltinType4Card>(name, std::move(uid), config);
  tag->set_ndef(ndef);
  std::lock_guard lock(field_.mutex());
  if (field_.find_locked(name)) throw std::invalid_argument("a card named '" + name + "' already exists");
  field_.add_card_locked(tag, placed);
  tags_.push_back(tag);
  return *tag;
}

Pn532Chip* Simulator::chip(const std::string& name) {
  for (auto& e : chips_)
    if (e.chip->name() == name) return e.chip.get();
  return nullptr;
}

std::string Simulator::device_path(const std::string& name) const {
  for (const auto& e : chips_)
    if (e.chip->name() == name) return e.device;
  return "";
}

std::string Simulator::execute(const std::string& line) {
  std::istringstream in(line);
  std::string verb, a, b;
  in >> verb >> a;
  std::getline(in >> std::ws, b);
  const auto error = [](const std::string& m) { return "error: " + m + "\n"; };
  const auto find_tag = [&](const std::string& n) -> BuiltinType4Card* {
    for (auto& t : tags_)
      if (t->name() == n) return t.get();
    return nullptr;
  };
  try {
    if (verb.empty() || verb == "help") return std::string(kHelp) + "ok\n";
    if (verb == "status") {
      std::string out;
      std::lock_guard lock(field_.mutex());
      for (auto& e : chips_)
        out += e.chip->describe() + (e.link.empty() ? "" : " link=" + e.link + " dev=" + e.device) + "\n";
      for (auto& [card, placed] : field_.all_cards_locked()) {
        out += "card " + card->name() + " kind=" + card->kind() + (placed ? " placed" : " removed") +
               (card->listening() ? " listening" : "");
        if (auto* t = find_tag(card->name()))
          out += " ndef=" + std::to_string(t->next_ndef().size()) +
                 "B apdus=" + std::to_string(t->apdus_answered());
        out += "\n";
      }
      return out + "ok\n";
    }
    if (verb == "place" || verb == "remove") {
      if (a.empty()) return error(verb + " needs a card name");
      std::lock_guard lock(field_.mutex());
      const bool found = verb == "place" ? field_.place_locked(a) : field_.remove_locked(a);
      if (!found) return error("no card named '" + a + "'");
      log_.add(a, "event", verb == "place" ? "placed in the field" : "removed from the field");
      return "ok\n";
    }
    if (verb == "swap" || verb == "remove-all") {
      std::lock_guard lock(field_.mutex());
      if (verb == "swap" && !field_.find_locked(a)) return error("no card named '" + a + "'");
      for (auto& card : field_.placed_cards_locked())
        field_.remove_locked(card->name());
      if (verb == "swap") field_.place_locked(a);
      log_.add(a.empty() ? "field" : a, "event", verb == "swap" ? "swapped into the field" : "field emptied");
      return "ok\n";
    }
    if (verb == "set-ndef" || verb == "set-ndef-file") {
      std::vector<std::uint8_t> bytes;
      if (verb == "set-ndef") {
        bytes = parse_hex(b);
      } else {
        std::ifstream f(b, std::ios::binary);
        if (!f) return error("cannot read " + b);
        bytes.assign(std::istreambuf_iterator<char>(f), {});
      }
      std::lock_guard lock(field_.mutex());
      auto* t = find_tag(a);
      if (!t) return error("no built-in tag named '" + a + "'");
      t->set_ndef(bytes);
      log_.add(a, "event", "NDEF replaced (" + std::to_string(bytes.size()) + " bytes)");
      return "ok " + std::to_string(bytes.size()) + "\n";
    }
    if (verb == "get-ndef") {
      std::lock_guard lock(field_.mutex());
      auto* t = find_tag(a);
      if (!t) return error("no built-in tag named '" + a + "'");
      return hex(t->next_ndef()) + "\nok\n";
    }
    if (verb == "add-tag") {
      if (a.empty()) return error("add-tag needs a name");
      add_tag(a, parse_hex(b));
      return "ok\n";
    }
    if (verb == "remove-after") {
      std::lock_guard lock(field_.mutex());
      auto* t = find_tag(a);
      if (!t) return error("no built-in tag named '" + a + "'");
      const unsigned long n = std::stoul(b);
      if (n == 0) return error("remove-after needs N >= 1");
      t->remove_after(static_cast<unsigned>(n));
      return "ok\n";
    }
    if (verb == "stall" || verb == "unstall" || verb == "garbage") {
      Pn532Chip* c = chip(a);
      if (!c) return error("no chip named '" + a + "'");
      if (verb == "stall") {
        c->stall_after(b.empty() ? 0 : static_cast<unsigned>(std::stoul(b)));
      } else if (verb == "unstall") {
        c->unstall();
      } else {
        auto bytes = parse_hex(b);
        if (bytes.empty()) return error("garbage needs bytes");
        c->inject_garbage(std::move(bytes));
      }
      return "ok\n";
    }
    if (verb == "stalled") {
      Pn532Chip* c = chip(a);
      if (!c) return error("no chip named '" + a + "'");
      return std::string(c->stalled() ? "yes" : "no") + "\nok\n";
    }
    if (verb == "log") return log_.dump() + "ok\n";
    if (verb == "log-clear") {
      log_.clear();
      return "ok\n";
    }
    if (verb == "quit") {
      quit_ = true;
      return "ok\n";
    }
    return error("unknown command '" + verb + "' (try: help)");
  } catch (const std::exception& e) {
    return error(e.what());
  }
}

}  // namespace tapbench::sim::pn532
