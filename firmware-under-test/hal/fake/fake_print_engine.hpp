// In-process fake print engine, for unit tests only: records the pages marked; one page index can fail.
#pragma once

#include <optional>
#include <vector>

#include "firmware-under-test/hal/print_engine.hpp"

namespace tapbench::firmware::hal {

class FakePrintEngine final : public PrintEngine {
 public:
  struct Printed {
    std::uint32_t job_id;
    std::uint32_t index;
    bool operator==(const Printed&) const = default;
  };
  Status print_page(const Page& page) override {
    if (fail_next_page) {
      fail_next_page = false;
      return Status::failure(HalCode::io_error, "fake engine: paper jam");
    }
    printed.push_back({page.job_id, page.index});
    return Status::success();
  }

  bool page_finished(std::uint32_t job_id, std::uint32_t index) override {
    for (const auto& p : printed)
      if (p.job_id == job_id && p.index == index) return true;
    return false;
  }

  std::vector<Printed> printed;
  bool fail_next_page = false;
};

}  // namespace tapbench::firmware::hal
