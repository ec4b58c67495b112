#include "server/web/pages.hpp"

#include <openssl/rand.h>

#include <cctype>
#include <cstdio>

namespace tapbench::server::web {

namespace {

const char* const kStyle =
    "body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;color:#222}"
    "h1{font-size:1.4rem}table{border-collapse:collapse}td,th{padding:.2rem .8rem .2rem 0;text-align:left}"
    ".flash{background:#e6f4ea;padding:.6rem;border-radius:4px}.error{background:#fce8e6;padding:.6rem;"
    "border-radius:4px}form{margin:1rem 0;padding:1rem;border:1px solid #ccc;border-radius:4px}"
    "label{display:block;margin:.4rem 0}button{padding:.4rem 1rem}";

std::string head(const std::string& title) {
  return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
         "<meta name=\"referrer\" content=\"no-referrer\"><title>" +
         html_escape(title) + "</title><style>" + kStyle + "</style></head><body>";
}

std::string messages(const std::string& flash, const std::string& error) {
  std::string out;
  if (!flash.empty()) out += "<p class=\"flash\" id=\"flash\" role=\"status\">" + html_escape(flash) + "</p>";
  if (!error.empty()) out += "<p class=\"error\" id=\"error\" role=\"alert\">" + html_escape(error) + "</p>";
  return out;
}

std::string device_table(const Device& d) {
  std::string out = "<table id=\"device\"><tr><th>Printer</th><td id=\"device-id\">" +
                    html_escape(d.device_id) + "</td></tr><tr><th>Printable pages</th><td id=\"pages\">" +
                    std::to_string(d.pages) +
                    "</td></tr><tr><th>Charged, not yet synced</th><td id=\"pending\">" +
                    std::to_string(d.pending_pages) + "</td></tr><tr><th>Printing</th><td id=\"active\">" +
                    (d.active ? "enabled" : "disabled") + "</td></tr>";
  for (const auto& [color, level] : d.ink) {
    out += "<tr><th>Ink " + html_escape(color) + "</th><td class=\"ink\" data-color=\"" + html_escape(color) +
           "\">" + std::to_string(level) + "%</td></tr>";
  }
  return out + "</table>";
}

// One per rendering of the pay form: a double submit (or a resubmit after a lost answer) is the same payment.
std::string fresh_request_id() {
  unsigned char bytes[12];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return {};
  std::string out = "web-";
  char buf[3];
  for (unsigned char b : bytes) {
    std::snprintf(buf, sizeof buf, "%02x", b);
    out += buf;
  }
  return out;
}

std::string hidden_svt(const std::string& svt) {
  return "<input type=\"hidden\" name=\"svt\" value=\"" + html_escape(svt) + "\">";
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string url_encode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string charge_page(const DeviceView& view, const std::string& svt, const ServiceConfig& config,
                        const std::string& flash, const std::string& error) {
  const Device& d = view.device;
  std::string out = head("Charge pages — " + d.device_id);
  out += "<h1>Charge printable pages</h1>" + messages(flash, error) + device_table(d);
  out += "<form method=\"post\" action=\"/charge\" id=\"paid-form\"><h2>Buy pages</h2>" + hidden_svt(svt) +
         "<input type=\"hidden\" name=\"kind\" value=\"paid\">"
         "<input type=\"hidden\" name=\"request_id\" value=\"" +
         fresh_request_id() +
         "\">"
         "<label>Pages <input type=\"number\" name=\"pages\" id=\"pages-input\" min=\"1\" max=\"" +
         std::to_string(config.max_pages_per_charge) +
         "\" value=\"500\" required></label>"
         "<label>Card number <input type=\"text\" name=\"card\" id=\"card-input\" inputmode=\"numeric\" "
         "autocomplete=\"cc-number\" required></label>"
         "<p>Price: " +
         std::to_string(config.price_cents_per_page) +
         " cents per page.</p><button type=\"submit\" id=\"pay\">Pay and charge</button></form>";
  if (!d.free_charge_used) {
    out += "<form method=\"post\" action=\"/charge\" id=\"free-form\"><h2>Free pages</h2>" + hidden_svt(svt) +
           "<input type=\"hidden\" name=\"kind\" value=\"free\"><p>This printer has " +
           std::to_string(config.free_pages) +
           " free pages to claim once.</p><button type=\"submit\" id=\"claim-free\">Claim free "
           "pages</button></form>";
  }
  out +=
      "<p><a href=\"/exchange?svt=" + url_encode(svt) + "\" id=\"to-exchange\">Ink and replacement</a></p>";
  return out + "</body></html>";
}

std::string exchange_page(const DeviceView& view, const std::string& svt, const std::string& flash,
                          const std::string& error) {
  const Device& d = view.device;
  std::string out = head("Ink replacement — " + d.device_id);
  out += "<h1>Ink replacement</h1>" + messages(flash, error) + device_table(d);
  if (view.notices.empty()) {
    out += "<p id=\"no-notice\">No replacement needed right now.</p>";
  } else {
    out += "<ul id=\"notices\">";
    for (const Notice& n : view.notices) {
      out += "<li class=\"notice\" data-color=\"" + html_escape(n.color) + "\">" + html_escape(n.color) +
             " is low (" + std::to_string(n.level) + "%)</li>";
    }
    out += "</ul>";
  }
  out += "<form method=\"post\" action=\"/exchange\" id=\"exchange-form\"><h2>Request replacement</h2>" +
         hidden_svt(svt);
  for (const auto& [color, level] : d.ink) {
    bool low = false;
    for (const Notice& n : view.notices)
      low = low || n.color == color;
    out += "<label><input type=\"checkbox\" name=\"color\" value=\"" + html_escape(color) + "\"" +
           (low ? " checked" : "") + "> " + html_escape(color) + " (" + std::to_string(level) + "%)</label>";
  }
  out += "<button type=\"submit\" id=\"request-exchange\">Request replacement</button></form>";
  out += "<p><a href=\"/charge?svt=" + url_encode(svt) + "\" id=\"to-charge\">Charge pages</a></p>";
  return out + "</body></html>";
}

std::string error_page(int status, const std::string& code, const std::string& message) {
  std::string out = head("Error " + std::to_string(status));
  out += "<h1>This link cannot be used</h1><p class=\"error\" id=\"error\" data-code=\"" + html_escape(code) +
         "\">" + html_escape(message) +
         "</p><p>Tap the printer with your phone again to get a fresh link.</p></body></html>";
  return out;
}

}  // namespace tapbench::server::web
