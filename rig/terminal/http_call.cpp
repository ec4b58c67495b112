#include "rig/terminal/http_call.hpp"

#include <charconv>
#include <stdexcept>
#include <vector>

#include "drivers/wifi/netns_scope.hpp"
#include "drivers/wifi/wifi_error.hpp"

namespace tapbench::rig::terminal::detail {

Endpoint parse_http_base_url(std::string_view url, std::string_view what,
                             std::shared_ptr<const server::TlsTrust> trust) {
  auto bad = [&] {
    return std::invalid_argument(std::string(what) +
                                 ": expected http://HOST:PORT or https://HOST:PORT, got '" +
                                 std::string(url) + "'");
  };
  const bool tls = url.starts_with("https://");
  if (!tls && !url.starts_with("http://")) throw bad();
  std::string_view rest = url.substr(tls ? 8 : 7);
  while (!rest.empty() && rest.back() == '/')
    rest.remove_suffix(1);
  const auto colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || rest.find('/') != std::string_view::npos) throw bad();
  Endpoint e;
  e.host = std::string(rest.substr(0, colon));
  if (e.host.size() > 2 && e.host.front() == '[' && e.host.back() == ']')
    e.host = e.host.substr(1, e.host.size() - 2);
  const std::string_view port = rest.substr(colon + 1);
  unsigned value = 0;
  const auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc{} || p != port.data() + port.size() || value == 0 || value > 65535) throw bad();
  e.port = static_cast<std::uint16_t>(value);
  if (tls) e.tls = trust ? std::move(trust) : server::TlsTrust::system();
  return e;
}

HttpAnswer exchange(const Endpoint& to, std::string_view method, const std::string& target,
                    const std::string& json_body, std::string_view bearer, ms timeout) {
  std::vector<std::pair<std::string, std::string>> headers;
  if (!json_body.empty()) headers.emplace_back("Content-Type", "application/json");
  if (!bearer.empty()) headers.emplace_back("Authorization", "Bearer " + std::string(bearer));
  for (int attempt = 1;; ++attempt)
    try {
      // The phone's namespace on the radio lab: the connection is made (and so sent) from there.
      if (to.link) to.link->ensure(timeout);
      const wifi::NetnsScope in_phone_netns(to.link ? to.link->netns() : std::string());
      server::HttpClient client(to.host, to.port, timeout, to.tls);
      server::ClientResponse r;
      try {
        r = client.request(std::string(method), target, json_body, headers);
      } catch (const server::HttpClientError& e) {
        // Over the phone's link, a connection refused before anything was sent is retried once on a rejoin.
        if (!to.link || attempt > 1 || !std::string_view(e.what()).starts_with("cannot connect")) throw;
        to.link->lost();
        continue;
      }
      HttpAnswer a;
      a.status = r.status;
      a.body = std::move(r.body);
      if (auto it = r.headers.find("content-type"); it != r.headers.end()) a.content_type = it->second;
      if (auto it = r.headers.find("location"); it != r.headers.end()) a.location = it->second;
      return a;
    } catch (const server::HttpClientError& e) {
      // HttpClientError names host, port, method and path without its query; tokens travel in headers and
      // bodies, page URLs carry their SVT in the query: no token in the message.
      throw TerminalTransportError(std::string(method) + " " + target.substr(0, target.find('?')) + ": " +
                                   e.what());
    } catch (const wifi::WifiError& e) {
      throw TerminalTransportError(std::string(method) + " " + target.substr(0, target.find('?')) + ": " +
                                   e.what());
    }
}

boost::json::object parse_object(const HttpAnswer& answer, std::string_view route) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(answer.body, ec);
  if (ec || !v.is_object()) {
    throw TerminalTransportError("malformed reply to " + std::string(route) + ": HTTP " +
                                 std::to_string(answer.status) + " without a JSON object body");
  }
  return std::move(v.as_object());
}

namespace {
[[noreturn]] void missing(std::string_view key, std::string_view route) {
  throw TerminalTransportError("malformed reply to " + std::string(route) + ": field '" + std::string(key) +
                               "' missing or of the wrong type");
}
}  // namespace

std::string get_string(const boost::json::object& o, std::string_view key, std::string_view route) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) missing(key, route);
  return std::string(v->as_string());
}

std::int64_t get_int(const boost::json::object& o, std::string_view key, std::string_view route) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) missing(key, route);
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
    return static_cast<std::int64_t>(v->as_uint64());
  missing(key, route);
}

bool get_bool(const boost::json::object& o, std::string_view key, std::string_view route) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_bool()) missing(key, route);
  return v->as_bool();
}

std::string opt_string(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string json_string(std::string_view s) {
  return boost::json::serialize(boost::json::value(boost::json::string_view(s.data(), s.size())));
}

}  // namespace tapbench::rig::terminal::detail
