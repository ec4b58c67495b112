#include "drivers/usb/reader_inventory.hpp"

#include <algorithm>

#include "drivers/usb/usb_error.hpp"

namespace tapbench::usb {
namespace {

bool same_reader(const ReaderInfo& a, const ReaderInfo& b) {
  return a.port_path == b.port_path && a.serial == b.serial && a.id == b.id && a.bus == b.bus &&
         a.address == b.address;
}

std::string list_of(const std::vector<const ReaderInfo*>& readers) {
  std::string out;
  for (const auto* r : readers) {
    if (!out.empty()) out += ", ";
    out += r->kind + " at " + r->identity();
  }
  return out.empty() ? "none" : out;
}

}  // namespace

std::string ReaderInfo::identity() const {
  return serial.empty() ? port_path : port_path + "#" + serial;
}

bool ReaderSelector::matches(const ReaderInfo& reader) const {
  if (port_path && *port_path != reader.port_path) return false;
  if (serial && *serial != reader.serial) return false;
  if (id && *id != reader.id) return false;
  return true;
}

std::string ReaderSelector::describe() const {
  std::string out;
  auto add = [&](const std::string& part) { out += (out.empty() ? "" : ", ") + part; };
  if (port_path) add("port " + *port_path);
  if (serial) add("serial " + *serial);
  if (id) add("id " + format_usb_id(*id));
  return out.empty() ? "(empty selector)" : out;
}

ReaderInfo select_reader(const std::vector<ReaderInfo>& readers, const ReaderSelector& selector) {
  if (!selector.port_path && !selector.serial && !selector.id) {
    throw UsbError(UsbErrc::kBadArgument,
                   "reader selector is empty: give a port path, a serial or a VID:PID");
  }
  std::vector<const ReaderInfo*> all, hits;
  for (const auto& r : readers) {
    all.push_back(&r);
    if (selector.matches(r)) hits.push_back(&r);
  }
  if (hits.empty()) {
    throw UsbError(UsbErrc::kNoDevice,
                   "no NFC reader matches " + selector.describe() + "; readers present: " + list_of(all));
  }
  if (hits.size() > 1) {
    throw UsbError(UsbErrc::kBadArgument, "reader selector " + selector.describe() +
                                              " is ambiguous, it matches " + list_of(hits) +
                                              "; add the port path");
  }
  return *hits.front();  // a copy: callers often select from a temporary list()
}

std::vector<ReaderEvent> diff_readers(const std::vector<ReaderInfo>& before,
                                      const std::vector<ReaderInfo>& after) {
  std::vector<ReaderEvent> events;
  auto contains = [](const std::vector<ReaderInfo>& list, const ReaderInfo& r) {
    return std::any_of(list.begin(), list.end(), [&](const ReaderInfo& x) { return same_reader(x, r); });
  };
  for (const auto& r : before) {
    if (!contains(after, r)) events.push_back({ReaderEvent::Kind::kLeft, r});
  }
  for (const auto& r : after) {
    if (!contains(before, r)) events.push_back({ReaderEvent::Kind::kArrived, r});
  }
  return events;
}

}  // namespace tapbench::usb
