#include <doctest/doctest.h>
#include <sqlite3.h>

#include "tests/unit/server/fixture.hpp"

using namespace std::chrono_literals;
using namespace tapbench::server;
using tapbench::server::test::Fixture;

namespace {
// The stable error code a call is refused with ("" if it succeeds).
template <typename F>
std::string code_of(F&& f) {
  try {
    f();
  } catch (const ApiError& e) {
    return e.code();
  }
  return "";
}
}  // namespace

TEST_CASE("S55-S59 registration: ST bound to the device, STB row with pages and ink; twice is a conflict") {
  Fixture f;
  const IssuedToken st = f.service.register_printer("dv1", 42, {{"black", 80}, {"cyan", 50}});
  CHECK(st.token.rfind("st_", 0) == 0);
  CHECK(st.device_id == "dv1");
  CHECK_FALSE(st.expires_at.has_value());
  const auto d = f.store->device("dv1");
  REQUIRE(d.has_value());
  CHECK(d->pages == 42);
  CHECK(d->ink == InkLevels{{"black", 80}, {"cyan", 50}});
  CHECK(d->active);
  CHECK_FALSE(d->free_charge_used);
  CHECK(code_of([&] { f.service.register_printer("dv1", 1, {}); }) == "device_already_registered");
  CHECK(f.store->totals().devices == 1);
  CHECK(f.store->totals().live_tokens == 1);
}

TEST_CASE("registration refuses bad input and writes nothing") {
  Fixture f;
  CHECK(code_of([&] { f.service.register_printer("", 1, {}); }) == "invalid_request");
  CHECK(code_of([&] { f.service.register_printer("dv 1", 1, {}); }) == "invalid_request");
  CHECK(code_of([&] { f.service.register_printer(std::string(65, 'a'), 1, {}); }) == "invalid_request");
  CHECK(code_of([&] { f.service.register_printer("dv1", -1, {}); }) == "invalid_request");
  CHECK(code_of([&] { f.service.register_printer("dv1", 1, {{"black", 101}}); }) == "invalid_request");
  CHECK(code_of([&] { f.service.register_printer("dv1", 1, {{"Black", 10}}); }) == "invalid_request");
  CHECK(f.store->totals().devices == 0);
  CHECK(f.store->totals().live_tokens == 0);
}

TEST_CASE("S69-S81: SVWT from ST, SVT from SVWT for the same device, SVWT deleted, replay refused") {
  Fixture f;
  const std::string st = f.service.register_printer("dv1", 5, {}).token;
  const IssuedToken svwt = f.service.issue_svwt(st);
  CHECK(svwt.token.rfind("svwt_", 0) == 0);
  CHECK(svwt.device_id == "dv1");
  CHECK(svwt.expires_at == f.clock.system_now() + 60s);
  const IssuedToken svt = f.service.issue_svt(svwt.token, "phone-A");
  CHECK(svt.device_id == "dv1");
  CHECK(svt.token.rfind("svt_", 0) == 0);
  CHECK(code_of([&] { f.service.issue_svt(svwt.token, "phone-B"); }) == "token_already_used");
  CHECK(f.service.device_for_svt(svt.token).device.device_id == "dv1");
}

TEST_CASE("tokens refused: missing, malformed, unknown, wrong kind") {
  Fixture f;
  const auto p = f.onboard("dv1");
  CHECK(code_of([&] { f.service.issue_svwt(""); }) == "token_missing");
  CHECK(code_of([&] { f.service.issue_svwt("st_short"); }) == "token_malformed");
  CHECK(code_of([&] { f.service.issue_svwt(p.svt); }) == "token_malformed");  // svt_ prefix is not an ST
  // A well-formed ST that was never issued.
  const std::string forged = "st_" + std::string(43, 'A');
  CHECK(code_of([&] { f.service.issue_svwt(forged); }) == "token_unknown");
  // An SVT whose prefix was rewritten to look like an ST: the hash is not an ST's.
  CHECK(code_of([&] { f.service.issue_svwt("st_" + p.svt.substr(4)); }) == "token_unknown");
}

TEST_CASE("SVWT expires exactly at issue + ttl (60 s), and the expired row is gone") {
  Fixture f;
  const std::string st = f.service.register_printer("dv1", 5, {}).token;
  const std::string a = f.service.issue_svwt(st).token;
  const std::string b = f.service.issue_svwt(st).token;
  f.clock.advance(60s - 1ms);
  CHECK_NOTHROW(f.service.issue_svt(a, "t"));
  f.clock.advance(1ms);
  CHECK(code_of([&] { f.service.issue_svt(b, "t"); }) == "token_expired");
  CHECK(code_of([&] { f.service.issue_svt(b, "t"); }) == "token_unknown");  // deleted when found expired
}

