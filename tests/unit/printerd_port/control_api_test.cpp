// The JSON control API over the real printer core (on its Fake… HAL backends): the patent's PT, registration,
// SVWT and sync steps as a terminal calls them, with the HTTP status and error code it would see.
#include <doctest/doctest.h>

#include <cups/http.h>

#include <boost/json.hpp>

#include "firmware-under-test/port/linux/control_api.hpp"
#include "tests/unit/firmware/fixture.hpp"

using namespace tapbench::firmware;
using namespace tapbench::firmware::port;
namespace json = boost::json;

namespace {

struct Api {
  test::Rig rig;
  std::mutex core_mutex;
  std::unique_ptr<ControlApi> api;

  Api() {
    rig.boot();
    LinkClassifier links;
    std::string error;
    REQUIRE(links.add_wfd_prefix("192.168.49.0/24", error));
    api = std::make_unique<ControlApi>(rig.c(), core_mutex, links);
  }

  ApiResponse call(const std::string& method, const std::string& path, const std::string& token,
                   const std::string& body = R"({"terminal_id":"app:admin"})",
                   const std::string& peer = "10.0.0.7") {
    ApiRequest r;
    r.method = method;
    r.path = path;
    r.authorization = token.empty() ? "" : "Bearer " + token;
    r.body = body;
    r.peer.address = peer;
    return api->handle(r);
  }
  static json::object obj(const ApiResponse& r) { return json::parse(r.body).as_object(); }
};

}  // namespace

TEST_CASE("PT issue (S31–S35): the PWT buys a PT bound to the terminal, and the PWT rotates") {
  Api a;
  const std::string pwt = a.rig.c().current_pwt();
  CHECK(a.call("POST", "/tapbench/api/pt", "").status == 401);
  const auto wrong = a.call("POST", "/tapbench/api/pt", "WRONGPWT");
  CHECK(wrong.status == 401);
  CHECK(Api::obj(wrong).at("error").as_string() == "unauthenticated");

  const auto issued = a.call("POST", "/tapbench/api/pt", pwt);
  REQUIRE(issued.status == 201);
  const std::string pt(Api::obj(issued).at("pt").as_string());
  CHECK(pt.size() >= 22);  // ≥128 bits
  CHECK(Api::obj(issued).at("terminal_id").as_string() == "app:admin");
  CHECK(a.rig.c().current_pwt() != pwt);                         // S33: rotated on issue
  CHECK(a.call("POST", "/tapbench/api/pt", pwt).status == 401);  // the old PWT is gone
}

TEST_CASE("PT delete (S39–S41): only the terminal it was issued to") {
  Api a;
  const std::string pt(
      Api::obj(a.call("POST", "/tapbench/api/pt", a.rig.c().current_pwt())).at("pt").as_string());
  const auto other = a.call("DELETE", "/tapbench/api/pt", pt, R"({"terminal_id":"app:intruder"})");
  CHECK(other.status == 403);
  CHECK(Api::obj(other).at("error").as_string() == "not_owner");
  CHECK(a.call("DELETE", "/tapbench/api/pt", pt).status == 200);
  CHECK(a.call("GET", "/tapbench/api/registration", pt).status == 401);  // deleted: no longer a token
}

