#include "drivers/usb/libusb_reader_inventory.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <tuple>

namespace tapbench::usb {
namespace {

std::vector<ReaderInfo> list_readers(libusb_context* ctx, const LibusbInventoryOptions& options) {
  std::vector<std::pair<PortPath, ReaderInfo>> found;
  for (const auto& dev : list_devices(ctx)) {
    libusb_device_descriptor desc{};
    if (libusb_get_device_descriptor(dev.get(), &desc) < 0) continue;
    const auto known = options.table.find({desc.idVendor, desc.idProduct});
    if (!known) continue;
    ReaderInfo r;
    r.id = known->id;
    r.kind = known->kind;
    r.driver = known->driver;
    r.bus = libusb_get_bus_number(dev.get());
    r.address = libusb_get_device_address(dev.get());
    r.port_path = format_port_path(port_path_of(dev.get()));
    r.connstring = libnfc_connstring(r.driver, r.bus, r.address);
    if (options.read_strings) {
      try {
        DeviceHandle handle(dev.get());
        r.manufacturer = handle.string_descriptor(desc.iManufacturer);
        r.product = handle.string_descriptor(desc.iProduct);
        r.serial = handle.string_descriptor(desc.iSerialNumber);
        r.kernel_driver_bound = libusb_kernel_driver_active(handle.get(), 0) == 1;
        if (r.kernel_driver_bound) {
          r.problem =
              "a kernel driver (usually pn533_usb) is bound to the reader, so libnfc cannot claim it: "
              "blacklist pn533_usb or unbind it (docs/DRIVERS-USB.md)";
        }
      } catch (const UsbError& e) {
        if (e.code() == UsbErrc::kNoDevice) continue;  // unplugged while we looked: it is not there
        // Listed anyway: the reader exists, only its strings (and so its serial) are unknown.
        r.problem = e.what();
      }
    }
    found.emplace_back(port_path_of(dev.get()), std::move(r));
  }
  // Numeric order of the port chain ("1-2" before "1-10"), as a user reads a hub.
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
    return std::tie(a.first.bus, a.first.ports, a.second.address) <
           std::tie(b.first.bus, b.first.ports, b.second.address);
  });
  std::vector<ReaderInfo> readers;
  for (auto& [path, reader] : found)
    readers.push_back(std::move(reader));
  return readers;
}

// One background thread per subscription. It re-lists on a libusb hotplug event (native) or every
// poll period, and reports diff_readers() of consecutive listings.
class LibusbSubscription final : public ReaderSubscription {
 public:
  LibusbSubscription(std::shared_ptr<LibusbContext> context, LibusbInventoryOptions options,
                     ReaderCallbacks callbacks, bool native)
      : context_(std::move(context)), options_(std::move(options)), callbacks_(std::move(callbacks)) {
    if (native) {
      const int rc = libusb_hotplug_register_callback(
          context_->get(),
          static_cast<libusb_hotplug_event>(LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED |
                                            LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT),
          static_cast<libusb_hotplug_flag>(0), LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY,
          LIBUSB_HOTPLUG_MATCH_ANY, &LibusbSubscription::on_hotplug, this, &hotplug_handle_);
      if (rc < 0) throw_libusb(rc, "cannot register for USB hot-plug events");
      native_ = true;
    }
    thread_ = std::thread([this] { run(); });
  }

  ~LibusbSubscription() override {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    if (native_) libusb_interrupt_event_handler(context_->get());
    thread_.join();
    if (native_) libusb_hotplug_deregister_callback(context_->get(), hotplug_handle_);
  }

 private:
  // Called by libusb inside libusb_handle_events on our thread: only note the change, list afterwards
  // (opening devices from inside a hotplug callback is not allowed).
  static int on_hotplug(libusb_context*, libusb_device*, libusb_hotplug_event, void* self) {
    static_cast<LibusbSubscription*>(self)->dirty_ = true;
    return 0;  // stay registered
  }

  void run() {
    std::vector<ReaderInfo> known;
    bool first = true;
    while (true) {
      if (first || dirty_.exchange(false)) {
        first = false;
        std::vector<ReaderInfo> now;
        try {
          now = list_readers(context_->get(), options_);
        } catch (const UsbError&) {
          now = known;  // a failed listing is not a departure of every reader; retry on the next tick
        }
        for (const auto& event : diff_readers(known, now)) {
          const auto& cb = event.kind == ReaderEvent::Kind::kArrived ? callbacks_.arrived : callbacks_.left;
          if (cb) cb(event.reader);
        }
        known = std::move(now);
      }
      if (native_) {
        timeval tv{0, 200 * 1000};
        int completed = 0;
        libusb_handle_events_timeout_completed(context_->get(), &tv, &completed);
        std::lock_guard lock(mutex_);
        if (stop_) return;
      } else {
        std::unique_lock lock(mutex_);
        if (wake_.wait_for(lock, options_.poll_period, [this] { return stop_; })) return;
        dirty_ = true;
      }
    }
  }

  std::shared_ptr<LibusbContext> context_;
  LibusbInventoryOptions options_;
  ReaderCallbacks callbacks_;
  bool native_ = false;
  libusb_hotplug_callback_handle hotplug_handle_{};
  std::atomic<bool> dirty_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace

LibusbReaderInventory::LibusbReaderInventory(LibusbInventoryOptions options)
    : options_(std::move(options)), context_(std::make_shared<LibusbContext>()) {}

LibusbReaderInventory::~LibusbReaderInventory() = default;

std::vector<ReaderInfo> LibusbReaderInventory::list() {
  return list_readers(context_->get(), options_);
}

bool LibusbReaderInventory::native_hotplug() const {
  return !options_.force_polling && libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG);
}

std::unique_ptr<ReaderSubscription> LibusbReaderInventory::subscribe(ReaderCallbacks callbacks) {
  return std::make_unique<LibusbSubscription>(context_, options_, std::move(callbacks), native_hotplug());
}

}  // namespace tapbench::usb
