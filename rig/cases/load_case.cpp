#include "rig/cases/load_case.hpp"

#include <cups/cups.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "rig/terminal/http_call.hpp"
#include "rig/terminal/ipp_client.hpp"
#include "rig/terminal/nfc_tap.hpp"
#include "server/api/client_stream.hpp"
#include "sim/clock/sim_clock.hpp"

namespace tapbench::rig {
namespace {

using namespace std::chrono_literals;
using load::Identity;
using terminal::ms;
using terminal::Reply;
using terminal::TerminalTransportError;
namespace detail = terminal::detail;

constexpr const char* kAdmin = "app:admin";
constexpr const char* kTestCard = "4242424242424242";  // vendord's sandbox gateway approves it

ms ms_left(std::chrono::nanoseconds d) {
  return std::max(ms(1), std::chrono::duration_cast<ms>(d));
}

template <class T>
const T& need(const Reply<T>& r, const std::string& failure_class, const std::string& doing) {
  if (!r.ok()) {
    throw CaseFailure(failure_class, doing + " refused: status " + std::to_string(r.status) + " " + r.error);
  }
  return *r.value;
}

// A JSON API request as the terminals send it (Boost.Beast): Host, the bearer token if any, a JSON body if
// any.
boost::beast::http::request<boost::beast::http::string_body> json_request(const char* method,
                                                                          const std::string& target,
                                                                          const std::string& host,
                                                                          const std::string& body,
                                                                          const std::string& bearer) {
  namespace http = boost::beast::http;
  http::request<http::string_body> req(method == std::string("GET") ? http::verb::get : http::verb::post,
                                       target, 11);
  req.set(http::field::host, host);
  if (!bearer.empty()) req.set(http::field::authorization, "Bearer " + bearer);
  if (!body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = body;
  }
  req.prepare_payload();
  return req;
}

detail::HttpAnswer answer_of(boost::beast::http::response<boost::beast::http::string_body>& res) {
  detail::HttpAnswer a;
  a.status = static_cast<int>(res.result_int());
  a.body = std::move(res.body());
  a.content_type = std::string(res[boost::beast::http::field::content_type]);
  return a;
}

// One JSON request and its answer on a connected stream (plain or TLS), driven by the caller's io_context:
// after it ran, `done` says the answer is in `res`, else `failed` says why.
struct JsonExchange {
  explicit JsonExchange(boost::beast::http::request<boost::beast::http::string_body> r) : req(std::move(r)) {}

  boost::beast::http::request<boost::beast::http::string_body> req;
  boost::beast::flat_buffer buffer;
  boost::beast::http::response<boost::beast::http::string_body> res;
  boost::system::error_code failed;
  bool done = false;

