// How `tapbench usb …` and `tapbench doctor` show USB readers and hubs (text and JSON), in one place.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "drivers/usb/hub_power.hpp"
#include "drivers/usb/reader_inventory.hpp"
#include "drivers/usb/reader_table.hpp"

namespace tapbench::cli {

// For readers held by a kernel driver: asks the kernel which one (USBDEVFS_GETDRIVER on interface 0) and
// rewrites `problem` to name it and say what to do ("held by kernel driver pn533_usb: …").
void name_kernel_drivers(std::vector<usb::ReaderInfo>& readers);
// "1-2.3#PN533BENCH07  NXP PN533 (04cc:2533)  pn53x_usb:001:007" plus "  problem: …" when there is one.
std::string reader_text(const usb::ReaderInfo& reader);
boost::json::object reader_json(const usb::ReaderInfo& reader);
// "1-2  05e3:0608  4 ports  per-port power switching" or the hub's problem.
std::string hub_text(const usb::HubInfo& hub);
boost::json::object hub_json(const usb::HubInfo& hub);
// "072f:2200 ACS ACR122U, …" — what the inventory looks for.
std::string known_readers_text(const usb::ReaderTable& table);

}  // namespace tapbench::cli
