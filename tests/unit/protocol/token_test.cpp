#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <deque>
#include <set>
#include <string>
#include <vector>

#include "protocol/clock/clock.hpp"
#include "protocol/token/token.hpp"

using namespace std::chrono_literals;
namespace tk = tapbench::token;

namespace {

// A scripted random source: hands out the given bytes in order, then fails.
struct ScriptedRandom {
  std::deque<std::uint8_t> bytes;
  bool operator()(std::span<std::uint8_t> out) {
    if (bytes.size() < out.size()) return false;
    for (auto& b : out) {
      b = bytes.front();
      bytes.pop_front();
    }
    return true;
  }
};

tk::Policy pwt() {
  return tk::default_policy(tk::Kind::PWT);
}

tk::State issued(tapbench::SystemTime t, std::uint32_t failed = 0) {
  tk::State s;
  s.issued_at = t;
  s.failed_attempts = failed;
  return s;
}

}  // namespace

TEST_CASE("kinds: names, labels and parsing round-trip") {
  for (tk::Kind k : tk::kAllKinds) {
    CHECK(tk::parse_kind(tk::name(k)) == k);
    CHECK(tk::parse_kind(tk::label(k)) == k);
  }
  CHECK(tk::name(tk::Kind::SVWT) == "SVWT");
  CHECK(tk::label(tk::Kind::CWT) == "cwt");
  CHECK_FALSE(tk::parse_kind("SV").has_value());
  CHECK_FALSE(tk::parse_kind("").has_value());
}

TEST_CASE("default policies follow DESIGN.md section 3 and validate") {
  for (tk::Kind k : tk::kAllKinds) {
    INFO(tk::name(k));
    const tk::Policy p = tk::default_policy(k);
    CHECK(p.kind == k);
    CHECK(tk::validate(p).empty());
    if (k != tk::Kind::PWT) CHECK(tk::entropy_bits(p) >= 128.0);
  }
  const tk::Policy p = pwt();
  CHECK(p.encoding == tk::Encoding::Typeable);
  CHECK(p.length == 8);
  CHECK(p.alphabet == "BCDFGHJKLMNPQRSTVWXZ");
  CHECK(p.max_attempts == 5);
  CHECK(p.rotation_period == std::chrono::seconds{3600});
  CHECK(tk::entropy_bits(p) == doctest::Approx(8 * std::log2(20.0)));
  CHECK(tk::default_policy(tk::Kind::SVWT).single_use);
  CHECK(tk::default_policy(tk::Kind::CWT).single_use);
  CHECK_FALSE(tk::default_policy(tk::Kind::SVT).single_use);
  CHECK(tk::default_policy(tk::Kind::SVT).idle_ttl.has_value());
  CHECK_FALSE(tk::default_policy(tk::Kind::ST).ttl.has_value());
  CHECK_FALSE(tk::default_policy(tk::Kind::ST).idle_ttl.has_value());
}

TEST_CASE("validate refuses weak or malformed policies with a reason") {
  tk::Policy p = pwt();
  p.max_attempts = 0;
  CHECK(tk::validate(p).find("attempt cap") != std::string::npos);
  p = pwt();
  p.alphabet = "AAB";
  CHECK(tk::validate(p).find("distinct") != std::string::npos);
  p = pwt();
  p.length = 0;
  CHECK_FALSE(tk::validate(p).empty());
  p = tk::default_policy(tk::Kind::SVT);
  p.random_bytes = 15;
  CHECK(tk::validate(p).find("128") != std::string::npos);
  p.random_bytes = 16;
  CHECK(tk::validate(p).empty());
  p.ttl = 0s;
  CHECK(tk::validate(p).find("ttl") != std::string::npos);
  CHECK_THROWS_AS((void)tk::generate(p), std::invalid_argument);
}

TEST_CASE("PWT: 8 characters, all from the RFC 8628 alphabet, and different every time") {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const std::string t = tk::generate(pwt());
    REQUIRE(t.size() == 8);
    for (char c : t)
      CHECK(std::string_view{tk::kTypeableAlphabet}.find(c) != std::string_view::npos);
    seen.insert(t);
  }
  // 200 draws from 20^8 ≈ 2.56e10: a collision has probability ≈ 8e-7.
  CHECK(seen.size() == 200);
}