TEST_CASE("registration, SVWT and sync (S53–S111) through the API") {
  Api a;
  const std::string pt(
      Api::obj(a.call("POST", "/tapbench/api/pt", a.rig.c().current_pwt())).at("pt").as_string());

  auto status = a.call("GET", "/tapbench/api/registration", pt, "");
  REQUIRE(status.status == 200);
  CHECK(Api::obj(status).at("state").as_string() == "unregistered");
  const auto early = a.call("POST", "/tapbench/api/svwt", pt);
  CHECK(early.status == 409);
  CHECK(Api::obj(early).at("error").as_string() == "not_registered");

  const auto reg = a.call("POST", "/tapbench/api/register", pt);
  REQUIRE(reg.status == 200);
  CHECK(Api::obj(reg).at("state").as_string() == "registered");
  CHECK(a.rig.server.registered.has_value());

  const auto svwt = a.call("POST", "/tapbench/api/svwt", pt);
  REQUIRE(svwt.status == 200);
  CHECK(Api::obj(svwt).at("svwt").as_string().starts_with("SVWT-"));

  a.rig.server.grant(5);
  const auto sync = a.call("POST", "/tapbench/api/sync", pt);
  REQUIRE(sync.status == 200);
  CHECK(Api::obj(sync).at("pages_added").to_number<int>() == 5);
  CHECK(Api::obj(sync).at("printable_pages").to_number<int>() == 5);
  CHECK(Api::obj(sync).at("reported").as_bool());

  a.rig.server.fail_next(hal::HalCode::timeout);
  const auto down = a.call("POST", "/tapbench/api/sync", pt);
  CHECK(down.status == 502);
  CHECK(Api::obj(down).at("error").as_string() == "server_failed");
}

TEST_CASE("after every call the runtime is told: an SVWT handed out makes the next prefetch due at once") {
  test::Rig rig;
  rig.boot();
  std::mutex core_mutex;
  int calls = 0;
  ControlApi api(rig.c(), core_mutex, LinkClassifier{}, [&] { ++calls; });
  auto call = [&](const std::string& path, const std::string& token) {
    ApiRequest r;
    r.method = "POST";
    r.path = path;
    r.authorization = token.empty() ? "" : "Bearer " + token;
    r.body = R"({"terminal_id":"app:admin"})";
    r.peer.address = "10.0.0.7";
    return api.handle(r);
  };
  CHECK(call("/tapbench/api/pt", "").status == 401);  // refused requests too
  CHECK(calls == 1);
  const auto issued = call("/tapbench/api/pt", rig.c().current_pwt());
  REQUIRE(issued.status == 201);
  const std::string pt(Api::obj(issued).at("pt").as_string());
  REQUIRE(call("/tapbench/api/register", pt).status == 200);
  rig.c().tick();  // the first prefetch (S43)
  REQUIRE(rig.c().next_deadline() > rig.clock.monotonic_now());
  REQUIRE(call("/tapbench/api/svwt", pt).status == 200);
  CHECK(calls == 4);
  CHECK(rig.c().next_deadline() <= rig.clock.monotonic_now());  // S75: the next SVWT is fetched now
}

TEST_CASE("bad requests: malformed body, unknown route, wrong method, HTTP Basic terminal name") {
  Api a;
  const std::string pwt = a.rig.c().current_pwt();
  CHECK(a.call("POST", "/tapbench/api/pt", pwt, "{not json").status == 400);
  CHECK(a.call("POST", "/tapbench/api/pt", pwt, R"({"terminal_id":42})").status == 400);
  CHECK(a.call("POST", "/tapbench/api/pt", pwt, std::string(ApiHandler::kMaxBody + 1, ' ')).status == 413);
  CHECK(a.call("POST", "/tapbench/api/nope", pwt).status == 404);
  CHECK(a.call("GET", "/tapbench/api/pt", pwt).status == 405);
  CHECK(a.rig.c().current_pwt() == pwt);  // none of these used the PWT up

  // Basic "tablet-7:PWT": the user name is the terminal's ID.
  ApiRequest r;
  r.method = "POST";
  r.path = "/tapbench/api/pt";
  const std::string pair = "tablet-7:" + pwt;
  std::string b64(2 * pair.size() + 8, '\0');
  httpEncode64_2(b64.data(), static_cast<int>(b64.size()), pair.data(), static_cast<int>(pair.size()));
  r.authorization = "Basic " + std::string(b64.c_str());
  r.peer.address = "10.0.0.8";
  const auto issued = a.api->handle(r);
  REQUIRE(issued.status == 201);
  CHECK(Api::obj(issued).at("terminal_id").as_string() == "tablet-7");
  CHECK(issued.body.find(pwt) == std::string::npos);
}