TEST_CASE("SVT idle expiry: each use restarts the idle timer; expired exactly at last use + 300 s") {
  Fixture f;
  const auto p = f.onboard("dv1");
  f.clock.advance(299s);
  CHECK_NOTHROW(f.service.device_for_svt(p.svt));  // used at t=299
  f.clock.advance(299s);
  CHECK_NOTHROW(f.service.device_for_svt(p.svt));  // used at t=598
  f.clock.advance(300s - 1ms);
  CHECK_NOTHROW(f.service.device_for_svt(p.svt));  // used at t=898-ε
  f.clock.advance(300s);                           // exactly last use + idle
  CHECK(code_of([&] { f.service.device_for_svt(p.svt); }) == "token_idle_expired");
  CHECK(code_of([&] { f.service.device_for_svt(p.svt); }) == "token_unknown");
}

TEST_CASE("configured ST ttl and SVT absolute ttl: refused exactly at issue + ttl, whatever the use") {
  Fixture f;
  ServiceConfig cfg = tapbench::server::test::test_config();
  cfg.st.ttl = 1000s;
  cfg.svt.ttl = 500s;  // on top of the 300 s idle ttl
  VendorService svc{*f.store, f.clock, cfg, f.gateway, &f.metrics};
  const std::string st = svc.register_printer("dv1", 5, {}).token;
  const std::string svt = svc.issue_svt(svc.issue_svwt(st).token, "t").token;
  for (int i = 0; i < 2; ++i) {  // used at t=250 and t=499.999: idle never runs out
    f.clock.advance(i == 0 ? 250s : 250s - 1ms);
    CHECK_NOTHROW(svc.device_for_svt(svt));
  }
  f.clock.advance(1ms);  // t = 500 s
  CHECK(code_of([&] { svc.device_for_svt(svt); }) == "token_expired");
  f.clock.advance(500s - 1ms);  // t = 999.999 s
  CHECK_NOTHROW(svc.issue_svwt(st));
  f.clock.advance(1ms);
  CHECK(code_of([&] { svc.issue_svwt(st); }) == "token_expired");
  CHECK(code_of([&] { svc.sync(st, {5, {}, 0}); }) == "token_unknown");  // deleted when found expired
}

TEST_CASE("a refused request does not count as a use: the SVT's idle timer is not restarted") {
  Fixture f;
  const auto p = f.onboard("dv1");  // SVT last used at t=0 (issue), idle ttl 300 s
  f.clock.advance(200s);
  CHECK(code_of([&] { f.service.paid_charge(p.svt, 500, "4000000000000002"); }) == "payment_declined");
  CHECK(code_of([&] { f.service.paid_charge(p.svt, 0, "4242424242424242"); }) == "invalid_request");
  CHECK(code_of([&] { f.service.exchange_request(p.svt, {}); }) == "nothing_to_exchange");
  CHECK(code_of([&] { f.service.sync(p.st, {5, {}, 77}); }) == "invalid_credit_id");
  f.clock.advance(100s);  // 300 s after the last successful use
  CHECK(code_of([&] { f.service.device_for_svt(p.svt); }) == "token_idle_expired");
}

TEST_CASE("S85-S97 free charge: CWT with 2000 pages, single use, credited once; second device charge 0") {
  Fixture f;
  const auto p = f.onboard("dv1");
  const IssuedCwt cwt = f.service.confirm_free_charge(p.svt);
  CHECK(cwt.pages == 2000);
  CHECK(cwt.purpose == "free");
  CHECK(cwt.expires_at == f.clock.system_now() + 120s);
  const ChargeResult r = f.service.charge(cwt.cwt);
  CHECK(r.device_id == "dv1");
  CHECK(r.pages_granted == 2000);
  CHECK(r.credit_id > 0);
  CHECK(code_of([&] { f.service.charge(cwt.cwt); }) == "token_already_used");  // replay
  CHECK(f.store->device("dv1")->pending_pages == 2000);
  CHECK(f.store->device("dv1")->free_charge_used);
  // A second terminal confirms: tutorial run with 0 pages, which still redeems.
  const std::string svt2 = f.service.issue_svt(f.service.issue_svwt(p.st).token, "terminal-2").token;
  const IssuedCwt again = f.service.confirm_free_charge(svt2);
  CHECK(again.pages == 0);
  CHECK(f.service.charge(again.cwt).pages_granted == 0);
  CHECK(f.store->totals().credited_pages == 2000);
}

