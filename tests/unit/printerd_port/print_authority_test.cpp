// The IPP side's pure helpers and the interim FakePrintAuthority (what printerd runs on until the core is
// wired in): token extraction from Authorization headers, token files, ink and router credential checks.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "firmware-under-test/port/linux/fake_print_authority.hpp"
#include "firmware-under-test/port/linux/ipp_service.hpp"

using namespace tapbench::firmware::port;
using Outcome = AuthDecision::Outcome;

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

TEST_CASE("load_fake_tokens: format errors name the line, never the token") {
  const auto path = std::filesystem::temp_directory_path() / "printerd-unit-tokens";
  std::string error;
  { std::ofstream(path) << "# comment\n\npwt PWT-ABCD1234\npt:t1 0123456789abcdef0123\n"; }
  auto tokens = load_fake_tokens(path.string(), error);
  REQUIRE(tokens.has_value());
  CHECK(tokens->size() == 2);
  CHECK((*tokens)[1].principal == "pt:t1");
  { std::ofstream(path) << "pwt PWT-ABCD1234\npt:t2 SHORT7\n"; }
  CHECK_FALSE(load_fake_tokens(path.string(), error).has_value());
  CHECK(error.find(":2:") != std::string::npos);
  CHECK(error.find("SHORT7") == std::string::npos);
  { std::ofstream(path) << "pwt PWT-ABCD1234 extra\n"; }
  CHECK_FALSE(load_fake_tokens(path.string(), error).has_value());
  CHECK(error.find("expected 'PRINCIPAL TOKEN'") != std::string::npos);
  { std::ofstream(path) << "# nothing\n"; }
  CHECK_FALSE(load_fake_tokens(path.string(), error).has_value());
  std::filesystem::remove(path);
  CHECK_FALSE(load_fake_tokens(path.string(), error).has_value());
  CHECK(error.find("cannot read") != std::string::npos);
}

TEST_CASE("parse_ink_levels and check_router_credentials") {
  std::string error;
  auto ink = parse_ink_levels("cyan=100,black=0", error);
  REQUIRE(ink.has_value());
  CHECK(ink->size() == 2);
  CHECK((*ink)[1].percent == 0);
  CHECK_FALSE(parse_ink_levels("cyan=101", error).has_value());
  CHECK_FALSE(parse_ink_levels("cyan", error).has_value());
  CHECK_FALSE(parse_ink_levels("cyan=1,cyan=2", error).has_value());
  CHECK_FALSE(parse_ink_levels("", error).has_value());

  CHECK(check_router_credentials({"home", "12345678"}).empty());
  CHECK(check_router_credentials({"home", std::string(64, 'a')}).empty());
  CHECK_FALSE(check_router_credentials({"home", std::string(64, 'g')}).empty());
  CHECK_FALSE(check_router_credentials({"home", "1234567"}).empty());
  CHECK_FALSE(check_router_credentials({"", "12345678"}).empty());
  CHECK_FALSE(check_router_credentials({std::string(33, 's'), "12345678"}).empty());
}

TEST_CASE("FakePrintAuthority: 401 vs 403, the ledger at its boundary, ink threshold") {
  FakePrintAuthorityConfig config;
  config.tokens = {{"pwt", "PWT-ABCD1234"}, {"pt:t1", "0123456789abcdef0123"}};
  config.pages = 1;
  config.ink_use_per_page = 60;
  config.ink.levels = {{"cyan", 100}, {"black", 100}};
  FakePrintAuthority a(config);
  const Peer peer{"127.0.0.1", "", false};

  CHECK(a.authorize("nope-nope", peer, AuthPurpose::print).outcome == Outcome::unauthenticated);
  const auto ok = a.authorize("0123456789abcdef0123", peer, AuthPurpose::print);
  CHECK(ok.outcome == Outcome::allowed);
  CHECK(ok.principal == "pt:t1");
  CHECK(a.charge_page(1, ok.principal).charged);
  const auto refused = a.charge_page(1, ok.principal);
  CHECK_FALSE(refused.charged);
  CHECK(refused.remaining == 0);
  CHECK(a.remaining_pages() == 0);
  CHECK(a.authorize("0123456789abcdef0123", peer, AuthPurpose::print).outcome == Outcome::forbidden);
  a.refund_page(1, ok.principal);
  CHECK(a.remaining_pages() == 1);

  a.page_marked(1, ok.principal, false);  // mono: black only
  CHECK(a.ink().levels[0].percent == 100);
  CHECK(a.ink().levels[1].percent == 40);
  a.page_marked(1, ok.principal, true);
  CHECK(a.ink().levels[0].percent == 40);
  CHECK(a.ink().levels[1].percent == 0);  // never below 0

  const RouterCredentials home{"home", "12345678"};
  CHECK(a.authorize("0123456789abcdef0123", peer, AuthPurpose::router_handover, &home).outcome ==
        Outcome::forbidden);
  CHECK(a.authorize("PWT-ABCD1234", peer, AuthPurpose::router_handover, &home).outcome == Outcome::allowed);
  CHECK(a.router_ssid() == "home");
}
