#include "server/api/router.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>

#include "server/store/sqlite_store.hpp"
#include "server/web/pages.hpp"

namespace tapbench::server {

namespace json = boost::json;

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string url_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_digit(s[i + 1]) >= 0 && hex_digit(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string form_value(const std::vector<std::pair<std::string, std::string>>& form, const std::string& key) {
  for (const auto& [k, v] : form) {
    if (k == key) return v;
  }
  return {};
}

std::string iso8601(SystemTime t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

HttpResponse json_response(int status, const json::value& v) {
  HttpResponse r;
  r.status = status;
  r.body = json::serialize(v);
  return r;
}

HttpResponse json_error(int status, const std::string& code, const std::string& message) {
  HttpResponse r =
      json_response(status, json::object{{"error", json::object{{"code", code}, {"message", message}}}});
  r.outcome = code;
  return r;
}

HttpResponse html(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(body);
  // The URL carries the SVT (S118): keep it out of caches and referrers.
  r.headers.emplace_back("Cache-Control", "no-store");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'");
  return r;
}

HttpResponse redirect(const std::string& location) {
  HttpResponse r;
  r.status = 303;
  r.content_type = "text/plain";
  r.headers.emplace_back("Location", location);
  r.headers.emplace_back("Cache-Control", "no-store");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  return r;
}

json::object body_object(const HttpRequest& req) {
  if (req.body.empty()) return {};
  boost::system::error_code ec;
  json::value v = json::parse(req.body, ec);
  if (ec) throw ApiError(400, "invalid_json", "request body is not valid JSON: " + ec.message());
  if (!v.is_object()) throw ApiError(400, "invalid_json", "request body must be a JSON object");
  return std::move(v.as_object());
}

std::string str_field(const json::object& o, const char* key, bool required) {
  const auto* v = o.if_contains(key);
  if (!v || v->is_null()) {
    if (required) throw ApiError(400, "invalid_request", std::string{"missing field '"} + key + "'");
    return {};
  }
  if (!v->is_string())
    throw ApiError(400, "invalid_request", std::string{"field '"} + key + "' must be a string");
  return std::string{v->as_string()};
}

std::int64_t int_field(const json::object& o, const char* key, bool required, std::int64_t fallback = 0) {
  const auto* v = o.if_contains(key);
  if (!v || v->is_null()) {
    if (required) throw ApiError(400, "invalid_request", std::string{"missing field '"} + key + "'");
    return fallback;
  }
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(v->as_uint64());
  }
  throw ApiError(400, "invalid_request", std::string{"field '"} + key + "' must be an integer");
}

InkLevels ink_field(const json::object& o) {
  InkLevels ink;
  const auto* v = o.if_contains("ink");
  if (!v || v->is_null()) return ink;
  if (!v->is_object())
    throw ApiError(400, "invalid_request", "field 'ink' must be an object {colour: percent}");
  for (const auto& [k, level] : v->as_object()) {
    if (!level.is_int64()) throw ApiError(400, "invalid_request", "ink levels must be integers 0..100");
    const auto n = level.as_int64();
    if (n < 0 || n > 100) throw ApiError(400, "invalid_request", "ink levels must be integers 0..100");
    ink[std::string{k}] = static_cast<int>(n);
  }
  return ink;
}

// "Authorization: Bearer <token>", or "" when absent.
std::string bearer(const HttpRequest& req) {
  const auto it = req.headers.find("authorization");
  if (it == req.headers.end()) return {};
  const std::string& v = it->second;
  if (v.size() > 7 && (v.compare(0, 7, "Bearer ") == 0 || v.compare(0, 7, "bearer ") == 0))
    return v.substr(7);
  throw ApiError(401, "token_malformed", "Authorization must be 'Bearer <token>'");
}

json::value ts(const std::optional<SystemTime>& t) {
  if (!t) return nullptr;
  return json::value(iso8601(*t));
}

json::object device_json(const DeviceView& v) {
  json::object ink;
  for (const auto& [c, l] : v.device.ink)
    ink[c] = l;
  json::array notices;
  for (const Notice& n : v.notices) {
    notices.push_back(json::object{{"color", n.color}, {"level", n.level}, {"since", iso8601(n.created_at)}});
  }
  return json::object{{"device_id", v.device.device_id},
                      {"pages", v.device.pages},
                      {"pending_pages", v.device.pending_pages},
                      {"active", v.device.active},
                      {"free_charge_used", v.device.free_charge_used},
                      {"ink", ink},
                      {"replacement_notices", notices},
                      {"last_sync_at", ts(v.device.last_sync_at)}};
}

json::object cwt_json(const IssuedCwt& c) {
  json::object o{{"cwt", c.cwt},
                 {"device_id", c.device_id},
                 {"pages", c.pages},
                 {"purpose", c.purpose},
                 {"expires_at", iso8601(c.expires_at)}};
  if (c.purpose == "paid") {
    o["payment_id"] = c.payment_id;
    o["amount_cents"] = c.amount_cents;
    o["payment_reference"] = c.payment_reference;
    o["replayed"] = c.replayed;
  }
  return o;
}

std::string query_param(const std::string& target, const std::string& key) {
  const auto q = target.find('?');
  if (q == std::string::npos) return {};
  return form_value(parse_form(std::string_view{target}.substr(q + 1)), key);
}

}  // namespace

std::vector<std::pair<std::string, std::string>> parse_form(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!text.empty()) {
    const auto amp = text.find('&');
    const std::string_view part = text.substr(0, amp);
    if (!part.empty()) {
      const auto eq = part.find('=');
      out.emplace_back(url_decode(part.substr(0, eq)),
                       eq == std::string_view::npos ? std::string{} : url_decode(part.substr(eq + 1)));
    }
    if (amp == std::string_view::npos) break;
    text.remove_prefix(amp + 1);
  }
  return out;
}

