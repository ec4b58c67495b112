// tapbench-bench-vendord: SVWT → SVT exchanges per second against a running vendord (issue 8).
//
// Each exchange needs a fresh single-use SVWT, so the SVWTs are issued through the real API before the timed
// phase (printer registration → ST → POST /v1/printer/svwt); the timed phase then redeems them
// (POST /v1/terminal/svt) over N keep-alive connections, one request in flight per connection, bounded by
// a count (the SVWTs issued) and a time limit. Latency is per request (write → full response read).
// Optionally it also mints one SVT (for wrk's authenticated read benchmark) into a 0600 file.
// Loopback only: it refuses any host but 127.0.0.1 / ::1 / localhost.
//
// Boost.Asio C++20 coroutines on one thread: the generator must stay much cheaper than the server it loads
// (both share the machine's two cores); its own CPU time is printed so the report can say how much it took.
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  int printers = 1000;
  int exchanges = 5000;
  int connections = 100;
  double duration_s = 30.0;
  double rate = 0;  // offered exchanges/s in the timed phase; 0 = as fast as the clients can go
  std::string json_out;
  std::string svt_out;
};

[[noreturn]] void usage(int code) {
  (code == 0 ? std::cout : std::cerr)
      << "usage: tapbench-bench-vendord --port PORT [--host 127.0.0.1] [--printers N] [--exchanges N]\n"
         "                              [--connections N] [--duration S] [--rate R] [--json FILE] "
         "[--mint-svt FILE]\n"
         "Issues N SVWTs through vendord's API (untimed), then redeems them (SVWT -> SVT) over "
         "--connections\n"
         "keep-alive connections until all are redeemed or --duration seconds pass; prints rate and "
         "p50/p99.\n"
         "  --printers N     printers registered to spread the SVWTs over [1000]\n"
         "  --exchanges N    SVWTs issued and redeemed [5000]\n"
         "  --connections N  concurrent clients, one request in flight each [100]\n"
         "  --duration S     time limit of the timed phase [30]\n"
         "  --rate R         offer R exchanges/s on a fixed schedule (the k-th is due at k/R s) instead of\n"
         "                   as fast as possible; latency then counts from when a request was due, so a\n"
         "                   request that waited for a busy client is not hidden (no coordinated omission)\n"
         "  --json FILE      write the figures as JSON\n"
         "  --mint-svt FILE  also redeem one extra SVWT and write its SVT to FILE (mode 0600) for wrk\n"
         "Exit: 0 done (every exchange answered 201), 1 failures or server unreachable, 64 usage.\n";
  std::exit(code);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "tapbench-bench-vendord: " << a << " needs a value\n";
        usage(64);
      }
      return argv[++i];
    };
    auto num = [&](long lo, long hi) -> long {
      std::string v = val();
      try {
        std::size_t pos = 0;
        long n = std::stol(v, &pos);
        if (pos == v.size() && n >= lo && n <= hi) return n;
      } catch (const std::exception&) {
      }
      std::cerr << "tapbench-bench-vendord: " << a << " must be an integer in " << lo << ".." << hi
                << ", got '" << v << "'\n";
      usage(64);
    };
    if (a == "--help" || a == "-h")
      usage(0);
    else if (a == "--host")
      o.host = val();
    else if (a == "--port")
      o.port = static_cast<std::uint16_t>(num(1, 65535));
    else if (a == "--printers")
      o.printers = static_cast<int>(num(1, 10000));
    else if (a == "--exchanges")
      o.exchanges = static_cast<int>(num(1, 10'000'000));
    else if (a == "--connections")
      o.connections = static_cast<int>(num(1, 10000));
    else if (a == "--duration")
      o.duration_s = static_cast<double>(num(1, 3600));
    else if (a == "--rate")
      o.rate = static_cast<double>(num(1, 10'000'000));
    else if (a == "--json")
      o.json_out = val();
    else if (a == "--mint-svt")
      o.svt_out = val();
    else {
      std::cerr << "tapbench-bench-vendord: unknown option '" << a << "'\n";
      usage(64);
    }
  }
  if (o.port == 0) {
    std::cerr << "tapbench-bench-vendord: --port is required\n";
    usage(64);
  }
  if (o.host != "127.0.0.1" && o.host != "::1" && o.host != "localhost") {
    std::cerr << "tapbench-bench-vendord: loopback only (--host 127.0.0.1, ::1 or localhost)\n";
    usage(64);
  }
  return o;
}

