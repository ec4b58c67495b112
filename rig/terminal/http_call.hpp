// Internal to rig/terminal: one bounded HTTP exchange through server::HttpClient (Boost.Beast) and the
// decoding of both JSON error shapes (printerd: {"error": CODE, "detail": TEXT}; vendord:
// {"error": {"code": CODE, "message": TEXT}}). Transport failures become TerminalTransportError with the
// route (never a query or a token) in the message.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "rig/terminal/phone_link.hpp"
#include "rig/terminal/reply.hpp"
#include "server/api/http_client.hpp"
#include "server/api/tls_trust.hpp"

namespace tapbench::rig::terminal::detail {

struct Endpoint {
  std::string host;
  std::uint16_t port = 0;
  // https: how the server is trusted (server/api/tls_trust.hpp); null for http.
  std::shared_ptr<const server::TlsTrust> tls;
  // The phone's link over its radio (phone_link.hpp): checked before connecting, and the connection made
  // from its network namespace; null: from the rig's own.
  std::shared_ptr<PhoneLink> link;
};

// "http://HOST:PORT[/]" → {HOST, PORT}, "https://HOST:PORT[/]" → the same with TLS trusted by `trust` (the
// system CA store when null); std::invalid_argument otherwise. `what` names the parameter.
Endpoint parse_http_base_url(std::string_view url, std::string_view what,
                             std::shared_ptr<const server::TlsTrust> trust = nullptr);

struct HttpAnswer {
  int status = 0;
  std::string body;
  std::string content_type;
  std::string location;
};

// One request on a fresh connection. `bearer` empty = no Authorization. `route` names the call in errors.
HttpAnswer exchange(const Endpoint& to, std::string_view method, const std::string& target,
                    const std::string& json_body, std::string_view bearer, ms timeout);

// A 2xx answer's JSON object; TerminalTransportError when the body is not one.
boost::json::object parse_object(const HttpAnswer& answer, std::string_view route);

// Fills status/error/detail of a refusal from either error shape ("http_<status>" when the body has none).
template <class T>
Reply<T> refusal(const HttpAnswer& answer) {
  Reply<T> r;
  r.status = answer.status;
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(answer.body, ec);
  if (!ec && v.is_object()) {
    const auto& o = v.as_object();
    if (const auto* e = o.if_contains("error")) {
      if (e->is_string()) {
        r.error = std::string(e->as_string());
        if (const auto* d = o.if_contains("detail"); d && d->is_string())
          r.detail = std::string(d->as_string());
      } else if (e->is_object()) {
        const auto& eo = e->as_object();
        if (const auto* c = eo.if_contains("code"); c && c->is_string())
          r.error = std::string(c->as_string());
        if (const auto* m = eo.if_contains("message"); m && m->is_string())
          r.detail = std::string(m->as_string());
      }
    }
  }
  if (r.error.empty()) r.error = "http_" + std::to_string(answer.status);
  return r;
}

// Typed field access that turns a missing/mistyped field into TerminalTransportError (malformed reply).
std::string get_string(const boost::json::object& o, std::string_view key, std::string_view route);
std::int64_t get_int(const boost::json::object& o, std::string_view key, std::string_view route);
bool get_bool(const boost::json::object& o, std::string_view key, std::string_view route);
std::string opt_string(const boost::json::object& o, std::string_view key);

std::string json_string(std::string_view s);  // a JSON string literal (quoted, escaped)

}  // namespace tapbench::rig::terminal::detail
