#include "firmware-under-test/port/linux/bindings/printer_runtime.hpp"

#include <stdexcept>

#include "drivers/nfc/nfc_error.hpp"
#include "drivers/wifi/wifi_error.hpp"
#include "firmware-under-test/port/linux/bindings/vendord_server_link.hpp"

namespace tapbench::firmware::port {
namespace {

// No --server: every call fails the same clear way; the core reschedules (tick) and reports it.
class NoServerLink final : public hal::ServerLink {
 public:
  hal::Result<hal::RegisterResponse> register_device(const hal::RegisterRequest&) override { return none(); }
  hal::Result<hal::SvwtResponse> request_svwt(const hal::SvwtRequest&) override { return none(); }
  hal::Result<hal::SyncResponse> sync(const hal::SyncRequest&) override { return none(); }

 private:
  static hal::Status none() {
    return hal::Status::failure(hal::HalCode::unreachable, "no vendor server configured (--server)");
  }
};

SimulatedInkConfig ink_config(SimulatedInkConfig c, const std::filesystem::path& state_dir) {
  if (c.file.empty()) c.file = state_dir / "ink-sim.json";
  return c;
}

std::shared_ptr<hal::ServerLink> make_server(const PrinterRuntimeOptions& o, const Clock& clock) {
  if (o.server_link) return o.server_link;
  if (o.server_url.empty()) return std::make_unique<NoServerLink>();
  VendordEndpoint ep;
  std::string error;
  if (!parse_vendord_url(o.server_url, ep, error)) throw std::runtime_error(error);
  return std::make_unique<VendordServerLink>(ep, clock, o.server_timeout);
}

std::unique_ptr<NfcTagFrontend> make_nfc(const PrinterRuntimeOptions& o) {
  if (o.nfc.empty() || o.nfc == "none") return nullptr;
  try {
    return NfcTagFrontend::open(o.nfc, o.nfc_config);
  } catch (const nfc::NfcException& e) {
    throw std::runtime_error("--nfc " + o.nfc + ": " + e.what());
  }
}

}  // namespace

class PrinterRuntime::TapRelay final : public hal::TapListener {
 public:
  explicit TapRelay(PrinterRuntime& r) : r_(r) {}
  // On the NFC frontend's thread: S18 → the core, serialised with every other call.
  void on_tap(const hal::TapEvent& event) override {
    std::lock_guard lock(r_.mutex_);
    r_.core_.on_tap(event);
  }

 private:
  PrinterRuntime& r_;
};

PrinterRuntime::PrinterRuntime(PrinterRuntimeOptions options, const Clock& clock, wifi::LinkModelAir* air)
    : options_(std::move(options)),
      clock_(clock),
      own_air_([&]() -> std::unique_ptr<wifi::LinkModelAir> {
        if (air) return nullptr;
        if (options_.radio.air_dir.empty()) return std::make_unique<wifi::LinkModelAir>();
        try {  // --radio link-model:DIR: the air shared with the rig's phone
          return std::make_unique<wifi::LinkModelAir>(std::filesystem::path(options_.radio.air_dir));
        } catch (const wifi::WifiError& e) {
          throw std::runtime_error(std::string("radio: ") + e.what());
        }
      }()),
      pages_dir_(options_.state_dir / "pages"),
      storage_(options_.state_dir),
      ink_(std::make_unique<SimulatedInkSensor>(ink_config(options_.ink, options_.state_dir))),
      engine_(std::make_unique<FilePrintEngine>(pages_dir_, ink_.get(), options_.page_output_finished)),
      radio_([&] {
        try {
          return std::make_unique<WifiRadio>(
              options_.radio,
              wifi::WifiEnvironment{clock_, air ? air : own_air_.get(), wifi::sleep_on(clock_), {}});
        } catch (const wifi::WifiError& e) {
          throw std::runtime_error(std::string("radio: ") + e.what());
        }
      }()),
      server_(make_server(options_, clock_)),
      nfc_(make_nfc(options_)),
      tap_relay_(std::make_unique<TapRelay>(*this)),
      core_(Hal{nfc_ ? static_cast<hal::TagFrontend&>(*nfc_) : detached_tag_, *radio_, storage_, *engine_,
                *ink_, *server_, clock_},
            options_.core) {}

PrinterRuntime::~PrinterRuntime() {
  stop();
}

Result<Done> PrinterRuntime::start(bool tick_thread) {
  {
    std::lock_guard lock(mutex_);
    if (auto r = core_.start(); !r) return r;
  }
  if (nfc_) {
    nfc_->set_tap_listener(tap_relay_.get());
    if (auto s = nfc_->start(); !s) {
      nfc_->set_tap_listener(nullptr);
      return Error{CoreError::tag_failed, "NFC tag frontend: " + s.detail};
    }
  }
  if (tick_thread && !ticker_.joinable()) {
    {
      std::lock_guard l(tick_mutex_);
      stopping_ = false;
    }
    ticker_ = std::thread([this] { tick_loop(); });
  }
  return Done{};
}

void PrinterRuntime::stop() {
  {
    std::lock_guard l(tick_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (ticker_.joinable()) ticker_.join();
  if (nfc_) {
    nfc_->stop();
    nfc_->set_tap_listener(nullptr);
  }
}

TickReport PrinterRuntime::tick() {
  std::lock_guard lock(mutex_);
  return core_.tick();
}

void PrinterRuntime::set_tick_observer(std::function<void(const TickReport&)> observer) {
  std::lock_guard l(tick_mutex_);
  tick_observer_ = std::move(observer);
}

void PrinterRuntime::wake_tick_thread() {
  // Lock order: core mutex → tick mutex (the tick thread never holds the tick mutex while taking the core's).
  {
    std::lock_guard l(tick_mutex_);
    kicked_ = true;
  }
  wake_.notify_all();
}

void PrinterRuntime::tick_loop() {
  // Wakes at the core's next deadline, at most a second apart (a call through with_core() also wakes it,
  // since it may have moved the deadline earlier).
  while (true) {
    {
      std::lock_guard l(tick_mutex_);
      if (stopping_) return;
      kicked_ = false;  // cleared before the deadline is read: a later call's kick is never lost
    }
    MonotonicTime deadline;
    {
      std::lock_guard lock(mutex_);
      deadline = core_.next_deadline();
    }
    {
      std::unique_lock l(tick_mutex_);
      const auto wait =
          std::min<std::chrono::nanoseconds>(deadline - clock_.monotonic_now(), std::chrono::seconds{1});
      if (wait > std::chrono::nanoseconds::zero())
        wake_.wait_for(l, wait, [&] { return stopping_ || kicked_; });
      if (stopping_) return;
      if (kicked_) continue;  // re-read the deadline: the call may have made work due now
    }
    if (clock_.monotonic_now() < deadline) continue;
    const TickReport report = tick();
    std::function<void(const TickReport&)> observer;
    {
      std::lock_guard l(tick_mutex_);
      observer = tick_observer_;
    }
    if (observer && (report.pwt_rotated || report.pts_expired || report.svwt_fetched || report.synced ||
                     report.handover_completed || !report.errors.empty()))
      observer(report);
  }
}

}  // namespace tapbench::firmware::port
