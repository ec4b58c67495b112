// The JSON control API for the patent's non-printing steps, served on printerd's IPP port (PAPPL resource
// callbacks; docs/PRINTERD-API.md): PT issue/delete (S31–S41), registration and its status (S53–S65), an SVWT
// for the terminal (S67–S75), and a sync trigger (S99–S111). Every route authenticates with the same token
// transport as IPP (Bearer, or the password of HTTP Basic) and answers JSON; errors carry the core's stable
// error code and a one-line detail, never a token.
//
// Pure request → response over PrinterCore (under the port's core mutex), so it is unit-tested without a
// server; IppService::set_control_api() plugs it into PAPPL.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "firmware-under-test/core/printer_core.hpp"
#include "firmware-under-test/port/linux/api_handler.hpp"
#include "firmware-under-test/port/linux/core_print_authority.hpp"
#include "firmware-under-test/port/linux/print_authority.hpp"

namespace tapbench::firmware::port {

class ControlApi final : public ApiHandler {
 public:
  // `after_call` runs after every request, outside the core mutex: printerd passes
  // PrinterRuntime::wake_tick_thread, since a call may make the core's work due now (an SVWT handed out →
  // the next one is prefetched at once, S43/S75; registration → the first SVWT) and the tick thread would
  // otherwise notice only at its next wake-up (up to 1 s later).
  ControlApi(PrinterCore& core, std::mutex& core_mutex, LinkClassifier links,
             std::function<void()> after_call = {});

  ApiResponse handle(ApiRequest request) override;
  std::vector<std::string> routes() const override { return paths(); }
  static const std::vector<std::string>& paths();

 private:
  ApiResponse handle_request(ApiRequest request);

  PrinterCore& core_;
  std::mutex& mutex_;
  LinkClassifier links_;
  std::function<void()> after_call_;
};

// HTTP status for a core error: 401 unauthenticated/pwt_locked, 403 not_owner/wrong_link/…, 409
// not_registered/nothing_pending/pt_limit, 400 invalid_argument, 502 server_failed, 503 no_svwt/radio, 500
// storage_failed.
int http_status_for(CoreError code);

}  // namespace tapbench::firmware::port
