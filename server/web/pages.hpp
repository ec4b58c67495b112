// Server-rendered HTML for the charge page and the exchange page (S118): opened by URL with the SVT in the
// query, they show the printer identified by that SVT and work without JavaScript (plain forms, POST then
// 303 redirect back to the page with the result).
#pragma once

#include <string>
#include <string_view>

#include "server/service/vendor_service.hpp"

namespace tapbench::server::web {

std::string html_escape(std::string_view text);
std::string url_encode(std::string_view text);

// `flash`: a result line to show (already plain text; escaped here). `error`: likewise, shown as an error.
std::string charge_page(const DeviceView& view, const std::string& svt, const ServiceConfig& config,
                        const std::string& flash, const std::string& error);
std::string exchange_page(const DeviceView& view, const std::string& svt, const std::string& flash,
                          const std::string& error);
// For a missing/expired/unknown SVT: says what happened and what to do (tap the printer again).
std::string error_page(int status, const std::string& code, const std::string& message);

}  // namespace tapbench::server::web
