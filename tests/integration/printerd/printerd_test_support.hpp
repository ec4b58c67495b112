// Test support for printerd's IPP side: a printerd child process on a loopback port, sample documents
// (PWG raster through libcups, JPEG through libjpeg-turbo), and CUPS's ipptool as a child with a deadline.
#pragma once

#include <cups/cups.h>
#include <cups/raster.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
// jpeglib.h needs FILE declared first.
#include <jpeglib.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace printerd_test {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

inline std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "printerd-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    if (std::getenv("PRINTERD_TEST_KEEP") == nullptr) fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// A child process with stdout+stderr to a file. Every wait is bounded.
class Child {
 public:
  Child(std::vector<std::string> argv, const fs::path& output, const fs::path& cwd = {}) {
    std::vector<char*> args;
    for (auto& a : argv)
      args.push_back(a.data());
    args.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 29))
    if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
#endif
    if (posix_spawnp(&pid_, args[0], &fa, nullptr, args.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
    if (pid_ < 0) throw std::runtime_error("cannot start " + argv[0]);
  }
  ~Child() {
    terminate(std::chrono::seconds(5));
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  bool running() {
    if (exited_) return false;
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) {
      exited_ = true;
      status_ = st;
      return false;
    }
    return true;
  }
  // Exit code, or nullopt if it did not exit within the timeout (or died by a signal: -signal).
  std::optional<int> wait(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (running()) {
      if (Clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling interval, bounded by deadline
    }
    return WIFEXITED(status_) ? WEXITSTATUS(status_) : -WTERMSIG(status_);
  }
  // SIGTERM, then SIGKILL if it does not exit in time. Returns the exit code.
  std::optional<int> terminate(std::chrono::milliseconds grace) {
    if (!running()) return WIFEXITED(status_) ? WEXITSTATUS(status_) : -WTERMSIG(status_);
    ::kill(pid_, SIGTERM);
    auto code = wait(grace);
    if (!code) {
      ::kill(pid_, SIGKILL);
      code = wait(std::chrono::seconds(5));
    }
    return code;
  }
  pid_t pid() const {
    return pid_;
  }

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
  int status_ = 0;
};

inline fs::path printerd_path() {
  return PRINTERD_PATH;
}

// printerd on the printer core (docs/PRINTERD.md); the test adds the core's options (--factory-pages,
// --nfc…).
struct PrinterdOptions {
  std::string log_level = "info";  // debug logs request attributes, e.g. printer-wifi-password (not tokens)
  std::vector<std::string> extra;
  std::string listen = "127.0.0.1:0";  // --listen (another address of this host: a non-loopback link)
};

// ipp://USER:TOKEN@127.0.0.1:PORT/ipp/print — how ipptool is given credentials (HTTP Basic).
inline std::string ipp_uri_with(int port, const std::string& user, const std::string& token) {
  return "ipp://" + user + ":" + token + "@127.0.0.1:" + std::to_string(port) + "/ipp/print";
}

// The lines of OUTPUT_DIR/jobs.jsonl, printerd's record of finished jobs (one JSON object each).
inline std::vector<std::string> job_records_in(const fs::path& output_dir) {
  std::vector<std::string> lines;
  std::istringstream in(read_file(output_dir / "jobs.jsonl"));
  for (std::string l; std::getline(in, l);) {
    if (!l.empty()) lines.push_back(l);
  }
  return lines;
}

// printerd on 127.0.0.1 with a port of its own choosing; ready when it has written printerd.uri.
class Printerd {
 public:
  explicit Printerd(const fs::path& root, const PrinterdOptions& options = {}) : root_(root) {
    fs::create_directories(root);
    state_ = root / "state";
    std::vector<std::string> argv = {printerd_path().string(), "--state-dir", state_.string(),  "--listen",
                                     options.listen,           "--log-level", options.log_level};
    for (const auto& e : options.extra)
      argv.push_back(e);
    std::error_code ec;
    fs::remove(state_ / "printerd.uri", ec);  // a killed predecessor's
    child_.emplace(argv, root / "printerd.out");
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    const fs::path uri_file = state_ / "printerd.uri";
    while (Clock::now() < deadline) {
      if (fs::exists(uri_file)) {
        std::string uri = read_file(uri_file);
        while (!uri.empty() && (uri.back() == '\n'))
          uri.pop_back();
        if (!uri.empty()) {
          uri_ = uri;
          break;
        }
      }
      if (!child_->running())
        throw std::runtime_error("printerd exited: " + read_file(root / "printerd.out"));
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (uri_.empty())
      throw std::runtime_error("printerd not ready within 10 s: " + read_file(root / "printerd.out"));
    const auto colon = uri_.rfind(':');
    port_ = std::stoi(uri_.substr(colon + 1));
  }

  const std::string& uri() const { return uri_; }
  int port() const { return port_; }
  const fs::path& state() const { return state_; }
  fs::path output() const { return state_ / "output"; }
  std::string log() const { return read_file(state_ / "printerd.log"); }
  std::optional<int> stop() { return child_->terminate(std::chrono::seconds(10)); }
  pid_t pid() const { return child_->pid(); }
  // printerd's own stdout/stderr (sanitizer reports land here).
  std::string console() const { return read_file(root_ / "printerd.out"); }

  // jobs.jsonl lines (one per finished job).
  std::vector<std::string> job_records() const { return job_records_in(output()); }

 private:
  fs::path root_, state_;
  std::optional<Child> child_;
  std::string uri_;
  int port_ = 0;
};

// Runs a command to completion (bounded); returns {exit code, output}.
inline std::pair<std::optional<int>, std::string> run_command(
    std::vector<std::string> argv, const fs::path& out,
    std::chrono::seconds timeout = std::chrono::seconds(10)) {
  std::optional<int> code;
  {
    Child child(std::move(argv), out);
    code = child.wait(timeout);
  }
  return {code, read_file(out)};
}

// --- sample documents ------------------------------------------------------------------------------------

// A PWG raster document: `pages` pages of `media` at `dpi` in `type` ("black_1", "sgray_8", "srgb_8", ...),
// each with a different band drawn so the pages are distinguishable.
inline void write_pwg_raster(const fs::path& path, const char* media, const char* type, int dpi, int pages) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) throw std::runtime_error("cannot create " + path.string());
  cups_raster_t* ras = cupsRasterOpen(fd, CUPS_RASTER_WRITE_PWG);
  cups_page_header2_t h;
  if (!cupsRasterInitPWGHeader(&h, pwgMediaForPWG(media), type, dpi, dpi, "one-sided", "normal")) {
    throw std::runtime_error(std::string("cupsRasterInitPWGHeader: ") + cupsLastErrorString());
  }
  h.cupsInteger[CUPS_RASTER_PWG_TotalPageCount] = static_cast<unsigned>(pages);
  const bool black = h.cupsColorSpace == CUPS_CSPACE_K;
  std::vector<unsigned char> white(h.cupsBytesPerLine, black ? 0x00 : 0xff), band(h.cupsBytesPerLine);
  for (int p = 0; p < pages; ++p) {
    cupsRasterWriteHeader2(ras, &h);
    // A dark band whose position depends on the page number, across the middle third of the width.
    for (unsigned i = 0; i < h.cupsBytesPerLine; ++i) {
      const bool inside = i > h.cupsBytesPerLine / 3 && i < 2 * h.cupsBytesPerLine / 3;
      band[i] = inside ? (black ? 0xff : static_cast<unsigned char>(40 + 30 * (i % 3))) : white[i];
    }
    const unsigned top = h.cupsHeight / 10 * static_cast<unsigned>(1 + p % 8);
    for (unsigned y = 0; y < h.cupsHeight; ++y) {
      auto& line = (y >= top && y < top + h.cupsHeight / 20) ? band : white;
      cupsRasterWritePixels(ras, line.data(), h.cupsBytesPerLine);
    }
  }
  cupsRasterClose(ras);
  ::close(fd);
}

