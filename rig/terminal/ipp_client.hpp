// The phone's print app over IPP (libcups): print with a token (Bearer, or the token as the Basic password
// as CUPS clients do), hand the home router's credentials over by Set-Printer-Attributes (S27-S29), read
// supplies. Reply::status is the IPP status code (ipp_status_t: 0 = successful-ok, 0x0401 forbidden,
// 0x0402 not-authenticated for a refused token (HTTP 401) ...); Reply::error is its keyword
// ("client-error-not-authenticated"). Transport failures throw TerminalTransportError. Tokens never appear
// in a message.
#pragma once

#include <cups/cups.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rig/terminal/phone_link.hpp"
#include "rig/terminal/reply.hpp"
#include "server/api/tls_trust.hpp"

namespace tapbench::rig::terminal {

enum class TokenScheme { bearer, basic_password };

struct PrintRequest {
  std::string document;                     // bytes to send
  std::string format = "image/pwg-raster";  // document-format
  std::string job_name = "tapbench";
  std::string user = "app:print";  // requesting-user-name; the Basic user (no ':') with basic_password
  TokenScheme scheme = TokenScheme::bearer;
  // Called with the job id as soon as the printer accepted Print-Job, before the job is polled to its end
  // (a cycle stamps job_accepted there, job_done when print() returns).
  std::function<void(int job_id)> on_accepted;
};

struct PrintResult {  // S121-S125
  int job_id = 0;
  std::string job_state;  // "completed", "aborted", ...
  std::string job_state_message;
  std::int64_t pages_printed = 0;     // job-impressions-completed
  std::int64_t pages_remaining = -1;  // from the job-state-message (S125) or printer status; -1 unknown
};

struct Marker {
  std::string name;
  std::string colour;
  int level = 0;
};

struct Supplies {
  std::vector<Marker> markers;
  bool supply_low = false;  // printer-state-reasons contains marker-supply-low
  std::vector<std::string> state_reasons;
};

class IppClient {
 public:
  // ipp_uri: "ipp://127.0.0.1:PORT/ipp/print" (printerd.uri), or "ipps://…" for IPP over TLS (libcups
  // HTTP_ENCRYPTION_ALWAYS) whose certificate `pin` judges (trust on first use; a pin of its own when null).
  // Throws std::invalid_argument on another form. `link` (phone_link.hpp): every connection is made over the
  // phone's radio (the phone on the printer's group, the socket from its network namespace); null: as before.
  explicit IppClient(std::string ipp_uri, std::shared_ptr<server::CertificatePin> pin = nullptr,
                     std::shared_ptr<PhoneLink> link = nullptr);

  // Print-Job then wait (bounded by timeout) for the job to reach a terminal state.
  Reply<PrintResult> print(std::string_view token, const PrintRequest& request, ms timeout) const;
  // S27-S29: printer-wifi-ssid / printer-wifi-password, authorised by the PWT.
  Reply<bool> hand_over_router(std::string_view pwt, std::string_view ssid, std::string_view passphrase,
                               ms timeout) const;
  Reply<Supplies> supplies(ms timeout) const;

  const std::string& uri() const { return uri_; }

  // A page-raster document of `pages` small pages (what the print app sends for a test print).
  static std::string pwg_raster_pages(int pages);

 private:
  std::string uri_;
  std::shared_ptr<PhoneLink> link_;
  std::string host_;
  int port_ = 0;
  std::string resource_;
  std::shared_ptr<server::CertificatePin> pin_;        // ipps only
  std::shared_ptr<const server::TlsTrust> api_trust_;  // ipps only: the JSON API's https, same pin
};

// A libcups connection to the printer, the phone's way: `tls` = ipps (HTTP_ENCRYPTION_ALWAYS: the handshake
// happens before anything is sent), its certificate then checked against `pin` (server/api/tls_trust.hpp);
// plain IPP otherwise, exactly as before. nullptr with `why` when it cannot connect or the pin refuses the
// certificate (`why` says which).
http_t* connect_printer(const std::string& host, int port, bool tls, server::CertificatePin* pin,
                        int timeout_ms, std::string& why);

// S121 as the print app starts it: IPP Validate-Job on an open libcups connection `http` (whose Bearer token
// the caller set with httpSetAuthString), which printerd authorises exactly as Print-Job without creating a
// job. The IPP status (an unanswered 401 as not-authenticated, a 403 as forbidden), or
// nullopt with `why` when no IPP answer came (the connection failed).
std::optional<ipp_status_t> validate_job_on(http_t* http, const std::string& printer_uri,
                                            const std::string& resource, std::string& why);

}  // namespace tapbench::rig::terminal
