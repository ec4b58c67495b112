#include <doctest/doctest.h>

#include "firmware-under-test/port/linux/bindings/vendord_server_link.hpp"

using namespace tapbench::firmware::port;

TEST_CASE("--server URLs: host, port, prefix; clear errors otherwise") {
  VendordEndpoint e;
  std::string err;
  REQUIRE(parse_vendord_url("http://127.0.0.1:8080", e, err));
  CHECK(e.host == "127.0.0.1");
  CHECK(e.port == 8080);
  CHECK(e.base_path.empty());
  REQUIRE(parse_vendord_url("http://vendor.lan/api/", e, err));
  CHECK(e.host == "vendor.lan");
  CHECK(e.port == 80);
  CHECK(e.base_path == "/api");
  REQUIRE(parse_vendord_url("http://[::1]:9", e, err));
  CHECK(e.host == "::1");
  CHECK(e.port == 9);
  CHECK_FALSE(parse_vendord_url("https://x:1", e, err));
  CHECK(err.find("https is not supported") != std::string::npos);
  CHECK_FALSE(parse_vendord_url("127.0.0.1:80", e, err));
  CHECK(err.find("expected http://HOST:PORT") != std::string::npos);
  CHECK_FALSE(parse_vendord_url("http://h:0", e, err));
  CHECK(err.find("bad port") != std::string::npos);
  CHECK_FALSE(parse_vendord_url("http://h:70000", e, err));
  CHECK_FALSE(parse_vendord_url("http://:80", e, err));
  CHECK(err.find("no host") != std::string::npos);
}
