#include "firmware-under-test/port/linux/bindings/ptb_json.hpp"

#include <boost/json.hpp>
#include <limits>

namespace tapbench::firmware::port {
namespace json = boost::json;
namespace {

std::int64_t to_ns(SystemTime t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}
SystemTime from_ns(std::int64_t ns) {
  return SystemTime{std::chrono::duration_cast<SystemTime::duration>(std::chrono::nanoseconds{ns})};
}

// Thrown inside the parser only; converted to a Status before leaving this file.
struct FieldError {
  std::string detail;
};

const json::value& field(const json::object& o, const char* name, const std::string& where) {
  const json::value* v = o.if_contains(name);
  if (!v) throw FieldError{where + name + ": missing"};
  return *v;
}

std::int64_t integer(const json::value& v, const std::string& name, std::int64_t lo, std::int64_t hi) {
  std::int64_t n = 0;
  if (v.is_int64()) {
    n = v.get_int64();
  } else if (v.is_uint64()) {
    if (v.get_uint64() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      throw FieldError{name + ": out of range"};
    n = static_cast<std::int64_t>(v.get_uint64());
  } else {
    throw FieldError{name + ": not an integer"};
  }
  if (n < lo || n > hi) throw FieldError{name + ": out of range"};
  return n;
}

std::uint64_t unsigned64(const json::value& v, const std::string& name) {
  if (v.is_uint64()) return v.get_uint64();
  if (v.is_int64() && v.get_int64() >= 0) return static_cast<std::uint64_t>(v.get_int64());
  throw FieldError{name + (v.is_int64() ? ": out of range" : ": not an integer")};
}

std::string string(const json::value& v, const std::string& name) {
  if (!v.is_string()) throw FieldError{name + ": not a string"};
  return std::string(v.get_string());
}

const json::object& object(const json::value& v, const std::string& name) {
  if (!v.is_object()) throw FieldError{name + ": not an object"};
  return v.get_object();
}

const json::array& array(const json::value& v, const std::string& name) {
  if (!v.is_array()) throw FieldError{name + ": not an array"};
  return v.get_array();
}

Ptb parse(const json::object& o) {
  Ptb p;
  p.version = static_cast<std::uint32_t>(integer(field(o, "version", ""), "version", 0, UINT32_MAX));
  if (p.version != kPtbVersion) throw FieldError{"version"};  // reported as unsupported by the caller
  p.device_id = string(field(o, "device_id", ""), "device_id");
  if (p.device_id.empty()) throw FieldError{"device_id: empty"};
  p.printable_pages =
      static_cast<std::uint32_t>(integer(field(o, "printable_pages", ""), "printable_pages", 0, UINT32_MAX));
  p.pages_printed = unsigned64(field(o, "pages_printed", ""), "pages_printed");
  p.page_threshold =
      static_cast<std::uint32_t>(integer(field(o, "page_threshold", ""), "page_threshold", 0, UINT32_MAX));
  p.ink_low_percent =
      static_cast<std::uint8_t>(integer(field(o, "ink_low_percent", ""), "ink_low_percent", 0, 100));
  const auto& ink = array(field(o, "ink", ""), "ink");
  for (std::size_t i = 0; i < ink.size(); ++i) {
    const std::string where = "ink[" + std::to_string(i) + "].";
    const auto& e = object(ink[i], "ink[" + std::to_string(i) + "]");
    InkLevel level;
    level.colour = string(field(e, "colour", where), where + "colour");
    level.percent = static_cast<std::uint8_t>(integer(field(e, "percent", where), where + "percent", 0, 100));
    p.ink.push_back(std::move(level));
  }
  const auto& enabled = field(o, "printing_enabled", "");
  if (!enabled.is_bool()) throw FieldError{"printing_enabled: not a boolean"};
  p.printing_enabled = enabled.get_bool();
  if (const auto* n = o.if_contains("network")) {
    const auto& net = object(*n, "network");
    p.network = NetworkConfig{string(field(net, "ssid", "network."), "network.ssid"),
                              string(field(net, "passphrase", "network."), "network.passphrase")};
  }
  if (const auto* st = o.if_contains("server_token")) p.server_token = string(*st, "server_token");
  const auto& pts = array(field(o, "pt_bindings", ""), "pt_bindings");
  for (std::size_t i = 0; i < pts.size(); ++i) {
    const std::string where = "pt_bindings[" + std::to_string(i) + "].";
    const auto& e = object(pts[i], "pt_bindings[" + std::to_string(i) + "]");
    PtBinding b;
    b.pt_hash = string(field(e, "pt_hash", where), where + "pt_hash");
    b.terminal_id = string(field(e, "terminal_id", where), where + "terminal_id");
    b.issued_at =
        from_ns(integer(field(e, "issued_at_ns", where), where + "issued_at_ns",
                        std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()));
    p.pt_bindings.push_back(std::move(b));
  }
  if (const auto* s = o.if_contains("svwt")) {
    const auto& sv = object(*s, "svwt");
    p.svwt = StoredSvwt{
        string(field(sv, "token", "svwt."), "svwt.token"),
        from_ns(integer(field(sv, "expires_at_ns", "svwt."), "svwt.expires_at_ns",
                        std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()))};
  }
  p.applied_credit_id = integer(field(o, "applied_credit_id", ""), "applied_credit_id", 0,
                                std::numeric_limits<std::int64_t>::max());
  if (const auto* f = o.if_contains("pages_in_flight")) {  // absent = none (and in older files)
    const auto& pages = array(*f, "pages_in_flight");
    for (std::size_t i = 0; i < pages.size(); ++i) {
      const std::string where = "pages_in_flight[" + std::to_string(i) + "].";
      const auto& e = object(pages[i], "pages_in_flight[" + std::to_string(i) + "]");
      PageInFlight page;
      page.job_id = static_cast<std::uint32_t>(
          integer(field(e, "job_id", where), where + "job_id", 0, std::numeric_limits<std::uint32_t>::max()));
      page.page = static_cast<std::uint32_t>(
          integer(field(e, "page", where), where + "page", 1, std::numeric_limits<std::uint32_t>::max()));
      p.pages_in_flight.push_back(page);
    }
  }
  return p;
}

}  // namespace

std::string ptb_to_json(const Ptb& p) {
  json::object o;
  o["version"] = p.version;
  o["device_id"] = p.device_id;
  o["printable_pages"] = p.printable_pages;
  o["pages_printed"] = p.pages_printed;
  o["page_threshold"] = p.page_threshold;
  o["ink_low_percent"] = p.ink_low_percent;
  json::array ink;
  for (const auto& l : p.ink)
    ink.push_back(json::object{{"colour", l.colour}, {"percent", l.percent}});
  o["ink"] = std::move(ink);
  o["printing_enabled"] = p.printing_enabled;
  if (p.network)
    o["network"] = json::object{{"ssid", p.network->ssid}, {"passphrase", p.network->passphrase}};
  if (p.server_token) o["server_token"] = *p.server_token;
  json::array pts;
  for (const auto& b : p.pt_bindings)
    pts.push_back(json::object{
        {"pt_hash", b.pt_hash}, {"terminal_id", b.terminal_id}, {"issued_at_ns", to_ns(b.issued_at)}});
  o["pt_bindings"] = std::move(pts);
  if (p.svwt)
    o["svwt"] = json::object{{"token", p.svwt->token}, {"expires_at_ns", to_ns(p.svwt->expires_at)}};
  o["applied_credit_id"] = p.applied_credit_id;
  if (!p.pages_in_flight.empty()) {
    json::array pages;
    for (const auto& f : p.pages_in_flight)
      pages.push_back(json::object{{"job_id", f.job_id}, {"page", f.page}});
    o["pages_in_flight"] = std::move(pages);
  }
  return json::serialize(o);
}

hal::Result<Ptb> ptb_from_json(std::string_view text) {
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec);
  if (ec) return hal::Status::failure(hal::HalCode::bad_response, "not valid JSON (" + ec.message() + ")");
  if (!v.is_object()) return hal::Status::failure(hal::HalCode::bad_response, "not a JSON object");
  try {
    return parse(v.get_object());
  } catch (const FieldError& e) {
    if (e.detail == "version") {
      const auto* ver = v.get_object().if_contains("version");
      return hal::Status::failure(hal::HalCode::unsupported, "PTB version " + json::serialize(*ver) +
                                                                 " (this build reads version " +
                                                                 std::to_string(kPtbVersion) + ")");
    }
    return hal::Status::failure(hal::HalCode::bad_response, e.detail);
  }
}

}  // namespace tapbench::firmware::port
