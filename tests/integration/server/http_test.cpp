// vendord's HTTP API end to end over real sockets: an in-process HttpServer (Boost.Beast) on an ephemeral
// port, the service on a real SQLite file, time from a ManualClock so expiry is exact over HTTP too.
#include <doctest/doctest.h>

#include <sqlite3.h>
#include <atomic>
#include <boost/asio.hpp>

#include <boost/json.hpp>
#include <thread>

#include "server/api/http_client.hpp"
#include "server/api/http_server.hpp"
#include "server/api/router.hpp"
#include "tests/unit/server/fixture.hpp"

using namespace std::chrono_literals;
using namespace tapbench::server;
namespace json = boost::json;

namespace {

struct Server : tapbench::server::test::Fixture {
  HttpConfig http = [] {
    HttpConfig h;
    h.listen = "127.0.0.1:0";
    h.threads = 2;
    h.body_limit = 4096;
    h.token_failures_per_minute = 1000;
    return h;
  }();
  std::unique_ptr<Router> router;
  std::unique_ptr<HttpServer> server;

  explicit Server(int failures_per_minute = 1000) {
    http.token_failures_per_minute = failures_per_minute;
    router = std::make_unique<Router>(service, metrics, clock, http);
    server = std::make_unique<HttpServer>(*router, http);
    server->start();
  }
  ~Server() { server->stop(); }
  HttpClient client() { return HttpClient("127.0.0.1", server->port()); }
};

json::object body(const ClientResponse& r) {
  INFO(r.body);
  return json::parse(r.body).as_object();
}
std::string str(const ClientResponse& r, const char* key) {
  return std::string{body(r).at(key).as_string()};
}
std::string code(const ClientResponse& r) {
  return std::string{body(r).at("error").as_object().at("code").as_string()};
}

// Every row of every table, as text: equal snapshots mean the request wrote nothing.
std::string db_snapshot(const std::filesystem::path& db_path) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  std::string out;
  std::vector<std::string> tables;
  sqlite3_exec(
      db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
      [](void* t, int, char** v, char**) {
        static_cast<std::vector<std::string>*>(t)->emplace_back(v[0]);
        return 0;
      },
      &tables, nullptr);
  for (const auto& t : tables) {
    out += "[" + t + "]\n";
    sqlite3_exec(
        db, ("SELECT * FROM \"" + t + "\" ORDER BY 1").c_str(),
        [](void* o, int n, char** v, char**) {
          auto& s = *static_cast<std::string*>(o);
          for (int i = 0; i < n; ++i)
            s += std::string{v[i] ? v[i] : "NULL"} + "|";
          s += "\n";
          return 0;
        },
        &out, nullptr);
  }
  sqlite3_close(db);
  return out;
}

}  // namespace

