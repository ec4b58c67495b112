#include "rig/report/run_folder.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "rig/report/junit.hpp"
#include "rig/report/summary.hpp"

namespace tapbench::rig {

void prepare_run_folder(const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::exists(dir / kRunRecordFile, ec)) {
    throw RunFolderError("the run folder " + dir.string() +
                         " already holds a run (run.jsonl); choose another --out or remove it");
  }
  if (std::filesystem::exists(dir, ec) && !std::filesystem::is_directory(dir, ec)) {
    throw RunFolderError("--out " + dir.string() + " exists and is not a folder");
  }
  std::filesystem::create_directories(dir, ec);
  if (ec) throw RunFolderError("cannot create the run folder " + dir.string() + ": " + ec.message());
}

std::filesystem::path default_run_folder(const Clock& clock, const std::string& suite) {
  const std::time_t t = std::chrono::system_clock::to_time_t(clock.system_now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  return std::filesystem::path("runs") / (std::string(stamp) + "-" + suite);
}

void write_file_atomically(const std::filesystem::path& path, const std::string& content) {
  const std::string tmp = path.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw RunFolderError("cannot write " + tmp + ": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      throw RunFolderError("cannot write " + tmp + ": " + why);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0)
    throw RunFolderError("cannot sync " + tmp + ": " + std::strerror(errno));
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw RunFolderError("cannot rename " + tmp + " to " + path.string() + ": " + ec.message());
}

void write_reports(const std::filesystem::path& dir, const RunData& run, const ReportOptions& options) {
  write_file_atomically(dir / "junit.xml", render_junit(run));
  write_file_atomically(dir / "summary.txt", render_summary_text(run));
  write_file_atomically(dir / "summary.json", boost::json::serialize(summary_json(run)) + "\n");
  HtmlReportInput html;
  std::vector<std::string> case_ids;
  for (const auto& c : run.cases)
    case_ids.push_back(c.id);
  html.logs = collect_log_tails(dir, case_ids, options.secrets);
  html.timelines = options.timelines;
  html.secrets = options.secrets;
  write_file_atomically(dir / "report.html", render_html_report(run, html));
}

}  // namespace tapbench::rig