TEST_CASE("two free CWTs confirmed before either is redeemed: only one grants pages") {
  Fixture f;
  const auto p = f.onboard("dv1");
  const IssuedCwt a = f.service.confirm_free_charge(p.svt);
  const IssuedCwt b = f.service.confirm_free_charge(p.svt);
  CHECK(a.pages == 2000);
  CHECK(b.pages == 2000);  // advisory at confirmation
  CHECK(f.service.charge(b.cwt).pages_granted == 2000);
  CHECK(f.service.charge(a.cwt).pages_granted == 0);  // decided atomically at redemption
  CHECK(f.store->totals().credited_pages == 2000);
}

TEST_CASE("CWT expires exactly at issue + 120 s and grants nothing") {
  Fixture f;
  const auto p = f.onboard("dv1");
  const IssuedCwt a = f.service.confirm_free_charge(p.svt);
  const IssuedCwt b = f.service.confirm_free_charge(p.svt);
  f.clock.advance(120s - 1ms);
  CHECK(f.service.charge(a.cwt).pages_granted == 2000);
  f.clock.advance(1ms);
  CHECK(code_of([&] { f.service.charge(b.cwt); }) == "token_expired");
  CHECK(f.store->totals().credited_pages == 2000);
}

TEST_CASE("S101-S111 sync: credit offered until acknowledged, count overwritten, exactly-once over retries") {
  Fixture f;
  const auto p = f.onboard("dv1", 10);
  f.service.charge(f.service.confirm_free_charge(p.svt).cwt);
  // 1st sync: printer has 7 pages (printed 3), nothing applied yet → told to add 2000 through credit N.
  SyncResult s1 = f.service.sync(p.st, {7, {{"black", 70}}, 0});
  CHECK(s1.add_pages == 2000);
  CHECK(s1.credit_through > 0);
  CHECK(s1.active);
  // The printer's reply was lost: it retries without having applied → same offer, nothing doubled.
  SyncResult retry = f.service.sync(p.st, {7, {{"black", 70}}, 0});
  CHECK(retry.add_pages == 2000);
  CHECK(retry.credit_through == s1.credit_through);
  // Printer adds 2000 durably, reports 2007 and acknowledges.
  SyncResult s2 = f.service.sync(p.st, {2007, {{"black", 70}}, s1.credit_through});
  CHECK(s2.add_pages == 0);
  CHECK(s2.credit_through == s1.credit_through);
  auto d = f.store->device("dv1");
  CHECK(d->pages == 2007);
  CHECK(d->pending_pages == 0);
  CHECK(d->last_sync_at == f.clock.system_now());
  // The acknowledgement replayed: still nothing to add.
  CHECK(f.service.sync(p.st, {2007, {{"black", 70}}, s1.credit_through}).add_pages == 0);
  CHECK(f.store->totals().applied_pages == 2000);
  // A credit id never given to this device is refused and changes nothing.
  CHECK(code_of([&] { f.service.sync(p.st, {9999, {}, s1.credit_through + 100}); }) == "invalid_credit_id");
  CHECK(f.store->device("dv1")->pages == 2007);
}

TEST_CASE("ink below threshold opens one replacement notice per episode; exchange request closes it") {
  Fixture f;
  const auto p = f.onboard("dv1");
  CHECK(f.service.sync(p.st, {10, {{"black", 15}, {"cyan", 60}}, 0}).ink_low.empty());  // 15 is not below 15
  const SyncResult low = f.service.sync(p.st, {10, {{"black", 14}, {"cyan", 60}}, 0});
  CHECK(low.ink_low == std::vector<std::string>{"black"});
  f.service.sync(p.st, {10, {{"black", 10}, {"cyan", 60}}, 0});
  auto view = f.service.device_for_svt(p.svt);
  REQUIRE(view.notices.size() == 1);  // still one notice, not one per sync
  CHECK(view.notices[0].color == "black");
  CHECK(view.notices[0].level == 14);
  const std::int64_t req = f.service.exchange_request(p.svt, {});
  CHECK(req > 0);
  CHECK(f.service.device_for_svt(p.svt).notices.empty());
  CHECK(code_of([&] { f.service.exchange_request(p.svt, {}); }) == "nothing_to_exchange");
  CHECK(code_of([&] { f.service.exchange_request(p.svt, {"Black!"}); }) == "invalid_request");
  // A new cartridge (above threshold), then low again: a new episode, a new notice.
  f.service.sync(p.st, {10, {{"black", 100}}, 0});
  f.service.sync(p.st, {10, {{"black", 5}}, 0});
  CHECK(f.service.device_for_svt(p.svt).notices.size() == 1);
}

