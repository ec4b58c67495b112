#include "rig/strategy/sim_bench_session.hpp"
#include "firmware-under-test/core/config.hpp"

#include <algorithm>
#include <cstdlib>

#include "drivers/nfc/nfc_error.hpp"
#include "drivers/nfc/nfc_factory.hpp"
#include "drivers/wifi/credentials.hpp"
#include "drivers/wifi/wifi_error.hpp"
#include "rig/runner/outcome.hpp"
#include "rig/strategy/bench_radio.hpp"
#include "rig/terminal/nfc_tap.hpp"

namespace tapbench::rig {

SimBenchSession::~SimBenchSession() {
  stop();
}

void SimBenchSession::stop() {
  phone_.reset();  // libnfc closes the pty before the emulator goes away
  strategy_.reset();
}

SimBenchStrategy& SimBenchSession::acquire(const CaseEnvironment& env, StepContext& step) {
  if (strategy_ && bench_name_ != env.bench.name) stop();  // another bench in the same process (tests)
  if (strategy_) {
    std::string why;
    if (strategy_->healthy(&why)) return *strategy_;
    stop();  // a process died: bring the whole bench back from scratch (logs are appended)
  }
  // Only the emulated chips, never a real reader on this host (docs/NFC-SIM.md).
  ::setenv("LIBNFC_AUTO_SCAN", "false", 1);
  ::setenv("LIBNFC_INTRUSIVE_SCAN", "false", 1);
  const auto dir = (env.run_dir.empty() ? std::filesystem::temp_directory_path() : env.run_dir) / "bench";
  try {
    strategy_ = std::make_unique<SimBenchStrategy>(env.bench, env.lifetimes, dir, step.clock());
  } catch (const StrategyUnsupported& e) {
    throw CaseSkip(std::string("the sim bench strategy cannot run this bench: ") + e.what());
  }
  bench_name_ = env.bench.name;
  clock_ = &step.clock();
  try {
    strategy_->start(step.deadline());
  } catch (const std::exception& e) {
    strategy_.reset();
    throw BenchError("bench-not-ready", e.what());
  }
  return *strategy_;
}

class SessionPhoneLink final : public terminal::PhoneLink {
 public:
  explicit SessionPhoneLink(SimBenchSession& session) : session_(session) {}
  std::string netns() const override {
    return session_.strategy_ ? session_.strategy_->endpoints().phone_netns : std::string();
  }
  void ensure(terminal::ms timeout) override { session_.rejoin_group(timeout); }
  void lost() override {
    if (session_.strategy_) session_.strategy_->radio().phone_leave();
  }

 private:
  SimBenchSession& session_;
};

std::shared_ptr<terminal::PhoneLink> SimBenchSession::phone_link() {
  if (!strategy_ || strategy_->endpoints().phone_netns.empty()) return nullptr;
  if (!link_) link_ = std::make_shared<SessionPhoneLink>(*this);
  return link_;
}

void SimBenchSession::rejoin_group(std::chrono::milliseconds timeout) {
  if (!strategy_ || !clock_) throw terminal::TerminalTransportError("the phone's link: no bench running");
  const Clock& clock = *clock_;
  const auto deadline = clock.monotonic_now() + timeout;
  const auto left = [&] {
    return std::max(std::chrono::milliseconds(1),
                    std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock.monotonic_now()));
  };
  BenchRadio& radio = strategy_->radio();
  if (radio.phone_on_joined_network(left())) return;
  // The printer's group went away under the phone (a router hand-over ends it, a restart drops it) or the
  // phone never joined: the phone taps for the group's credentials and joins. What the tap reads is used for
  // the join only and never written (a registry of its own).
  // A printer that has just restarted may not answer its first read yet: taps again until the deadline.
  SecretRegistry tap_secrets;
  terminal::TapRead read;
  for (;;) {
    try {
      read = terminal::tap(phone_reader(clock), clock, left(), tap_secrets);
      break;
    } catch (const std::exception& e) {
      if (clock.monotonic_now() + std::chrono::milliseconds(500) < deadline) continue;
      throw terminal::TerminalTransportError(
          std::string("the phone is not on the printer's Wi-Fi Direct group and could not tap for it: ") +
          e.what());
    }
  }
  if (!read.view.wfd) {
    throw terminal::TerminalTransportError(
        "the phone is not on the printer's Wi-Fi Direct group and the printer's tag offers none to join");
  }
  radio.phone_leave();
  try {
    const int freq = read.view.wfd->channel ? wifi::channel_to_freq_mhz(read.view.wfd->channel) : 2437;
    const auto joined = radio.phone_join({read.view.wfd->ssid, read.view.wfd->passphrase}, freq, left());
    phone_address_ = joined.ip_address;
    ++rejoins_;
  } catch (const wifi::WifiError& e) {
    throw terminal::TerminalTransportError(std::string("the phone could not rejoin the printer's group: ") +
                                           e.what());
  }
}