TEST_CASE(
    "HTTP: registration → SVT → free charge → sync → paid charge → exchange, as a terminal and printer") {
  Server s;
  HttpClient printer = s.client();
  HttpClient terminal = s.client();

  auto r = printer.post_json("/v1/printer/register",
                             R"({"device_id":"dv1","pages":10,"ink":{"black":12,"cyan":70}})");
  REQUIRE(r.status == 201);
  const std::string st = str(r, "st");

  r = printer.post_json("/v1/printer/svwt", "", st);
  REQUIRE(r.status == 201);
  const std::string svwt = str(r, "svwt");

  r = terminal.post_json("/v1/terminal/svt", R"({"svwt":")" + svwt + R"(","terminal_id":"phone-1"})");
  REQUIRE(r.status == 201);
  const std::string svt = str(r, "svt");
  CHECK(str(r, "device_id") == "dv1");
  CHECK(str(r, "charge_url").find("/charge?svt=" + svt) != std::string::npos);

  r = terminal.post_json("/v1/terminal/free-charge", "", svt);
  REQUIRE(r.status == 201);
  CHECK(body(r).at("pages").as_int64() == 2000);
  const std::string cwt = str(r, "cwt");
  r = terminal.post_json("/v1/terminal/charge", R"({"cwt":")" + cwt + R"("})");
  REQUIRE(r.status == 200);
  CHECK(body(r).at("pages_granted").as_int64() == 2000);

  r = printer.post_json("/v1/printer/sync", R"({"pages":10,"ink":{"black":12,"cyan":70}})", st);
  REQUIRE(r.status == 200);
  CHECK(body(r).at("add_pages").as_int64() == 2000);
  const auto through = body(r).at("credit_through").as_int64();
  CHECK(json::serialize(body(r).at("ink_low")) == R"(["black"])");
  r = printer.post_json(
      "/v1/printer/sync",
      R"({"pages":2010,"ink":{"black":12,"cyan":70},"applied_credit_id":)" + std::to_string(through) + "}",
      st);
  CHECK(body(r).at("add_pages").as_int64() == 0);

  r = terminal.post_json("/v1/terminal/paid-charge", R"({"pages":300,"card_number":"4242424242424242"})",
                         svt);
  REQUIRE(r.status == 201);
  CHECK(body(r).at("amount_cents").as_int64() == 600);
  r = terminal.post_json("/v1/terminal/charge", R"({"cwt":")" + str(r, "cwt") + R"("})");
  CHECK(body(r).at("pages_granted").as_int64() == 300);

  r = terminal.get("/v1/terminal/device", svt);
  REQUIRE(r.status == 200);
  CHECK(body(r).at("pages").as_int64() == 2010);
  CHECK(body(r).at("pending_pages").as_int64() == 300);
  CHECK(body(r).at("replacement_notices").as_array().size() == 1);

  r = terminal.post_json("/v1/terminal/exchange", R"({"colors":["black"]})", svt);
  CHECK(r.status == 201);
  CHECK(body(terminal.get("/v1/terminal/device", svt)).at("replacement_notices").as_array().empty());

  r = terminal.post_json("/v1/terminal/activation", R"({"active":false})", svt);
  CHECK(r.status == 200);
  r = printer.post_json("/v1/printer/sync",
                        R"({"pages":2010,"applied_credit_id":)" + std::to_string(through) + "}", st);
  CHECK(body(r).at("active").as_bool() == false);
  CHECK(body(r).at("add_pages").as_int64() == 300);
}

TEST_CASE("HTTP: bad input is a JSON error with a stable code and a 4xx, nothing written") {
  Server s;
  HttpClient c = s.client();
  CHECK(code(c.post_json("/v1/printer/register", "{not json")) == "invalid_json");
  CHECK(code(c.post_json("/v1/printer/register", "[1,2]")) == "invalid_json");
  CHECK(code(c.post_json("/v1/printer/register", R"({"pages":1})")) == "invalid_request");
  CHECK(code(c.post_json("/v1/printer/register", R"({"device_id":"dv1","pages":"ten"})")) ==
        "invalid_request");
  CHECK(code(c.post_json("/v1/printer/register", R"({"device_id":"dv1","pages":1,"ink":{"k":"x"}})")) ==
        "invalid_request");
  auto r = c.post_json("/v1/printer/svwt", "");
  CHECK(r.status == 401);
  CHECK(code(r) == "token_missing");
  r = c.request("POST", "/v1/printer/svwt", "", {{"Authorization", "Basic abc"}});
  CHECK(code(r) == "token_malformed");
  r = c.get("/v1/printer/register");
  CHECK(r.status == 405);
  CHECK(code(r) == "method_not_allowed");
  r = c.get("/nope");
  CHECK(r.status == 404);
  CHECK(code(r) == "not_found");
  CHECK(s.store->totals().devices == 0);
  // Over the body limit (4096 in this fixture): 413, connection closed, nothing written.
  r = c.post_json("/v1/printer/register",
                  R"({"device_id":"dv1","pages":1,"pad":")" + std::string(5000, 'x') + "\"}");
  CHECK(r.status == 413);
  CHECK(code(r) == "body_too_large");
  CHECK(s.store->totals().devices == 0);
  CHECK(c.get("/healthz").status == 200);  // the client reconnects
}

