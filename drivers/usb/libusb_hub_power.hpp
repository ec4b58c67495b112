// HubPower over libusb-1.0: hub class control transfers on the hub's endpoint 0 (no interface claim, so
// the kernel's hub driver keeps the hub). Needs write access to the hub's /dev/bus/usb node.
#pragma once

#include <chrono>
#include <memory>

#include "drivers/usb/hub_power.hpp"
#include "drivers/usb/libusb_context.hpp"

namespace tapbench::usb {

struct LibusbHubPowerOptions {
  // Ganged hubs switch every port at once; power-cycling one reader then cycles its neighbours too.
  bool allow_ganged = false;
  std::chrono::milliseconds transfer_timeout{1000};
};

class LibusbHubPower final : public HubPower {
 public:
  explicit LibusbHubPower(LibusbHubPowerOptions options = {});
  ~LibusbHubPower() override;

  HubInfo describe(const std::string& hub_path) override;
  bool port_powered(const HubPort& port) override;
  void set_port_power(const HubPort& port, bool on) override;

  // Every hub on every bus, root hubs included, with its descriptor (for `tapbench doctor`). A hub that
  // cannot be opened or read is listed with `problem` set.
  std::vector<HubInfo> list_hubs();

 private:
  struct OpenHub;
  OpenHub open_hub(const std::string& hub_path);
  PortStatus read_status(OpenHub& hub, std::uint8_t port);

  LibusbHubPowerOptions options_;
  LibusbContext context_;
};

}  // namespace tapbench::usb
