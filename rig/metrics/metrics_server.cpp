#include "rig/metrics/metrics_server.hpp"

#include <prometheus/collectable.h>

#include <algorithm>
#include <cctype>

namespace tapbench::rig {

// Collected once per scrape (after the registry): counts scrapes and wakes a waiter.
class MetricsServer::ScrapeCounter final : public prometheus::Collectable {
 public:
  explicit ScrapeCounter(std::shared_ptr<std::atomic<std::uint64_t>> scrapes)
      : scrapes_(std::move(scrapes)) {}
  std::vector<prometheus::MetricFamily> Collect() const override {
    {
      std::lock_guard lock(mutex_);
      scrapes_->fetch_add(1);
    }
    changed_.notify_all();
    return {};
  }
  std::mutex& mutex() const { return mutex_; }
  std::condition_variable& changed() const { return changed_; }

 private:
  std::shared_ptr<std::atomic<std::uint64_t>> scrapes_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
};

std::string parse_metrics_address(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) {
    throw MetricsAddressError("--metrics '" + text +
                              "' has no port (expected ADDR:PORT, e.g. 127.0.0.1:9464 or :9464)");
  }
  std::string host = text.substr(0, colon);
  const std::string port = text.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      std::stoi(port) > 65535) {
    throw MetricsAddressError("--metrics '" + text + "': the port '" + port + "' is not a number 0-65535");
  }
  if (host.empty()) return port;  // every interface
  if (host.front() == '[') {
    if (host.back() != ']' || host.size() < 3)
      throw MetricsAddressError("--metrics '" + text + "': unbalanced [ ] around an IPv6 address");
    return host + ":" + port;
  }
  if (host.find(':') != std::string::npos) {
    throw MetricsAddressError("--metrics '" + text + "': write an IPv6 address in brackets, e.g. [::1]:9464");
  }
  const bool ok = std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
  });
  if (!ok)
    throw MetricsAddressError("--metrics '" + text + "': '" + host + "' is not a host name or address");
  return host + ":" + port;
}

MetricsServer::MetricsServer(const std::string& address)
    : registry_(std::make_shared<prometheus::Registry>()),
      scrapes_(std::make_shared<std::atomic<std::uint64_t>>(0)) {
  const std::string bind = parse_metrics_address(address);
  counter_ = std::make_shared<ScrapeCounter>(scrapes_);
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(bind, 2);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot serve metrics on " + address + ": " + e.what() +
                             " (is the port in use? `ss -ltnp` shows who listens)");
  }
  exposer_->RegisterCollectable(registry_);
  exposer_->RegisterCollectable(counter_);
  const auto ports = exposer_->GetListeningPorts();
  if (ports.empty()) throw std::runtime_error("cannot serve metrics on " + address + ": not listening");
  port_ = ports.front();
  std::string host = bind.find(':') == std::string::npos ? "0.0.0.0" : bind.substr(0, bind.rfind(':'));
  url_ = "http://" + host + ":" + std::to_string(port_) + "/metrics";
}

MetricsServer::~MetricsServer() = default;

bool MetricsServer::wait_for_scrape_after(std::uint64_t seen, std::chrono::milliseconds limit,
                                          const std::atomic<bool>& stop) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  std::unique_lock lock(counter_->mutex());
  while (scrapes_->load() <= seen) {
    if (stop.load()) return false;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    // Bounded waits, so a Ctrl-C (which only sets `stop`) is noticed within 100 ms.
    counter_->changed().wait_until(lock, std::min(deadline, now + std::chrono::milliseconds(100)));
  }
  return true;
}

}  // namespace tapbench::rig
