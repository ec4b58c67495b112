#include "server/service/metrics.hpp"

#include <prometheus/text_serializer.h>

#include <sstream>

namespace tapbench::server {

namespace {
const char* event_label(TokenEvent event) {
  switch (event) {
    case TokenEvent::Issued:
      return "issued";
    case TokenEvent::Redeemed:
      return "redeemed";
    case TokenEvent::Expired:
      return "expired";
    case TokenEvent::Refused:
      return "refused";
  }
  return "unknown";
}
}  // namespace

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
              .Register(*registry_)) {
  // Every series a dashboard alerts on exists from the start at 0 (a missing series is not a zero rate).
  for (const token::Kind k : {token::Kind::ST, token::Kind::SVWT, token::Kind::SVT, token::Kind::CWT}) {
    for (const TokenEvent e :
         {TokenEvent::Issued, TokenEvent::Redeemed, TokenEvent::Expired, TokenEvent::Refused}) {
      tokens_.Add({{"kind", std::string{token::label(k)}}, {"event", event_label(e)}});
    }
  }
  for (const token::Kind k : {token::Kind::SVWT, token::Kind::CWT})
    races_.Add({{"kind", std::string{token::label(k)}}});
}

void Metrics::request(const std::string& route, const std::string& outcome, double seconds) {
  requests_.Add({{"route", route}, {"outcome", outcome}}).Increment();
  static const prometheus::Histogram::BucketBoundaries kBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                                0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
  latency_.Add({{"route", route}}, kBuckets).Observe(seconds);
}

void Metrics::token(token::Kind kind, TokenEvent event) {
  tokens_.Add({{"kind", std::string{token::label(kind)}}, {"event", event_label(event)}}).Increment();
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
