// The Prometheus metrics of a run: the runner drives a fake case (Fake…) on a ManualClock into a
// MetricsObserver, and the test reads the registry as Prometheus would (the text exposition format).
// Also: the token-violation hook, and the Grafana dashboard in fixtures/grafana queries only what tapbench
// exports.
#include <doctest/doctest.h>
#include <prometheus/text_serializer.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <boost/json.hpp>

#include <fstream>
#include <future>
#include <regex>
#include <set>

#include "rig/bench/bench_loader.hpp"
#include "rig/metrics/metrics_observer.hpp"
#include "rig/metrics/metrics_server.hpp"
#include "rig/report/run_data.hpp"
#include "rig/runner/runner.hpp"

using namespace tapbench;
using namespace tapbench::rig;
using namespace std::chrono_literals;

namespace {

class FakeScriptedCase final : public Case {
 public:
  using Script = std::function<void(CycleContext&, int attempt_no)>;
  FakeScriptedCase(Script& cycle, std::function<void()>& teardown) : cycle_(cycle), teardown_(teardown) {}
  void run_cycle(CycleContext& c) override { cycle_(c, ++attempts_); }
  void teardown(StepContext&) override { teardown_(); }

 private:
  Script& cycle_;
  std::function<void()>& teardown_;
  int attempts_ = 0;
};

struct Fixture {
  ManualClock clock;
  CaseRegistry registry;
  SecretRegistry secrets;
  prometheus::Registry prom;
  MetricsObserver metrics{prom, "9.9.9"};
  Bench bench = load_bench("sim");
  Suite suite;
  FakeScriptedCase::Script cycle = [](CycleContext&, int) {};
  std::function<void()> teardown = [] {};
  std::vector<CycleRecord> records;

  struct Recorder final : public RunObserver {
    std::vector<CycleRecord>* out;
    void on_cycle(const CycleRecord& r, const CaseCounts&) override { out->push_back(r); }
  } recorder;
  ObserverList observers;

  Fixture() {
    registry.add(
        {"fake-print", "a fake tap to print", "", {"field_on", "auth_ok", "job_done"}, {}},
        [this](const CaseEnvironment&) { return std::make_unique<FakeScriptedCase>(cycle, teardown); });
    suite.name = "t";
    SuiteCase c;
    c.id = "fake-print";
    c.cycles = 3;
    c.retries = 1;
    c.timeouts.phase = 1s;
    suite.cases.push_back(c);
    recorder.out = &records;
    observers.add(metrics);
    observers.add(recorder);
  }
  RunResult run(RunOptions options = {}) {
    Runner runner(clock, registry, secrets, observers);
    return runner.run(bench, suite, options);
  }
  std::string scrape() { return prometheus::TextSerializer().Serialize(prom.Collect()); }
};

// A passing attempt: 5 ms to field_on, 20 ms to auth_ok, 7 ms to job_done.
void pass(CycleContext& c, ManualClock& clock) {
  c.note("firmware", "1.2.0");
  clock.advance(5ms);
  c.mark("field_on");
  clock.advance(20ms);
  c.mark("auth_ok");
  c.token_violation("pwt", "accepted-after-expiry", 2);
  clock.advance(7ms);
  c.mark("job_done");
}

}  // namespace