Router::Router(VendorService& service, Metrics& metrics, const Clock& clock, const HttpConfig& http)
    : service_(service),
      metrics_(metrics),
      clock_(clock),
      http_(http),
      limiter_(clock, http.token_failures_per_minute, http.token_failure_window) {}

HttpResponse Router::failed(std::exception_ptr error, const std::string& client, const std::string& route) {
  try {
    std::rethrow_exception(error);
  } catch (const ApiError& e) {
    if (e.token_refusal()) limiter_.failure(client);
    const bool page = route == "/charge" || route == "/exchange";
    if (page) {
      HttpResponse r = html(e.status(), web::error_page(e.status(), e.code(), e.what()));
      r.outcome = e.code();
      return r;
    }
    return json_error(e.status(), e.code(), e.what());
  } catch (const StoreFailure& e) {
    return json_error(503, "store_unavailable", "the database is unavailable; retry later");
  } catch (const std::exception& e) {
    return json_error(500, "internal", "internal error");
  } catch (...) {
    return json_error(500, "internal", "internal error");
  }
}

HttpResponse Router::handle(const HttpRequest& req) {
  const auto t0 = clock_.monotonic_now();
  std::string route = "unmatched";
  HttpResponse r;
  try {
    r = dispatch(req, route);
  } catch (...) {
    r = failed(std::current_exception(), req.client, route);
  }
  r.route = route;
  const double secs = std::chrono::duration<double>(clock_.monotonic_now() - t0).count();
  metrics_.request(route, r.outcome, secs);
  return r;
}

void Router::handle_async(HttpRequest req, Done done, const RunBlocking& run_blocking) {
  const bool exchange = req.method == "POST" && req.target == "/v1/terminal/svt";
  if (!exchange || limiter_.retry_after(req.client) > 0) {  // (a refused client gets its 429 from handle())
    run_blocking([this, req = std::move(req), done = std::move(done)] { done(handle(req)); });
    return;
  }
  static const std::string route = "/v1/terminal/svt";
  const auto t0 = clock_.monotonic_now();
  const auto finish = [this, t0](HttpResponse& r) {
    r.route = route;
    metrics_.request(route, r.outcome, std::chrono::duration<double>(clock_.monotonic_now() - t0).count());
  };
  try {
    const json::object b = body_object(req);
    const std::string svwt = str_field(b, "svwt", true);
    const std::string terminal_id = str_field(b, "terminal_id", false);
    service_.issue_svt_async(
        svwt, terminal_id,
        [this, finish, done, base = public_base(req), client = req.client](IssuedToken t,
                                                                           std::exception_ptr error) {
          HttpResponse r;
          if (error) {
            r = failed(error, client, route);
          } else {
            r = json_response(
                201, json::object{{"svt", t.token},
                                  {"device_id", t.device_id},
                                  {"charge_url", base + "/charge?svt=" + web::url_encode(t.token)},
                                  {"exchange_url", base + "/exchange?svt=" + web::url_encode(t.token)}});
          }
          finish(r);
          done(std::move(r));
        });
  } catch (...) {  // refused before anything was queued
    HttpResponse r = failed(std::current_exception(), req.client, route);
    finish(r);
    done(std::move(r));
  }
}

