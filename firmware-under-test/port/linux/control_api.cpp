#include "firmware-under-test/port/linux/control_api.hpp"

#include <boost/json.hpp>

#include "firmware-under-test/port/linux/ipp_service.hpp"

namespace tapbench::firmware::port {

namespace json = boost::json;

int http_status_for(CoreError code) {
  switch (code) {
    case CoreError::unauthenticated:
    case CoreError::pwt_locked:
      return 401;
    case CoreError::not_owner:
    case CoreError::wrong_link:
    case CoreError::printing_disabled:
    case CoreError::out_of_pages:
      return 403;
    case CoreError::not_registered:
    case CoreError::nothing_pending:
    case CoreError::pt_limit:
      return 409;
    case CoreError::invalid_argument:
      return 400;
    case CoreError::server_failed:
      return 502;
    case CoreError::no_svwt:
    case CoreError::radio_failed:
    case CoreError::not_started:
      return 503;
    default:
      return 500;
  }
}

namespace {

ApiResponse reply(int status, const json::object& o) {
  return {status, json::serialize(o)};
}

ApiResponse error_reply(int status, const std::string& code, const std::string& detail) {
  return reply(status, json::object{{"error", code}, {"detail", detail}});
}

ApiResponse core_error(const Error& e) {
  return error_reply(http_status_for(e.code), core_error_name(e.code), e.detail);
}

const char* state_name(RegistrationState s) {
  return s == RegistrationState::registered ? "registered" : "unregistered";
}

json::object registration_json(const RegistrationStatus& r) {
  json::object o{{"state", state_name(r.state)}};
  if (r.last_failure) {
    o["last_failure"] =
        json::object{{"error", core_error_name(r.last_failure->code)}, {"detail", r.last_failure->detail}};
  }
  return o;
}

}  // namespace

ControlApi::ControlApi(PrinterCore& core, std::mutex& core_mutex, LinkClassifier links,
                       std::function<void()> after_call)
    : core_(core), mutex_(core_mutex), links_(std::move(links)), after_call_(std::move(after_call)) {}

const std::vector<std::string>& ControlApi::paths() {
  static const std::vector<std::string> p = {"/tapbench/api/pt",       "/tapbench/api/pt/delete",
                                             "/tapbench/api/register", "/tapbench/api/registration",
                                             "/tapbench/api/svwt",     "/tapbench/api/sync"};
  return p;
}

ApiResponse ControlApi::handle(ApiRequest request) {
  ApiResponse response = handle_request(std::move(request));
  if (after_call_) after_call_();  // the core mutex is released: the tick thread may take it at once
  return response;
}

ApiResponse ControlApi::handle_request(ApiRequest request) {
  std::string token;
  token_from_authorization(request.authorization, token, request.peer.user);
  if (token.empty()) {
    return error_reply(401, "unauthenticated",
                       "send the token as 'Authorization: Bearer TOKEN' or HTTP Basic");
  }
  if (request.body.size() > kMaxBody) return error_reply(413, "invalid_argument", "request body too large");
  // The terminal names itself with {"terminal_id": "..."} or the Basic user name; else its address.
  std::string terminal_id = request.peer.user;
  if (!request.body.empty()) {
    boost::system::error_code ec;
    const json::value v = json::parse(request.body, ec);
    if (ec || !v.is_object()) return error_reply(400, "invalid_argument", "body is not a JSON object");
    if (const auto* t = v.as_object().if_contains("terminal_id")) {
      if (!t->is_string() || t->as_string().empty() || t->as_string().size() > 128) {
        return error_reply(400, "invalid_argument", "terminal_id must be a string of 1–128 characters");
      }
      terminal_id = std::string(t->as_string());
    }
  }
  const Terminal terminal{terminal_id.empty() ? request.peer.address : terminal_id,
                          links_.classify(request.peer.address)};
  const std::string& m = request.method;
  const std::string& p = request.path;

  std::lock_guard lock(mutex_);
  if (p == "/tapbench/api/pt" && m == "POST") {  // S31–S35: PWT → PT
    auto pt = core_.issue_pt(token, terminal);
    if (!pt) return core_error(pt.error());
    return reply(201, json::object{{"pt", *pt}, {"terminal_id", terminal.id}});
  }
  if ((p == "/tapbench/api/pt" && m == "DELETE") || (p == "/tapbench/api/pt/delete" && m == "POST")) {
    // S39–S41: the owner deletes its PT (POST …/pt/delete for clients and servers without DELETE)
    auto done = core_.delete_pt(token, terminal);
    if (!done) return core_error(done.error());
    return reply(200, json::object{{"deleted", true}});
  }
  if (p == "/tapbench/api/register" && m == "POST") {  // S53–S61
    auto r = core_.register_with_server(token, terminal);
    if (!r) return core_error(r.error());
    return reply(200, registration_json(*r));
  }
  if (p == "/tapbench/api/registration" && m == "GET") {  // S63/S65
    auto r = core_.registration_status(token, terminal);
    if (!r) return core_error(r.error());
    return reply(200, registration_json(*r));
  }
  if (p == "/tapbench/api/svwt" && m == "POST") {  // S67–S75
    auto s = core_.svwt_for_terminal(token, terminal);
    if (!s) return core_error(s.error());
    return reply(200, json::object{{"svwt", *s}});
  }
  if (p == "/tapbench/api/sync" && m == "POST") {  // S99–S111
    auto s = core_.sync_with_server(token, terminal);
    if (!s) return core_error(s.error());
    return reply(200, json::object{{"pages_added", s->pages_added},
                                   {"printable_pages", s->printable_pages},
                                   {"printing_enabled", s->printing_enabled},
                                   {"reported", s->reported}});
  }
  for (const auto& known : paths()) {
    if (p == known) return error_reply(405, "invalid_argument", m + " is not supported on " + p);
  }
  return error_reply(404, "invalid_argument", "no such route: " + p);
}

}  // namespace tapbench::firmware::port
