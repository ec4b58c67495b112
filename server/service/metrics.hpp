// vendord's Prometheus metrics (prometheus-cpp core registry; /metrics is served by our own HTTP server with
// TextSerializer). Label values are fixed sets (route templates, error codes, token kinds), never user input.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>

#include "protocol/token/kind.hpp"

namespace tapbench::server {

enum class TokenEvent { Issued, Redeemed, Expired, Refused };

class Metrics {
 public:
  Metrics();
  // outcome: "ok" or the stable error code.
  void request(const std::string& route, const std::string& outcome, double seconds);
  void token(token::Kind kind, TokenEvent event);
  void race_lost(token::Kind kind);
  std::string serialize() const;  // Prometheus text exposition format 0.0.4

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& latency_;
  prometheus::Family<prometheus::Counter>& tokens_;
  prometheus::Family<prometheus::Counter>& races_;
};

}  // namespace tapbench::server
