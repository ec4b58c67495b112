#include "rig/terminal/vendor_client.hpp"

#include "rig/terminal/http_call.hpp"

namespace tapbench::rig::terminal {

namespace {

using detail::get_bool;
using detail::get_int;
using detail::get_string;
using detail::json_string;
using detail::opt_string;

bool success(int status) {
  return status >= 200 && status < 300;
}

CwtGrant cwt_from(const boost::json::object& o, std::string_view route) {
  CwtGrant g;
  g.cwt = get_string(o, "cwt", route);
  g.device_id = get_string(o, "device_id", route);
  g.pages = get_int(o, "pages", route);
  g.purpose = get_string(o, "purpose", route);
  g.expires_at = opt_string(o, "expires_at");
  if (o.contains("payment_id")) g.payment_id = get_int(o, "payment_id", route);
  if (const auto* v = o.if_contains("replayed"); v && v->is_bool()) g.replayed = v->as_bool();
  return g;
}

}  // namespace

VendorClient::VendorClient(std::string base_url, std::shared_ptr<const server::TlsTrust> trust)
    : base_url_(std::move(base_url)) {
  auto e = detail::parse_http_base_url(base_url_, "vendord URL", std::move(trust));
  host_ = e.host;
  port_ = e.port;
  tls_ = std::move(e.tls);
}

Reply<SvtGrant> VendorClient::svt(std::string_view svwt, std::string_view terminal_id, ms timeout) const {
  constexpr std::string_view route = "POST /v1/terminal/svt";
  const std::string body =
      "{\"svwt\":" + json_string(svwt) + ",\"terminal_id\":" + json_string(terminal_id) + "}";
  const auto a = detail::exchange({host_, port_, tls_, {}}, "POST", "/v1/terminal/svt", body, {}, timeout);
  if (!success(a.status)) return detail::refusal<SvtGrant>(a);
  const auto o = detail::parse_object(a, route);
  Reply<SvtGrant> r;
  r.status = a.status;
  r.value = SvtGrant{get_string(o, "svt", route), get_string(o, "device_id", route),
                     get_string(o, "charge_url", route), get_string(o, "exchange_url", route)};
  return r;
}

Reply<CwtGrant> VendorClient::free_charge(std::string_view svt, ms timeout) const {
  constexpr std::string_view route = "POST /v1/terminal/free-charge";
  const auto a =
      detail::exchange({host_, port_, tls_, {}}, "POST", "/v1/terminal/free-charge", "{}", svt, timeout);
  if (!success(a.status)) return detail::refusal<CwtGrant>(a);
  Reply<CwtGrant> r;
  r.status = a.status;
  r.value = cwt_from(detail::parse_object(a, route), route);
  return r;
}

Reply<ChargeResult> VendorClient::charge(std::string_view cwt, ms timeout) const {
  constexpr std::string_view route = "POST /v1/terminal/charge";
  const auto a = detail::exchange({host_, port_, tls_, {}}, "POST", "/v1/terminal/charge",
                                  "{\"cwt\":" + json_string(cwt) + "}", {}, timeout);
  if (!success(a.status)) return detail::refusal<ChargeResult>(a);
  const auto o = detail::parse_object(a, route);
  Reply<ChargeResult> r;
  r.status = a.status;
  r.value = ChargeResult{get_string(o, "device_id", route), get_int(o, "pages_granted", route),
                         get_int(o, "credit_id", route), get_string(o, "purpose", route)};
  return r;
}

Reply<CwtGrant> VendorClient::paid_charge(std::string_view svt, std::int64_t pages,
                                          std::string_view card_number, std::string_view request_id,
                                          ms timeout) const {
  constexpr std::string_view route = "POST /v1/terminal/paid-charge";
  std::string body = "{\"pages\":" + std::to_string(pages) + ",\"card_number\":" + json_string(card_number);
  if (!request_id.empty()) body += ",\"request_id\":" + json_string(request_id);
  body += "}";
  const auto a =
      detail::exchange({host_, port_, tls_, {}}, "POST", "/v1/terminal/paid-charge", body, svt, timeout);
  if (!success(a.status)) return detail::refusal<CwtGrant>(a);
  Reply<CwtGrant> r;
  r.status = a.status;
  r.value = cwt_from(detail::parse_object(a, route), route);
  return r;
}

Reply<std::int64_t> VendorClient::exchange(std::string_view svt, const std::vector<std::string>& colors,
                                           ms timeout) const {
  constexpr std::string_view route = "POST /v1/terminal/exchange";
  std::string body = "{";
  if (!colors.empty()) {
    body += "\"colors\":[";
    for (std::size_t i = 0; i < colors.size(); ++i)
      body += (i ? "," : "") + json_string(colors[i]);
    body += "]";
  }
  body += "}";
  const auto a =
      detail::exchange({host_, port_, tls_, {}}, "POST", "/v1/terminal/exchange", body, svt, timeout);
  if (!success(a.status)) return detail::refusal<std::int64_t>(a);
  const auto o = detail::parse_object(a, route);
  Reply<std::int64_t> r;
  r.status = a.status;
  r.value = get_int(o, "request_id", route);
  return r;
}

Reply<bool> VendorClient::activation(std::string_view svt, bool active, ms timeout) const {
  constexpr std::string_view route = "POST /v1/terminal/activation";
  const auto a = detail::exchange({host_, port_, tls_, {}}, "POST", "/v1/terminal/activation",
                                  active ? R"({"active":true})" : R"({"active":false})", svt, timeout);
  if (!success(a.status)) return detail::refusal<bool>(a);
  const auto o = detail::parse_object(a, route);
  Reply<bool> r;
  r.status = a.status;
  r.value = get_bool(o, "active", route);
  return r;
}

Reply<DeviceInfo> VendorClient::device(std::string_view svt, ms timeout) const {
  constexpr std::string_view route = "GET /v1/terminal/device";
  const auto a = detail::exchange({host_, port_, tls_, {}}, "GET", "/v1/terminal/device", {}, svt, timeout);
  if (!success(a.status)) return detail::refusal<DeviceInfo>(a);
  const auto o = detail::parse_object(a, route);
  DeviceInfo d;
  d.device_id = get_string(o, "device_id", route);
  d.pages = get_int(o, "pages", route);
  d.pending_pages = get_int(o, "pending_pages", route);
  d.active = get_bool(o, "active", route);
  d.free_charge_used = get_bool(o, "free_charge_used", route);
  d.last_sync_at = opt_string(o, "last_sync_at");
  if (const auto* ink = o.if_contains("ink"); ink && ink->is_object()) {
    for (const auto& [colour, level] : ink->as_object()) {
      if (level.is_int64()) d.ink[std::string(colour)] = static_cast<int>(level.as_int64());
    }
  }
  if (const auto* n = o.if_contains("replacement_notices"); n && n->is_array()) {
    for (const auto& e : n->as_array()) {
      if (!e.is_object()) continue;
      const auto& no = e.as_object();
      d.replacement_notices.push_back(ReplacementNotice{get_string(no, "color", route),
                                                        static_cast<int>(get_int(no, "level", route)),
                                                        opt_string(no, "since")});
    }
  }
  Reply<DeviceInfo> r;
  r.status = a.status;
  r.value = std::move(d);
  return r;
}

WebPage VendorClient::open_page(std::string_view url, ms timeout) const {
  // The page URLs vendord hands out are absolute (http.public_url or the request's Host); only the path and
  // query are sent, to this client's server.
  std::string_view target = url;
  if (const auto scheme = url.find("://"); scheme != std::string_view::npos) {
    const auto slash = url.find('/', scheme + 3);
    target = slash == std::string_view::npos ? std::string_view("/") : url.substr(slash);
  }
  if (target.empty() || target.front() != '/') throw std::invalid_argument("open_page: not a page URL");
  const auto a = detail::exchange({host_, port_, tls_, {}}, "GET", std::string(target), {}, {}, timeout);
  return WebPage{a.status, a.content_type, a.location, a.body};
}

}  // namespace tapbench::rig::terminal
