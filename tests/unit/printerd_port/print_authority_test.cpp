// The IPP side's pure helpers: token extraction from Authorization headers, loopback listeners.
#include <doctest/doctest.h>

#include <string>

#include "firmware-under-test/port/linux/ipp_service.hpp"

using namespace tapbench::firmware::port;

TEST_CASE("token_from_authorization: Bearer, Basic (password = token), and malformed headers") {
  std::string token, user;
  CHECK(token_from_authorization("Bearer abc.def", token, user));
  CHECK(token == "abc.def");
  CHECK(user.empty());
  CHECK(token_from_authorization("bearer   xyz  ", token, user));
  CHECK(token == "xyz");
  // "terminal:PWT-1234" in base64
  CHECK(token_from_authorization("Basic dGVybWluYWw6UFdULTEyMzQ=", token, user));
  CHECK(user == "terminal");
  CHECK(token == "PWT-1234");
  // A colon in the token survives (only the first colon splits).
  CHECK(token_from_authorization("Basic dTphOmI=", token, user));  // "u:a:b"
  CHECK(token == "a:b");
  CHECK_FALSE(token_from_authorization("", token, user));
  CHECK_FALSE(token_from_authorization("Bearer", token, user));
  CHECK_FALSE(token_from_authorization("Digest abc", token, user));
  CHECK_FALSE(token_from_authorization("Basic dXNlcg==", token, user));  // "user": no colon
  CHECK(token.empty());
  CHECK_FALSE(token_from_authorization("Basic dTo=", token, user));  // "u:": empty token
}

TEST_CASE("is_loopback_host") {
  CHECK(is_loopback_host("127.0.0.1"));
  CHECK(is_loopback_host("127.1.2.3"));
  CHECK(is_loopback_host("::1"));
  CHECK(is_loopback_host("localhost"));
  CHECK_FALSE(is_loopback_host("192.168.49.1"));
  CHECK_FALSE(is_loopback_host("0.0.0.0"));
}
