#include <doctest/doctest.h>

#include <stdexcept>

#include "server/service/config.hpp"

using namespace tapbench::server;
using namespace std::chrono_literals;

TEST_CASE("config: the example file parses and every lifetime and threshold is taken") {
  const VendordConfig c = load_config_file(std::string{TAPBENCH_SOURCE_DIR} + "/server/vendord.example.yaml");
  CHECK(c.service.svwt.ttl == 600s);
  CHECK(c.service.svt.idle_ttl == 3600s);
  CHECK_FALSE(c.service.st.ttl.has_value());
  CHECK(c.http.token_failures_per_minute == 30);
  CHECK(c.http.token_failure_window == 60s);
  CHECK(c.service.svwt_max_live == 16);
  CHECK(c.service.cwt_max_live == 16);
  CHECK(c.service.purge_interval == 60s);
  CHECK(c.service.keep_spent == 86400s);

  const VendordConfig d = parse_config(R"(
tokens: {svwt: {ttl: 5, max_live: 2}, svt: {idle_ttl: 7, ttl: 70}, cwt: {ttl: 9, max_live: 0}, st: {ttl: 86400}}
free_pages: 10
ink_low_percent: 20
max_pages_per_charge: 50
keep_spent: 11
purge_interval: 12
payment: {price_cents_per_page: 3, limit_cents: 500}
http: {listen: "0.0.0.0:9000", threads: 4, body_limit: 1024, header_limit: 2048, read_timeout: 2,
       idle_timeout: 3, token_failures_per_minute: 4, token_failure_window: 13, public_url: "https://v.example"}
)");
  CHECK(d.service.svwt_max_live == 2);
  CHECK(d.service.cwt_max_live == 0);
  CHECK(d.service.svt.ttl == 70s);
  CHECK(d.service.max_pages_per_charge == 50);
  CHECK(d.service.keep_spent == 11s);
  CHECK(d.service.purge_interval == 12s);
  CHECK(d.http.header_limit == 2048);
  CHECK(d.http.token_failures_per_minute == 4);
  CHECK(d.http.token_failure_window == 13s);
  CHECK(d.http.public_url == "https://v.example");
  CHECK(d.service.svwt.ttl == 5s);
  CHECK(d.service.svt.idle_ttl == 7s);
  CHECK(d.service.cwt.ttl == 9s);
  CHECK(d.service.st.ttl == 86400s);
  CHECK(d.service.free_pages == 10);
  CHECK(d.service.ink_low_percent == 20);
  CHECK(d.service.price_cents_per_page == 3);
  CHECK(d.service.payment_limit_cents == 500);
  CHECK(d.http.listen == "0.0.0.0:9000");
  CHECK(d.http.threads == 4);
  CHECK(d.http.body_limit == 1024);
  CHECK(d.http.read_timeout == 2s);
  CHECK(d.http.idle_timeout == 3s);
  CHECK(parse_config("").service.free_pages == 2000);  // empty file: defaults
}

TEST_CASE("config: typos and bad values are errors naming the key") {
  auto error_of = [](const std::string& yaml) -> std::string {
    try {
      parse_config(yaml);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "";
  };
  CHECK(error_of("fre_pages: 1").find("unknown key 'fre_pages'") != std::string::npos);
  CHECK(error_of("tokens: {svt: {idle: 5}}").find("tokens.svt: unknown key 'idle'") != std::string::npos);
  CHECK(error_of("tokens: {svwt: {ttl: 0}}").find("tokens.svwt.ttl: must be > 0") != std::string::npos);
  CHECK(error_of("tokens: {cwt: {random_bytes: 8}}").find("128") != std::string::npos);
  CHECK(error_of("ink_low_percent: 101").find("ink_low_percent") != std::string::npos);
  CHECK(error_of("http: {threads: many}").find("http.threads") != std::string::npos);
  CHECK(error_of("free_pages: [1").find("not valid YAML") != std::string::npos);
  CHECK(error_of("tokens: {svwt: {max_live: -1}}").find("tokens.svwt.max_live") != std::string::npos);
  CHECK(error_of("tokens: {svt: {max_live: 3}}").find("tokens.svt: unknown key 'max_live'") !=
        std::string::npos);
  CHECK(error_of("http: {token_failure_window: 0}").find("http.token_failure_window: must be > 0") !=
        std::string::npos);
  CHECK_THROWS_AS(load_config_file("/nonexistent/vendord.yaml"), std::invalid_argument);
}
