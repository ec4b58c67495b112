// Which USB devices are NFC readers, what to call them, and which libnfc driver opens them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/usb/usb_topology.hpp"

namespace tapbench::usb {

struct KnownReader {
  UsbId id;
  std::string kind;  // human name, e.g. "ACR122U"
  LibnfcDriver driver = LibnfcDriver::kPn53xUsb;
};

class ReaderTable {
 public:
  // The readers libnfc's pn53x_usb / acr122_usb drivers support and tapbench has been asked to know:
  // NXP PN533 04cc:2533, SCM SCL3711 04e6:5591, Sony RC-S360 054c:02e1 (pn53x_usb);
  // ACS ACR122U 072f:2200, Touchatag (ACR122U OEM) 072f:90cc (acr122_usb).
  static ReaderTable defaults();
  // An empty table (only what add() puts in).
  ReaderTable() = default;

  // Adds or replaces (same VID:PID) an entry: config can rename a known reader or teach a new one.
  void add(KnownReader reader);
  // Adds entries in config syntax, see parse_reader_entry(). Throws UsbError(kBadArgument) naming the entry.
  void add_entries(const std::vector<std::string>& entries);

  std::optional<KnownReader> find(UsbId id) const;
  const std::vector<KnownReader>& entries() const { return entries_; }

 private:
  std::vector<KnownReader> entries_;
};

// "VID:PID DRIVER [KIND...]", e.g. "1fd3:0608 pn53x_usb ASK LoGO". KIND defaults to the VID:PID.
KnownReader parse_reader_entry(std::string_view entry);

}  // namespace tapbench::usb
