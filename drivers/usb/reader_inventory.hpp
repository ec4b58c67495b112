// Role interface: which NFC readers are plugged in, and when they come and go (ros2_control style: one
// header per role; the libusb backend is libusb_reader_inventory.hpp, simulated devices are fed to that
// same backend from below by umockdev).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "drivers/usb/usb_topology.hpp"

namespace tapbench::usb {

struct ReaderInfo {
  UsbId id;
  std::string kind;  // from the ReaderTable, e.g. "ACS ACR122U"
  LibnfcDriver driver = LibnfcDriver::kPn53xUsb;
  std::uint8_t bus = 0;
  std::uint8_t address = 0;  // changes on every re-enumeration: never use it to pin a reader
  std::string port_path;     // "1-2.3": stable while the reader stays in the same socket
  std::string serial;        // iSerialNumber string; empty when the reader has none (ACR122U) or unreadable
  std::string manufacturer;
  std::string product;
  std::string connstring;  // for nfc_open(): "acr122_usb:001:005"
  // A kernel driver (pn533_usb, usually) holds interface 0: libnfc cannot claim the reader until it is
  // unbound or blacklisted. Only known when the reader could be opened (read_strings).
  bool kernel_driver_bound = false;
  std::string problem;  // why strings could not be read (e.g. no permission), empty when fine

  // What a bench YAML pins: "1-2.3" or, when the reader reports one, "1-2.3#<serial>".
  std::string identity() const;
  bool operator==(const ReaderInfo&) const = default;
};

// A bench YAML's way to name one reader. Unset fields match anything; at least one must be set.
struct ReaderSelector {
  std::optional<std::string> port_path;
  std::optional<std::string> serial;
  std::optional<UsbId> id;

  bool matches(const ReaderInfo& reader) const;
  std::string describe() const;  // "port 1-2.3, serial X" for error messages
};

// A copy of the one matching reader, else UsbError: kNoDevice when none (listing what is there), kBadArgument
// when the selector is empty or matches several readers (naming them).
ReaderInfo select_reader(const std::vector<ReaderInfo>& readers, const ReaderSelector& selector);

struct ReaderEvent {
  enum class Kind { kArrived, kLeft };
  Kind kind;
  ReaderInfo reader;
  bool operator==(const ReaderEvent&) const = default;
};

// What changed between two listings. A reader is the same reader when port path, serial, VID:PID and bus
// address agree; anything else is a departure plus an arrival, departures first. A reader that re-enumerated
// (after a power cycle, say) therefore shows up as left + arrived: its connstring changed with its address.
// Events come in the order of the listings.
std::vector<ReaderEvent> diff_readers(const std::vector<ReaderInfo>& before,
                                      const std::vector<ReaderInfo>& after);

struct ReaderCallbacks {
  std::function<void(const ReaderInfo&)> arrived;
  std::function<void(const ReaderInfo&)> left;
};

// Alive while held; destroying it stops the callbacks (and waits for one in progress to finish, so do not
// destroy it from inside a callback).
class ReaderSubscription {
 public:
  virtual ~ReaderSubscription() = default;
};

class ReaderInventory {
 public:
  virtual ~ReaderInventory() = default;
  // The readers plugged in now, ordered by port path.
  virtual std::vector<ReaderInfo> list() = 0;
  // Calls `arrived` for every reader present now, then on every change, from a background thread.
  virtual std::unique_ptr<ReaderSubscription> subscribe(ReaderCallbacks callbacks) = 0;
};

}  // namespace tapbench::usb
