// Maps HTTP requests to VendorService calls: parses JSON / form bodies, formats JSON / HTML, turns every
// ApiError into {"error": {"code", "message"}} with its status. No sockets here (see http_server.hpp).
#pragma once

#include <exception>
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
  // Like handle(), for callers that must not block: the SVWT→SVT exchange (POST /v1/terminal/svt) is queued
  // for the store's group commit and answered through `done` from the committer once durable; any other
  // request is handed to `run_blocking` (which runs it where blocking is fine) and answered from there.
  // `done` is called exactly once.
  using Done = std::function<void(HttpResponse)>;
  using RunBlocking = std::function<void(std::function<void()>)>;
  void handle_async(HttpRequest request, Done done, const RunBlocking& run_blocking);
  // A request refused by the HTTP layer before it could be routed (413 body_too_large, 431, 400 bad_http):
  // counted in the request metrics under route "unparsed".
  void rejected(const std::string& code) { metrics_.request("unparsed", code, 0.0); }

 private:
  HttpResponse dispatch(const HttpRequest& request, std::string& route);
  // The answer to a request that threw (ApiError → its status and code, StoreFailure → 503, else 500).
  HttpResponse failed(std::exception_ptr error, const std::string& client, const std::string& route);
  // The base of the charge/exchange URLs handed out with an SVT (S118).
  std::string public_base(const HttpRequest& request) const;

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
