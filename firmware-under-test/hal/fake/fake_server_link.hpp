// In-process fake vendor server, for unit tests only: issues an ST on registration, numbered SVWTs, and
// credits the test grants; a credit is re-sent until a sync acknowledges it (applied_credit_id), as vendord
// does. Every call can be made to fail with a chosen HalCode.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "firmware-under-test/hal/server_link.hpp"

namespace tapbench::firmware::hal {

class FakeServerLink final : public ServerLink {
 public:
  Result<RegisterResponse> register_device(const RegisterRequest& request) override {
    ++register_calls;
    if (auto f = take_failure()) return *f;
    registered = request;
    return RegisterResponse{server_token, printing_enabled};
  }
  Result<SvwtResponse> request_svwt(const SvwtRequest& request) override {
    ++svwt_calls;
    if (auto f = take_failure()) return *f;
    if (request.server_token != server_token) return Status::failure(HalCode::rejected, "unknown ST");
    return SvwtResponse{"SVWT-" + std::to_string(++svwt_serial), svwt_ttl};
  }
  Result<SyncResponse> sync(const SyncRequest& request) override {
    ++sync_calls;
    if (fail_sync_call == sync_calls) return Status::failure(HalCode::timeout, "fake server: sync timed out");
    if (auto f = take_failure()) return *f;
    if (request.server_token != server_token) return Status::failure(HalCode::rejected, "unknown ST");
    syncs.push_back(request);
    // S111 + acknowledgement: the printer's count includes every credit up to applied_credit_id.
    reported_pages = request.printable_pages;
    acknowledged_through = std::max(acknowledged_through, request.applied_credit_id);
    SyncResponse out{0, request.applied_credit_id, printing_enabled};
    for (const auto& c : credits) {
      if (c.id > acknowledged_through || resend_acknowledged) {
        out.add_pages += c.pages;
        out.credit_through = c.id;
      }
    }
    return out;
  }

  // S95: a redeemed CWT becomes credit for the next sync.
  void grant(std::uint32_t pages) { credits.push_back({++last_credit_id, pages}); }
  // The next call (any of register/svwt/sync) fails with this code.
  void fail_next(HalCode code) { next_failure = code; }

  std::string server_token = "ST-0123456789abcdef0123456789abcdef";
  bool printing_enabled = true;
  std::chrono::seconds svwt_ttl{900};
  struct Credit {
    std::int64_t id;
    std::uint32_t pages;
  };
  std::vector<Credit> credits;
  std::int64_t last_credit_id = 0;
  std::int64_t acknowledged_through = 0;
  bool resend_acknowledged = false;  // misbehave: re-send credits the printer already acknowledged
  int fail_sync_call = 0;            // the sync call with this 1-based number fails (0 = none)
  std::optional<RegisterRequest> registered;
  std::vector<SyncRequest> syncs;  // every successful sync request, in order
  std::optional<std::uint32_t> reported_pages;
  int register_calls = 0, svwt_calls = 0, sync_calls = 0;
  int svwt_serial = 0;

 private:
  std::optional<Status> take_failure() {
    if (!next_failure) return std::nullopt;
    Status s = Status::failure(*next_failure, "fake server failure");
    next_failure.reset();
    return s;
  }
  std::optional<HalCode> next_failure;
};

}  // namespace tapbench::firmware::hal