  void start(server::ClientStream& stream) {
    namespace http = boost::beast::http;
    stream.visit([this](auto& s) {
      http::async_write(s, req, [this, &s](boost::system::error_code e, std::size_t) {
        if (e) {
          failed = e;
          return;
        }
        http::async_read(s, buffer, res, [this](boost::system::error_code e2, std::size_t) {
          failed = e2;
          done = !e2;
        });
      });
    });
  }
  // A connect (and TLS handshake) that ended: on success the request goes out.
  void after_connect(server::ClientStream& stream, boost::system::error_code e) {
    if (e) {
      failed = e;
      return;
    }
    start(stream);
  }
  std::string why(const server::ClientStream& stream) const {
    return !stream.failure().empty() ? stream.failure() : failed ? failed.message() : "no answer";
  }
};

// One HTTP exchange with vendord from the terminal's own loopback address (vendord limits refused tokens per
// client address: a thousand phones are a thousand clients). Boost.Beast, plain or TLS (the endpoint's
// trust), bounded by `timeout` as a whole.
detail::HttpAnswer bound_exchange(const std::string& source, const detail::Endpoint& to, const char* method,
                                  const std::string& target, const std::string& body,
                                  const std::string& bearer, ms timeout) {
  namespace asio = boost::asio;
  using tcp = asio::ip::tcp;
  const std::string route = std::string(method) + " " + target;
  asio::io_context ioc;
  server::ClientStream stream(ioc, to.tls);
  boost::system::error_code ec;
  const auto remote_addr = asio::ip::make_address(to.host, ec);
  if (ec) throw TerminalTransportError(route + ": not an address: " + to.host);
  auto& socket = stream.tcp().socket();
  socket.open(remote_addr.is_v4() ? tcp::v4() : tcp::v6(), ec);
  if (!ec && !source.empty() && remote_addr.is_v4()) {
    socket.bind(tcp::endpoint(asio::ip::make_address(source), 0), ec);
  }
  if (ec) throw TerminalTransportError(route + ": cannot bind " + source + ": " + ec.message());
  JsonExchange x(json_request(method, target, to.host, body, bearer));
  stream.tcp().expires_after(timeout);
  stream.async_connect(tcp::endpoint(remote_addr, to.port), to.host,
                       [&](boost::system::error_code e) { x.after_connect(stream, e); });
  ioc.run();
  socket.shutdown(tcp::socket::shutdown_both, ec);
  if (!x.done) throw TerminalTransportError(route + ": " + x.why(stream));
  return answer_of(x.res);
}

// Keep-alive HTTP connections to printerd's JSON API for the PT issue, the one API call inside a tap's hold
// of the tag (its fresh connection cost a TCP connect and a new PAPPL client thread per PT issue). A
// connection the printer closed while idle (end of stream before any byte of the answer: the request was
// never read) is replaced once by a fresh one; any other failure is the terminal's transport error, never
// retried (a PT issue must not present its PWT twice). Plain or TLS (the endpoint's trust): the TLS handshake
// is paid once per connection.
class KeepAliveHttp {
 public:
  explicit KeepAliveHttp(detail::Endpoint to) : to_(std::move(to)) {}

  detail::HttpAnswer exchange(const char* method, const std::string& target, const std::string& body,
                              const std::string& bearer, ms timeout) {
    namespace beast = boost::beast;
    namespace http = beast::http;
    namespace asio = boost::asio;
    using tcp = asio::ip::tcp;
    const std::string route = std::string(method) + " " + target;
    for (int attempt = 0;; ++attempt) {
      std::unique_ptr<Conn> c;
      {
        std::lock_guard lk(mu_);
        if (!idle_.empty()) {
          c = std::move(idle_.back());
          idle_.pop_back();
        }
      }
      const bool reused = c != nullptr;
      if (!c) c = std::make_unique<Conn>(to_);
      JsonExchange x(json_request(method, target, to_.host, body, bearer));
      x.req.keep_alive(true);
      c->ioc.restart();
      c->stream.tcp().expires_after(timeout);
      if (reused) {
        x.start(c->stream);
      } else {
        boost::system::error_code ec;
        const auto addr = asio::ip::make_address(to_.host, ec);
        if (ec) throw TerminalTransportError(route + ": not an address: " + to_.host);
        c->stream.async_connect(tcp::endpoint(addr, to_.port), to_.host,
                                [&](boost::system::error_code e) { x.after_connect(c->stream, e); });
      }
      c->ioc.run();
      if (!x.done) {
        const auto failed = x.failed;
        const bool stale =
            reused && x.buffer.size() == 0 &&
            (failed == http::error::end_of_stream || failed == asio::error::connection_reset ||
             failed == asio::error::broken_pipe || failed == asio::ssl::error::stream_truncated);
        if (stale && attempt == 0) continue;
        throw TerminalTransportError(route + ": " + x.why(c->stream));
      }
      const bool keep = x.res.keep_alive();
      detail::HttpAnswer a = answer_of(x.res);
      if (keep) {
        std::lock_guard lk(mu_);
        idle_.push_back(std::move(c));
      }
      return a;
    }
  }

