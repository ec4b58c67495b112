// In-process fake of the tag frontend, for unit tests only: keeps the last NDEF message and lets the test
// play a reader tapping (tap()).
#pragma once

#include <cstdint>
#include <vector>

#include "firmware-under-test/hal/tag_frontend.hpp"

namespace tapbench::firmware::hal {

class FakeTagFrontend final : public TagFrontend {
 public:
  Status set_ndef(std::span<const std::uint8_t> message) override {
    ++set_calls;
    if (fail_next_set) {
      fail_next_set = false;
      return Status::failure(HalCode::io_error, "fake tag write failure");
    }
    content.assign(message.begin(), message.end());
    return Status::success();
  }
  void set_tap_listener(TapListener* l) override { listener = l; }

  // Plays S18 and returns what the reader then reads.
  const std::vector<std::uint8_t>& tap() {
    if (listener != nullptr) listener->on_tap(TapEvent{"fake-reader"});
    return content;
  }

  std::vector<std::uint8_t> content;
  TapListener* listener = nullptr;
  int set_calls = 0;
  bool fail_next_set = false;
};

}  // namespace tapbench::firmware::hal