TEST_CASE("HTTP: refused requests that carry valid tokens write nothing (whole database compared)") {
  Server s;
  HttpClient c = s.client();
  const std::string st =
      str(c.post_json("/v1/printer/register", R"({"device_id":"dv1","pages":10,"ink":{"black":50}})"), "st");
  const std::string svwt = str(c.post_json("/v1/printer/svwt", "", st), "svwt");
  const std::string svt = str(c.post_json("/v1/terminal/svt", R"({"svwt":")" + svwt + R"("})"), "svt");
  const std::string cwt = str(c.post_json("/v1/terminal/free-charge", "", svt), "cwt");
  REQUIRE(c.post_json("/v1/terminal/charge", R"({"cwt":")" + cwt + R"("})").status == 200);
  s.clock.advance(10s);  // so that a refreshed idle timer would show in the snapshot
  const std::string before = db_snapshot(s.dir / "vendord.db");
  struct Bad {
    const char* what;
    ClientResponse r;
    int status;
    const char* code;
  };
  const Bad bad[] = {
      {"declined card",
       c.post_json("/v1/terminal/paid-charge", R"({"pages":100,"card_number":"4000000000000002"})", svt), 402,
       "payment_declined"},
      {"Luhn",
       c.post_json("/v1/terminal/paid-charge", R"({"pages":100,"card_number":"4242424242424241"})", svt), 400,
       "invalid_card_number"},
      {"pages 0",
       c.post_json("/v1/terminal/paid-charge", R"({"pages":0,"card_number":"4242424242424242"})", svt), 400,
       "invalid_request"},
      {"colour", c.post_json("/v1/terminal/exchange", R"({"colors":["Bad!"]})", svt), 400, "invalid_request"},
      {"nothing to exchange", c.post_json("/v1/terminal/exchange", "{}", svt), 400, "nothing_to_exchange"},
      {"active not bool", c.post_json("/v1/terminal/activation", R"({"active":"no"})", svt), 400,
       "invalid_request"},
      {"sync bad credit", c.post_json("/v1/printer/sync", R"({"pages":5,"applied_credit_id":99})", st), 400,
       "invalid_credit_id"},
      {"sync ink", c.post_json("/v1/printer/sync", R"({"pages":5,"ink":{"black":101}})", st), 400,
       "invalid_request"},
      {"replayed CWT", c.post_json("/v1/terminal/charge", R"({"cwt":")" + cwt + R"("})"), 409,
       "token_already_used"},
      {"replayed SVWT", c.post_json("/v1/terminal/svt", R"({"svwt":")" + svwt + R"("})"), 409,
       "token_already_used"},
      {"ST as SVT", c.post_json("/v1/terminal/free-charge", "", st), 401, "token_malformed"},
      {"re-register", c.post_json("/v1/printer/register", R"({"device_id":"dv1","pages":1})"), 409,
       "device_already_registered"},
      {"page: bad pages",
       c.request("POST", "/charge", "svt=" + svt + "&kind=paid&pages=x&card=4242424242424242",
                 {{"Content-Type", "application/x-www-form-urlencoded"}}),
       400, nullptr},
  };
  for (const Bad& b : bad) {
    INFO(b.what << ": " << b.r.status << " " << b.r.body);
    CHECK(b.r.status == b.status);
    if (b.code) {
      CHECK(b.r.headers.at("content-type") == "application/json");
      CHECK(code(b.r) == b.code);
    }
  }
  CHECK(db_snapshot(s.dir / "vendord.db") == before);
}