TEST_CASE("a run's cycles, phases, retries, failures and token violations become Prometheus metrics") {
  Fixture f;
  f.cycle = [&](CycleContext& c, int attempt) {
    switch (attempt) {
      case 1:
      case 3:
        return pass(c, f.clock);
      case 2:  // cycle 2, first attempt: a bench error, retried
        c.note("firmware", "1.2.0");
        f.clock.advance(3ms);
        c.mark("field_on");
        throw BenchError("reader-lost", "the reader went away");
      default:  // cycle 3: the product did wrong
        c.note("firmware", "1.2.0");
        f.clock.advance(4ms);
        c.mark("field_on");
        throw CaseFailure("quota-not-decremented", "pages went from 10 to 10");
    }
  };
  f.teardown = [] { throw BenchError("printer-stuck", "the printer did not stop"); };
  const RunResult result = f.run();
  REQUIRE(result.cases.size() == 1);
  CHECK(result.cases[0].counts.passed == 2);
  const std::string text = f.scrape();
  INFO(text);

  const std::string l = "bench=\"sim\",case=\"fake-print\"";
  CHECK(text.find("tapbench_cycles_total{" + l + ",result=\"PASS\"} 2\n") != std::string::npos);
  CHECK(text.find("tapbench_cycles_total{" + l + ",result=\"FAIL\"} 1\n") != std::string::npos);
  CHECK(text.find("tapbench_cycles_total{" + l + ",result=\"ERROR\"} 0\n") != std::string::npos);
  CHECK(text.find("tapbench_cycle_retries_total{" + l + ",class=\"reader-lost\"} 1\n") != std::string::npos);
  CHECK(text.find("tapbench_failures_total{" + l +
                  ",class=\"quota-not-decremented\",result=\"FAIL\",step=\"cycle\"} 1\n") !=
        std::string::npos);
  CHECK(text.find("tapbench_failures_total{" + l +
                  ",class=\"printer-stuck\",result=\"ERROR\",step=\"teardown\"} 1\n") != std::string::npos);
  // Counted, not sampled: 2 per passing cycle.
  CHECK(text.find("tapbench_token_violations_total{" + l +
                  ",token=\"pwt\",violation=\"accepted-after-expiry\"} 4\n") != std::string::npos);
  // Every attempt that reached field_on: 4 (two passes, the retried error, the failure).
  const std::string fw = ",firmware=\"1.2.0\"";
  CHECK(text.find("tapbench_phase_duration_seconds_count{" + l + fw + ",phase=\"field_on\"} 4\n") !=
        std::string::npos);
  CHECK(text.find("tapbench_phase_duration_seconds_count{" + l + fw + ",phase=\"auth_ok\"} 2\n") !=
        std::string::npos);
  CHECK(text.find("tapbench_phase_duration_seconds_sum{" + l + fw + ",phase=\"auth_ok\"} 0.04\n") !=
        std::string::npos);
  CHECK(text.find("tapbench_phase_duration_seconds_bucket{" + l + fw +
                  ",phase=\"auth_ok\",le=\"0.01\"} 0\n") != std::string::npos);
  CHECK(text.find("tapbench_phase_duration_seconds_bucket{" + l + fw +
                  ",phase=\"auth_ok\",le=\"0.025\"} 2\n") != std::string::npos);
  CHECK(text.find("tapbench_handover_duration_seconds_sum{" + l + fw + "} 0.04\n") != std::string::npos);
  CHECK(text.find("tapbench_cycle_duration_seconds_count{" + l + fw + ",result=\"PASS\"} 2\n") !=
        std::string::npos);
  CHECK(text.find("tapbench_bench_healthy{bench=\"sim\"} 1\n") != std::string::npos);
  CHECK(text.find("tapbench_run_info{bench=\"sim\",suite=\"t\",version=\"9.9.9\"} 1\n") != std::string::npos);
  // The list the dashboard test trusts is what the registry really holds.
  for (const auto& name : exported_metric_names())
    CHECK_MESSAGE(text.find("# TYPE " + name + " ") != std::string::npos, name);
}

TEST_CASE("the bench health gauge drops to 0 when the health check fails, and the rest is not run") {
  Fixture f;
  RunOptions options;
  options.health_check = []() -> std::optional<std::string> { return "no NFC reader matches port 1-2.3"; };
  f.run(options);
  const std::string text = f.scrape();
  CHECK(text.find("tapbench_bench_healthy{bench=\"sim\"} 0\n") != std::string::npos);
  CHECK(text.find("tapbench_cycles_total{") == std::string::npos);
}