TEST_CASE("PWT rejection sampling: bytes >= 240 are discarded, the rest map b mod 20") {
  // 256 - (256 mod 20) = 240. Bytes 240..255 would bias symbols 0..15; they must be skipped.
  ScriptedRandom r;
  r.bytes = {255, 0, 240, 19, 20, 239, 250, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  const std::string t = tk::generate(pwt(), std::ref(r));
  // Used bytes: 0→B, 19→Z, 20→B, 239 (19)→Z, 1→C, 2→D, 3→F, 4→G.
  CHECK(t == "BZBZCDFG");
}

TEST_CASE("PWT generation fails loudly when the random source fails or only yields rejected bytes") {
  ScriptedRandom empty;
  CHECK_THROWS_AS((void)tk::generate(pwt(), std::ref(empty)), tk::RandomFailure);
  const tk::RandomSource all_rejected = [](std::span<std::uint8_t> out) {
    for (auto& b : out)
      b = 0xff;
    return true;
  };
  CHECK_THROWS_AS((void)tk::generate(pwt(), all_rejected), tk::RandomFailure);
  CHECK_THROWS_AS((void)tk::generate(tk::default_policy(tk::Kind::CWT), std::ref(empty)), tk::RandomFailure);
}

TEST_CASE("PWT alphabet distribution is uniform (chi-square, real CSPRNG)") {
  // 10,000 tokens × 8 chars = 80,000 symbols, 4000 expected per symbol. Chi-square with 19 degrees of
  // freedom: P(X > 60) ≈ 3e-6 for a uniform source, so this does not flake. A modulo-biased generator
  // (b % 20 over all 256 byte values: symbols 0..15 get 13/256, 16..19 get 12/256) has a non-centrality of
  // ≈ 78 at this sample size, i.e. it scores ≈ 97 on average and fails the bound.
  std::array<long, 20> counts{};
  const std::string_view alphabet = tk::kTypeableAlphabet;
  constexpr int kTokens = 10000;
  for (int i = 0; i < kTokens; ++i) {
    for (char c : tk::generate(pwt()))
      ++counts[alphabet.find(c)];
  }
  const double expected = kTokens * 8 / 20.0;
  double chi2 = 0;
  for (long c : counts)
    chi2 += (c - expected) * (c - expected) / expected;
  INFO("chi-square = " << chi2);
  CHECK(chi2 < 60.0);
  // And the biased generator this guards against really is caught by the same bound.
  std::array<double, 20> biased{};
  for (int b = 0; b < 256; ++b)
    biased[b % 20] += kTokens * 8 / 256.0;
  double chi2_biased = 0;
  for (double c : biased)
    chi2_biased += (c - expected) * (c - expected) / expected;
  CHECK(chi2_biased > 60.0);
}

TEST_CASE("machine tokens: kind prefix, >= 128 bits, base64url or hex, distinct") {
  for (tk::Kind k : {tk::Kind::PT, tk::Kind::ST, tk::Kind::SVWT, tk::Kind::SVT, tk::Kind::CWT}) {
    INFO(tk::name(k));
    const tk::Policy p = tk::default_policy(k);
    const std::string t = tk::generate(p);
    const std::string prefix = std::string{tk::label(k)} + "_";
    CHECK(t.rfind(prefix, 0) == 0);
    CHECK(t.size() == prefix.size() + 43);  // 32 bytes → 43 base64url characters, no padding
    CHECK(t.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_",
                              prefix.size()) == std::string::npos);
    CHECK(tk::generate(p) != t);
    CHECK(tk::canonical(p, t) == t);
  }
  tk::Policy hex = tk::default_policy(tk::Kind::CWT);
  hex.encoding = tk::Encoding::Hex;
  hex.random_bytes = 16;
  hex.kind_prefix = false;
  const std::string t = tk::generate(hex);
  CHECK(t.size() == 32);
  CHECK(t.find_first_not_of("0123456789abcdef") == std::string::npos);
}

TEST_CASE("base64url encoding is exact for known bytes") {
  ScriptedRandom r;
  for (int i = 0; i < 16; ++i)
    r.bytes.push_back(static_cast<std::uint8_t>(0xfb));
  tk::Policy p = tk::default_policy(tk::Kind::ST);
  p.random_bytes = 16;
  // 0xfbfbfb → "-_v7" repeated; 16 bytes = 5 groups + 1 byte (0xfb → "-w").
  CHECK(tk::generate(p, std::ref(r)) == "st_-_v7-_v7-_v7-_v7-_v7-w");
}