// A baseline JPEG, colour or grey, with a gradient.
inline void write_jpeg(const fs::path& path, int width, int height, bool colour) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) throw std::runtime_error("cannot create " + path.string());
  jpeg_compress_struct c{};
  jpeg_error_mgr err{};
  c.err = jpeg_std_error(&err);
  jpeg_create_compress(&c);
  jpeg_stdio_dest(&c, f);
  c.image_width = static_cast<JDIMENSION>(width);
  c.image_height = static_cast<JDIMENSION>(height);
  c.input_components = colour ? 3 : 1;
  c.in_color_space = colour ? JCS_RGB : JCS_GRAYSCALE;
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, 80, TRUE);
  jpeg_start_compress(&c, TRUE);
  std::vector<unsigned char> row(static_cast<std::size_t>(width * c.input_components));
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      if (colour) {
        row[static_cast<std::size_t>(3 * x)] = static_cast<unsigned char>(255 * x / width);
        row[static_cast<std::size_t>(3 * x + 1)] = static_cast<unsigned char>(255 * y / height);
        row[static_cast<std::size_t>(3 * x + 2)] = 128;
      } else {
        row[static_cast<std::size_t>(x)] = static_cast<unsigned char>(255 * (x + y) / (width + height));
      }
    }
    JSAMPROW rp = row.data();
    jpeg_write_scanlines(&c, &rp, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  std::fclose(f);
}

