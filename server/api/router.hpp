// Maps HTTP requests to VendorService calls: parses JSON / form bodies, formats JSON / HTML, turns every
// ApiError into {"error": {"code", "message"}} with its status. No sockets here (see http_server.hpp).
#pragma once

#include <functional>

#include "protocol/clock/clock.hpp"
#include "server/api/http_types.hpp"
#include "server/api/rate_limiter.hpp"
#include "server/service/config.hpp"
#include "server/service/metrics.hpp"
#include "server/service/vendor_service.hpp"

namespace tapbench::server {

class Router {
 public:
  Router(VendorService& service, Metrics& metrics, const Clock& clock, const HttpConfig& http);

  // Test hook for crash tests: called with "charge.committed" / "sync.committed" / "paid.committed" after the
  // store committed and before the answer is sent (vendord wires it to TAPBENCH_VENDORD_CRASH_AT; unset in
  // production).
  void set_crash_hook(std::function<void(const char*)> hook) { crash_hook_ = std::move(hook); }

  // Never throws: internal failures become 500 {"error":{"code":"internal"}}; fills route/outcome for the
  // log.
  HttpResponse handle(const HttpRequest& request);
  // A request refused by the HTTP layer before it could be routed (413 body_too_large, 431, 400 bad_http):
  // counted in the request metrics under route "unparsed".
  void rejected(const std::string& code) { metrics_.request("unparsed", code, 0.0); }

 private:
  HttpResponse dispatch(const HttpRequest& request, std::string& route);

  VendorService& service_;
  Metrics& metrics_;
  const Clock& clock_;
  HttpConfig http_;
  TokenFailureLimiter limiter_;
  std::function<void(const char*)> crash_hook_;
};

// "a=1&b=x%20y" → pairs (repeated keys kept in order). '+' is a space.
std::vector<std::pair<std::string, std::string>> parse_form(std::string_view text);

}  // namespace tapbench::server