nfc::NfcReader& SimBenchSession::phone_reader(const Clock& clock) {
  if (!strategy_) throw BenchError("case-bug", "phone_reader() before acquire()");
  if (!phone_) {
    nfc::ReaderOptions options;
    options.clock = &clock;
    try {
      phone_ = nfc::make_nfc_reader(strategy_->endpoints().phone_reader, options);
    } catch (const nfc::NfcException& e) {
      throw BenchError("nfc-" + std::string(nfc::to_string(e.code())),
                       std::string("opening the phone's reader: ") + e.what());
    }
  }
  return *phone_;
}

bool SimBenchSession::ensure_pwt_on_tag(StepContext& step) {
  if (!strategy_) throw BenchError("case-bug", "ensure_pwt_on_tag() before acquire()");
  // An SVWT-bearing tag may be empty until the printer's next prefetch: a few seconds are enough.
  const auto budget = std::min<std::chrono::nanoseconds>(step.remaining(), std::chrono::seconds(8));
  bool has_pwt = false;
  try {
    const auto tap =
        terminal::tap(phone_reader(step.clock()), step.clock(),
                      std::chrono::duration_cast<std::chrono::milliseconds>(budget), step.secrets());
    has_pwt = tap.view.pwt.has_value();
  } catch (const CaseFailure&) {
    has_pwt = false;  // an empty or unreadable tag: a new printer is the way back to a known state
  }
  if (has_pwt) return false;
  strategy_->factory_reset_printer(step.deadline());
  return true;
}

namespace {

class SessionTokenBench final : public TokenBench {
 public:
  SessionTokenBench(std::shared_ptr<SimBenchSession> session, SimBenchStrategy& strategy, const Clock& clock,
                    SecretRegistry& secrets)
      : session_(std::move(session)), strategy_(strategy), clock_(clock), secrets_(secrets) {}
  std::string printer_url() const override { return strategy_.endpoints().printer_url; }
  std::string printer_ipp_uri() const override { return strategy_.endpoints().printer_ipp_uri; }
  std::shared_ptr<const server::TlsTrust> printer_tls() const override {
    return strategy_.endpoints().printer_tls;
  }
  std::shared_ptr<terminal::PhoneLink> phone_link() const override { return session_->phone_link(); }
  std::string vendor_url() const override { return strategy_.endpoints().server_url; }
  std::filesystem::path sim_clock_file() const override { return strategy_.endpoints().sim_clock; }
  std::string tap(std::chrono::milliseconds timeout) override {
    const auto r = terminal::tap(session_->phone_reader(clock_), clock_, timeout, secrets_);
    if (!r.view.pwt) throw CaseFailure("tap-without-pwt", "the printer's tag carries no PWT");
    return *r.view.pwt;
  }
  bool power_cycle_printer(std::chrono::milliseconds timeout) override {
    strategy_.restart_printer(clock_.monotonic_now() + timeout);
    return true;
  }
  bool revoke_printer_st(std::chrono::milliseconds timeout) override {
    try {
      strategy_.revoke_printer_st(clock_.monotonic_now() + timeout);
    } catch (const StrategyError& e) {
      throw BenchError("st-not-revoked", e.what());
    }
    return true;
  }
  bool factory_reset_printer(std::chrono::milliseconds timeout) override {
    try {
      strategy_.factory_reset_printer(clock_.monotonic_now() + timeout);
    } catch (const StrategyError& e) {
      throw BenchError("printer-not-reset", e.what());
    }
    return true;
  }
  // printerd runs the reference core with its default limits (the sim bench passes no override).
  int wrong_pwt_allowance() const override {
    return static_cast<int>(firmware::CoreConfig{}.pwt_global_max_failures);
  }

 private:
  std::shared_ptr<SimBenchSession> session_;
  SimBenchStrategy& strategy_;
  const Clock& clock_;
  SecretRegistry& secrets_;
};

}  // namespace

TokenBenchFactory token_bench_factory(std::shared_ptr<SimBenchSession> session) {
  return [session](const CaseEnvironment& env, StepContext& step) -> std::unique_ptr<TokenBench> {
    SimBenchStrategy& strategy = session->acquire(env, step);
    // Each token case starts from a freshly booted printer: a previous case may have left PWT
    // authentication locked (wrong-PWT allowance spent) or the sim clock far ahead of its timers. A printer
    // booted (reset, power cycle, ink swap) since the clock last moved forward is as fresh as a restart
    // would make it: its timers are on time, and of the cases only token-pwt spends wrong PWTs (of the
    // allowance: at most one before its first advance), so a second restart would only cost time.
    if (!session->ensure_pwt_on_tag(step) && strategy.printer_clock_moved_since_boot())
      strategy.restart_printer(step.deadline());
    return std::make_unique<SessionTokenBench>(session, strategy, step.clock(), step.secrets());
  };
}

}  // namespace tapbench::rig