struct Call {
  int status = 0;
  std::string body;
};

// One keep-alive connection; reconnects if the server closed it between requests.
class Conn {
 public:
  Conn(asio::io_context& io, tcp::endpoint ep) : stream_(io), ep_(ep) {}

  asio::awaitable<Call> post(const std::string& target, std::string body, const std::string& bearer) {
    if (!stream_.socket().is_open()) {
      co_await stream_.async_connect(ep_, asio::use_awaitable);
      stream_.socket().set_option(tcp::no_delay(true));
    }
    http::request<http::string_body> req{http::verb::post, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::content_type, "application/json");
    if (!bearer.empty()) req.set(http::field::authorization, "Bearer " + bearer);
    req.keep_alive(true);
    req.body() = std::move(body);
    req.prepare_payload();
    stream_.expires_after(std::chrono::seconds(10));
    co_await http::async_write(stream_, req, asio::use_awaitable);
    http::response<http::string_body> res;
    co_await http::async_read(stream_, buffer_, res, asio::use_awaitable);
    Call c{static_cast<int>(res.result_int()), std::move(res.body())};
    if (!res.keep_alive()) {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
      stream_.close();
    }
    co_return c;
  }

 private:
  beast::tcp_stream stream_;
  tcp::endpoint ep_;
  beast::flat_buffer buffer_;
};

std::string field(const std::string& body, const char* name) {
  auto v = json::parse(body);
  return std::string(v.as_object().at(name).as_string());
}

struct Stats {
  std::vector<std::int64_t> lat_ns;
  std::map<int, long> status_counts;
  long transport_errors = 0;
  std::string first_error;
};