// --- ipptool ---------------------------------------------------------------------------------------------

struct IpptoolRun {
  std::optional<int> exit_code;
  std::string output;
  int passed = 0, failed = 0, skipped = 0;
  std::vector<std::string> failures;  // names of the failed tests
};

// Runs `ipptool -I -tv [-f FILE] URI TESTFILE` in `dir` (where the sample files live) with a deadline.
inline IpptoolRun run_ipptool(const fs::path& dir, const std::string& uri, const std::string& test_file,
                              const std::string& document, std::chrono::seconds timeout,
                              std::vector<std::string> extra = {}) {
  std::vector<std::string> argv = {"ipptool", "-I", "-tv", "-T", "10"};
  if (!document.empty()) {
    argv.push_back("-f");
    argv.push_back(document);
  }
  for (auto& e : extra)
    argv.push_back(e);
  argv.push_back(uri);
  argv.push_back(test_file);
  const fs::path out = dir / (fs::path(test_file).stem().string() + ".ipptool.out");
  IpptoolRun run;
  {
    Child child(argv, out, dir);
    run.exit_code = child.wait(timeout);
    if (!run.exit_code) child.terminate(std::chrono::seconds(2));
  }
  run.output = read_file(out);
  // ipptool -t prints one line per test: "    Test name                                  [PASS]"
  static const std::regex line(R"(^\s*(.*?)\s+\[(PASS|FAIL|SKIP)\]\s*$)");
  std::istringstream in(run.output);
  for (std::string l; std::getline(in, l);) {
    std::smatch m;
    if (!std::regex_match(l, m, line)) continue;
    if (m[2] == "PASS") ++run.passed;
    if (m[2] == "SKIP") ++run.skipped;
    if (m[2] == "FAIL") {
      ++run.failed;
      run.failures.push_back(m[1]);
    }
  }
  return run;
}

// --- libcups client --------------------------------------------------------------------------------------

// How a request authenticates: nothing, HTTP Basic answering the 401 challenge (what CUPS clients do), or
// a Bearer header sent up front (what the terminal's print app does).
struct Credentials {
  enum class Kind { none, basic, bearer } kind = Kind::none;
  std::string user = "terminal";
  std::string token;
  static Credentials basic(std::string token) { return {Kind::basic, "terminal", std::move(token)}; }
  static Credentials bearer(std::string token) { return {Kind::bearer, "terminal", std::move(token)}; }
};

struct IppResult {
  ipp_status_t status = IPP_STATUS_ERROR_INTERNAL;
  http_status_t http_status = HTTP_STATUS_NONE;
  int challenges = 0;  // 401 challenges libcups answered (or gave up on) through the password callback
  std::string status_text;
  ipp_t* response = nullptr;
  IppResult() = default;
  IppResult(const IppResult&) = delete;
  IppResult& operator=(const IppResult&) = delete;
  IppResult(IppResult&& o) noexcept
      : status(o.status), status_text(std::move(o.status_text)), response(o.response) {
    o.response = nullptr;
  }
  IppResult& operator=(IppResult&& o) noexcept {
    if (this != &o) {
      ippDelete(response);
      status = o.status;
      http_status = o.http_status;
      challenges = o.challenges;
      status_text = std::move(o.status_text);
      response = o.response;
      o.response = nullptr;
    }
    return *this;
  }
  ~IppResult() { ippDelete(response); }
  int integer(const char* name) const {
    ipp_attribute_t* a = ippFindAttribute(response, name, IPP_TAG_ZERO);
    return a ? ippGetInteger(a, 0) : -1;
  }
  std::string string(const char* name) const {
    ipp_attribute_t* a = ippFindAttribute(response, name, IPP_TAG_ZERO);
    if (a == nullptr) return {};
    char buffer[2048];
    ippAttributeString(a, buffer, sizeof buffer);
    return buffer;
  }
};

