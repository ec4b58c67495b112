#include "tests/integration/usb/umockdev_usb_bench.hpp"

#include <linux/ioctl.h>
#include <linux/usbdevice_fs.h>
#include <umockdev.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>

#ifndef TAPBENCH_USB_DEVICES_DIR
#error "TAPBENCH_USB_DEVICES_DIR must name tests/integration/usb/devices"
#endif

namespace tapbench::usb::testing {

// The firmware side of one simulated device: what its endpoint 0 answers.
struct UmockdevUsbBench::Model {
  std::string sysfs_name;  // "1-2.1"
  std::string syspath;     // "/sys/devices/.../1-2.1"
  std::string devnode;     // "/dev/bus/usb/001/005"
  std::vector<std::uint8_t> device_descriptor;
  std::map<std::uint8_t, std::string> strings;  // string descriptor index -> text
  std::optional<SimulatedHub> hub;
  std::vector<std::uint16_t> port_status;    // wPortStatus per port (index 0 = port 1)
  std::deque<UMockdevIoctlData*> completed;  // URBs waiting to be reaped (each holds a reference)
  std::vector<ControlSetup> log;
  std::string kernel_driver;  // bound to interface 0, "" for none
  std::string record;         // the umockdev record it was added from
  UMockdevIoctlBase* handler = nullptr;
  Shared* shared = nullptr;
};

struct UmockdevUsbBench::Shared {
  UMockdevTestbed* testbed = nullptr;
  std::mutex mutex;                                      // the ioctl handlers run on umockdev's worker thread
  std::map<std::string, std::unique_ptr<Model>> models;  // by sysfs name
  std::map<std::string, std::string> unplugged;          // sysfs name -> record, for replug()
};

namespace {

constexpr std::uint16_t kPortPower = 0x0100;    // wPortStatus PORT_POWER, USB 2 hubs
constexpr std::uint16_t kSsPortPower = 0x0200;  // USB 3 hubs moved it to bit 9
constexpr std::uint16_t kPortConnection = 0x0001;

std::vector<std::uint8_t> utf16_string_descriptor(const std::string& text) {
  std::vector<std::uint8_t> d{static_cast<std::uint8_t>(2 + 2 * text.size()), 0x03};
  for (char c : text) {
    d.push_back(static_cast<std::uint8_t>(c));
    d.push_back(0);
  }
  return d;
}

std::uint16_t power_bit(const UmockdevUsbBench::Model& m) {
  return (m.device_descriptor[2] | (m.device_descriptor[3] << 8)) >= 0x0300 ? kSsPortPower : kPortPower;
}

// What the device answers on endpoint 0; nullopt is a STALL.
std::optional<std::vector<std::uint8_t>> answer(UmockdevUsbBench::Model& m, const ControlSetup& s) {
  const std::uint8_t type = static_cast<std::uint8_t>(s.value >> 8);
  const std::uint8_t index = static_cast<std::uint8_t>(s.value & 0xff);
  if (s.request_type == 0x80 && s.request == kRequestGetDescriptor) {
    if (type == 1) return m.device_descriptor;
    if (type == 3 && index == 0) return std::vector<std::uint8_t>{4, 3, 0x09, 0x04};  // en-US
    if (type == 3 && m.strings.count(index)) return utf16_string_descriptor(m.strings[index]);
    return std::nullopt;
  }
  if (!m.hub) return std::nullopt;
  auto& hub = *m.hub;
  const bool port_ok = s.index >= 1 && s.index <= hub.ports;
  // A USB 3 hub (bcdUSB >= 3.0) only knows its SuperSpeed hub descriptor (USB 3.2 10.15.2.1).
  const bool superspeed = power_bit(m) == kSsPortPower;
  const auto chars_lo = static_cast<std::uint8_t>(hub.characteristics & 0xff);
  const auto chars_hi = static_cast<std::uint8_t>(hub.characteristics >> 8);
  if (s.request_type == 0xa0 && s.request == kRequestGetDescriptor && !superspeed &&
      type == kHubDescriptorType) {
    return std::vector<std::uint8_t>{9,   kHubDescriptorType, hub.ports, chars_lo, chars_hi, 50, 100, 0x00,
                                     0xff};
  }
  if (s.request_type == 0xa0 && s.request == kRequestGetDescriptor && superspeed &&
      type == kSuperSpeedHubDescriptorType) {
    return std::vector<std::uint8_t>{
        12, kSuperSpeedHubDescriptorType, hub.ports, chars_lo, chars_hi, 50, 0, 0, 0, 0, 0, 0};
  }
  if (s.request_type == 0xa0 && s.request == kRequestGetStatus) return std::vector<std::uint8_t>{0, 0, 0, 0};
  if (s.request_type == 0xa3 && s.request == kRequestGetStatus && port_ok) {
    const auto st = m.port_status[s.index - 1];
    return std::vector<std::uint8_t>{static_cast<std::uint8_t>(st & 0xff), static_cast<std::uint8_t>(st >> 8),
                                     0, 0};
  }
  if (s.request_type == 0x23 && (s.request == kRequestSetFeature || s.request == kRequestClearFeature) &&
      s.value == kPortFeaturePower && port_ok) {
    if (!hub.ignores_power_requests) {
      // Ganged hubs switch every port on any port's request (USB 2.0 11.11).
      const bool ganged = (hub.characteristics & 0x3) == 0;
      for (std::size_t p = 0; p < m.port_status.size(); ++p) {
        if (!ganged && p != s.index - 1u) continue;
        auto& x = m.port_status[p];
        const std::uint16_t bit = power_bit(m);
        x = s.request == kRequestSetFeature ? (x | bit) : (x & ~bit);
      }
    }
    return std::vector<std::uint8_t>{};
  }
  return std::nullopt;
}

gboolean on_ioctl(UMockdevIoctlBase*, UMockdevIoctlClient* client, gpointer user_data) {
  auto& model = *static_cast<UmockdevUsbBench::Model*>(user_data);
  std::lock_guard lock(model.shared->mutex);
  const auto request = umockdev_ioctl_client_get_request(client);
  UMockdevIoctlData* arg = umockdev_ioctl_client_get_arg(client);
  switch (request) {
    case USBDEVFS_GET_CAPABILITIES: {
      UMockdevIoctlData* caps = umockdev_ioctl_data_resolve(arg, 0, sizeof(guint32), nullptr);
      const guint32 value = USBDEVFS_CAP_BULK_CONTINUATION | USBDEVFS_CAP_NO_PACKET_SIZE_LIM |
                            USBDEVFS_CAP_REAP_AFTER_DISCONNECT | USBDEVFS_CAP_ZERO_PACKET;
      std::memcpy(caps->data, &value, sizeof value);
      umockdev_ioctl_client_complete(client, 0, 0);
      g_object_unref(caps);
      return TRUE;
    }
    case USBDEVFS_SUBMITURB: {
      UMockdevIoctlData* urb_data = umockdev_ioctl_data_resolve(arg, 0, sizeof(usbdevfs_urb), nullptr);
      auto* urb = reinterpret_cast<usbdevfs_urb*>(urb_data->data);
      if (urb->type != USBDEVFS_URB_TYPE_CONTROL || urb->buffer_length < 8) {
        g_object_unref(urb_data);
        umockdev_ioctl_client_complete(client, -1, EINVAL);  // readers are never read in these tests
        return TRUE;
      }
      UMockdevIoctlData* buffer = umockdev_ioctl_data_resolve(
          urb_data, offsetof(usbdevfs_urb, buffer), static_cast<gsize>(urb->buffer_length), nullptr);
      const std::uint8_t* b = buffer->data;
      const ControlSetup setup{b[0], b[1], static_cast<std::uint16_t>(b[2] | (b[3] << 8)),
                               static_cast<std::uint16_t>(b[4] | (b[5] << 8)),
                               static_cast<std::uint16_t>(b[6] | (b[7] << 8))};
      model.log.push_back(setup);
      const auto reply = answer(model, setup);
      if (!reply) {
        urb->status = -EPIPE;
        urb->actual_length = 0;
      } else {
        const auto room =
            std::min<std::size_t>(setup.length, static_cast<std::size_t>(urb->buffer_length) - 8);
        const auto n = std::min(room, reply->size());
        if (n > 0) std::memcpy(buffer->data + 8, reply->data(), n);
        urb->status = 0;
        urb->actual_length = static_cast<int>(n);
      }
      g_object_unref(buffer);
      model.completed.push_back(urb_data);
      umockdev_ioctl_client_complete(client, 0, 0);
      return TRUE;
    }
    case USBDEVFS_REAPURB:
    case USBDEVFS_REAPURBNDELAY: {
      if (model.completed.empty()) {
        umockdev_ioctl_client_complete(client, -1, EAGAIN);
        return TRUE;
      }
      UMockdevIoctlData* urb_data = model.completed.front();
      model.completed.pop_front();
      UMockdevIoctlData* slot = umockdev_ioctl_data_resolve(arg, 0, sizeof(gpointer), nullptr);
      umockdev_ioctl_data_set_ptr(slot, 0, urb_data);
      umockdev_ioctl_client_complete(client, 0, 0);
      g_object_unref(slot);
      g_object_unref(urb_data);
      return TRUE;
    }
    case USBDEVFS_DISCARDURB:
      umockdev_ioctl_client_complete(client, -1, EINVAL);  // everything completes at once: nothing in flight
      return TRUE;
    case USBDEVFS_GETDRIVER: {
      if (model.kernel_driver.empty()) {
        umockdev_ioctl_client_complete(client, -1, ENODATA);
        return TRUE;
      }
      UMockdevIoctlData* gd = umockdev_ioctl_data_resolve(arg, 0, sizeof(usbdevfs_getdriver), nullptr);
      auto* info = reinterpret_cast<usbdevfs_getdriver*>(gd->data);
      std::snprintf(info->driver, sizeof info->driver, "%s", model.kernel_driver.c_str());
      umockdev_ioctl_client_complete(client, 0, 0);
      g_object_unref(gd);
      return TRUE;
    }
    case USBDEVFS_CLAIMINTERFACE:
    case USBDEVFS_RELEASEINTERFACE:
      umockdev_ioctl_client_complete(client, 0, 0);
      return TRUE;
    default:
      return FALSE;
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::uint8_t> from_hex(const std::string& hex) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// One umockdev record (a block of "X: ..." lines) as a device model, or nullopt if it has no device node.
std::unique_ptr<UmockdevUsbBench::Model> model_of(const std::string& record) {
  auto m = std::make_unique<UmockdevUsbBench::Model>();
  std::map<std::string, std::string> attrs;
  std::istringstream lines(record);
  for (std::string line; std::getline(lines, line);) {
    if (line.size() < 3) continue;
    const auto body = line.substr(3);
    if (line.starts_with("P: ")) m->syspath = "/sys" + body;
    if (line.starts_with("N: ")) m->devnode = "/dev/" + body;
    if (line.starts_with("A: ") || line.starts_with("H: ")) {
      const auto eq = body.find('=');
      auto value = body.substr(eq + 1);
      if (value.ends_with("\\n")) value.resize(value.size() - 2);
      attrs[body.substr(0, eq)] = value;
    }
  }
  if (m->devnode.empty()) return nullptr;
  m->sysfs_name = m->syspath.substr(m->syspath.rfind('/') + 1);
  const auto desc = from_hex(attrs["descriptors"]);
  if (desc.size() < 18) throw std::runtime_error(m->syspath + ": descriptors attribute too short");
  m->device_descriptor.assign(desc.begin(), desc.begin() + 18);
  // The sysfs string attributes are what the kernel read from the string descriptors the device
  // descriptor points at (iManufacturer, iProduct, iSerialNumber): serve them back the same way.
  const std::pair<int, const char*> string_fields[] = {{14, "manufacturer"}, {15, "product"}, {16, "serial"}};
  for (const auto& [offset, name] : string_fields) {
    const auto index = desc[static_cast<std::size_t>(offset)];
    if (index != 0 && attrs.count(name)) m->strings[index] = attrs[name];
  }
  return m;
}

}  // namespace

UmockdevUsbBench::UmockdevUsbBench() : shared_(std::make_shared<Shared>()) {
  shared_->testbed = umockdev_testbed_new();  // sets $UMOCKDEV_DIR, which the check below needs
  if (!umockdev_in_mock_environment()) {
    g_object_unref(shared_->testbed);
    throw std::runtime_error(
        "not running under umockdev: run this test through ctest, or as "
        "`umockdev-wrapper <test>` (LD_PRELOAD=libumockdev-preload.so.0)");
  }
}

UmockdevUsbBench::~UmockdevUsbBench() {
  for (auto& [name, m] : shared_->models) {
    umockdev_testbed_detach_ioctl(shared_->testbed, m->devnode.c_str(), nullptr);
    for (auto* urb : m->completed)
      g_object_unref(urb);
    g_object_unref(m->handler);
  }
  g_object_unref(shared_->testbed);
}

void UmockdevUsbBench::add(const std::string& file_name) {
  const auto text = read_file(std::string(TAPBENCH_USB_DEVICES_DIR) + "/" + file_name);
  std::istringstream in(text);
  std::string record, line;
  std::vector<std::string> records;
  while (std::getline(in, line)) {
    if (line.empty()) {
      if (!record.empty()) records.push_back(record);
      record.clear();
    } else if (!line.starts_with("#")) {
      record += line + "\n";
    }
  }
  if (!record.empty()) records.push_back(record);
  for (const auto& r : records)
    add_record(r, file_name);
}

void UmockdevUsbBench::add_record(const std::string& record, const std::string& origin) {
  auto model = model_of(record);
  if (model) {
    // The handler must be in place before the device appears: a hot-plug listener may open it at once.
    model->record = record;
    model->shared = shared_.get();
    model->handler = umockdev_ioctl_base_new();
    g_signal_connect_after(model->handler, "handle-ioctl", G_CALLBACK(on_ioctl), model.get());
    GError* error = nullptr;
    if (!umockdev_testbed_attach_ioctl(shared_->testbed, model->devnode.c_str(), model->handler, &error)) {
      const std::string msg = error ? error->message : "unknown error";
      g_clear_error(&error);
      throw std::runtime_error("cannot attach ioctl handler to " + model->devnode + ": " + msg);
    }
    std::lock_guard lock(shared_->mutex);
    shared_->models[model->sysfs_name] = std::move(model);
  }
  GError* error = nullptr;
  if (!umockdev_testbed_add_from_string(shared_->testbed, record.c_str(), &error)) {
    const std::string msg = error ? error->message : "unknown error";
    g_clear_error(&error);
    throw std::runtime_error("umockdev rejected a record of " + origin + ": " + msg);
  }
}

void UmockdevUsbBench::unplug(const std::string& sysfs_name) {
  std::unique_ptr<Model> gone;
  {
    std::lock_guard lock(shared_->mutex);
    auto it = shared_->models.find(sysfs_name);
    if (it == shared_->models.end()) throw std::runtime_error("no simulated device " + sysfs_name);
    gone = std::move(it->second);
    shared_->models.erase(it);
    shared_->unplugged[sysfs_name] = gone->record;
  }
  umockdev_testbed_uevent(shared_->testbed, gone->syspath.c_str(), "remove");
  umockdev_testbed_remove_device(shared_->testbed, gone->syspath.c_str());
  umockdev_testbed_detach_ioctl(shared_->testbed, gone->devnode.c_str(), nullptr);
  for (auto* urb : gone->completed)
    g_object_unref(urb);
  g_object_unref(gone->handler);
}

void UmockdevUsbBench::replug(const std::string& sysfs_name, std::uint8_t address) {
  std::string record;
  {
    std::lock_guard lock(shared_->mutex);
    auto it = shared_->unplugged.find(sysfs_name);
    if (it == shared_->unplugged.end()) throw std::runtime_error(sysfs_name + " was not unplugged");
    record = it->second;
    shared_->unplugged.erase(it);
  }
  // Rewrite the device address everywhere the record carries it, as a fresh enumeration would.
  unsigned bus = 0;
  std::istringstream in(record);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("E: BUSNUM=")) bus = static_cast<unsigned>(std::stoul(line.substr(10)));
  }
  char ddd[4], bbb[4];
  std::snprintf(ddd, sizeof ddd, "%03u", unsigned{address});
  std::snprintf(bbb, sizeof bbb, "%03u", bus);
  const std::string node = std::string("bus/usb/") + bbb + "/" + ddd;
  std::string out;
  std::istringstream lines(record);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("N: ")) line = "N: " + node;
    if (line.starts_with("E: DEVNAME=")) line = "E: DEVNAME=/dev/" + node;
    if (line.starts_with("E: DEVNUM=")) line = std::string("E: DEVNUM=") + ddd;
    if (line.starts_with("E: MINOR=")) line = "E: MINOR=" + std::to_string((bus - 1) * 128 + address - 1);
    if (line.starts_with("A: devnum=")) line = "A: devnum=" + std::to_string(address) + "\\n";
    out += line + "\n";
  }
  add_record(out, "replug of " + sysfs_name);
}

void UmockdevUsbBench::make_hub(const std::string& sysfs_name, SimulatedHub hub) {
  std::lock_guard lock(shared_->mutex);
  auto& m = *shared_->models.at(sysfs_name);
  m.hub = hub;
  m.port_status.assign(hub.ports, power_bit(m) | kPortConnection);
}

void UmockdevUsbBench::bind_kernel_driver(const std::string& sysfs_name, const std::string& driver) {
  std::lock_guard lock(shared_->mutex);
  shared_->models.at(sysfs_name)->kernel_driver = driver;
}

bool UmockdevUsbBench::port_powered(const std::string& hub_sysfs_name, std::uint8_t port) {
  std::lock_guard lock(shared_->mutex);
  const auto& m = *shared_->models.at(hub_sysfs_name);
  return m.port_status.at(port - 1u) & power_bit(m);
}

std::vector<ControlSetup> UmockdevUsbBench::requests(const std::string& sysfs_name) {
  std::lock_guard lock(shared_->mutex);
  return shared_->models.at(sysfs_name)->log;
}

}  // namespace tapbench::usb::testing
