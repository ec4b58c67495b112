#include "rig/cli/usb_report.hpp"

#include <fcntl.h>
#include <linux/usbdevice_fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>

#include "drivers/usb/reader_table.hpp"

namespace tapbench::cli {
namespace {

std::string kernel_driver_of(const usb::ReaderInfo& r) {
  char node[64];
  std::snprintf(node, sizeof node, "/dev/bus/usb/%03u/%03u", r.bus, r.address);
  const int fd = ::open(node, O_RDWR | O_CLOEXEC);
  if (fd < 0) return {};
  usbdevfs_getdriver gd{};
  gd.interface = 0;
  const bool ok = ::ioctl(fd, USBDEVFS_GETDRIVER, &gd) == 0;
  ::close(fd);
  return ok ? std::string(gd.driver) : std::string();
}

}  // namespace

void name_kernel_drivers(std::vector<usb::ReaderInfo>& readers) {
  for (auto& r : readers) {
    if (!r.kernel_driver_bound) continue;
    const auto driver = kernel_driver_of(r);
    const std::string name = driver.empty() ? "pn533_usb" : driver;
    r.problem = "held by kernel driver " + (driver.empty() ? std::string("(usually pn533_usb)") : driver) +
                ": libnfc cannot claim it; blacklist it (echo \"blacklist " + name +
                "\" > /etc/modprobe.d/tapbench-nfc.conf, then modprobe -r " + name +
                ") or unbind it (docs/DRIVERS-USB.md)";
  }
}

std::string reader_text(const usb::ReaderInfo& r) {
  std::string s = r.identity() + "  " + r.kind + " (" + usb::format_usb_id(r.id) + ")  " + r.connstring;
  if (!r.product.empty() || !r.manufacturer.empty()) s += "  \"" + r.manufacturer + " " + r.product + "\"";
  if (!r.problem.empty()) s += "\n    problem: " + r.problem;
  return s;
}

boost::json::object reader_json(const usb::ReaderInfo& r) {
  return {{"identity", r.identity()},
          {"id", usb::format_usb_id(r.id)},
          {"kind", r.kind},
          {"driver", std::string(usb::to_string(r.driver))},
          {"port_path", r.port_path},
          {"serial", r.serial},
          {"bus", r.bus},
          {"address", r.address},
          {"manufacturer", r.manufacturer},
          {"product", r.product},
          {"connstring", r.connstring},
          {"kernel_driver_bound", r.kernel_driver_bound},
          {"problem", r.problem}};
}

std::string hub_text(const usb::HubInfo& h) {
  std::string s = h.path + "  " + usb::format_usb_id({h.vid, h.pid});
  if (!h.problem.empty()) return s + "  problem: " + h.problem;
  s += "  " + std::to_string(h.descriptor.num_ports) + " ports  " +
       std::string(usb::to_string(h.descriptor.switching())) + " power switching";
  if (h.descriptor.superspeed) s += "  (USB 3)";
  return s;
}

boost::json::object hub_json(const usb::HubInfo& h) {
  boost::json::object o{{"path", h.path}, {"id", usb::format_usb_id({h.vid, h.pid})}, {"problem", h.problem}};
  if (h.problem.empty()) {
    o["ports"] = h.descriptor.num_ports;
    o["switching"] = std::string(usb::to_string(h.descriptor.switching()));
    o["superspeed"] = h.descriptor.superspeed;
    o["power_on_to_good_ms"] = h.descriptor.power_on_to_good.count();
  }
  return o;
}

std::string known_readers_text(const usb::ReaderTable& table) {
  std::string s;
  for (const auto& k : table.entries()) {
    if (!s.empty()) s += ", ";
    s += usb::format_usb_id(k.id) + " " + k.kind;
  }
  return s;
}

}  // namespace tapbench::cli