class IppClient {
 public:
  // `host`: printerd's listen address (IPv4). With HTTP_ENCRYPTION_ALWAYS the printer-uri is ipps://.
  IppClient(int port, Credentials credentials, http_encryption_t encryption = HTTP_ENCRYPTION_IF_REQUESTED,
            std::string host = "127.0.0.1")
      : port_(port),
        credentials_(std::move(credentials)),
        host_(std::move(host)),
        scheme_(encryption == HTTP_ENCRYPTION_ALWAYS ? "ipps" : "ipp") {
    http_ = httpConnect2(host_.c_str(), port, nullptr, AF_INET, encryption, 1, 5000, nullptr);
    if (http_ == nullptr) throw std::runtime_error("cannot connect to printerd");
    httpSetTimeout(http_, 10.0, nullptr, nullptr);
    if (credentials_.kind == Credentials::Kind::bearer)
      httpSetAuthString(http_, "Bearer", credentials_.token.c_str());
  }
  ~IppClient() { httpClose(http_); }
  IppClient(const IppClient&) = delete;
  IppClient& operator=(const IppClient&) = delete;

  std::string printer_uri() const {
    return scheme_ + "://" + host_ + ":" + std::to_string(port_) + "/ipp/print";
  }

  ipp_t* new_request(ipp_op_t op) const {
    ipp_t* r = ippNewRequest(op);
    ippAddString(r, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", nullptr, printer_uri().c_str());
    ippAddString(r, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", nullptr,
                 credentials_.user.c_str());
    return r;
  }

  // Sends `request` (consumed) with an optional document.
  IppResult send(ipp_t* request, const fs::path& document = {}) {
    active_ = this;
    attempts_ = 0;
    cupsSetUser(credentials_.user.c_str());
    cupsSetPasswordCB2(&IppClient::password, nullptr);
    IppResult result;
    result.response = document.empty() ? cupsDoRequest(http_, request, "/ipp/print")
                                       : cupsDoFileRequest(http_, request, "/ipp/print", document.c_str());
    result.status = cupsLastError();
    result.http_status = httpGetStatus(http_);
    result.challenges = attempts_;
    result.status_text = cupsLastErrorString();
    cupsSetPasswordCB2(nullptr, nullptr);
    active_ = nullptr;
    return result;
  }

  IppResult print_job(const fs::path& document, const char* format, int copies = 1) {
    ipp_t* r = new_request(IPP_OP_PRINT_JOB);
    ippAddString(r, IPP_TAG_OPERATION, IPP_TAG_NAME, "job-name", nullptr, document.filename().c_str());
    ippAddString(r, IPP_TAG_OPERATION, IPP_TAG_MIMETYPE, "document-format", nullptr, format);
    if (copies > 1) ippAddInteger(r, IPP_TAG_JOB, IPP_TAG_INTEGER, "copies", copies);
    return send(r, document);
  }

  IppResult get_job(int job_id) {
    ipp_t* r = new_request(IPP_OP_GET_JOB_ATTRIBUTES);
    ippAddInteger(r, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "job-id", job_id);
    return send(r);
  }

  // Polls Get-Job-Attributes until the job is completed, aborted or canceled (bounded).
  IppResult wait_job_done(int job_id, std::chrono::seconds timeout = std::chrono::seconds(15)) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      IppResult r = get_job(job_id);
      if (r.integer("job-state") >= IPP_JSTATE_CANCELED || Clock::now() >= deadline) return r;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling interval, bounded by deadline
    }
  }

  IppResult printer_attributes() { return send(new_request(IPP_OP_GET_PRINTER_ATTRIBUTES)); }

 private:
  // libcups asks for a password when the server answers 401 with a scheme it knows (Basic). Answer once;
  // a second challenge means the token was refused.
  static const char* password(const char*, http_t*, const char*, const char*, void*) {
    if (active_ == nullptr || active_->credentials_.kind != Credentials::Kind::basic ||
        active_->attempts_++ > 0) {
      return nullptr;
    }
    return active_->credentials_.token.c_str();
  }

  static inline thread_local IppClient* active_ = nullptr;
  int port_;
  Credentials credentials_;
  std::string host_, scheme_;
  http_t* http_ = nullptr;
  int attempts_ = 0;
};

