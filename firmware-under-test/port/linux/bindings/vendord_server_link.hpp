// hal::ServerLink on vendord's HTTP/JSON API (docs/API.md): POST /v1/printer/register, /v1/printer/svwt,
// /v1/printer/sync, the ST as `Authorization: Bearer`. Boost.Beast over plain HTTP, one connection per call
// (calls are minutes apart), every call bounded by one deadline covering connect, send and receive.
// Failures map to HalCodes: no route / refused → unreachable, deadline → timeout, 4xx → rejected (with
// vendord's stable error code), 429/503 → busy, other 5xx → unreachable, unparsable 2xx → bad_response.
// Details never contain a token (vendord's error messages are left out; only status and code are kept).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "firmware-under-test/hal/server_link.hpp"
#include "protocol/clock/clock.hpp"

namespace tapbench::firmware::port {

struct VendordEndpoint {
  std::string host;
  std::uint16_t port = 0;
  std::string base_path;  // "" or "/prefix" (no trailing slash)
};
// "http://127.0.0.1:8080[/prefix]"; false + error otherwise (https is not supported yet: say so).
bool parse_vendord_url(const std::string& url, VendordEndpoint& out, std::string& error);

class VendordServerLink final : public hal::ServerLink {
 public:
  // `clock`: the printer's wall clock, to turn the SVWT's absolute expires_at into the relative ttl the core
  // wants (vendord sends no Date header; the ttl is rounded down to whole seconds, so it errs on the short
  // side).
  VendordServerLink(VendordEndpoint endpoint, const Clock& clock,
                    std::chrono::milliseconds timeout = std::chrono::seconds{10});

  hal::Result<hal::RegisterResponse> register_device(const hal::RegisterRequest& request) override;
  hal::Result<hal::SvwtResponse> request_svwt(const hal::SvwtRequest& request) override;
  hal::Result<hal::SyncResponse> sync(const hal::SyncRequest& request) override;

 private:
  struct Reply {
    int status = 0;
    std::string body;
  };
  hal::Result<Reply> post(const std::string& path, const std::string& body, const std::string& bearer);

  VendordEndpoint endpoint_;
  const Clock& clock_;
  std::chrono::milliseconds timeout_;
};

}  // namespace tapbench::firmware::port
