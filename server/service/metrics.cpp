#include "server/service/metrics.hpp"

#include <prometheus/text_serializer.h>

#include <sstream>

namespace tapbench::server {

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_(prometheus::BuildCounter()
                    .Name("vendord_http_requests_total")
                    .Help("HTTP requests by route and outcome (ok or error code)")
                    .Register(*registry_)),
      latency_(prometheus::BuildHistogram()
                   .Name("vendord_http_request_duration_seconds")
                   .Help("HTTP request handling time by route")
                   .Register(*registry_)),
      tokens_(prometheus::BuildCounter()
                  .Name("vendord_tokens_total")
                  .Help("Tokens by kind and event: issued, redeemed, expired, refused")
                  .Register(*registry_)),
      races_(
          prometheus::BuildCounter()
              .Name("vendord_token_races_lost_total")
              .Help("Single-use redemptions that found the token live but lost it to a concurrent redeemer")
              .Register(*registry_)) {}

void Metrics::request(const std::string& route, const std::string& outcome, double seconds) {
  requests_.Add({{"route", route}, {"outcome", outcome}}).Increment();
  static const prometheus::Histogram::BucketBoundaries kBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                                0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
  latency_.Add({{"route", route}}, kBuckets).Observe(seconds);
}

void Metrics::token(token::Kind kind, TokenEvent event) {
  const char* e = "issued";
  switch (event) {
    case TokenEvent::Issued:
      e = "issued";
      break;
    case TokenEvent::Redeemed:
      e = "redeemed";
      break;
    case TokenEvent::Expired:
      e = "expired";
      break;
    case TokenEvent::Refused:
      e = "refused";
      break;
  }
  tokens_.Add({{"kind", std::string{token::label(kind)}}, {"event", e}}).Increment();
}

void Metrics::race_lost(token::Kind kind) {
  races_.Add({{"kind", std::string{token::label(kind)}}}).Increment();
}

std::string Metrics::serialize() const {
  std::ostringstream out;
  prometheus::TextSerializer{}.Serialize(out, registry_->Collect());
  return out.str();
}

}  // namespace tapbench::server
