#include "firmware-under-test/port/linux/bindings/vendord_server_link.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <charconv>
#include <ctime>

namespace tapbench::firmware::port {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;

bool parse_vendord_url(const std::string& url, VendordEndpoint& out, std::string& error) {
  const std::string scheme = "http://";
  if (url.rfind("https://", 0) == 0) {
    error = "server URL '" + url + "': https is not supported by the printer's server link yet; use http://";
    return false;
  }
  if (url.rfind(scheme, 0) != 0) {
    error = "server URL '" + url + "': expected http://HOST:PORT[/PATH]";
    return false;
  }
  std::string rest = url.substr(scheme.size());
  const auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  std::string path = slash == std::string::npos ? "" : rest.substr(slash);
  while (!path.empty() && path.back() == '/')
    path.pop_back();
  std::string host = authority;
  unsigned port = 80;
  if (!authority.empty() && authority.front() == '[') {  // [::1]:8080
    const auto close = authority.find(']');
    if (close == std::string::npos) {
      error = "server URL '" + url + "': unterminated [IPv6] host";
      return false;
    }
    host = authority.substr(1, close - 1);
    authority = authority.substr(close + 1);
    if (!authority.empty() && authority.front() != ':') {
      error = "server URL '" + url + "': junk after the host";
      return false;
    }
    authority = authority.empty() ? "" : authority.substr(1);
    if (!authority.empty()) {
      const auto [p, ec] = std::from_chars(authority.data(), authority.data() + authority.size(), port);
      if (ec != std::errc{} || p != authority.data() + authority.size() || port == 0 || port > 65535) {
        error = "server URL '" + url + "': bad port";
        return false;
      }
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string::npos) {
    host = authority.substr(0, colon);
    const std::string ps = authority.substr(colon + 1);
    const auto [p, ec] = std::from_chars(ps.data(), ps.data() + ps.size(), port);
    if (ps.empty() || ec != std::errc{} || p != ps.data() + ps.size() || port == 0 || port > 65535) {
      error = "server URL '" + url + "': bad port";
      return false;
    }
  }
  if (host.empty()) {
    error = "server URL '" + url + "': no host";
    return false;
  }
  out = {host, static_cast<std::uint16_t>(port), path};
  return true;
}

namespace {

json::object ink_object(const std::vector<InkLevel>& ink) {
  json::object o;
  for (const auto& l : ink)
    o[l.colour] = l.percent;
  return o;
}

hal::Status refusal(const char* what, int status, const std::string& body) {
  std::string code;
  boost::system::error_code ec;
  const json::value v = json::parse(body, ec);
  if (!ec && v.is_object()) {
    if (const auto* e = v.get_object().if_contains("error"); e && e->is_object()) {
      if (const auto* c = e->get_object().if_contains("code"); c && c->is_string()) code = c->get_string();
    }
  }
  const std::string detail =
      std::string(what) + ": HTTP " + std::to_string(status) + (code.empty() ? "" : " " + code);
  if (status == 429 || status == 503) return hal::Status::failure(hal::HalCode::busy, detail);
  if (status >= 400 && status < 500) return hal::Status::failure(hal::HalCode::rejected, detail);
  if (status >= 500) return hal::Status::failure(hal::HalCode::unreachable, detail);
  return hal::Status::failure(hal::HalCode::bad_response, detail);
}

hal::Status malformed(const char* what, const std::string& why) {
  return hal::Status::failure(hal::HalCode::bad_response,
                              std::string(what) + ": unexpected answer (" + why + ")");
}

// "2026-11-24T15:43:01Z" → SystemTime.
std::optional<SystemTime> parse_iso8601(const std::string& s) {
  std::tm tm{};
  char z = 0;
  if (s.size() != 20 ||
      std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &z) != 7 ||
      z != 'Z')
    return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const std::time_t t = ::timegm(&tm);
  if (t == static_cast<std::time_t>(-1)) return std::nullopt;
  return std::chrono::system_clock::from_time_t(t);
}

}  // namespace

VendordServerLink::VendordServerLink(VendordEndpoint endpoint, const Clock& clock,
                                     std::chrono::milliseconds timeout)
    : endpoint_(std::move(endpoint)), clock_(clock), timeout_(timeout) {}

hal::Result<VendordServerLink::Reply> VendordServerLink::post(const std::string& path,
                                                              const std::string& body,
                                                              const std::string& bearer) {
  const std::string what = "POST " + path;
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(1024 * 1024);
  http::request<http::string_body> req{http::verb::post, endpoint_.base_path + path, 11};
  req.set(http::field::host, endpoint_.host + ":" + std::to_string(endpoint_.port));
  req.set(http::field::user_agent, "tapbench-printerd");
  req.set(http::field::content_type, "application/json");
  if (!bearer.empty()) req.set(http::field::authorization, "Bearer " + bearer);
  req.keep_alive(false);
  req.body() = body;
  req.prepare_payload();

  // One deadline for the whole exchange: resolve, connect, write, read.
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  beast::error_code result = asio::error::would_block;
  std::string stage = "resolve";
  tcp::resolver resolver(ioc);
  stream.expires_at(deadline);
  asio::steady_timer resolve_timer(ioc, deadline);
  resolve_timer.async_wait([&](beast::error_code ec) {
    if (!ec) resolver.cancel();
  });
  resolver.async_resolve(endpoint_.host, std::to_string(endpoint_.port),
                         [&](beast::error_code ec, tcp::resolver::results_type rs) {
                           resolve_timer.cancel();
                           if (ec) {
                             result = ec == asio::error::operation_aborted ? beast::error::timeout : ec;
                             return;
                           }
                           stage = "connect";
                           stream.async_connect(rs, [&](beast::error_code ec2, const tcp::endpoint&) {
                             if (ec2) {
                               result = ec2;
                               return;
                             }
                             stage = "send";
                             http::async_write(stream, req, [&](beast::error_code ec3, std::size_t) {
                               if (ec3) {
                                 result = ec3;
                                 return;
                               }
                               stage = "receive";
                               http::async_read(stream, buffer, parser,
                                                [&](beast::error_code ec4, std::size_t) { result = ec4; });
                             });
                           });
                         });
  ioc.run();
  if (result) {
    const bool timed_out = result == beast::error::timeout;
    const hal::HalCode code = timed_out                                    ? hal::HalCode::timeout
                              : (stage == "resolve" || stage == "connect") ? hal::HalCode::unreachable
                                                                           : hal::HalCode::io_error;
    return hal::Status::failure(
        code,
        what + ": " + stage + " " + endpoint_.host + ":" + std::to_string(endpoint_.port) + ": " +
            (timed_out ? "no answer within " + std::to_string(timeout_.count()) + " ms" : result.message()));
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  return Reply{static_cast<int>(parser.get().result_int()), parser.get().body()};
}

hal::Result<hal::RegisterResponse> VendordServerLink::register_device(const hal::RegisterRequest& request) {
  const json::object body{
      {"device_id", request.device_id}, {"pages", request.printable_pages}, {"ink", ink_object(request.ink)}};
  auto r = post("/v1/printer/register", json::serialize(body), {});
  if (!r) return r.status();
  constexpr const char* what = "register (S55)";
  if (r->status != 201 && r->status != 200) return refusal(what, r->status, r->body);
  boost::system::error_code ec;
  const json::value v = json::parse(r->body, ec);
  if (ec || !v.is_object()) return malformed(what, "not a JSON object");
  const auto* st = v.get_object().if_contains("st");
  if (!st || !st->is_string() || st->get_string().empty()) return malformed(what, "no st");
  hal::RegisterResponse out;
  out.server_token = std::string(st->get_string());
  if (const auto* a = v.get_object().if_contains("active"); a && a->is_bool())
    out.printing_enabled = a->get_bool();
  return out;
}

hal::Result<hal::SvwtResponse> VendordServerLink::request_svwt(const hal::SvwtRequest& request) {
  auto r = post("/v1/printer/svwt", "{}", request.server_token);
  if (!r) return r.status();
  constexpr const char* what = "SVWT (S69)";
  if (r->status != 201 && r->status != 200) return refusal(what, r->status, r->body);
  boost::system::error_code ec;
  const json::value v = json::parse(r->body, ec);
  if (ec || !v.is_object()) return malformed(what, "not a JSON object");
  const auto& o = v.get_object();
  const auto* t = o.if_contains("svwt");
  const auto* exp = o.if_contains("expires_at");
  if (!t || !t->is_string() || t->get_string().empty()) return malformed(what, "no svwt");
  if (!exp || !exp->is_string()) return malformed(what, "no expires_at");
  const auto at = parse_iso8601(std::string(exp->get_string()));
  if (!at) return malformed(what, "expires_at is not YYYY-MM-DDTHH:MM:SSZ");
  const auto ttl = std::chrono::floor<std::chrono::seconds>(*at - clock_.system_now());
  if (ttl <= std::chrono::seconds{0}) return malformed(what, "SVWT already expired by the printer's clock");
  return hal::SvwtResponse{std::string(t->get_string()), ttl};
}

hal::Result<hal::SyncResponse> VendordServerLink::sync(const hal::SyncRequest& request) {
  const json::object body{{"pages", request.printable_pages},
                          {"ink", ink_object(request.ink)},
                          {"applied_credit_id", request.applied_credit_id}};
  auto r = post("/v1/printer/sync", json::serialize(body), request.server_token);
  if (!r) return r.status();
  constexpr const char* what = "sync (S101)";
  if (r->status != 200) return refusal(what, r->status, r->body);
  boost::system::error_code ec;
  const json::value v = json::parse(r->body, ec);
  if (ec || !v.is_object()) return malformed(what, "not a JSON object");
  const auto& o = v.get_object();
  const auto* add = o.if_contains("add_pages");
  const auto* through = o.if_contains("credit_through");
  const auto* active = o.if_contains("active");
  if (!add || !add->is_int64() || add->get_int64() < 0 || add->get_int64() > UINT32_MAX)
    return malformed(what, "add_pages missing or out of range");
  if (!through || !through->is_int64() || through->get_int64() < 0)
    return malformed(what, "credit_through missing or negative");
  if (!active || !active->is_bool()) return malformed(what, "active missing");
  return hal::SyncResponse{static_cast<std::uint32_t>(add->get_int64()), through->get_int64(),
                           active->get_bool()};
}

}  // namespace tapbench::firmware::port
