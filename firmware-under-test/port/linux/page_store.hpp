// The Linux port's print engine output: every marked page becomes one PWG raster file in the state
// directory's output folder, and every finished job one JSON line in jobs.jsonl, so tests and operators can
// see exactly what was printed. PWG raster (CUPS's own writer, run-length compressed) rather than PNG: a
// blank A4 page at 300 dpi is a few kB and written in milliseconds.
#pragma once

#include <cups/raster.h>

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

namespace tapbench::firmware::port {

// One page being written. Not thread-safe; one per job (PAPPL runs one job's pages on one thread).
// The page goes to `<path>.part` and is renamed to `path` by close() after an fsync, so `path` exists whole
// or not at all (the core's boot settlement relies on it: docs/FIRMWARE.md "Persistence").
class PageWriter {
 public:
  PageWriter() = default;
  PageWriter(const PageWriter&) = delete;
  PageWriter& operator=(const PageWriter&) = delete;
  ~PageWriter();

  // Opens `<path>.part` and writes the page header. false + error on failure.
  bool open(const std::filesystem::path& path, const cups_page_header2_t& header, std::string& error);
  bool write_line(const unsigned char* line);
  // Flushes, fsyncs, closes and renames the page to `path`; false + error (and no file) if anything failed.
  bool close(std::string& error);
  // Closes without publishing: the temporary file is removed, `path` is not created.
  void discard();
  static constexpr const char* kPartSuffix = ".part";
  bool is_open() const { return fd_ >= 0; }
  // Bytes of the lines written so far that are not white (a cheap "something was drawn" figure).
  std::uint64_t marked_bytes() const { return marked_bytes_; }

 private:
  bool finish(bool publish, std::string& error);

  int fd_ = -1;
  std::filesystem::path path_;  // final name; the data goes to path_ + kPartSuffix until close()
  cups_raster_t* raster_ = nullptr;
  unsigned bytes_per_line_ = 0;
  unsigned char white_ = 0xff;
  bool failed_ = false;
  std::uint64_t marked_bytes_ = 0;
};

struct JobRecord {
  int job_id = 0;
  std::string name;       // job-name
  std::string principal;  // who printed ("pwt", "pt:…"): never a token
  std::string format;     // document-format
  std::string state;      // "completed", "cut" (out of pages), "aborted", "canceled"
  std::string reason;     // why not completed, empty otherwise
  unsigned pages_printed = 0;
  std::uint32_t pages_remaining = 0;
  std::vector<std::string> files;  // page files, relative to the output folder
  std::vector<std::uint64_t> marked_bytes;
};

class PageStore {
 public:
  // Creates `dir` (and parents) if needed and removes the `*.part` files a crash left behind; throws
  // std::filesystem::filesystem_error if it cannot.
  explicit PageStore(std::filesystem::path dir);

  const std::filesystem::path& dir() const { return dir_; }
  // "job-0007-page-002.pwg"
  static std::string page_file_name(int job_id, unsigned page);
  // One more than the highest job id of a page file or a jobs.jsonl record here (1 when none): PAPPL numbers
  // jobs from 1 at every start, so printerd continues from this and a new job never reuses an earlier run's
  // page file names.
  int next_job_id() const;
  // Appends one JSON line to jobs.jsonl (fsync'd). false + error on failure.
  bool append(const JobRecord& record, std::string& error);

 private:
  std::filesystem::path dir_;
  std::mutex mutex_;
};

}  // namespace tapbench::firmware::port