 private:
  struct Conn {
    explicit Conn(const detail::Endpoint& to) : stream(ioc, to.tls) {}
    boost::asio::io_context ioc;
    server::ClientStream stream;
  };
  detail::Endpoint to_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Conn>> idle_;
};

bool success(int status) {
  return status >= 200 && status < 300;
}

// Keep-alive IPP connections to printerd for the print apps' Validate-Job, one per worker at most (a
// worker takes one, uses it for one request and gives it back). A fresh connection per Validate-Job cost
// more than the request (TCP connect, and PAPPL starts a client thread per connection: 6.5 ms mean per
// authorisation under load, docs/PERFORMANCE.md "Load"); a phone's print app keeps its connection too.
class IppConnectionPool {
 public:
  IppConnectionPool(const std::string& ipp_uri, std::shared_ptr<server::CertificatePin> pin)
      : uri_(ipp_uri), pin_(std::move(pin)) {
    char scheme[16], user[64], host[256], resource[256];
    if (httpSeparateURI(HTTP_URI_CODING_ALL, ipp_uri.c_str(), scheme, sizeof scheme, user, sizeof user, host,
                        sizeof host, &port_, resource, sizeof resource) < HTTP_URI_STATUS_OK) {
      throw TerminalTransportError("Validate-Job: not an IPP URI");
    }
    host_ = host;
    resource_ = resource;
    tls_ = std::string_view(scheme) == "ipps";
  }
  ~IppConnectionPool() {
    for (http_t* h : idle_)
      httpClose(h);
  }
  IppConnectionPool(const IppConnectionPool&) = delete;
  IppConnectionPool& operator=(const IppConnectionPool&) = delete;

  // An idle connection (reused: true), else a new one; nullptr with `why` if none can be made.
  http_t* take(ms timeout, bool& reused, std::string& why) {
    {
      std::lock_guard lk(mu_);
      if (!idle_.empty()) {
        http_t* h = idle_.back();
        idle_.pop_back();
        reused = true;
        return h;
      }
    }
    reused = false;
    return terminal::connect_printer(host_, port_, tls_, pin_.get(), static_cast<int>(timeout.count()), why);
  }
  void give(http_t* h) {
    httpSetAuthString(h, nullptr, nullptr);  // the token does not stay with the connection
    std::lock_guard lk(mu_);
    idle_.push_back(h);
  }
  const std::string& uri() const { return uri_; }
  const std::string& resource() const { return resource_; }

 private:
  std::string uri_, host_, resource_;
  int port_ = 0;
  bool tls_ = false;  // ipps: the printer's certificate checked against pin_
  std::shared_ptr<server::CertificatePin> pin_;
  std::mutex mu_;
  std::vector<http_t*> idle_;
};

// S121 as the print app starts it: IPP Validate-Job with the token as Bearer, which printerd authorises
// exactly as Print-Job without printing (so a thousand terminals do not drain the simulated cartridge). On a
// kept-alive connection; one the printer closed meanwhile is replaced once by a fresh one.
Reply<bool> validate_job(IppConnectionPool& pool, const std::string& token, ms timeout) {
  for (int attempt = 0;; ++attempt) {
    bool reused = false;
    std::string why;
    http_t* http = pool.take(timeout, reused, why);
    if (!http) throw TerminalTransportError("Validate-Job: " + why);
    httpSetTimeout(http, static_cast<double>(timeout.count()) / 1000.0, nullptr, nullptr);
    httpSetAuthString(http, "Bearer", token.c_str());
    const auto answered = terminal::validate_job_on(http, pool.uri(), pool.resource(), why);
    if (!answered) {
      httpClose(http);
      if (reused && attempt == 0) continue;  // the printer closed the idle connection: once more, fresh
      throw TerminalTransportError("Validate-Job: no IPP answer: " + why);
    }
    const ipp_status_t status = *answered;
    Reply<bool> r;
    r.status = static_cast<int>(status);
    if (status < IPP_STATUS_REDIRECTION_OTHER_SITE) {
      r.value = true;
      pool.give(http);
    } else {
      r.error = ippErrorString(status);
      httpClose(http);  // after a refusal libcups may have started its own authentication: not reused
    }
    return r;
  }
}

// The parties of the sim bench: printerd through its JSON API and IPP, vendord from each terminal's own
// address, the tag through the phone's reader (libnfc, pn532-sim), lifetimes judged on the sim clock.
class SimBenchLoadParties final : public load::LoadParties {
 public:
  SimBenchLoadParties(std::shared_ptr<SimBenchSession> session, SimBenchStrategy& bench,
                      const Clock& rig_clock)
      : session_(std::move(session)),
        rig_clock_(rig_clock),
        clock_(bench.endpoints().sim_clock),
        printer_(bench.endpoints().printer_url, bench.endpoints().printer_tls),
        printer_api_(detail::parse_http_base_url(bench.endpoints().printer_url, "printer URL",
                                                 bench.endpoints().printer_tls)),
        ipp_(bench.endpoints().printer_ipp_uri, bench.endpoints().printer_pin),
        vendor_(detail::parse_http_base_url(bench.endpoints().server_url, "vendord URL")) {}