TEST_CASE("canonical: PWT typed the RFC 8628 way, machine tokens exactly") {
  const tk::Policy p = pwt();
  CHECK(tk::canonical(p, "BCDFGHJK") == "BCDFGHJK");
  CHECK(tk::canonical(p, "bcdf-ghjk") == "BCDFGHJK");
  CHECK(tk::canonical(p, "bcdf ghjk") == "BCDFGHJK");
  CHECK_FALSE(tk::canonical(p, "BCDFGHJ").has_value());    // too short
  CHECK_FALSE(tk::canonical(p, "BCDFGHJKL").has_value());  // too long
  CHECK_FALSE(tk::canonical(p, "ACDFGHJK").has_value());   // vowel: not in the alphabet
  CHECK_FALSE(tk::canonical(p, "BCDFGHJ1").has_value());
  CHECK(tk::display_form(p, "BCDFGHJK") == "BCDF-GHJK");

  const tk::Policy svt = tk::default_policy(tk::Kind::SVT);
  const std::string t = tk::generate(svt);
  CHECK_FALSE(tk::canonical(svt, t.substr(0, t.size() - 1)).has_value());
  CHECK_FALSE(tk::canonical(svt, "cwt_" + t.substr(4)).has_value());  // wrong kind prefix
  CHECK_FALSE(tk::canonical(svt, t.substr(0, t.size() - 1) + "=").has_value());
  CHECK_FALSE(tk::canonical(svt, "").has_value());
}

