#include "rig/terminal/printer_api_client.hpp"

#include "rig/terminal/http_call.hpp"

namespace tapbench::rig::terminal {

namespace {

using detail::get_bool;
using detail::get_int;
using detail::get_string;

std::string terminal_body(std::string_view terminal_id) {
  return "{\"terminal_id\":" + detail::json_string(terminal_id) + "}";
}

Registration registration_from(const boost::json::object& o, std::string_view route) {
  Registration r;
  const std::string state = get_string(o, "state", route);
  if (state != "registered" && state != "unregistered")
    throw TerminalTransportError("malformed reply to " + std::string(route) + ": unknown state '" + state +
                                 "'");
  r.registered = state == "registered";
  if (const auto* f = o.if_contains("last_failure"); f && f->is_object()) {
    r.last_failure_error = detail::opt_string(f->as_object(), "error");
    r.last_failure_detail = detail::opt_string(f->as_object(), "detail");
  }
  return r;
}

bool success(int status) {
  return status >= 200 && status < 300;
}

}  // namespace

PrinterApiClient::PrinterApiClient(std::string base_url, std::shared_ptr<const server::TlsTrust> trust,
                                   std::shared_ptr<PhoneLink> link)
    : base_url_(std::move(base_url)), link_(std::move(link)) {
  auto e = detail::parse_http_base_url(base_url_, "printer API URL", std::move(trust));
  host_ = e.host;
  port_ = e.port;
  tls_ = std::move(e.tls);
}

Reply<PtGrant> PrinterApiClient::issue_pt(std::string_view pwt, std::string_view terminal_id,
                                          ms timeout) const {
  constexpr std::string_view route = "POST /tapbench/api/pt";
  const auto a = detail::exchange({host_, port_, tls_, link_}, "POST", "/tapbench/api/pt",
                                  terminal_body(terminal_id), pwt, timeout);
  if (!success(a.status)) return detail::refusal<PtGrant>(a);
  const auto o = detail::parse_object(a, route);
  Reply<PtGrant> r;
  r.status = a.status;
  r.value = PtGrant{get_string(o, "pt", route), get_string(o, "terminal_id", route)};
  return r;
}

Reply<bool> PrinterApiClient::delete_pt(std::string_view pt, std::string_view terminal_id, ms timeout) const {
  constexpr std::string_view route = "POST /tapbench/api/pt/delete";
  const auto a = detail::exchange({host_, port_, tls_, link_}, "POST", "/tapbench/api/pt/delete",
                                  terminal_body(terminal_id), pt, timeout);
  if (!success(a.status)) return detail::refusal<bool>(a);
  const auto o = detail::parse_object(a, route);
  Reply<bool> r;
  r.status = a.status;
  r.value = get_bool(o, "deleted", route);
  return r;
}

Reply<Registration> PrinterApiClient::register_printer(std::string_view pt, std::string_view terminal_id,
                                                       ms timeout) const {
  constexpr std::string_view route = "POST /tapbench/api/register";
  const auto a = detail::exchange({host_, port_, tls_, link_}, "POST", "/tapbench/api/register",
                                  terminal_body(terminal_id), pt, timeout);
  if (!success(a.status)) return detail::refusal<Registration>(a);
  Reply<Registration> r;
  r.status = a.status;
  r.value = registration_from(detail::parse_object(a, route), route);
  return r;
}

Reply<Registration> PrinterApiClient::registration(std::string_view pt, ms timeout) const {
  constexpr std::string_view route = "GET /tapbench/api/registration";
  const auto a =
      detail::exchange({host_, port_, tls_, link_}, "GET", "/tapbench/api/registration", {}, pt, timeout);
  if (!success(a.status)) return detail::refusal<Registration>(a);
  Reply<Registration> r;
  r.status = a.status;
  r.value = registration_from(detail::parse_object(a, route), route);
  return r;
}

Reply<std::string> PrinterApiClient::request_svwt(std::string_view pt, std::string_view terminal_id,
                                                  ms timeout) const {
  constexpr std::string_view route = "POST /tapbench/api/svwt";
  const auto a = detail::exchange({host_, port_, tls_, link_}, "POST", "/tapbench/api/svwt",
                                  terminal_body(terminal_id), pt, timeout);
  if (!success(a.status)) return detail::refusal<std::string>(a);
  const auto o = detail::parse_object(a, route);
  Reply<std::string> r;
  r.status = a.status;
  r.value = get_string(o, "svwt", route);
  return r;
}

Reply<SyncResult> PrinterApiClient::sync(std::string_view pt, std::string_view terminal_id,
                                         ms timeout) const {
  constexpr std::string_view route = "POST /tapbench/api/sync";
  const auto a = detail::exchange({host_, port_, tls_, link_}, "POST", "/tapbench/api/sync",
                                  terminal_body(terminal_id), pt, timeout);
  if (!success(a.status)) return detail::refusal<SyncResult>(a);
  const auto o = detail::parse_object(a, route);
  Reply<SyncResult> r;
  r.status = a.status;
  r.value = SyncResult{get_int(o, "pages_added", route), get_int(o, "printable_pages", route),
                       get_bool(o, "printing_enabled", route), get_bool(o, "reported", route)};
  return r;
}

Reply<PrinterStatus> PrinterApiClient::status(ms timeout) const {
  constexpr std::string_view route = "GET /tapbench/status";
  const auto a = detail::exchange({host_, port_, tls_, link_}, "GET", "/tapbench/status", {}, {}, timeout);
  if (!success(a.status)) return detail::refusal<PrinterStatus>(a);
  const auto o = detail::parse_object(a, route);
  PrinterStatus s;
  s.pages_remaining = get_int(o, "pages_remaining", route);
  s.ink_low_percent = static_cast<int>(get_int(o, "ink_low_percent", route));
  s.router_ssid = detail::opt_string(o, "router_ssid");
  if (const auto* ink = o.if_contains("ink"); ink && ink->is_array()) {
    for (const auto& e : ink->as_array()) {
      if (!e.is_object()) throw TerminalTransportError("malformed reply to GET /tapbench/status: ink entry");
      const auto& io = e.as_object();
      s.ink.push_back(InkLevel{get_string(io, "colour", route),
                               static_cast<int>(get_int(io, "percent", route)), get_bool(io, "low", route)});
    }
  }
  Reply<PrinterStatus> r;
  r.status = a.status;
  r.value = std::move(s);
  return r;
}

}  // namespace tapbench::rig::terminal
