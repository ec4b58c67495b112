// The /metrics endpoint of `tapbench run --metrics ADDR:PORT` and `tapbench soak` (docs/METRICS.md):
// prometheus-cpp's Exposer (civetweb) on ADDR:PORT serving one Registry. It also counts the scrapes, so that
// after a run the command can wait for Prometheus to collect the final values (`--metrics-hold`).
#pragma once

#include <prometheus/exposer.h>
#include <prometheus/registry.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

namespace tapbench::rig {

class MetricsAddressError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// "127.0.0.1:9464", "0.0.0.0:9464", "localhost:9464", "[::1]:9464", ":9464" (every interface); port 0 picks a
// free port. Returns the address civetweb binds ("9464" for ":9464"). Throws MetricsAddressError saying what
// is wrong.
std::string parse_metrics_address(const std::string& text);

class MetricsServer {
 public:
  // Binds at once. Throws MetricsAddressError for a malformed address, std::runtime_error when it cannot
  // listen (port in use, no such address).
  explicit MetricsServer(const std::string& address);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  prometheus::Registry& registry() { return *registry_; }
  int port() const { return port_; }
  // http://HOST:PORT/metrics, with the port actually bound.
  const std::string& url() const { return url_; }
  std::uint64_t scrapes() const { return scrapes_->load(); }
  // Waits until a scrape starts after this call, or `limit` passes, or `stop` becomes true. True when
  // scraped.
  bool wait_for_next_scrape(std::chrono::milliseconds limit, const std::atomic<bool>& stop) {
    return wait_for_scrape_after(scrapes(), limit, stop);
  }
  // The same, counting from a scrapes() taken earlier: take it *before* telling a scraper to go, or a scrape
  // that lands in between is missed and the wait runs to its limit.
  bool wait_for_scrape_after(std::uint64_t seen, std::chrono::milliseconds limit,
                             const std::atomic<bool>& stop);

 private:
  class ScrapeCounter;
  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<ScrapeCounter> counter_;
  std::shared_ptr<std::atomic<std::uint64_t>> scrapes_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_ = 0;
  std::string url_;
};

}  // namespace tapbench::rig