  const Clock& token_clock() const override { return clock_; }

  std::optional<std::string> tap_pwt(ms timeout) override {
    SecretRegistry scratch;  // the tokens never leave the rig's memory: nothing to redact them from
    const auto read = terminal::tap(session_->phone_reader(rig_clock_), rig_clock_, timeout, scratch);
    empty_tag_reads_ += read.empty_reads;
    return read.view.pwt;
  }
  // S31-S35 as terminal::PrinterApiClient::issue_pt, on a kept-alive connection.
  Reply<terminal::PtGrant> issue_pt(const std::string& pwt, const Identity& who, ms t) override {
    constexpr std::string_view route = "POST /tapbench/api/pt";
    const auto a = printer_api_.exchange("POST", "/tapbench/api/pt",
                                         "{\"terminal_id\":" + detail::json_string(who.id) + "}", pwt, t);
    if (!success(a.status)) return detail::refusal<terminal::PtGrant>(a);
    const auto o = detail::parse_object(a, route);
    Reply<terminal::PtGrant> r;
    r.status = a.status;
    r.value =
        terminal::PtGrant{detail::get_string(o, "pt", route), detail::get_string(o, "terminal_id", route)};
    return r;
  }
  Reply<terminal::SyncResult> sync(const std::string& pt, const Identity& who, ms t) override {
    return printer_.sync(pt, who.id, t);
  }
  Reply<std::string> request_svwt(const std::string& pt, const Identity& who, ms t) override {
    return printer_.request_svwt(pt, who.id, t);
  }
  Reply<bool> delete_pt(const std::string& pt, const Identity& who, ms t) override {
    return printer_.delete_pt(pt, who.id, t);
  }
  Reply<bool> authorise_print(const std::string& pwt, const Identity&, ms t) override {
    return validate_job(ipp_, pwt, t);
  }
  std::uint64_t empty_tag_reads() const override { return empty_tag_reads_.load(); }
  Reply<terminal::SvtGrant> svt(const std::string& svwt, const Identity& who, ms t) override {
    constexpr std::string_view route = "POST /v1/terminal/svt";
    const auto a = bound_exchange(
        who.source_address, vendor_, "POST", "/v1/terminal/svt",
        "{\"svwt\":" + detail::json_string(svwt) + ",\"terminal_id\":" + detail::json_string(who.id) + "}",
        {}, t);
    if (!success(a.status)) return detail::refusal<terminal::SvtGrant>(a);
    const auto o = detail::parse_object(a, route);
    Reply<terminal::SvtGrant> r;
    r.status = a.status;
    r.value = terminal::SvtGrant{
        detail::get_string(o, "svt", route), detail::get_string(o, "device_id", route), {}, {}};
    return r;
  }
  Reply<terminal::CwtGrant> paid_charge(const std::string& svt, std::int64_t pages,
                                        const std::string& request_id, const Identity& who, ms t) override {
    constexpr std::string_view route = "POST /v1/terminal/paid-charge";
    const std::string body = "{\"pages\":" + std::to_string(pages) + ",\"card_number\":\"" + kTestCard +
                             "\",\"request_id\":" + detail::json_string(request_id) + "}";
    const auto a =
        bound_exchange(who.source_address, vendor_, "POST", "/v1/terminal/paid-charge", body, svt, t);
    if (!success(a.status)) return detail::refusal<terminal::CwtGrant>(a);
    const auto o = detail::parse_object(a, route);
    Reply<terminal::CwtGrant> r;
    r.status = a.status;
    r.value = terminal::CwtGrant{};
    r.value->cwt = detail::get_string(o, "cwt", route);
    r.value->pages = detail::get_int(o, "pages", route);
    return r;
  }
  Reply<terminal::ChargeResult> charge(const std::string& cwt, const Identity& who, ms t) override {
    constexpr std::string_view route = "POST /v1/terminal/charge";
    const auto a = bound_exchange(who.source_address, vendor_, "POST", "/v1/terminal/charge",
                                  "{\"cwt\":" + detail::json_string(cwt) + "}", {}, t);
    if (!success(a.status)) return detail::refusal<terminal::ChargeResult>(a);
    const auto o = detail::parse_object(a, route);
    Reply<terminal::ChargeResult> r;
    r.status = a.status;
    r.value = terminal::ChargeResult{};
    r.value->pages_granted = detail::get_int(o, "pages_granted", route);
    return r;
  }
  Reply<terminal::DeviceInfo> device(const std::string& svt, const Identity& who, ms t) override {
    constexpr std::string_view route = "GET /v1/terminal/device";
    const auto a = bound_exchange(who.source_address, vendor_, "GET", "/v1/terminal/device", {}, svt, t);
    if (!success(a.status)) return detail::refusal<terminal::DeviceInfo>(a);
    const auto o = detail::parse_object(a, route);
    Reply<terminal::DeviceInfo> r;
    r.status = a.status;
    r.value = terminal::DeviceInfo{};
    r.value->device_id = detail::get_string(o, "device_id", route);
    r.value->pages = detail::get_int(o, "pages", route);
    return r;
  }