// GET /tapbench/status as text.
inline std::string get_status_json(int port) {
  http_t* http =
      httpConnect2("127.0.0.1", port, nullptr, AF_INET, HTTP_ENCRYPTION_IF_REQUESTED, 1, 5000, nullptr);
  if (http == nullptr) throw std::runtime_error("cannot connect");
  httpClearFields(http);
  std::string body;
  if (httpGet(http, "/tapbench/status") == 0) {
    http_status_t st;
    while ((st = httpUpdate(http)) == HTTP_STATUS_CONTINUE) {
    }
    if (st == HTTP_STATUS_OK) {
      char buffer[4096];
      ssize_t n;
      while ((n = httpRead2(http, buffer, sizeof buffer)) > 0)
        body.append(buffer, static_cast<std::size_t>(n));
    }
  }
  httpClose(http);
  return body;
}

// One HTTP request with libcups to printerd's JSON API or status page at host:port: Bearer token (when
// given), JSON body. Returns {status, body}.
inline std::pair<int, std::string> http_request(const std::string& host, int port,
                                                http_encryption_t encryption, const std::string& method,
                                                const std::string& path, const std::string& bearer = {},
                                                const std::string& body = {}) {
  http_t* http = httpConnect2(host.c_str(), port, nullptr, AF_INET, encryption, 1, 5000, nullptr);
  if (http == nullptr) throw std::runtime_error("cannot connect to " + host);
  httpSetTimeout(http, 10.0, nullptr, nullptr);
  httpClearFields(http);
  if (!bearer.empty()) {
    httpSetAuthString(http, "Bearer", bearer.c_str());
    httpSetField(http, HTTP_FIELD_AUTHORIZATION, httpGetAuthString(http));
  }
  std::string response;
  int status = 0;
  bool sent = false;
  if (method == "POST") {
    // libcups treats length 0 as "chunked": always send a body.
    const std::string payload = body.empty() ? std::string("{}") : body;
    httpSetField(http, HTTP_FIELD_CONTENT_TYPE, "application/json");
    httpSetLength(http, payload.size());
    sent = httpPost(http, path.c_str()) == 0 &&
           httpWrite2(http, payload.data(), payload.size()) == static_cast<ssize_t>(payload.size());
  } else {
    sent = httpGet(http, path.c_str()) == 0;
  }
  if (sent) {
    http_status_t st;
    while ((st = httpUpdate(http)) == HTTP_STATUS_CONTINUE) {
    }
    status = st;
    char buffer[4096];
    ssize_t n;
    while ((n = httpRead2(http, buffer, sizeof buffer)) > 0)
      response.append(buffer, static_cast<std::size_t>(n));
  }
  httpClose(http);
  return {status, response};
}

// The same on loopback (the JSON control API as the tests on 127.0.0.1 use it).
inline std::pair<int, std::string> http_json(int port, const std::string& method, const std::string& path,
                                             const std::string& bearer, const std::string& body = {}) {
  return http_request("127.0.0.1", port, HTTP_ENCRYPTION_IF_REQUESTED, method, path, bearer, body);
}

// printer-up-time is whole seconds since start, 0 in the first second, and RFC 8011 requires 1:MAX: the
// suites check it. Poll (bounded) until PAPPL reports at least 1.
inline bool wait_printer_up_time(int port) {
  IppClient client(port, {});
  const auto deadline = Clock::now() + std::chrono::seconds(3);
  while (Clock::now() < deadline) {
    if (client.printer_attributes().integer("printer-up-time") >= 1) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling interval, bounded by deadline
  }
  return false;
}

}  // namespace printerd_test
