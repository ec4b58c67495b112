#include "rig/terminal/ipp_client.hpp"

#include <cups/cups.h>
#include <cups/raster.h>
#include <sys/mman.h>
#include <unistd.h>

#include <charconv>
#include <memory>
#include <optional>
#include <regex>
#include <thread>
#include <vector>

#include "drivers/wifi/netns_scope.hpp"
#include "drivers/wifi/wifi_error.hpp"
#include "rig/terminal/printer_api_client.hpp"

namespace tapbench::rig::terminal {

namespace {

using Steady = std::chrono::steady_clock;

struct HttpCloser {
  void operator()(http_t* h) const { httpClose(h); }
};
struct IppDeleter {
  void operator()(ipp_t* i) const { ippDelete(i); }
};
using HttpPtr = std::unique_ptr<http_t, HttpCloser>;
using IppPtr = std::unique_ptr<ipp_t, IppDeleter>;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// libcups asks for a password when printerd answers 401 with Basic; libcups keeps its callback per thread.
// Answer once with the token (Basic password scheme); a second challenge means the token was refused.
struct BasicAnswer {
  std::string token;
  int attempts = 0;
  bool offer = false;
};
thread_local BasicAnswer* active_answer = nullptr;

const char* password_cb(const char*, http_t*, const char*, const char*, void*) {
  if (active_answer == nullptr || !active_answer->offer || active_answer->attempts++ > 0) return nullptr;
  return active_answer->token.c_str();
}

class AnswerScope {
 public:
  AnswerScope(BasicAnswer& a, const std::string& user) {
    active_answer = &a;
    cupsSetUser(user.c_str());
    cupsSetPasswordCB2(&password_cb, nullptr);
  }
  ~AnswerScope() {
    cupsSetPasswordCB2(nullptr, nullptr);
    active_answer = nullptr;
  }
  AnswerScope(const AnswerScope&) = delete;
  AnswerScope& operator=(const AnswerScope&) = delete;
};

int remaining_ms(Steady::time_point deadline) {
  const auto left = std::chrono::duration_cast<ms>(deadline - Steady::now()).count();
  return static_cast<int>(std::max<long long>(left, 1));
}

std::string attr_string(ipp_t* response, const char* name) {
  ipp_attribute_t* a = ippFindAttribute(response, name, IPP_TAG_ZERO);
  if (a == nullptr) return {};
  char buffer[2048];
  ippAttributeString(a, buffer, sizeof buffer);
  return buffer;
}

int attr_int(ipp_t* response, const char* name, int fallback) {
  ipp_attribute_t* a = ippFindAttribute(response, name, IPP_TAG_ZERO);
  return a == nullptr ? fallback : ippGetInteger(a, 0);
}

bool auth_refusal(ipp_status_t s) {
  return s == IPP_STATUS_ERROR_NOT_AUTHENTICATED || s == IPP_STATUS_ERROR_NOT_AUTHORIZED ||
         s == IPP_STATUS_ERROR_FORBIDDEN || s == IPP_STATUS_ERROR_CUPS_AUTHENTICATION_CANCELED;
}

// "… 2 pages printed, 0 printable pages left." (S125) → 0.
std::int64_t pages_left_in(const std::string& message) {
  static const std::regex re(R"((\d+) printable pages? left)");
  std::smatch m;
  if (!std::regex_search(message, m, re)) return -1;
  std::int64_t v = -1;
  const std::string s = m[1].str();
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

}  // namespace

http_t* connect_printer(const std::string& host, int port, bool tls, server::CertificatePin* pin,
                        int timeout_ms, std::string& why) {
  http_t* http =
      httpConnect2(host.c_str(), port, nullptr, AF_UNSPEC,
                   tls ? HTTP_ENCRYPTION_ALWAYS : HTTP_ENCRYPTION_IF_REQUESTED, 1, timeout_ms, nullptr);
  if (http == nullptr) {
    why = std::string(tls ? "cannot connect with TLS to " : "cannot connect to ") + host + ":" +
          std::to_string(port) + ": " + (cupsLastErrorString() ? cupsLastErrorString() : "no reason");
    return nullptr;
  }
  if (!tls || pin == nullptr) return http;
  // The peer's certificate chain as libcups's TLS layer got it (DER, the printer's own first): its SHA-256
  // against the pin, before any request (with its token) is sent.
  cups_array_t* chain = nullptr;
  std::string fingerprint;
  if (httpCopyCredentials(http, &chain) == 0 && chain != nullptr) {
    if (const auto* first = static_cast<http_credential_t*>(cupsArrayFirst(chain));
        first && first->datalen > 0)
      fingerprint =
          server::sha256_fingerprint(static_cast<const unsigned char*>(first->data), first->datalen);
    httpFreeCredentials(chain);
  }
  try {
    if (fingerprint.empty()) throw server::TlsPinError("the printer presented no TLS certificate");
    pin->check(fingerprint);
  } catch (const server::TlsPinError& e) {
    httpClose(http);
    why = e.what();
    return nullptr;
  }
  return http;
}

IppClient::IppClient(std::string ipp_uri, std::shared_ptr<server::CertificatePin> pin,
                     std::shared_ptr<PhoneLink> link)
    : uri_(std::move(ipp_uri)), link_(std::move(link)), pin_(std::move(pin)) {
  char scheme[32], userpass[256], host[256], resource[1024];
  int port = 0;
  if (httpSeparateURI(HTTP_URI_CODING_ALL, uri_.c_str(), scheme, sizeof scheme, userpass, sizeof userpass,
                      host, sizeof host, &port, resource, sizeof resource) < HTTP_URI_STATUS_OK ||
      (std::string_view(scheme) != "ipp" && std::string_view(scheme) != "ipps") || userpass[0] != '\0') {
    throw std::invalid_argument(
        "printer URI: expected ipp://HOST:PORT/RESOURCE or ipps://… without credentials, got '" + uri_ + "'");
  }
  host_ = host;
  port_ = port;
  resource_ = resource;
  if (std::string_view(scheme) == "ipps") {
    if (!pin_) pin_ = std::make_shared<server::CertificatePin>("printer");
    api_trust_ = server::TlsTrust::pinned(pin_);
  }
}

namespace {

struct Exchange {
  IppPtr response;
  ipp_status_t status = IPP_STATUS_OK;
  http_status_t http_status = HTTP_STATUS_NONE;
  std::string status_text;
};

}  // namespace

// One request (consumed) with an optional document fd; throws TerminalTransportError when no IPP answer.
// Over the phone's `link` when given (the phone's namespace, on the radio lab): held for the whole exchange,
// since libcups may reconnect (after a 401, or a closed keep-alive) and a new socket takes the thread's.
static Exchange send_ipp(PhoneLink* link, const std::string& host, int port, server::CertificatePin* tls_pin,
                         const std::string& resource, ipp_t* request, std::string_view token,
                         TokenScheme scheme, const std::string& user, int doc_fd, Steady::time_point deadline,
                         std::string_view what) {
  IppPtr owned(request);
  std::string why;
  std::optional<wifi::NetnsScope> in_netns;
  HttpPtr http;
  for (int attempt = 1; !http; ++attempt) {
    in_netns.reset();
    if (link) link->ensure(std::chrono::milliseconds(remaining_ms(deadline)));
    try {
      in_netns.emplace(link ? link->netns() : std::string());
    } catch (const wifi::WifiError& e) {
      throw TerminalTransportError(std::string(what) + ": " + e.what());
    }
    http.reset(connect_printer(host, port, tls_pin != nullptr, tls_pin, remaining_ms(deadline), why));
    if (http) break;
    // Over the phone's link, a connection that could not be made is retried once on a rejoin.
    if (!link || attempt > 1 || why.find("cannot connect") != 0) {
      throw TerminalTransportError(std::string(what) + ": " + why);
    }
    link->lost();
  }
  httpSetTimeout(http.get(), remaining_ms(deadline) / 1000.0, nullptr, nullptr);
  BasicAnswer answer;
  answer.token = std::string(token);
  answer.offer = !token.empty() && scheme == TokenScheme::basic_password;
  if (!token.empty() && scheme == TokenScheme::bearer)
    httpSetAuthString(http.get(), "Bearer", answer.token.c_str());
  AnswerScope scope(answer, user);
  Exchange ex;
  ex.response.reset(cupsDoIORequest(http.get(), owned.release(), resource.c_str(), doc_fd, -1));
  ex.status = cupsLastError();
  ex.http_status = httpGetStatus(http.get());
  ex.status_text = cupsLastErrorString() ? cupsLastErrorString() : "";
  if (!ex.response && !auth_refusal(ex.status) && ex.http_status != HTTP_STATUS_UNAUTHORIZED &&
      ex.http_status != HTTP_STATUS_FORBIDDEN) {
    throw TerminalTransportError(std::string(what) + ": no IPP answer from " + host + ":" +
                                 std::to_string(port) + ": " + ex.status_text);
  }
  if (ex.response) {
    ex.status = ippGetStatusCode(ex.response.get());
  } else if (ex.http_status == HTTP_STATUS_UNAUTHORIZED ||
             ex.status == IPP_STATUS_ERROR_CUPS_AUTHENTICATION_CANCELED) {
    // libcups reports a refused token as "authentication canceled" (it had no other to offer): say what
    // printerd said, HTTP 401.
    ex.status = IPP_STATUS_ERROR_NOT_AUTHENTICATED;
  } else if (ex.http_status == HTTP_STATUS_FORBIDDEN) {
    ex.status = IPP_STATUS_ERROR_FORBIDDEN;
  }
  return ex;
}

template <class T>
static Reply<T> ipp_refusal(const Exchange& ex) {
  Reply<T> r;
  r.status = static_cast<int>(ex.status);
  r.error = ippErrorString(ex.status);
  r.detail = ex.status_text;
  return r;
}

Reply<PrintResult> IppClient::print(std::string_view token, const PrintRequest& request, ms timeout) const {
  if (request.scheme == TokenScheme::basic_password && request.user.find(':') != std::string::npos) {
    // HTTP Basic ends the user name at the first colon: the token would be read wrong.
    throw std::invalid_argument("print: a Basic user name cannot contain ':' (got '" + request.user + "')");
  }
  const auto deadline = Steady::now() + timeout;
  // The document goes through an anonymous memory file so that libcups can rewind it when it retries the
  // request with credentials after a 401.
  Fd doc(::memfd_create("tapbench-print", MFD_CLOEXEC));
  if (doc.get() < 0) throw TerminalTransportError("print: memfd_create failed");
  for (std::size_t off = 0; off < request.document.size();) {
    const ssize_t n = ::write(doc.get(), request.document.data() + off, request.document.size() - off);
    if (n <= 0) throw TerminalTransportError("print: cannot buffer the document");
    off += static_cast<std::size_t>(n);
  }
  ::lseek(doc.get(), 0, SEEK_SET);

  ipp_t* req = ippNewRequest(IPP_OP_PRINT_JOB);
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", nullptr, uri_.c_str());
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", nullptr, request.user.c_str());
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "job-name", nullptr, request.job_name.c_str());
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_MIMETYPE, "document-format", nullptr, request.format.c_str());
  Exchange ex = send_ipp(link_.get(), host_, port_, pin_.get(), resource_, req, token, request.scheme,
                         request.user, doc.get(), deadline, "Print-Job");
  if (ex.status > IPP_STATUS_OK_EVENTS_COMPLETE) return ipp_refusal<PrintResult>(ex);

