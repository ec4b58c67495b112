#include "firmware-under-test/port/linux/page_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace tapbench::firmware::port {

namespace {

std::filesystem::path part_of(const std::filesystem::path& path) {
  auto part = path;
  part += PageWriter::kPartSuffix;
  return part;
}

}  // namespace

PageWriter::~PageWriter() {
  discard();
}

bool PageWriter::open(const std::filesystem::path& path, const cups_page_header2_t& header,
                      std::string& error) {
  discard();
  path_ = path;
  const auto part = part_of(path);
  fd_ = ::open(part.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    error = "cannot create '" + part.string() + "': " + std::strerror(errno);
    return false;
  }
  std::string ignored;
  raster_ = cupsRasterOpen(fd_, CUPS_RASTER_WRITE_PWG);
  cups_page_header2_t copy = header;
  if (raster_ == nullptr || !cupsRasterWriteHeader2(raster_, &copy)) {
    error = "cannot write the raster header to '" + part.string() + "': " + cupsLastErrorString();
    discard();
    return false;
  }
  bytes_per_line_ = header.cupsBytesPerLine;
  white_ =
      (header.cupsColorSpace == CUPS_CSPACE_K || header.cupsColorSpace == CUPS_CSPACE_CMYK) ? 0x00 : 0xff;
  failed_ = false;
  marked_bytes_ = 0;
  return true;
}

bool PageWriter::write_line(const unsigned char* line) {
  if (raster_ == nullptr) return false;
  for (unsigned i = 0; i < bytes_per_line_; ++i)
    marked_bytes_ += line[i] != white_ ? 1 : 0;
  // cupsRasterWritePixels takes a non-const buffer but does not modify it.
  if (cupsRasterWritePixels(raster_, const_cast<unsigned char*>(line), bytes_per_line_) != bytes_per_line_) {
    failed_ = true;
    return false;
  }
  return true;
}

bool PageWriter::close(std::string& error) {
  return finish(true, error);
}

void PageWriter::discard() {
  std::string ignored;
  (void)finish(false, ignored);
}

bool PageWriter::finish(bool publish, std::string& error) {
  if (raster_ != nullptr) {
    cupsRasterClose(raster_);
    raster_ = nullptr;
  }
  if (fd_ < 0) {
    failed_ = false;
    return true;
  }
  bool ok = !failed_ && publish;
  if (ok && ::fsync(fd_) != 0) ok = false;
  if (::close(fd_) != 0) ok = false;
  fd_ = -1;
  failed_ = false;
  const auto part = part_of(path_);
  if (ok && ::rename(part.c_str(), path_.c_str()) != 0) {
    error = "cannot rename '" + part.string() + "': " + std::strerror(errno);
    ::unlink(part.c_str());
    return false;
  }
  if (!ok) {
    ::unlink(part.c_str());
    if (publish) error = "writing the page failed";
    return false;
  }
  // The rename is durable once the directory entry is: without this a power cut could take the page file
  // back while the core's mark commit (which follows) survives — a printed page the settlement then cannot
  // see. kill -9 needs no more than the rename.
  const int dir = ::open(path_.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0 || ::fsync(dir) != 0) {
    error = "cannot flush the directory of '" + path_.string() + "': " + std::strerror(errno);
    if (dir >= 0) ::close(dir);
    ::unlink(path_.c_str());  // the caller refunds the page: it must not stay printed
    return false;
  }
  ::close(dir);
  return true;
}

PageStore::PageStore(std::filesystem::path dir) : dir_(std::move(dir)) {
  std::filesystem::create_directories(dir_);
  // A page cut by a crash never got its name: its temporary file is no page, and its charge is settled by
  // the core at start (refunded).
  const std::string suffix = PageWriter::kPartSuffix;
  for (const auto& e : std::filesystem::directory_iterator(dir_)) {
    const std::string name = e.path().filename().string();
    if (name.size() > suffix.size() && name.ends_with(suffix)) std::filesystem::remove(e.path());
  }
}

int PageStore::next_job_id() const {
  int highest = 0;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    int id = 0;
    unsigned page = 0;
    char tail = 0;
    // "job-NNNN-page-NNN.pwg" (and a ".part" a crash left, removed at start anyway)
    if (std::sscanf(it->path().filename().c_str(), "job-%d-page-%u.pw%c", &id, &page, &tail) == 3)
      highest = std::max(highest, id);
  }
  std::ifstream records(dir_ / "jobs.jsonl");
  for (std::string line; std::getline(records, line);) {
    boost::system::error_code jec;
    const auto v = boost::json::parse(line, jec);
    if (jec || !v.is_object()) continue;  // a torn last line
    if (const auto* id = v.as_object().if_contains("job_id"); id && id->is_int64())
      highest = std::max(highest, static_cast<int>(id->as_int64()));
  }
  return highest + 1;
}

std::string PageStore::page_file_name(int job_id, unsigned page) {
  char name[64];
  std::snprintf(name, sizeof name, "job-%04d-page-%03u.pwg", job_id, page);
  return name;
}

bool PageStore::append(const JobRecord& r, std::string& error) {
  boost::json::object o;
  o["job_id"] = r.job_id;
  o["name"] = r.name;
  o["principal"] = r.principal;
  o["format"] = r.format;
  o["state"] = r.state;
  if (!r.reason.empty()) o["reason"] = r.reason;
  o["pages_printed"] = r.pages_printed;
  o["pages_remaining"] = r.pages_remaining;
  boost::json::array files;
  for (const auto& f : r.files)
    files.emplace_back(f);
  o["files"] = std::move(files);
  boost::json::array marked;
  for (auto m : r.marked_bytes)
    marked.emplace_back(m);
  o["marked_bytes"] = std::move(marked);
  const std::string line = boost::json::serialize(o) + "\n";

  std::lock_guard lock(mutex_);
  const auto path = dir_ / "jobs.jsonl";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    error = "cannot open '" + path.string() + "': " + std::strerror(errno);
    return false;
  }
  const bool ok =
      ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  if (!ok) error = "cannot append to '" + path.string() + "': " + std::strerror(errno);
  ::close(fd);
  return ok;
}

}  // namespace tapbench::firmware::port