TEST_CASE("token violations land in the cycle record and survive the run record's JSON") {
  Fixture f;
  f.suite.cases[0].cycles = 1;
  f.cycle = [&](CycleContext& c, int) {
    c.token_violation("cwt", "replay-accepted");
    c.token_violation("cwt", "replay-accepted");
    c.token_violation("svt", "refused-before-expiry", 3);
  };
  f.run();
  REQUIRE(f.records.size() == 1);
  const auto& v = f.records[0].token_violations;
  REQUIRE(v.size() == 2);
  CHECK(v[0].token == "cwt");
  CHECK(v[0].count == 2);
  CHECK(v[1].violation == "refused-before-expiry");
  const CycleRecord back = cycle_from_json(to_json(f.records[0]));
  REQUIRE(back.token_violations.size() == 2);
  CHECK(back.token_violations[1].count == 3);
}

TEST_CASE("a token violation of an unknown kind or with a free-text class is a case bug, never a label") {
  Fixture f;
  f.suite.cases[0].cycles = 2;
  f.suite.cases[0].retries = 0;
  f.cycle = [&](CycleContext& c, int attempt) {
    if (attempt == 1) c.token_violation("session", "expired");
    c.token_violation("pwt", "PWT abc123 accepted");  // would put text (even a token) into a label
  };
  f.run();
  REQUIRE(f.records.size() == 2);
  CHECK(f.records[0].failure_class == "case-bug");
  CHECK(f.records[0].reason.find("unknown token kind 'session'") != std::string::npos);
  CHECK(f.records[1].failure_class == "case-bug");
  CHECK(f.scrape().find("tapbench_token_violations_total{") == std::string::npos);
}

TEST_CASE("--metrics addresses") {
  CHECK(parse_metrics_address("127.0.0.1:9464") == "127.0.0.1:9464");
  CHECK(parse_metrics_address(":9464") == "9464");
  CHECK(parse_metrics_address("[::1]:0") == "[::1]:0");
  CHECK(parse_metrics_address("localhost:9464") == "localhost:9464");
  CHECK_THROWS_WITH_AS(parse_metrics_address("9464"), doctest::Contains("has no port"), MetricsAddressError);
  CHECK_THROWS_WITH_AS(parse_metrics_address("host:99999"), doctest::Contains("not a number 0-65535"),
                       MetricsAddressError);
  CHECK_THROWS_WITH_AS(parse_metrics_address("::1:9464"), doctest::Contains("in brackets"),
                       MetricsAddressError);
  CHECK_THROWS_WITH_AS(parse_metrics_address("a b:1"), doctest::Contains("not a host name"),
                       MetricsAddressError);
}

namespace {

// GET /metrics over a plain TCP connection, as Prometheus does (HTTP/1.0: the server closes when done).
std::string http_get_metrics(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
  const std::string request = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  REQUIRE(::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()));
  std::string response;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
    response.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return response;
}

}  // namespace

TEST_CASE("the metrics server serves its registry over HTTP and tells when it was scraped") {
  MetricsServer server("127.0.0.1:0");
  REQUIRE(server.port() > 0);
  CHECK(server.url() == "http://127.0.0.1:" + std::to_string(server.port()) + "/metrics");
  prometheus::BuildCounter()
      .Name("tapbench_cycles_total")
      .Help("h")
      .Register(server.registry())
      .Add({{"bench", "sim"}, {"case", "c"}, {"result", "PASS"}})
      .Increment(3);
  const std::string first = http_get_metrics(server.port());
  CHECK(first.starts_with("HTTP/1.1 200"));
  CHECK(first.find("tapbench_cycles_total{bench=\"sim\",case=\"c\",result=\"PASS\"} 3") != std::string::npos);
  CHECK(server.scrapes() == 1);

  // --metrics-hold: a waiter sees the next scrape; scrape until it does (bounded), never sleep.
  std::atomic<bool> stop{false};
  auto waiter = std::async(std::launch::async, [&] { return server.wait_for_next_scrape(10s, stop); });
  for (int i = 0; i < 200 && waiter.wait_for(0s) != std::future_status::ready; ++i)
    http_get_metrics(server.port());
  REQUIRE(waiter.wait_for(10s) == std::future_status::ready);
  CHECK(waiter.get());
  // A Ctrl-C (stop) ends the wait without a scrape.
  stop = true;
  CHECK_FALSE(server.wait_for_next_scrape(10s, stop));
}

