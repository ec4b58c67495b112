// PrinterRuntime: printerd's Linux bindings in one object — owns the HAL backends (JSON-file PTB storage,
// NFC tag frontend, Wi-Fi radio, simulated ink sensor, file print engine, vendord server link), the
// PrinterCore on top of them, the one mutex that serialises every core call (the core is not thread-safe:
// taps from the NFC thread, the tick thread and the IPP/API handlers all go through it), and the tick
// thread that runs the core's due work at next_deadline(). printerd's main only constructs and starts it.
#pragma once

#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "firmware-under-test/core/printer_core.hpp"
#include "firmware-under-test/port/linux/bindings/file_print_engine.hpp"
#include "firmware-under-test/port/linux/bindings/json_file_storage.hpp"
#include "firmware-under-test/port/linux/bindings/nfc_tag_frontend.hpp"
#include "firmware-under-test/port/linux/bindings/simulated_ink_sensor.hpp"
#include "firmware-under-test/port/linux/bindings/wifi_radio.hpp"

namespace tapbench::firmware::port {

struct PrinterRuntimeOptions {
  std::filesystem::path state_dir;  // ptb.json, ink-sim.json, pages/
  CoreConfig core;
  // printerd's IPP pages: is page `index` of job `job_id` out whole? (Boot settlement of a page charged
  // whose mark was not committed; see FilePrintEngine.) Empty: only the engine's own pages count.
  FilePrintEngine::OutputProbe page_output_finished;
  // NFC tag: a drivers/nfc spec ("pn532_uart:/tmp/bench/printer", "libnfc:…") or "none".
  std::string nfc = "none";
  nfc::TagFrontendConfig nfc_config;
  // Radio: drivers/wifi roles. link-model uses `air` when given (in-process bench), else the directory
  // air of radio.air_dir ("link-model:DIR", shared with the rig), else a private in-process air.
  WifiRadioConfig radio;
  // vendord base URL ("http://127.0.0.1:8080"), or empty: no server (every server call is `unreachable`).
  std::string server_url;
  std::chrono::milliseconds server_timeout{10000};
  // Overrides server_url (tests: a Fake… link; a port with another transport).
  std::shared_ptr<hal::ServerLink> server_link;
  // Simulated ink: file defaults to <state_dir>/ink-sim.json.
  SimulatedInkConfig ink;
};

class PrinterRuntime {
 public:
  // Builds every backend. Throws std::runtime_error with a one-line, user-facing message for bad options
  // (unknown NFC spec, bad server URL, incomplete radio config, bad ink config). `air` is the link model's
  // air for radio.backend == link-model (nullptr: the runtime makes a private one).
  explicit PrinterRuntime(PrinterRuntimeOptions options, const Clock& clock = RealClock::instance(),
                          wifi::LinkModelAir* air = nullptr);
  ~PrinterRuntime();
  PrinterRuntime(const PrinterRuntime&) = delete;
  PrinterRuntime& operator=(const PrinterRuntime&) = delete;

  // S11/S13 (core.start: load or create the PTB, group up, tag published), then the NFC frontend starts
  // serving and, if `tick_thread`, the tick thread runs. A storage failure (corrupt PTB) or a missing NFC
  // device is an error (nothing is guessed). Tests on a ManualClock pass tick_thread=false and call tick().
  Result<Done> start(bool tick_thread = true);
  // Stops the tick thread and the NFC frontend (the core's state is already committed).
  void stop();

  // Every core call from outside goes through here: with_core([&](PrinterCore& c){ return c.issue_pt(…); }).
  template <class F>
  decltype(auto) with_core(F&& f) {
    std::unique_lock lock(mutex_);
    struct Kick {  // a call may have moved the next deadline earlier (e.g. registration → SVWT due now)
      PrinterRuntime& r;
      ~Kick() { r.wake_tick_thread(); }
    } kick{*this};
    return std::forward<F>(f)(core_);
  }
  // The mutex itself, for an adapter that must hold it across calls (e.g. the IPP PrintAuthority).
  std::mutex& core_mutex() { return mutex_; }
  // Unlocked access: only under core_mutex().
  PrinterCore& core_unlocked() { return core_; }

  // Makes the tick thread re-read core.next_deadline() now. with_core() does it after every call; an adapter
  // that holds core_mutex() itself should call it (after unlocking is fine) when a call may have made work
  // due earlier (registration → SVWT due at once); otherwise the tick thread notices within 1 s.
  void wake_tick_thread();

  // Runs due work now (what the tick thread does), under the mutex.
  TickReport tick();
  // Called (on the tick thread, outside the mutex) after each tick that did something or failed; for logs.
  void set_tick_observer(std::function<void(const TickReport&)> observer);

  SimulatedInkSensor& ink_sensor() { return *ink_; }
  JsonFileStorage& storage() { return storage_; }
  WifiRadio& radio() { return *radio_; }
  // nullptr with nfc = "none".
  NfcTagFrontend* nfc_tag() { return nfc_.get(); }
  const std::filesystem::path& pages_dir() const { return pages_dir_; }

 private:
  class TapRelay;
  void tick_loop();

  PrinterRuntimeOptions options_;
  const Clock& clock_;
  std::unique_ptr<wifi::LinkModelAir> own_air_;
  std::filesystem::path pages_dir_;
  JsonFileStorage storage_;
  std::unique_ptr<SimulatedInkSensor> ink_;
  std::unique_ptr<FilePrintEngine> engine_;
  std::unique_ptr<WifiRadio> radio_;
  std::shared_ptr<hal::ServerLink> server_;
  std::unique_ptr<NfcTagFrontend> nfc_;
  DetachedTagFrontend detached_tag_;
  std::unique_ptr<TapRelay> tap_relay_;
  std::mutex mutex_;
  PrinterCore core_;

  std::mutex tick_mutex_;
  std::condition_variable_any wake_;
  bool stopping_ = false;
  bool kicked_ = false;  // a with_core() call since the tick thread read the deadline
  std::thread ticker_;
  std::function<void(const TickReport&)> tick_observer_;
};

}  // namespace tapbench::firmware::port
