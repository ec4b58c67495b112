#include "firmware-under-test/port/linux/bindings/json_file_storage.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "firmware-under-test/port/linux/bindings/ptb_json.hpp"

namespace tapbench::firmware::port {
namespace {

hal::Status io_failure(const std::string& what, const std::filesystem::path& p, int err) {
  return hal::Status::failure(hal::HalCode::io_error, what + " " + p.string() + ": " + std::strerror(err));
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  // close() reports write-back errors on some file systems: check it.
  int release_close() {
    const int r = ::close(fd_);
    fd_ = -1;
    return r;
  }

 private:
  int fd_;
};

}  // namespace

JsonFileStorage::JsonFileStorage(std::filesystem::path state_dir)
    : dir_(std::move(state_dir)), path_(dir_ / kFileName), temp_(dir_ / (std::string(kFileName) + ".tmp")) {}

hal::Result<std::optional<Ptb>> JsonFileStorage::load() {
  Fd fd(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return std::optional<Ptb>{};
    return io_failure("cannot open PTB", path_, errno);
  }
  std::string text;
  char buf[8192];
  while (true) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_failure("cannot read PTB", path_, errno);
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  auto parsed = ptb_from_json(text);
  if (!parsed) {
    const auto s = parsed.status();
    return hal::Status::failure(s.code, "PTB " + path_.string() + " is unusable: " + s.detail +
                                            " (refusing to start from factory state; restore or move the "
                                            "file away deliberately)");
  }
  return std::optional<Ptb>{std::move(parsed).value()};
}

hal::Status JsonFileStorage::commit(const Ptb& ptb) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir_, ec)) {
    std::filesystem::create_directories(dir_, ec);
    if (ec)
      return hal::Status::failure(hal::HalCode::io_error,
                                  "cannot create state directory " + dir_.string() + ": " + ec.message());
    ::chmod(dir_.c_str(), 0700);
  }
  const std::string text = ptb_to_json(ptb);
  {
    Fd fd(::open(temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (fd.get() < 0) return io_failure("cannot create", temp_, errno);
    // A temp file left by an older build or another umask: the secrets in it are still ours only.
    if (::fchmod(fd.get(), 0600) != 0) return io_failure("cannot chmod", temp_, errno);
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        return io_failure("cannot write", temp_, errno);
      }
      done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0) return io_failure("cannot fsync", temp_, errno);
    if (fd.release_close() != 0) return io_failure("cannot close", temp_, errno);
  }
  if (::rename(temp_.c_str(), path_.c_str()) != 0) return io_failure("cannot rename onto", path_, errno);
  // The rename is durable only once the directory entry is: without this a power cut could bring back the
  // previous file after commit() said ok.
  Fd dir(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0) return io_failure("cannot open directory", dir_, errno);
  if (::fsync(dir.get()) != 0) return io_failure("cannot fsync directory", dir_, errno);
  return hal::Status::success();
}

}  // namespace tapbench::firmware::port