TEST_CASE("paid charge: sandbox approves by rule, CWT for the pages, declines write nothing") {
  Fixture f;
  const auto p = f.onboard("dv1");
  const IssuedCwt paid = f.service.paid_charge(p.svt, 500, "4242424242424242");
  CHECK(paid.pages == 500);
  CHECK(paid.purpose == "paid");
  CHECK(paid.amount_cents == 1000);
  CHECK(paid.payment_reference.rfind("sbx-", 0) == 0);
  CHECK(paid.payment_reference.size() == 4 + 16);
  CHECK(f.service.charge(paid.cwt).pages_granted == 500);
  CHECK(f.store->totals().payments == 1);
  CHECK(code_of([&] { f.service.paid_charge(p.svt, 500, "4000000000000002"); }) == "payment_declined");
  CHECK(code_of([&] { f.service.paid_charge(p.svt, 500, "4242424242424241"); }) == "invalid_card_number");
  CHECK(code_of([&] { f.service.paid_charge(p.svt, 60000, "4242424242424242"); }) == "payment_declined");
  CHECK(code_of([&] { f.service.paid_charge(p.svt, 0, "4242424242424242"); }) == "invalid_request");
  CHECK(f.store->totals().payments == 1);
  // Paid charges are not limited like the free one.
  CHECK(f.service.charge(f.service.paid_charge(p.svt, 100, "4242424242424242").cwt).pages_granted == 100);
  CHECK(f.store->device("dv1")->pending_pages == 600);
}

TEST_CASE("activation on/off is per device and visible to the printer at sync") {
  Fixture f;
  const auto a = f.onboard("dv1");
  const auto b = f.onboard("dv2");
  f.service.set_active(a.svt, false);
  CHECK_FALSE(f.service.sync(a.st, {10, {}, 0}).active);
  CHECK(f.service.sync(b.st, {10, {}, 0}).active);
  f.service.set_active(a.svt, true);
  CHECK(f.service.sync(a.st, {10, {}, 0}).active);
}

TEST_CASE("an SVT only reaches its own device") {
  Fixture f;
  const auto a = f.onboard("dv1");
  const auto b = f.onboard("dv2");
  f.service.charge(f.service.confirm_free_charge(a.svt).cwt);
  CHECK(f.store->device("dv1")->pending_pages == 2000);
  CHECK(f.store->device("dv2")->pending_pages == 0);
  CHECK(f.service.device_for_svt(b.svt).device.device_id == "dv2");
}

TEST_CASE("metrics count tokens by kind and event") {
  Fixture f;
  const auto p = f.onboard("dv1");
  const IssuedCwt c = f.service.confirm_free_charge(p.svt);
  f.service.charge(c.cwt);
  CHECK(code_of([&] { f.service.charge(c.cwt); }) == "token_already_used");
  const std::string m = f.metrics.serialize();
  CHECK(m.find("vendord_tokens_total{event=\"issued\",kind=\"cwt\"} 1") != std::string::npos);
  CHECK(m.find("vendord_tokens_total{event=\"redeemed\",kind=\"cwt\"} 1") != std::string::npos);
  CHECK(m.find("vendord_tokens_total{event=\"refused\",kind=\"cwt\"} 1") != std::string::npos);
  CHECK(m.find("vendord_tokens_total{event=\"redeemed\",kind=\"svwt\"} 1") != std::string::npos);
}

TEST_CASE("purge removes dead single-use tokens, keeps live ones, counts them expired by kind") {
  Fixture f;
  const auto p = f.onboard("dv1");
  f.service.issue_svwt(p.st);
  const auto before = f.store->totals().live_tokens;  // ST + SVT + SVWT
  CHECK(before == 3);
  f.clock.advance(60s - 1ms);
  CHECK(f.service.purge() == 0);  // the SVWT lives until issue + 60 s exactly
  f.clock.advance(1ms);
  CHECK(f.service.purge() == 1);
  CHECK(f.store->totals().live_tokens == 2);
  CHECK(f.metrics.serialize().find("vendord_tokens_total{event=\"expired\",kind=\"svwt\"} 1") !=
        std::string::npos);
}

