#include "firmware-under-test/port/linux/bindings/file_print_engine.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace tapbench::firmware::port {

FilePrintEngine::FilePrintEngine(std::filesystem::path dir, SimulatedInkSensor* ink, OutputProbe port_output)
    : dir_(std::move(dir)), ink_(ink), port_output_(std::move(port_output)) {}

bool FilePrintEngine::page_finished(std::uint32_t job_id, std::uint32_t index) {
  // Not this engine's own files: the core's job IDs restart at every boot, so a `.bin` of that name may be
  // an earlier run's page. A page of the core's own path in flight is therefore refunded (never lost).
  return port_output_ && port_output_(job_id, index);
}

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
  auto part = path;
  part += ".part";
  const int fd = ::open(part.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
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
  ok = ok && ::rename(part.c_str(), path.c_str()) == 0;
  if (!ok) {
    std::filesystem::remove(part, ec);
    return hal::Status::failure(hal::HalCode::io_error, "page " + path.string() + ": write failed");
  }
  // The page is out; an ink bookkeeping failure must not refund it (the sensor reports its own error).
  if (ink_) (void)ink_->page_marked(page.mode);
  return hal::Status::success();
}

}  // namespace tapbench::firmware::port