std::int64_t pct(std::vector<std::int64_t>& v, double p) {  // nearest rank
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  std::size_t rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  rank = std::clamp<std::size_t>(rank, 1, v.size());
  return v[rank - 1];
}

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  asio::io_context io{1};
  tcp::endpoint ep;
  try {
    tcp::resolver r(io);
    ep = *r.resolve(o.host, std::to_string(o.port)).begin();
  } catch (const std::exception& e) {
    std::cerr << "tapbench-bench-vendord: cannot resolve " << o.host << ": " << e.what() << "\n";
    return 1;
  }

  std::vector<std::string> sts;
  std::vector<std::string> svwts;
  std::string fatal;
  const std::string run_tag =
      std::to_string(::getpid()) + "-" + std::to_string(Clock::now().time_since_epoch().count() % 1000000);

  // Phase 1 (untimed for the figure): register printers, then issue SVWTs over all connections.
  double issue_s = 0;
  // vendord caps live SVWTs per printer (tokens.svwt.max_live, default 16): spread them over many printers,
  // as a fleet of printers each prefetching its SVWT would.
  sts.resize(static_cast<std::size_t>(o.printers));
  int next_printer = 0;
  auto registrar = [&]() -> asio::awaitable<void> {
    Conn c(io, ep);
    while (next_printer < o.printers && fatal.empty()) {
      const int i = next_printer++;
      try {
        std::string body = R"({"device_id":"bench-)" + run_tag + "-" + std::to_string(i) +
                           R"(","pages":100,"ink":{"black":80}})";
        Call r = co_await c.post("/v1/printer/register", body, {});
        if (r.status != 201)
          throw std::runtime_error("register answered " + std::to_string(r.status) + ": " +
                                   r.body.substr(0, 200));
        sts[static_cast<std::size_t>(i)] = field(r.body, "st");
      } catch (const std::exception& e) {
        fatal = std::string("printer registration failed: ") + e.what();
      }
    }
  };
  for (int w = 0; w < std::min(o.connections, o.printers); ++w)
    asio::co_spawn(io, registrar(), asio::detached);
  io.run();
  io.restart();
  if (!fatal.empty()) {
    std::cerr << "tapbench-bench-vendord: " << fatal << "\n";
    return 1;
  }

  const int total_svwts = o.exchanges + (o.svt_out.empty() ? 0 : 1);
  svwts.resize(static_cast<std::size_t>(total_svwts));
  int next_issue = 0;
  auto issuer = [&](int w) -> asio::awaitable<void> {
    Conn c(io, ep);
    while (next_issue < total_svwts && fatal.empty()) {
      const int k = next_issue++;
      try {
        Call r = co_await c.post("/v1/printer/svwt", {}, sts[static_cast<std::size_t>(k) % sts.size()]);
        if (r.status != 201)
          throw std::runtime_error("SVWT issue answered " + std::to_string(r.status) + ": " +
                                   r.body.substr(0, 200));
        svwts[static_cast<std::size_t>(k)] = field(r.body, "svwt");
      } catch (const std::exception& e) {
        fatal = e.what();
      }
    }
    (void)w;
  };
  std::cerr << "tapbench-bench-vendord: issuing " << total_svwts << " SVWTs for " << o.printers
            << " printers over " << o.connections << " connections...\n";
  const auto i0 = Clock::now();
  for (int w = 0; w < o.connections; ++w)
    asio::co_spawn(io, issuer(w), asio::detached);
  io.run();
  io.restart();
  issue_s = std::chrono::duration<double>(Clock::now() - i0).count();
  if (!fatal.empty()) {
    std::cerr << "tapbench-bench-vendord: " << fatal << "\n";
    return 1;
  }

  if (!o.svt_out.empty()) {
    const std::string spare = svwts.back();  // the extra SVWT: not part of the timed phase
    svwts.pop_back();
    auto mint = [&]() -> asio::awaitable<void> {
      try {
        Conn c(io, ep);
        Call r =
            co_await c.post("/v1/terminal/svt", R"({"svwt":")" + spare + R"(","terminal_id":"wrk"})", {});
        if (r.status != 201) throw std::runtime_error("SVT answered " + std::to_string(r.status));
        const std::string svt = field(r.body, "svt");
        ::umask(077);
        std::ofstream f(o.svt_out, std::ios::trunc);
        f << svt << "\n";
        if (!f) throw std::runtime_error("cannot write " + o.svt_out);
      } catch (const std::exception& e) {
        fatal = std::string("minting the SVT for wrk failed: ") + e.what();
      }
    };
    asio::co_spawn(io, mint(), asio::detached);
    io.run();
    io.restart();
    if (!fatal.empty()) {
      std::cerr << "tapbench-bench-vendord: " << fatal << "\n";
      return 1;
    }
  }

  // Phase 2 (timed): redeem every SVWT once.
  std::vector<Stats> per(static_cast<std::size_t>(o.connections));
  std::size_t next = 0;
  const auto limit = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.duration_s));
  const double cpu0 = cpu_seconds();
  const auto t0 = Clock::now();
  const auto deadline = t0 + limit;
  auto redeemer = [&](int w) -> asio::awaitable<void> {
    Stats& s = per[static_cast<std::size_t>(w)];
    s.lat_ns.reserve(svwts.size() / static_cast<std::size_t>(o.connections) + 16);
    Conn c(io, ep);
    const std::string terminal = "bench-terminal-" + std::to_string(w);
    asio::steady_timer pace(io);
    while (next < svwts.size() && Clock::now() < deadline) {
      const std::size_t k = next++;
      const std::string& svwt = svwts[k];
      std::string body = R"({"svwt":")" + svwt + R"(","terminal_id":")" + terminal + R"("})";
      auto a = Clock::now();
      if (o.rate > 0) {  // due at k / rate: wait for it, and count the latency from it
        const auto due = t0 + std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(static_cast<double>(k) / o.rate));
        if (due > a) {
          pace.expires_at(due);
          co_await pace.async_wait(asio::use_awaitable);
        }
        a = due;
      }
      try {
        Call r = co_await c.post("/v1/terminal/svt", std::move(body), {});
        s.lat_ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - a).count());
        s.status_counts[r.status]++;
        if (r.status != 201 && s.first_error.empty()) s.first_error = r.body.substr(0, 200);
      } catch (const std::exception& e) {
        s.transport_errors++;
        if (s.first_error.empty()) s.first_error = e.what();
        co_return;  // this client is broken; the others go on
      }
    }
  };
  for (int w = 0; w < o.connections; ++w)
    asio::co_spawn(io, redeemer(w), asio::detached);
  io.run();
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  const double cpu = cpu_seconds() - cpu0;

  Stats all;
  for (auto& s : per) {
    all.lat_ns.insert(all.lat_ns.end(), s.lat_ns.begin(), s.lat_ns.end());
    for (auto [k, v] : s.status_counts)
      all.status_counts[k] += v;
    all.transport_errors += s.transport_errors;
    if (all.first_error.empty()) all.first_error = s.first_error;
  }
  const long done = static_cast<long>(all.lat_ns.size());
  const long ok = all.status_counts.count(201) ? all.status_counts[201] : 0;
  const double rate = wall > 0 ? static_cast<double>(ok) / wall : 0;
  const std::int64_t p50 = pct(all.lat_ns, 50), p90 = pct(all.lat_ns, 90), p99 = pct(all.lat_ns, 99),
                     pmax = all.lat_ns.empty() ? 0 : all.lat_ns.back();

  json::object out;
  out["printers"] = o.printers;
  out["connections"] = o.connections;
  out["offered_rate"] = o.rate;  // 0: closed loop, as fast as possible
  out["svwts_issued"] = total_svwts;
  out["issue_seconds"] = issue_s;
  out["issue_per_second"] = issue_s > 0 ? total_svwts / issue_s : 0.0;
  out["exchanges_attempted"] = done;
  out["exchanges_ok"] = ok;
  out["transport_errors"] = all.transport_errors;
  json::object codes;
  for (auto [k, v] : all.status_counts)
    codes[std::to_string(k)] = v;
  out["status_counts"] = codes;
  out["seconds"] = wall;
  out["hit_time_limit"] = next < svwts.size();
  out["exchanges_per_second"] = rate;
  out["p50_ms"] = static_cast<double>(p50) / 1e6;
  out["p90_ms"] = static_cast<double>(p90) / 1e6;
  out["p99_ms"] = static_cast<double>(p99) / 1e6;
  out["max_ms"] = static_cast<double>(pmax) / 1e6;
  out["generator_cpu_seconds"] = cpu;
  const std::string js = json::serialize(out);
  if (!o.json_out.empty()) {
    std::ofstream f(o.json_out, std::ios::trunc);
    f << js << "\n";
  }
  std::printf("issued %d SVWTs in %.2f s (%.0f/s)\n", total_svwts, issue_s,
              issue_s > 0 ? total_svwts / issue_s : 0.0);
  std::printf(
      "SVWT->SVT: %ld/%ld ok in %.2f s = %.0f/s at %d connections%s; p50 %.2f ms p90 %.2f ms p99 %.2f ms "
      "max %.2f ms; generator CPU %.2f s%s\n",
      ok, done, wall, rate, o.connections,
      o.rate > 0 ? (", offered " + std::to_string(static_cast<long>(o.rate)) + "/s").c_str() : "", p50 / 1e6,
      p90 / 1e6, p99 / 1e6, pmax / 1e6, cpu, next < svwts.size() ? " (time limit reached)" : "");
  if (ok != done || all.transport_errors != 0) {
    std::fprintf(stderr,
                 "tapbench-bench-vendord: %ld of %ld exchanges failed (%ld transport errors); first: %s\n",
                 done - ok, done, all.transport_errors, all.first_error.c_str());
    return 1;
  }
  return 0;
}
