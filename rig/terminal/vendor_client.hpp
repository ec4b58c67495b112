// The phone talking to vendord's terminal endpoints and opening its web pages (docs/API.md, S77-S97, S118).
// Blocking; each call opens its own connection bounded by the call's timeout (thread-safe to share).
// Tokens are never part of an exception message or a Reply's detail.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rig/terminal/reply.hpp"

namespace tapbench::server {
class TlsTrust;
}

namespace tapbench::rig::terminal {

struct SvtGrant {  // S81
  std::string svt;
  std::string device_id;
  std::string charge_url;    // carries the SVT in its query: never log it
  std::string exchange_url;  // idem
};

struct CwtGrant {  // S89 (free) or a paid charge
  std::string cwt;
  std::string device_id;
  std::int64_t pages = 0;
  std::string purpose;  // "free" | "paid"
  std::string expires_at;
  std::int64_t payment_id = 0;  // paid only
  bool replayed = false;        // paid only: same request_id retried
};

struct ChargeResult {  // S93-S97
  std::string device_id;
  std::int64_t pages_granted = 0;
  std::int64_t credit_id = 0;
  std::string purpose;
};

struct ReplacementNotice {
  std::string color;
  int level = 0;
  std::string since;
};

struct DeviceInfo {  // GET /v1/terminal/device
  std::string device_id;
  std::int64_t pages = 0;
  std::int64_t pending_pages = 0;
  bool active = false;
  bool free_charge_used = false;
  std::map<std::string, int> ink;
  std::vector<ReplacementNotice> replacement_notices;
  std::string last_sync_at;
};

struct WebPage {  // S118: what the phone's browser got
  int status = 0;
  std::string content_type;
  std::string location;  // for 303 answers
  std::string body;
};

class VendorClient {
 public:
  // "http://127.0.0.1:PORT" (vendord's --listen) or "https://HOST:PORT"; throws std::invalid_argument on
  // another form. https://: the server is trusted by `trust` (server/api/tls_trust.hpp), the system CA store
  // when null.
  explicit VendorClient(std::string base_url, std::shared_ptr<const server::TlsTrust> trust = nullptr);

  // S77-S81: redeem the single-use SVWT for an SVT (a replay is 409 token_already_used).
  Reply<SvtGrant> svt(std::string_view svwt, std::string_view terminal_id, ms timeout) const;
  // S85-S89: a free-charge CWT (pages 0 when the device already had its free charge).
  Reply<CwtGrant> free_charge(std::string_view svt, ms timeout) const;
  // S93-S97: redeem a CWT (single use).
  Reply<ChargeResult> charge(std::string_view cwt, ms timeout) const;
  // A paid charge through the sandbox gateway; redeem the CWT with charge().
  Reply<CwtGrant> paid_charge(std::string_view svt, std::int64_t pages, std::string_view card_number,
                              std::string_view request_id, ms timeout) const;
  // Ink replacement request; empty colors = every open notice. The value is the request id.
  Reply<std::int64_t> exchange(std::string_view svt, const std::vector<std::string>& colors,
                               ms timeout) const;
  // Enable or disable printing on the device (seen by the printer at its next sync).
  Reply<bool> activation(std::string_view svt, bool active, ms timeout) const;
  Reply<DeviceInfo> device(std::string_view svt, ms timeout) const;

  // S118: GET a page URL as handed out by svt() (charge_url / exchange_url), redirects not followed.
  // Any HTTP answer is returned; only a transport failure throws.
  WebPage open_page(std::string_view url, ms timeout) const;

  const std::string& base_url() const { return base_url_; }

 private:
  std::string base_url_;
  std::string host_;
  std::uint16_t port_ = 0;
  std::shared_ptr<const server::TlsTrust> tls_;  // https only
};

}  // namespace tapbench::rig::terminal
