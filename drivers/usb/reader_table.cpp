#include "drivers/usb/reader_table.hpp"

#include <algorithm>

#include "drivers/usb/usb_error.hpp"

namespace tapbench::usb {
namespace {

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t");
  return s.substr(first, last - first + 1);
}

std::string_view next_word(std::string_view& s) {
  s = trim(s);
  const auto end = s.find_first_of(" \t");
  const auto word = s.substr(0, end);
  s = end == std::string_view::npos ? std::string_view{} : s.substr(end);
  return word;
}

}  // namespace

ReaderTable ReaderTable::defaults() {
  ReaderTable table;
  table.add({{0x04cc, 0x2533}, "NXP PN533", LibnfcDriver::kPn53xUsb});
  table.add({{0x04e6, 0x5591}, "SCM SCL3711", LibnfcDriver::kPn53xUsb});
  table.add({{0x054c, 0x02e1}, "Sony RC-S360", LibnfcDriver::kPn53xUsb});
  table.add({{0x072f, 0x2200}, "ACS ACR122U", LibnfcDriver::kAcr122Usb});
  table.add({{0x072f, 0x90cc}, "Touchatag (ACR122U)", LibnfcDriver::kAcr122Usb});
  return table;
}

void ReaderTable::add(KnownReader reader) {
  auto it = std::find_if(entries_.begin(), entries_.end(), [&](const auto& e) { return e.id == reader.id; });
  if (it != entries_.end()) {
    *it = std::move(reader);
  } else {
    entries_.push_back(std::move(reader));
  }
}

void ReaderTable::add_entries(const std::vector<std::string>& entries) {
  for (const auto& e : entries)
    add(parse_reader_entry(e));
}

std::optional<KnownReader> ReaderTable::find(UsbId id) const {
  for (const auto& e : entries_) {
    if (e.id == id) return e;
  }
  return std::nullopt;
}

KnownReader parse_reader_entry(std::string_view entry) {
  std::string_view rest = entry;
  const auto id_text = next_word(rest);
  const auto driver_text = next_word(rest);
  if (id_text.empty() || driver_text.empty()) {
    throw UsbError(UsbErrc::kBadArgument, "bad reader table entry '" + std::string(entry) +
                                              "': expected 'VID:PID DRIVER [KIND]', like "
                                              "'1fd3:0608 pn53x_usb ASK LoGO'");
  }
  KnownReader reader;
  try {
    reader.id = parse_usb_id(id_text);
    reader.driver = parse_libnfc_driver(driver_text);
  } catch (const UsbError& e) {
    throw UsbError(UsbErrc::kBadArgument, "bad reader table entry '" + std::string(entry) + "': " + e.what());
  }
  const auto kind = trim(rest);
  reader.kind = kind.empty() ? format_usb_id(reader.id) : std::string(kind);
  return reader;
}

}  // namespace tapbench::usb