TEST_CASE("storage hash: SHA-256 test vector, hex round trip, constant-time equality") {
  // FIPS 180-2 test vector: SHA-256("abc").
  const tk::Hash h = tk::hash_token("abc");
  CHECK(h.hex() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(tk::Hash::from_hex(h.hex()) == h);
  CHECK(tk::Hash::from_hex(std::string(64, 'A'))->hex() == std::string(64, 'a'));
  CHECK_FALSE(tk::Hash::from_hex("abc").has_value());
  CHECK_FALSE(tk::Hash::from_hex(std::string(63, '0') + "g").has_value());
  CHECK_FALSE(tk::hash_token("abd") == h);
  tk::Hash one_bit = h;
  one_bit.bytes[31] ^= 1;
  CHECK_FALSE(tk::constant_time_equal(h, one_bit));
  CHECK(tk::constant_time_equal(h, tk::hash_token("abc")));

  CHECK(tk::constant_time_equal("svt_abc", "svt_abc"));
  CHECK_FALSE(tk::constant_time_equal("svt_abc", "svt_abd"));
  CHECK_FALSE(tk::constant_time_equal("svt_abc", "svt_ab"));
  CHECK(tk::constant_time_equal("", ""));
}

TEST_CASE("redacted form: kind and 4 hash characters, never the token") {
  const std::string t = tk::generate(tk::default_policy(tk::Kind::SVT));
  const std::string r = tk::redacted(tk::Kind::SVT, t);
  CHECK(r == "SVT#" + tk::hash_token(t).hex().substr(0, 4));
  CHECK(r.size() == 8);
  CHECK(r.find(t.substr(4, 4)) == std::string::npos);
}

TEST_CASE("expiry: TTL boundary is exact, now >= issued + ttl is expired") {
  tapbench::ManualClock clock;
  tk::Policy p = tk::default_policy(tk::Kind::CWT);
  p.ttl = 600s;
  const tk::State s = issued(clock.system_now());
  CHECK(tk::evaluate(p, s, clock) == tk::Verdict::Valid);
  clock.advance(600s - 1ns);
  CHECK(tk::evaluate(p, s, clock) == tk::Verdict::Valid);
  clock.advance(1ns);
  CHECK(tk::evaluate(p, s, clock) == tk::Verdict::Expired);
  CHECK(tk::deadline(p, s) == s.issued_at + 600s);
  // Using it does not extend an absolute TTL.
  const tk::State used = tk::after_use(s, s.issued_at + 10s);
  CHECK(tk::evaluate(p, used, s.issued_at + 600s) == tk::Verdict::Expired);
}

TEST_CASE("expiry: idle TTL counts from issue, then from the last use, boundary exact") {
  tapbench::ManualClock clock;
  tk::Policy p = tk::default_policy(tk::Kind::SVT);
  p.idle_ttl = 60s;
  tk::State s = issued(clock.system_now());
  clock.advance(59s);
  CHECK(tk::evaluate(p, s, clock) == tk::Verdict::Valid);
  s = tk::after_use(s, clock.system_now());  // used at t=59
  clock.advance(60s - 1ns);                  // t = 119 - 1ns
  CHECK(tk::evaluate(p, s, clock) == tk::Verdict::Valid);
  CHECK(tk::deadline(p, s) == s.issued_at + 119s);
  clock.advance(1ns);  // t = 119 = last use + idle
  CHECK(tk::evaluate(p, s, clock) == tk::Verdict::IdleExpired);
}

TEST_CASE("expiry: ttl and idle together, deadline is the earlier one") {
  tk::Policy p = tk::default_policy(tk::Kind::SVT);
  p.ttl = 100s;
  p.idle_ttl = 30s;
  const tapbench::SystemTime t0 = tapbench::from_unix_seconds(1767225600);
  tk::State s = issued(t0);
  CHECK(tk::deadline(p, s) == t0 + 30s);
  s = tk::after_use(s, t0 + 90s);
  CHECK(tk::deadline(p, s) == t0 + 100s);
  CHECK(tk::evaluate(p, s, t0 + 99s) == tk::Verdict::Valid);
  CHECK(tk::evaluate(p, s, t0 + 100s) == tk::Verdict::Expired);  // ttl wins over a fresh idle timer
  CHECK_FALSE(tk::deadline(tk::default_policy(tk::Kind::ST), s).has_value());
  CHECK(tk::evaluate(tk::default_policy(tk::Kind::ST), s, t0 + 24h * 3650) == tk::Verdict::Valid);
}

TEST_CASE("expiry: attempt cap exhausts at exactly max_attempts failures and wins over time") {
  tk::Policy p = pwt();
  p.max_attempts = 5;
  const tapbench::SystemTime t0 = tapbench::from_unix_seconds(1767225600);
  tk::State s = issued(t0);
  for (int i = 0; i < 4; ++i)
    s = tk::after_failed_attempt(s);
  CHECK(s.failed_attempts == 4);
  CHECK(tk::evaluate(p, s, t0) == tk::Verdict::Valid);
  s = tk::after_failed_attempt(s);
  CHECK(tk::evaluate(p, s, t0) == tk::Verdict::Exhausted);
  CHECK(tk::evaluate(p, s, t0 + 2h) == tk::Verdict::Exhausted);  // precedence: exhausted over expired
  p.max_attempts = 0;                                            // no cap (machine tokens)
  tk::State many = issued(t0, 1000000);
  CHECK(tk::evaluate(tk::default_policy(tk::Kind::SVT), many, t0) == tk::Verdict::Valid);
  CHECK(tk::to_string(tk::Verdict::IdleExpired) == "idle_expired");
}

TEST_CASE("expiry follows the system time line: an NTP step backwards un-expires nothing it should not") {
  tapbench::ManualClock clock;
  tk::Policy p = tk::default_policy(tk::Kind::CWT);
  p.ttl = 10s;
  const tk::State s = issued(clock.system_now());
  clock.advance(10s);
  CHECK(tk::evaluate(p, s, clock) == tk::Verdict::Expired);
  clock.step_system(-1s);  // wall time moved back: the persisted stamp is compared with wall time
  CHECK(tk::evaluate(p, s, clock) == tk::Verdict::Valid);
}

TEST_CASE("PWT rotation: period boundary exact on monotonic time, PT issue and exhaustion rotate at once") {
  tapbench::ManualClock clock;
  tk::Policy p = pwt();
  p.rotation_period = 3600s;
  const auto issued = clock.monotonic_now();
  CHECK(tk::next_rotation(p, issued) == issued + 3600s);
  CHECK(tk::pwt_rotation(p, issued, clock.monotonic_now(), false, 0) == tk::Rotation::Keep);
  clock.step_system(2h);  // a wall-clock step does not rotate
  CHECK(tk::pwt_rotation(p, issued, clock.monotonic_now(), false, 0) == tk::Rotation::Keep);
  clock.advance(3600s - 1ns);
  CHECK(tk::pwt_rotation(p, issued, clock.monotonic_now(), false, 0) == tk::Rotation::Keep);
  CHECK(tk::pwt_rotation(p, issued, clock.monotonic_now(), true, 0) == tk::Rotation::PtIssued);
  CHECK(tk::pwt_rotation(p, issued, clock.monotonic_now(), false, 5) == tk::Rotation::AttemptsExhausted);
  CHECK(tk::pwt_rotation(p, issued, clock.monotonic_now(), false, 4) == tk::Rotation::Keep);
  clock.advance(1ns);
  CHECK(tk::pwt_rotation(p, issued, clock.monotonic_now(), false, 0) == tk::Rotation::PeriodElapsed);
  CHECK(tk::pwt_rotation(p, issued, clock.monotonic_now(), true, 5) == tk::Rotation::PtIssued);
  p.rotation_period.reset();
  CHECK_FALSE(tk::next_rotation(p, issued).has_value());
  CHECK(tk::pwt_rotation(p, issued, issued + 24h * 365, false, 0) == tk::Rotation::Keep);
  CHECK(tk::to_string(tk::Rotation::PtIssued) == "pt_issued");
}