TEST_CASE("issuance cap: at most N live one-time tokens per device, refused with 429 and nothing written") {
  Fixture f;
  ServiceConfig cfg = tapbench::server::test::test_config();
  cfg.svwt_max_live = 3;
  cfg.cwt_max_live = 2;
  VendorService svc{*f.store, f.clock, cfg, f.gateway, &f.metrics};
  const std::string st = svc.register_printer("dv1", 5, {}).token;
  const std::string st2 = svc.register_printer("dv2", 5, {}).token;
  std::vector<std::string> svwts;
  for (int i = 0; i < 3; ++i)
    svwts.push_back(svc.issue_svwt(st).token);
  const auto live = f.store->totals().live_tokens;
  CHECK(code_of([&] { svc.issue_svwt(st); }) == "too_many_live_tokens");
  CHECK(f.store->totals().live_tokens == live);  // nothing written
  CHECK_NOTHROW(svc.issue_svwt(st2));            // per device: dv2 is not affected
  // Redeeming one frees a slot.
  const std::string svt = svc.issue_svt(svwts[0], "t").token;
  CHECK_NOTHROW(svc.issue_svwt(st));
  CHECK(code_of([&] { svc.issue_svwt(st); }) == "too_many_live_tokens");
  // Expiry frees every slot, exactly at the boundary (SVWT ttl 60 s in the fixture).
  f.clock.advance(60s - 1ms);
  CHECK(code_of([&] { svc.issue_svwt(st); }) == "too_many_live_tokens");
  f.clock.advance(1ms);
  CHECK_NOTHROW(svc.issue_svwt(st));
  // Free-charge CWTs likewise; paid CWTs (gated by the payment) are not capped.
  svc.confirm_free_charge(svt);
  svc.confirm_free_charge(svt);
  CHECK(code_of([&] { svc.confirm_free_charge(svt); }) == "too_many_live_tokens");
  CHECK_NOTHROW(svc.paid_charge(svt, 10, "4242424242424242"));
  CHECK(f.metrics.serialize().find("vendord_tokens_total{event=\"refused\",kind=\"svwt\"} 3") !=
        std::string::npos);
}

TEST_CASE("state survives reopening the database (durability, migrations idempotent)") {
  Fixture f;
  const auto p = f.onboard("dv1");
  f.service.charge(f.service.confirm_free_charge(p.svt).cwt);
  auto reopened = open_sqlite_store({(f.dir / "vendord.db").string()});
  CHECK(reopened->device("dv1")->pending_pages == 2000);
  CHECK(reopened->totals().credits == 1);
  CHECK(sqlite_schema_version() == 2);
}

TEST_CASE("a database from a newer vendord is refused with a clear error, and left untouched") {
  const auto dir = tapbench::server::test::fresh_dir();
  const std::string path = (dir / "vendord.db").string();
  open_sqlite_store({path});  // current schema
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  std::string what;
  try {
    open_sqlite_store({path});
  } catch (const StoreFailure& e) {
    what = e.what();
  }
  CHECK(what.find("schema version 99 is newer than this vendord") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("paid charge with request_id is idempotent: a retry pays nothing again, gets a fresh CWT, once") {
  Fixture f;
  const auto p = f.onboard("dv1");
  const IssuedCwt first = f.service.paid_charge(p.svt, 200, "4242424242424242", "req-1");
  CHECK_FALSE(first.replayed);
  // The answer was "lost": the terminal retries with the same request_id.
  const IssuedCwt retry = f.service.paid_charge(p.svt, 200, "4242424242424242", "req-1");
  CHECK(retry.replayed);
  CHECK(retry.payment_id == first.payment_id);
  CHECK(retry.payment_reference == first.payment_reference);
  CHECK(retry.cwt != first.cwt);
  CHECK(f.store->totals().payments == 1);
  CHECK(code_of([&] { f.service.charge(first.cwt); }) == "token_unknown");  // the lost CWT was revoked
  CHECK(f.service.charge(retry.cwt).pages_granted == 200);
  // Once redeemed, a further retry gets no new CWT.
  CHECK(code_of([&] { f.service.paid_charge(p.svt, 200, "4242424242424242", "req-1"); }) ==
        "payment_already_charged");
  CHECK(code_of([&] { f.service.paid_charge(p.svt, 300, "4242424242424242", "req-1"); }) ==
        "request_id_conflict");
  CHECK(code_of([&] { f.service.paid_charge(p.svt, 300, "4242424242424242", "bad id!"); }) ==
        "invalid_request");
  CHECK(f.store->totals().payments == 1);
  CHECK(f.store->totals().credited_pages == 200);
  // Another request id is another payment.
  CHECK_FALSE(f.service.paid_charge(p.svt, 200, "4242424242424242", "req-2").replayed);
  CHECK(f.store->totals().payments == 2);
}