 private:
  std::shared_ptr<SimBenchSession> session_;
  const Clock& rig_clock_;
  sim::SimClock clock_;
  terminal::PrinterApiClient printer_;
  KeepAliveHttp printer_api_;
  IppConnectionPool ipp_;
  detail::Endpoint vendor_;
  std::atomic<std::uint64_t> empty_tag_reads_{0};
};

// Setup on the sim bench: a registered printer whose tag offers a PWT, with pages, no PT left by the admin.
std::unique_ptr<load::LoadParties> sim_bench_parties(std::shared_ptr<SimBenchSession> session,
                                                     const CaseEnvironment& env, StepContext& step) {
  try {
    SimBenchStrategy& bench = session->acquire(env, step);
    if (bench.endpoints().sim_clock.empty()) throw CaseSkip("the bench's parties run on no sim clock file");
    session->ensure_pwt_on_tag(step);
    const terminal::PrinterApiClient printer(bench.endpoints().printer_url, bench.endpoints().printer_tls);
    const terminal::VendorClient vendor(bench.endpoints().server_url);
    const auto left = [&] { return ms_left(step.remaining()); };
    auto tap = terminal::tap(session->phone_reader(step.clock()), step.clock(), left(), step.secrets());
    if (!tap.view.pwt) throw CaseFailure("tap-without-pwt", "the printer's tag carries no PWT");
    auto issued = printer.issue_pt(*tap.view.pwt, kAdmin, left());
    if (!issued.ok() && issued.error == "pwt_locked") {  // an earlier case spent the wrong-PWT allowance
      bench.restart_printer(step.deadline());
      tap = terminal::tap(session->phone_reader(step.clock()), step.clock(), left(), step.secrets());
      if (!tap.view.pwt) throw CaseFailure("tap-without-pwt", "no PWT on the tag after a restart");
      issued = printer.issue_pt(*tap.view.pwt, kAdmin, left());
    }
    const std::string pt = need(issued, "pt-refused", "admin PT issue (S31-S35)").pt;
    step.secret(pt);
    if (tap.view.state == ndef::PrinterState::unregistered) {
      const auto reg =
          need(printer.register_printer(pt, kAdmin, left()), "registration-refused", "registration");
      if (!reg.registered) throw CaseFailure("registration-failed", "the printer stayed unregistered");
    }
    const auto pages = need(printer.status(left()), "status-refused", "printer status").pages_remaining;
    if (pages <= bench.options().page_threshold + 1) {
      Reply<std::string> svwt;
      for (;;) {  // 503 no_svwt until the printer's first prefetch
        svwt = printer.request_svwt(pt, kAdmin, left());
        if (svwt.ok() || svwt.error != "no_svwt") break;
        step.check_deadline();
        std::this_thread::sleep_for(50ms);  // polling interval, bounded by the step's deadline
      }
      step.secret(need(svwt, "svwt-refused", "SVWT request"));
      const auto svt = need(vendor.svt(*svwt.value, kAdmin, left()), "svt-refused", "SVT");
      step.secret(svt.svt);
      const auto device = need(vendor.device(svt.svt, left()), "device-refused", "device info");
      const auto cwt =
          device.free_charge_used
              ? need(vendor.paid_charge(svt.svt, 20, kTestCard, "load-setup-" + svt.device_id, left()),
                     "paid-charge-refused", "paid charge")
              : need(vendor.free_charge(svt.svt, left()), "free-charge-refused", "free charge");
      step.secret(cwt.cwt);
      need(vendor.charge(cwt.cwt, left()), "charge-refused", "CWT redemption");
      need(printer.sync(pt, kAdmin, left()), "sync-refused", "sync");
    }
    need(printer.delete_pt(pt, kAdmin, left()), "pt-delete-refused", "admin PT delete");
    return std::make_unique<SimBenchLoadParties>(session, bench, env.clock);
  } catch (const TerminalTransportError& e) {
    throw BenchError("terminal-transport", e.what());
  } catch (const StrategyError& e) {
    throw BenchError("bench-not-ready", e.what());
  }
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string joined(const std::map<std::string, std::uint64_t>& m) {
  std::string s;
  for (const auto& [k, v] : m)
    s += (s.empty() ? "" : ", ") + k + " " + std::to_string(v);
  return s.empty() ? "none" : s;
}

class LoadCase final : public Case {
 public:
  LoadCase(const CaseEnvironment& env, LoadPartiesFactory factory)
      : env_(env), factory_(std::move(factory)) {}

  void setup(StepContext& step) override { parties_ = factory_(env_, step); }

  void run_cycle(CycleContext& c) override {
    if (!parties_) throw BenchError("case-bug", "load: run_cycle without setup");
    const LoadShape shape = env_.load ? *env_.load : default_load_shape();
    load::LoadOptions o;
    o.terminals = shape.terminals;
    o.ramp_up = shape.ramp_up;
    o.duration = shape.duration;
    o.think_time = shape.think_time;
    o.actions_per_terminal = shape.actions_per_terminal;
    o.mix = shape.mix;
    const auto& pl = env_.lifetimes.printer;
    const auto& sl = env_.lifetimes.server;
    load::LoadLifetimes life;
    if (pl.pwt_period) life.pwt_period = *pl.pwt_period;
    if (pl.pt_idle) life.pt_idle = *pl.pt_idle;
    if (sl.svwt_ttl) life.svwt_ttl = *sl.svwt_ttl;
    if (sl.svt_idle) life.svt_idle = *sl.svt_idle;
    if (sl.cwt_ttl) life.cwt_ttl = *sl.cwt_ttl;

    load::LoadHooks hooks;
    hooks.ramped_up = [&] { c.mark("ramped_up"); };
    hooks.held = [&] { c.mark("held"); };
    hooks.check = [&] { c.check_deadline(); };
    hooks.violation = [&](const std::string& token, const std::string& v) { c.token_violation(token, v); };
    const auto r = load::run_load(*parties_, o, life, hooks);
    c.mark("drained");

    const auto rss_kb = load::peak_rss_kb();
    const double per_s = r.seconds > 0 ? static_cast<double>(r.operations) / r.seconds : 0;
    c.note("terminals", std::to_string(r.terminals));
    c.note("terminals_active", std::to_string(r.terminals_active));
    c.note("actions", std::to_string(r.actions));
    c.note("operations", std::to_string(r.operations));
    c.note("decisions_checked", std::to_string(r.decisions_checked));
    c.note("undecidable", std::to_string(r.undecidable));
    c.note("violations", std::to_string(r.violation_total()));
    c.note("throughput", fixed(per_s, 1) + " operations/s, " +
                             fixed(r.seconds > 0 ? static_cast<double>(r.actions) / r.seconds : 0, 1) +
                             " actions/s over " + fixed(r.seconds, 1) + " s");
    c.note("schedule_lag", "p99 " + fixed(r.lag_p99_ms, 1) + " ms, max " + fixed(r.lag_max_ms, 1) + " ms");
    c.note("tag", std::to_string(r.tag_uses) + " uses (serialized), mean " + fixed(r.tag_use_mean_ms, 2) +
                      " ms: tag read " + fixed(r.tag_read_mean_ms, 2) + " ms, PT issue " +
                      fixed(r.pt_issue_mean_ms, 2) + " ms, print authorisation " +
                      fixed(r.print_auth_mean_ms, 2) + " ms; " + std::to_string(r.empty_tag_reads) +
                      " taps found the tag empty and tapped again");
    c.note("rig_rss", std::to_string(rss_kb / 1024) + " MB (VmHWM " + std::to_string(rss_kb) + " kB)");
    c.note("actions_by_kind", joined(r.by_action));
    c.note("refusals", joined(r.refusals));
    c.note("transport_errors", std::to_string(r.transport_errors));
    if (r.violation_total() > 0) {
      throw CaseFailure("token-violation",
                        std::to_string(r.violation_total()) +
                            " token decisions broke their lifetime: " + joined(r.violations));
    }
    if (r.transport_errors * 100 > r.operations || r.terminals_active < r.terminals) {
      throw BenchError("load-not-sustained",
                       std::to_string(r.transport_errors) + " of " + std::to_string(r.operations) +
                           " requests got no answer, " + std::to_string(r.terminals_active) + " of " +
                           std::to_string(r.terminals) + " terminals acted" +
                           (r.first_transport_error.empty() ? "" : "; first: " + r.first_transport_error));
    }
  }

 private:
  const CaseEnvironment& env_;
  LoadPartiesFactory factory_;
  std::unique_ptr<load::LoadParties> parties_;
};

}  // namespace

LoadShape default_load_shape() {
  LoadShape s;
  s.terminals = 50;
  s.ramp_up = 1s;
  s.duration = 4s;
  s.think_time = 200ms;
  s.mix = {{"tap", 40}, {"print", 40}, {"charge", 15}, {"exchange", 5}};
  return s;
}

std::unique_ptr<Case> make_load_case(const CaseEnvironment& env, LoadPartiesFactory factory) {
  return std::make_unique<LoadCase>(env, std::move(factory));
}

void register_load_case(CaseRegistry& registry, std::shared_ptr<SimBenchSession> session) {
  const CaseRegistry::Entry* entry = registry.find("load");
  if (!entry) return;
  CaseInfo info = entry->info;
  registry.add(std::move(info), [session](const CaseEnvironment& env) {
    return make_load_case(env, [session](const CaseEnvironment& e, StepContext& step) {
      return sim_bench_parties(session, e, step);
    });
  });
}

}  // namespace tapbench::rig