TEST_CASE(
    "HTTP: /metrics after a flow: requests by route and outcome, latency histograms, token events, races") {
  Server s;
  HttpClient c = s.client();
  const std::string m0 = c.get("/metrics").body;
  // Every token series and the races-lost series exist at 0 before any traffic.
  CHECK(m0.find("vendord_tokens_total{event=\"expired\",kind=\"cwt\"} 0") != std::string::npos);
  CHECK(m0.find("vendord_token_races_lost_total{kind=\"cwt\"} 0") != std::string::npos);
  CHECK(m0.find("vendord_token_races_lost_total{kind=\"svwt\"} 0") != std::string::npos);
  const std::string st = str(c.post_json("/v1/printer/register", R"({"device_id":"dv1","pages":1})"), "st");
  const std::string svt =
      str(c.post_json("/v1/terminal/svt",
                      R"({"svwt":")" + str(c.post_json("/v1/printer/svwt", "", st), "svwt") + R"("})"),
          "svt");
  const std::string cwt = str(c.post_json("/v1/terminal/free-charge", "", svt), "cwt");
  c.post_json("/v1/terminal/charge", R"({"cwt":")" + cwt + R"("})");
  c.post_json("/v1/terminal/charge", R"({"cwt":")" + cwt + R"("})");
  c.post_json("/v1/printer/register", "{bad");
  c.post_json("/v1/printer/register", R"({"pad":")" + std::string(5000, 'x') + "\"}");  // 413
  HttpClient again = s.client();
  const std::string cwt2 = str(again.post_json("/v1/terminal/free-charge", "", svt), "cwt");
  s.clock.advance(120s);  // CWT ttl in the fixture
  CHECK(s.service.purge() == 1);
  const std::string m = again.get("/metrics").body;
  for (const char* line : {
           "vendord_http_requests_total{outcome=\"ok\",route=\"/v1/terminal/charge\"} 1",
           "vendord_http_requests_total{outcome=\"token_already_used\",route=\"/v1/terminal/charge\"} 1",
           "vendord_http_requests_total{outcome=\"invalid_json\",route=\"/v1/printer/register\"} 1",
           "vendord_http_requests_total{outcome=\"body_too_large\",route=\"unparsed\"} 1",
           "vendord_http_request_duration_seconds_count{route=\"/v1/terminal/charge\"} 2",
           "vendord_http_request_duration_seconds_bucket{route=\"/v1/terminal/charge\",le=\"+Inf\"} 2",
           "vendord_tokens_total{event=\"issued\",kind=\"cwt\"} 2",
           "vendord_tokens_total{event=\"redeemed\",kind=\"cwt\"} 1",
           "vendord_tokens_total{event=\"refused\",kind=\"cwt\"} 1",
           "vendord_tokens_total{event=\"expired\",kind=\"cwt\"} 1",
           "vendord_tokens_total{event=\"issued\",kind=\"st\"} 1",
           "vendord_tokens_total{event=\"redeemed\",kind=\"svwt\"} 1",
       }) {
    INFO(line);
    CHECK(m.find(line) != std::string::npos);
  }
}

TEST_CASE("HTTP: expiry exactly at the boundary with the injected clock, replay refused") {
  Server s;
  HttpClient c = s.client();
  const std::string st = str(c.post_json("/v1/printer/register", R"({"device_id":"dv1","pages":1})"), "st");
  const std::string svwt = str(c.post_json("/v1/printer/svwt", "", st), "svwt");
  s.clock.advance(60s);  // SVWT ttl in the fixture
  auto r = c.post_json("/v1/terminal/svt", R"({"svwt":")" + svwt + R"("})");
  CHECK(r.status == 401);
  CHECK(code(r) == "token_expired");
  const std::string svwt2 = str(c.post_json("/v1/printer/svwt", "", st), "svwt");
  s.clock.advance(60s - 1ms);
  r = c.post_json("/v1/terminal/svt", R"({"svwt":")" + svwt2 + R"("})");
  REQUIRE(r.status == 201);
  const std::string svt = str(r, "svt");
  r = c.post_json("/v1/terminal/svt", R"({"svwt":")" + svwt2 + R"("})");
  CHECK(r.status == 409);
  CHECK(code(r) == "token_already_used");
  const std::string cwt = str(c.post_json("/v1/terminal/free-charge", "", svt), "cwt");
  CHECK(c.post_json("/v1/terminal/charge", R"({"cwt":")" + cwt + R"("})").status == 200);
  CHECK(code(c.post_json("/v1/terminal/charge", R"({"cwt":")" + cwt + R"("})")) == "token_already_used");
  s.clock.advance(300s);  // SVT idle ttl in the fixture
  CHECK(code(c.get("/v1/terminal/device", svt)) == "token_idle_expired");
}