  PrintResult result;
  result.job_id = attr_int(ex.response.get(), "job-id", 0);
  if (result.job_id <= 0) throw TerminalTransportError("Print-Job: answer without a job-id");
  if (request.on_accepted) request.on_accepted(result.job_id);
  // Poll the job (bounded by the call's deadline) until it is completed, aborted or canceled.
  IppPtr job;
  for (;;) {
    ipp_t* q = ippNewRequest(IPP_OP_GET_JOB_ATTRIBUTES);
    ippAddString(q, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", nullptr, uri_.c_str());
    ippAddInteger(q, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "job-id", result.job_id);
    ippAddString(q, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", nullptr, request.user.c_str());
    Exchange jx = send_ipp(link_.get(), host_, port_, pin_.get(), resource_, q, token, request.scheme,
                           request.user, -1, deadline, "Get-Job-Attributes");
    if (jx.status > IPP_STATUS_OK_EVENTS_COMPLETE) return ipp_refusal<PrintResult>(jx);
    const int state = attr_int(jx.response.get(), "job-state", 0);
    if (state >= IPP_JSTATE_CANCELED) {
      job = std::move(jx.response);
      break;
    }
    if (Steady::now() >= deadline)
      throw TerminalTransportError("print: job " + std::to_string(result.job_id) + " not finished in time");
    std::this_thread::sleep_for(ms(20));  // polling interval, bounded by the deadline above
  }
  result.job_state = attr_string(job.get(), "job-state");
  result.job_state_message = attr_string(job.get(), "job-state-message");
  result.pages_printed = attr_int(job.get(), "job-impressions-completed", 0);
  result.pages_remaining = pages_left_in(result.job_state_message);
  if (result.pages_remaining < 0) {
    // printerd's status route is on the same host and port (no token).
    const auto left = std::chrono::duration_cast<ms>(deadline - Steady::now());
    const auto s =
        PrinterApiClient((api_trust_ ? "https://" : "http://") + host_ + ":" + std::to_string(port_),
                         api_trust_)
            .status(std::max(left, ms(1)));
    if (s.ok()) result.pages_remaining = s.value->pages_remaining;
  }
  Reply<PrintResult> r;
  r.status = static_cast<int>(ex.status);
  r.value = std::move(result);
  return r;
}

Reply<bool> IppClient::hand_over_router(std::string_view pwt, std::string_view ssid,
                                        std::string_view passphrase, ms timeout) const {
  const auto deadline = Steady::now() + timeout;
  ipp_t* req = ippNewRequest(IPP_OP_SET_PRINTER_ATTRIBUTES);
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", nullptr, uri_.c_str());
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", nullptr, "app:admin");
  const std::string s(ssid);
  ippAddString(req, IPP_TAG_PRINTER, IPP_TAG_NAME, "printer-wifi-ssid", nullptr, s.c_str());
  ippAddOctetString(req, IPP_TAG_PRINTER, "printer-wifi-password", passphrase.data(),
                    static_cast<int>(passphrase.size()));
  Exchange ex = send_ipp(link_.get(), host_, port_, pin_.get(), resource_, req, pwt, TokenScheme::bearer,
                         "app:admin", -1, deadline, "Set-Printer-Attributes");
  if (ex.status > IPP_STATUS_OK_EVENTS_COMPLETE) return ipp_refusal<bool>(ex);
  Reply<bool> r;
  r.status = static_cast<int>(ex.status);
  r.value = true;
  return r;
}

Reply<Supplies> IppClient::supplies(ms timeout) const {
  const auto deadline = Steady::now() + timeout;
  ipp_t* req = ippNewRequest(IPP_OP_GET_PRINTER_ATTRIBUTES);
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", nullptr, uri_.c_str());
  static const char* const wanted[] = {"marker-names", "marker-colors", "marker-levels",
                                       "printer-state-reasons"};
  ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", 4, nullptr, wanted);
  Exchange ex = send_ipp(link_.get(), host_, port_, pin_.get(), resource_, req, {}, TokenScheme::bearer,
                         "app:print", -1, deadline, "Get-Printer-Attributes");
  if (ex.status > IPP_STATUS_OK_EVENTS_COMPLETE) return ipp_refusal<Supplies>(ex);
  Supplies s;
  ipp_t* rsp = ex.response.get();
  ipp_attribute_t* names = ippFindAttribute(rsp, "marker-names", IPP_TAG_ZERO);
  ipp_attribute_t* colors = ippFindAttribute(rsp, "marker-colors", IPP_TAG_ZERO);
  ipp_attribute_t* levels = ippFindAttribute(rsp, "marker-levels", IPP_TAG_INTEGER);
  const int n = levels ? ippGetCount(levels) : 0;
  for (int i = 0; i < n; ++i) {
    Marker m;
    if (names && i < ippGetCount(names)) m.name = ippGetString(names, i, nullptr);
    if (colors && i < ippGetCount(colors)) m.colour = ippGetString(colors, i, nullptr);
    m.level = ippGetInteger(levels, i);
    s.markers.push_back(std::move(m));
  }
  if (ipp_attribute_t* reasons = ippFindAttribute(rsp, "printer-state-reasons", IPP_TAG_ZERO)) {
    for (int i = 0; i < ippGetCount(reasons); ++i) {
      std::string reason = ippGetString(reasons, i, nullptr);
      if (reason.rfind("marker-supply-low", 0) == 0) s.supply_low = true;
      s.state_reasons.push_back(std::move(reason));
    }
  }
  Reply<Supplies> r;
  r.status = static_cast<int>(ex.status);
  r.value = std::move(s);
  return r;
}

std::string IppClient::pwg_raster_pages(int pages) {
  // Small sgray pages (3x5 in. at 72 dpi) written by libcups' own raster writer into memory.
  Fd fd(::memfd_create("tapbench-raster", MFD_CLOEXEC));
  if (fd.get() < 0) throw std::runtime_error("pwg_raster_pages: memfd_create failed");
  cups_raster_t* ras = cupsRasterOpen(fd.get(), CUPS_RASTER_WRITE_PWG);
  if (ras == nullptr) throw std::runtime_error("pwg_raster_pages: cupsRasterOpen failed");
  cups_page_header2_t h;
  if (!cupsRasterInitPWGHeader(&h, pwgMediaForPWG("na_index-3x5_3x5in"), "sgray_8", 72, 72, "one-sided",
                               "normal")) {
    cupsRasterClose(ras);
    throw std::runtime_error(std::string("pwg_raster_pages: ") + cupsLastErrorString());
  }
  std::vector<unsigned char> line(h.cupsBytesPerLine, 0xFF);
  for (int p = 0; p < pages; ++p) {
    cupsRasterWriteHeader2(ras, &h);
    for (unsigned y = 0; y < h.cupsHeight; ++y) {
      line[y % h.cupsBytesPerLine] = 0x00;  // a diagonal, so pages are not blank
      cupsRasterWritePixels(ras, line.data(), h.cupsBytesPerLine);
      line[y % h.cupsBytesPerLine] = 0xFF;
    }
  }
  cupsRasterClose(ras);
  std::string out;
  const off_t size = ::lseek(fd.get(), 0, SEEK_END);
  out.resize(static_cast<std::size_t>(size));
  ::lseek(fd.get(), 0, SEEK_SET);
  for (std::size_t off = 0; off < out.size();) {
    const ssize_t n = ::read(fd.get(), out.data() + off, out.size() - off);
    if (n <= 0) throw std::runtime_error("pwg_raster_pages: read back failed");
    off += static_cast<std::size_t>(n);
  }
  return out;
}

std::optional<ipp_status_t> validate_job_on(http_t* http, const std::string& printer_uri,
                                            const std::string& resource, std::string& why) {
  ipp_t* req = ippNewRequest(IPP_OP_VALIDATE_JOB);
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", nullptr, printer_uri.c_str());
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", nullptr, "app:print");
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_MIMETYPE, "document-format", nullptr, "image/pwg-raster");
  ipp_t* resp = cupsDoRequest(http, req, resource.c_str());
  const ipp_status_t status = cupsLastError();
  const http_status_t http_status = httpGetStatus(http);
  if (resp) {
    const ipp_status_t answered = ippGetStatusCode(resp);
    ippDelete(resp);
    return answered;
  }
  if (http_status == HTTP_STATUS_UNAUTHORIZED || status == IPP_STATUS_ERROR_CUPS_AUTHENTICATION_CANCELED)
    return IPP_STATUS_ERROR_NOT_AUTHENTICATED;
  if (http_status == HTTP_STATUS_FORBIDDEN) return IPP_STATUS_ERROR_FORBIDDEN;
  why = cupsLastErrorString() ? cupsLastErrorString() : "no answer";
  return std::nullopt;
}

}  // namespace tapbench::rig::terminal
