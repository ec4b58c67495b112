#include "firmware-under-test/port/linux/bindings/file_print_engine.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace tapbench::firmware::port {

FilePrintEngine::FilePrintEngine(std::filesystem::path dir, SimulatedInkSensor* ink)
    : dir_(std::move(dir)), ink_(ink) {}

std::string FilePrintEngine::file_name(std::uint32_t job_id, std::uint32_t index) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "core-job-%04u-page-%03u.bin", job_id, index);
  return buf;
}

hal::Status FilePrintEngine::print_page(const hal::Page& page) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec)
    return hal::Status::failure(hal::HalCode::io_error, "page output " + dir_.string() + ": " + ec.message());
  const auto path = dir_ / file_name(page.job_id, page.index);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return hal::Status::failure(hal::HalCode::io_error,
                                "page " + path.string() + ": " + std::strerror(errno));
  std::size_t done = 0;
  bool ok = true;
  while (ok && done < page.data.size()) {
    const ssize_t n = ::write(fd, page.data.data() + done, page.data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ok = ::fsync(fd) == 0 && ok;
  ok = ::close(fd) == 0 && ok;
  if (!ok) {
    std::filesystem::remove(path, ec);
    return hal::Status::failure(hal::HalCode::io_error, "page " + path.string() + ": write failed");
  }
  // The page is out; an ink bookkeeping failure must not refund it (the sensor reports its own error).
  if (ink_) (void)ink_->page_marked(page.mode);
  return hal::Status::success();
}

}  // namespace tapbench::firmware::port