TEST_CASE("HTTP: refused tokens are rate limited per client, and the limit lifts after the minute") {
  Server s(3);
  HttpClient c = s.client();
  const std::string forged = R"({"cwt":"cwt_)" + std::string(43, 'A') + R"("})";
  for (int i = 0; i < 3; ++i)
    CHECK(code(c.post_json("/v1/terminal/charge", forged)) == "token_unknown");
  auto r = c.post_json("/v1/terminal/charge", forged);
  CHECK(r.status == 429);
  CHECK(code(r) == "rate_limited");
  CHECK(r.headers["retry-after"] == "60");
  CHECK(c.get("/healthz").status == 200);  // health and metrics are not token routes
  s.clock.advance(60s - 1ms);              // the window started at the first refusal (t = 0)
  r = c.post_json("/v1/terminal/charge", forged);
  CHECK(code(r) == "rate_limited");
  CHECK(r.headers["retry-after"] == "1");
  s.clock.advance(1ms);
  CHECK(code(c.post_json("/v1/terminal/charge", forged)) == "token_unknown");
}

TEST_CASE("HTTP: many clients redeem the same CWT and the same SVWT at once, exactly one wins each time") {
  Server s;
  HttpClient setup = s.client();
  const std::string st =
      str(setup.post_json("/v1/printer/register", R"({"device_id":"dv1","pages":1})"), "st");
  const std::string svt = str(
      setup.post_json("/v1/terminal/svt",
                      R"({"svwt":")" + str(setup.post_json("/v1/printer/svwt", "", st), "svwt") + R"("})"),
      "svt");
  constexpr int kClients = 8;
  constexpr int kTrials = 10;
  auto race = [&](const std::string& target, const std::string& payload, int win_status) {
    std::vector<std::unique_ptr<HttpClient>> clients;
    for (int i = 0; i < kClients; ++i) {
      clients.push_back(std::make_unique<HttpClient>("127.0.0.1", s.server->port()));
      REQUIRE(clients.back()->get("/healthz").status == 200);  // connected before the start line
    }
    std::atomic<bool> go{false};
    std::atomic<int> wins{0}, used{0}, other{0};
    std::vector<std::thread> threads;
    for (auto& cl : clients) {
      threads.emplace_back([&, client = cl.get()] {
        while (!go.load())
          std::this_thread::yield();
        const auto r = client->post_json(target, payload);
        if (r.status == win_status) {
          ++wins;
        } else if (r.status == 409) {
          ++used;
        } else {
          ++other;
        }
      });
    }
    go = true;
    for (auto& t : threads)
      t.join();
    CHECK(wins.load() == 1);
    CHECK(used.load() == kClients - 1);
    CHECK(other.load() == 0);
  };
  std::int64_t expected = 0;
  for (int t = 0; t < kTrials; ++t) {
    const auto paid =
        setup.post_json("/v1/terminal/paid-charge", R"({"pages":7,"card_number":"4242424242424242"})", svt);
    expected += 7;
    race("/v1/terminal/charge", R"({"cwt":")" + str(paid, "cwt") + R"("})", 200);
    race("/v1/terminal/svt",
         R"({"svwt":")" + str(setup.post_json("/v1/printer/svwt", "", st), "svwt") + R"("})", 201);
  }
  CHECK(s.store->totals().credited_pages == expected);
  const std::string metrics = setup.get("/metrics").body;
  CHECK(metrics.find("vendord_tokens_total{event=\"redeemed\",kind=\"cwt\"} 10") != std::string::npos);
  CHECK(metrics.find("vendord_tokens_total{event=\"redeemed\",kind=\"svwt\"} 11") != std::string::npos);
}

