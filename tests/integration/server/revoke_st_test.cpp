// `vendord revoke-st` on the database of a running vendord: the revoked ST is refused at once (401
// token_unknown on sync and SVWT), another device's ST keeps working, and an unknown device is an error.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <string>

#include "server/api/http_client.hpp"
#include "tests/integration/server/vendord_process.hpp"
#include "tests/unit/server/fixture.hpp"

using namespace tapbench::server;
using tapbench::server::test::VendordProcess;
namespace json = boost::json;

namespace {

json::object parse(const ClientResponse& r) {
  INFO(r.status << " " << r.body);
  return json::parse(r.body).as_object();
}

std::string register_device(HttpClient& c, const std::string& id) {
  const auto r = c.post_json("/v1/printer/register", R"({"device_id":")" + id + R"(","pages":100})");
  REQUIRE(r.status == 201);
  return std::string{parse(r).at("st").as_string()};
}

ClientResponse sync(HttpClient& c, const std::string& st) {
  return c.post_json("/v1/printer/sync", R"({"pages":100,"ink":{"black":50},"applied_credit_id":0})", st);
}

// Runs `vendord revoke-st`, bounded by timeout(1); returns its exit status.
int revoke_st(const std::filesystem::path& db, const std::string& device) {
  const std::string cmd = "timeout 20 " + std::string{VENDORD_PATH} + " revoke-st --db '" + db.string() +
                          "' --device '" + device + "' >/dev/null 2>&1";
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::string error_code(const ClientResponse& r) {
  return std::string{parse(r).at("error").as_object().at("code").as_string()};
}

}  // namespace

TEST_CASE("vendord revoke-st on a running vendord: the ST is refused at its next use, others unaffected") {
  const auto dir = tapbench::server::test::fresh_dir();
  VendordProcess vendord(dir);
  vendord.start();
  HttpClient c("127.0.0.1", vendord.port());
  const std::string st1 = register_device(c, "dv1");
  const std::string st2 = register_device(c, "dv2");
  // Both accepted before the revocation (the ST has no lifetime).
  REQUIRE(sync(c, st1).status == 200);
  REQUIRE(c.post_json("/v1/printer/svwt", "", st1).status == 201);
  REQUIRE(sync(c, st2).status == 200);

  REQUIRE(revoke_st(dir / "vendord.db", "dv1") == 0);

  const auto refused_sync = sync(c, st1);
  CHECK(refused_sync.status == 401);
  CHECK(error_code(refused_sync) == "token_unknown");
  const auto refused_svwt = c.post_json("/v1/printer/svwt", "", st1);
  CHECK(refused_svwt.status == 401);
  CHECK(error_code(refused_svwt) == "token_unknown");
  // The other device's ST still works; the revoked device cannot register again under its ID.
  CHECK(sync(c, st2).status == 200);
  CHECK(c.post_json("/v1/printer/svwt", "", st2).status == 201);
  // Revoking again is harmless; an unknown device or a missing database is an error.
  CHECK(revoke_st(dir / "vendord.db", "dv1") == 0);
  CHECK(revoke_st(dir / "vendord.db", "nope") == 2);
  CHECK(revoke_st(dir / "missing.db", "dv1") == 64);
  CHECK_FALSE(std::filesystem::exists(dir / "missing.db"));
  // Still refused after a restart (the revocation is durable).
  CHECK(vendord.terminate() == 0);
  vendord.start();
  HttpClient after("127.0.0.1", vendord.port());
  CHECK(sync(after, st1).status == 401);
  CHECK(sync(after, st2).status == 200);
  CHECK(vendord.terminate() == 0);
  std::filesystem::remove_all(dir);
}