TEST_CASE("a metrics port already in use is a clear error") {
  MetricsServer first("127.0.0.1:0");
  CHECK_THROWS_WITH_AS(MetricsServer("127.0.0.1:" + std::to_string(first.port())),
                       doctest::Contains("cannot serve metrics on 127.0.0.1:"), std::runtime_error);
}

namespace {

void collect_strings(const boost::json::value& v, const std::string& key, std::vector<std::string>& out) {
  if (v.is_object()) {
    for (const auto& [k, e] : v.get_object()) {
      if (e.is_string() && (k == "expr" || k == "definition" || (key == "query" && k == "query")))
        out.emplace_back(e.get_string());
      collect_strings(e, std::string(k), out);
    }
  } else if (v.is_array()) {
    for (const auto& e : v.get_array())
      collect_strings(e, key, out);
  }
}

}  // namespace

TEST_CASE("the Grafana dashboard queries only metrics and labels tapbench exports, and every metric") {
  std::ifstream in(std::string(TAPBENCH_SOURCE_DIR) + "/fixtures/grafana/tapbench.json");
  REQUIRE(in);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const boost::json::value dashboard = boost::json::parse(text);
  std::vector<std::string> queries;
  collect_strings(dashboard, "", queries);
  REQUIRE(queries.size() > 10);

  const auto& exported = exported_metric_names();
  const std::set<std::string> labels = {"bench", "case",  "phase",     "firmware", "result",  "class",
                                        "step",  "token", "violation", "suite",    "version", "le"};
  std::set<std::string> used;
  const std::regex metric(R"(tapbench_[a-z_]+)");
  const std::regex by(R"((?:by|without)\s*\(([^)]*)\))");
  const std::regex matcher(R"(([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=))");
  const std::regex selector(R"(\{([^}]*)\})");
  for (const auto& q : queries) {
    INFO(q);
    for (auto it = std::sregex_iterator(q.begin(), q.end(), metric); it != std::sregex_iterator(); ++it) {
      std::string name = it->str();
      for (const char* suffix : {"_bucket", "_sum", "_count"}) {
        const std::string s = suffix;
        if (name.size() > s.size() && name.ends_with(s) &&
            std::find(exported.begin(), exported.end(), name) == exported.end())
          name.resize(name.size() - s.size());
      }
      CHECK_MESSAGE(std::find(exported.begin(), exported.end(), name) != exported.end(), name);
      used.insert(name);
    }
    for (auto it = std::sregex_iterator(q.begin(), q.end(), by); it != std::sregex_iterator(); ++it) {
      std::stringstream list((*it)[1].str());
      for (std::string label; std::getline(list, label, ',');) {
        label.erase(0, label.find_first_not_of(' '));
        label.erase(label.find_last_not_of(' ') + 1);
        CHECK_MESSAGE(labels.count(label) == 1, label);
      }
    }
    for (auto s = std::sregex_iterator(q.begin(), q.end(), selector); s != std::sregex_iterator(); ++s) {
      const std::string inside = (*s)[1].str();
      for (auto m = std::sregex_iterator(inside.begin(), inside.end(), matcher); m != std::sregex_iterator();
           ++m)
        CHECK_MESSAGE(labels.count((*m)[1].str()) == 1, (*m)[1].str());
    }
  }
  for (const auto& name : exported)
    CHECK_MESSAGE(used.count(name) == 1, "the dashboard never shows " << name);
}