TEST_CASE("HTTP: the web pages work with plain form posts (no JavaScript), SVT in the query") {
  Server s;
  HttpClient c = s.client();
  const std::string st =
      str(c.post_json("/v1/printer/register", R"({"device_id":"dv-web","pages":5,"ink":{"black":9}})"), "st");
  const std::string svt =
      str(c.post_json("/v1/terminal/svt",
                      R"({"svwt":")" + str(c.post_json("/v1/printer/svwt", "", st), "svwt") + R"("})"),
          "svt");
  c.post_json("/v1/printer/sync", R"({"pages":5,"ink":{"black":9}})", st);
  auto page = c.get("/charge?svt=" + svt);
  CHECK(page.status == 200);
  CHECK(page.headers["content-type"].find("text/html") == 0);
  CHECK(page.headers["cache-control"] == "no-store");
  CHECK(page.body.find("<td id=\"device-id\">dv-web</td>") != std::string::npos);
  CHECK(page.body.find("id=\"claim-free\"") != std::string::npos);
  const std::vector<std::pair<std::string, std::string>> form{
      {"Content-Type", "application/x-www-form-urlencoded"}};
  auto r = c.request("POST", "/charge", "svt=" + svt + "&kind=paid&pages=250&card=4242+4242+4242+4242", form);
  CHECK(r.status == 303);
  CHECK(r.headers["location"] == "/charge?svt=" + svt + "&done=paid&pages=250");
  page = c.get(r.headers["location"]);
  CHECK(page.body.find("250 pages charged") != std::string::npos);
  // The flash only repeats a number from the redirect: a crafted link cannot put text on the page.
  CHECK(c.get("/charge?svt=" + svt + "&done=paid&pages=9%20pages%20FREE").body.find("id=\"flash\"") ==
        std::string::npos);
  CHECK(page.body.find("<td id=\"pending\">250</td>") != std::string::npos);
  r = c.request("POST", "/charge", "svt=" + svt + "&kind=paid&pages=250&card=4000000000000002", form);
  CHECK(r.status == 402);
  CHECK(r.body.find("declined") != std::string::npos);
  CHECK(s.store->device("dv-web")->pending_pages == 250);
  auto ex = c.get("/exchange?svt=" + svt);
  CHECK(ex.body.find("black is low (9%)") != std::string::npos);
  r = c.request("POST", "/exchange", "svt=" + svt + "&color=black", form);
  CHECK(r.status == 303);
  CHECK(c.get(r.headers["location"]).body.find("id=\"no-notice\"") != std::string::npos);
  // Unknown SVT: an HTML error page, not JSON.
  page = c.get("/charge?svt=svt_" + std::string(43, 'B'));
  CHECK(page.status == 401);
  CHECK(page.body.find("data-code=\"token_unknown\"") != std::string::npos);
}

namespace {
// A raw TCP connection to the server, for what HttpClient hides: pipelining, half-sent requests.
struct RawConnection {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket socket{ioc};
  explicit RawConnection(std::uint16_t port) {
    socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  }
  void send(const std::string& bytes) { boost::asio::write(socket, boost::asio::buffer(bytes)); }
  // Reads until the server closes the connection or `deadline` passes; returns what arrived.
  std::string read_until_closed(std::chrono::steady_clock::time_point deadline, bool& closed) {
    std::string out;
    closed = false;
    socket.non_blocking(true);
    char buf[4096];
    while (std::chrono::steady_clock::now() < deadline) {
      boost::system::error_code ec;
      const std::size_t n = socket.read_some(boost::asio::buffer(buf), ec);
      if (ec == boost::asio::error::would_block) {
        std::this_thread::sleep_for(1ms);  // polling interval, bounded by the deadline
        continue;
      }
      if (ec) {
        closed = true;
        break;
      }
      out.append(buf, n);
    }
    return out;
  }
};
}  // namespace

TEST_CASE("HTTP: keep-alive serves pipelined requests on one connection; Connection: close closes it") {
  Server s;
  RawConnection raw(s.server->port());
  raw.send(
      "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  bool closed = false;
  const std::string got = raw.read_until_closed(std::chrono::steady_clock::now() + 5s, closed);
  CHECK(closed);
  std::size_t responses = 0;
  for (std::size_t at = got.find("HTTP/1.1 200 OK"); at != std::string::npos;
       at = got.find("HTTP/1.1 200 OK", at + 1)) {
    ++responses;
  }
  CHECK(responses == 3);
}

TEST_CASE("HTTP: a request that never completes is cut off after the read timeout") {
  Server s;
  s.server->stop();
  s.http.read_timeout = 1s;
  s.server = std::make_unique<HttpServer>(*s.router, s.http);
  s.server->start();
  RawConnection raw(s.server->port());
  const auto start = std::chrono::steady_clock::now();
  raw.send("POST /v1/terminal/charge HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"cwt\":");
  bool closed = false;
  raw.read_until_closed(start + 10s, closed);
  CHECK(closed);
  CHECK(std::chrono::steady_clock::now() - start >= 1s);
  CHECK(s.store->totals().spent_tokens == 0);
}
