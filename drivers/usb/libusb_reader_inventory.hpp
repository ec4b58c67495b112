// ReaderInventory over libusb-1.0. Hot-plug uses libusb's own hotplug callbacks when the platform has them
// (LIBUSB_CAP_HAS_HOTPLUG: udev/netlink on Linux) and falls back to listing every poll period otherwise;
// either way a change triggers a fresh listing that diff_readers() compares with the previous one.
#pragma once

#include <chrono>
#include <memory>

#include "drivers/usb/libusb_context.hpp"
#include "drivers/usb/reader_inventory.hpp"
#include "drivers/usb/reader_table.hpp"

namespace tapbench::usb {

struct LibusbInventoryOptions {
  ReaderTable table = ReaderTable::defaults();
  // Open each reader to read its manufacturer/product/serial strings. Off: identity is the port path only.
  bool read_strings = true;
  // Period of the listing fallback when libusb has no hotplug support (or force_polling is set).
  std::chrono::milliseconds poll_period{1000};
  bool force_polling = false;
};

class LibusbReaderInventory final : public ReaderInventory {
 public:
  explicit LibusbReaderInventory(LibusbInventoryOptions options = {});
  ~LibusbReaderInventory() override;

  std::vector<ReaderInfo> list() override;
  std::unique_ptr<ReaderSubscription> subscribe(ReaderCallbacks callbacks) override;

  // True when subscribe() uses libusb hotplug events rather than polling.
  bool native_hotplug() const;

 private:
  LibusbInventoryOptions options_;
  std::shared_ptr<LibusbContext> context_;
};

}  // namespace tapbench::usb