std::string Router::public_base(const HttpRequest& req) const {
  if (!http_.public_url.empty()) return http_.public_url;
  const auto host = req.headers.find("host");
  return "http://" + (host != req.headers.end() ? host->second : http_.listen);
}

HttpResponse Router::dispatch(const HttpRequest& req, std::string& route) {
  const std::string path = req.target.substr(0, req.target.find('?'));
  const bool get = req.method == "GET" || req.method == "HEAD";
  const bool post = req.method == "POST";

  struct Known {
    const char* path;
    bool get, post;
  };
  static const Known kRoutes[] = {
      {"/healthz", true, false},
      {"/metrics", true, false},
      {"/v1/printer/register", false, true},
      {"/v1/printer/svwt", false, true},
      {"/v1/printer/sync", false, true},
      {"/v1/terminal/svt", false, true},
      {"/v1/terminal/free-charge", false, true},
      {"/v1/terminal/paid-charge", false, true},
      {"/v1/terminal/charge", false, true},
      {"/v1/terminal/exchange", false, true},
      {"/v1/terminal/activation", false, true},
      {"/v1/terminal/device", true, false},
      {"/charge", true, true},
      {"/exchange", true, true},
  };
  const Known* known = nullptr;
  for (const Known& k : kRoutes) {
    if (path == k.path) known = &k;
  }
  if (!known) throw ApiError(404, "not_found", "no such endpoint");
  route = known->path;
  if (!((get && known->get) || (post && known->post))) {
    throw ApiError(405, "method_not_allowed", "method " + req.method + " is not allowed here");
  }

  if (route == "/healthz") return json_response(200, json::object{{"status", "ok"}});
  if (route == "/metrics") {
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics_.serialize();
    return r;
  }

  // Everything below takes a token: refuse clients that keep presenting bad ones.
  if (const long wait = limiter_.retry_after(req.client); wait > 0) {
    HttpResponse r = json_error(429, "rate_limited", "too many refused tokens from this client; retry later");
    r.headers.emplace_back("Retry-After", std::to_string(wait));
    return r;
  }

  if (route == "/v1/printer/register") {
    const json::object b = body_object(req);
    const IssuedToken st =
        service_.register_printer(str_field(b, "device_id", true), int_field(b, "pages", true), ink_field(b));
    return json_response(201, json::object{{"st", st.token}, {"device_id", st.device_id}});
  }
  if (route == "/v1/printer/svwt") {
    const IssuedToken t = service_.issue_svwt(bearer(req));
    return json_response(
        201, json::object{{"svwt", t.token}, {"device_id", t.device_id}, {"expires_at", ts(t.expires_at)}});
  }
  if (route == "/v1/printer/sync") {
    const json::object b = body_object(req);
    SyncReport rep{int_field(b, "pages", true), ink_field(b), int_field(b, "applied_credit_id", false, 0)};
    const SyncResult s = service_.sync(bearer(req), rep);
    if (crash_hook_) crash_hook_("sync.committed");
    json::array low;
    for (const auto& c : s.ink_low)
      low.emplace_back(c);
    return json_response(200, json::object{{"add_pages", s.add_pages},
                                           {"credit_through", s.credit_through},
                                           {"active", s.active},
                                           {"ink_low", low}});
  }
  if (route == "/v1/terminal/svt") {
    const json::object b = body_object(req);
    const IssuedToken t = service_.issue_svt(str_field(b, "svwt", true), str_field(b, "terminal_id", false));
    const std::string base = public_base(req);
    return json_response(201,
                         json::object{{"svt", t.token},
                                      {"device_id", t.device_id},
                                      {"charge_url", base + "/charge?svt=" + web::url_encode(t.token)},
                                      {"exchange_url", base + "/exchange?svt=" + web::url_encode(t.token)}});
  }
  if (route == "/v1/terminal/free-charge") {
    return json_response(201, cwt_json(service_.confirm_free_charge(bearer(req))));
  }
  if (route == "/v1/terminal/paid-charge") {
    const json::object b = body_object(req);
    const IssuedCwt c =
        service_.paid_charge(bearer(req), int_field(b, "pages", true), str_field(b, "card_number", true),
                             str_field(b, "request_id", false));
    if (crash_hook_) crash_hook_("paid.committed");
    return json_response(c.replayed ? 200 : 201, cwt_json(c));
  }
  if (route == "/v1/terminal/charge") {
    const json::object b = body_object(req);
    const ChargeResult c = service_.charge(str_field(b, "cwt", true));
    if (crash_hook_) crash_hook_("charge.committed");
    return json_response(200, json::object{{"device_id", c.device_id},
                                           {"pages_granted", c.pages_granted},
                                           {"credit_id", c.credit_id},
                                           {"purpose", c.purpose}});
  }
  if (route == "/v1/terminal/exchange") {
    const json::object b = body_object(req);
    std::vector<std::string> colors;
    if (const auto* v = b.if_contains("colors"); v && !v->is_null()) {
      if (!v->is_array())
        throw ApiError(400, "invalid_request", "field 'colors' must be an array of strings");
      for (const auto& c : v->as_array()) {
        if (!c.is_string())
          throw ApiError(400, "invalid_request", "field 'colors' must be an array of strings");
        colors.emplace_back(c.as_string());
      }
    }
    const std::int64_t id = service_.exchange_request(bearer(req), colors);
    return json_response(201, json::object{{"request_id", id}});
  }
  if (route == "/v1/terminal/activation") {
    const json::object b = body_object(req);
    const auto* v = b.if_contains("active");
    if (!v || !v->is_bool()) throw ApiError(400, "invalid_request", "field 'active' must be true or false");
    const std::string svt = bearer(req);
    service_.set_active(svt, v->as_bool());
    return json_response(200, json::object{{"active", v->as_bool()}});
  }
  if (route == "/v1/terminal/device")
    return json_response(200, device_json(service_.device_for_svt(bearer(req))));

  // Web pages (S118): GET shows, POST acts then redirects back (no double charge on reload).
  const auto form = post ? parse_form(req.body) : std::vector<std::pair<std::string, std::string>>{};
  const std::string svt = post ? form_value(form, "svt") : query_param(req.target, "svt");
  const std::string back = route + "?svt=" + web::url_encode(svt);
  if (route == "/charge") {
    if (post) {
      const std::string kind = form_value(form, "kind");
      if (kind == "free") {
        const ChargeResult c = service_.charge(service_.confirm_free_charge(svt).cwt);
        return redirect(back + "&done=free&pages=" + std::to_string(c.pages_granted));
      }
      std::int64_t pages = 0;
      try {
        pages = std::stoll(form_value(form, "pages"));
      } catch (const std::exception&) {
        throw ApiError(400, "invalid_request", "pages must be a number");
      }
      std::string card;
      for (char ch : form_value(form, "card")) {
        if (ch != ' ' && ch != '-') card += ch;
      }
      try {
        const ChargeResult c =
            service_.charge(service_.paid_charge(svt, pages, card, form_value(form, "request_id")).cwt);
        return redirect(back + "&done=paid&pages=" + std::to_string(c.pages_granted));
      } catch (const ApiError& e) {
        if (e.token_refusal()) throw;
        // Payment or input problem: show the page again with the reason, nothing charged.
        HttpResponse r = html(
            e.status(), web::charge_page(service_.device_for_svt(svt), svt, service_.config(), "", e.what()));
        r.outcome = e.code();
        return r;
      }
    }
    const DeviceView view = service_.device_for_svt(svt);
    const std::string done = query_param(req.target, "done");
    std::string flash;
    const std::string pages = query_param(req.target, "pages");
    const bool number =
        !pages.empty() && pages.size() <= 10 &&
        std::all_of(pages.begin(), pages.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
    if ((done == "free" || done == "paid") && number) {  // the redirect's own figure, nothing else
      flash = pages + " pages charged" + (done == "free" ? " (free charge)" : "") +
              ". The printer adds them at its next sync.";
    }
    return html(200, web::charge_page(view, svt, service_.config(), flash, ""));
  }
  // /exchange
  if (post) {
    std::vector<std::string> colors;
    for (const auto& [k, v] : form) {
      if (k == "color") colors.push_back(v);
    }
    try {
      service_.exchange_request(svt, colors);
    } catch (const ApiError& e) {
      if (e.token_refusal()) throw;
      HttpResponse r = html(e.status(), web::exchange_page(service_.device_for_svt(svt), svt, "", e.what()));
      r.outcome = e.code();
      return r;
    }
    return redirect(back + "&done=1");
  }
  const DeviceView view = service_.device_for_svt(svt);
  const std::string flash =
      query_param(req.target, "done") == "1" ? "Replacement requested. The cartridges are on their way." : "";
  return html(200, web::exchange_page(view, svt, flash, ""));
}

}  // namespace tapbench::server
