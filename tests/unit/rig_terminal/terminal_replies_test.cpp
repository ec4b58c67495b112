// rig/terminal without the real daemons: URL checks, both JSON error shapes decoded into a Reply, and every
// answer that is not an answer (malformed JSON, wrong field types, silence past the timeout, no listener)
// turned into TerminalTransportError — with no token in its message. A one-shot loopback server (POSIX
// sockets, a thread) plays printerd/vendord with canned bytes.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "rig/terminal/http_call.hpp"
#include "rig/terminal/printer_api_client.hpp"
#include "rig/terminal/vendor_client.hpp"
#include "server/api/tls_trust.hpp"

using namespace std::chrono_literals;
using namespace tapbench::rig::terminal;

namespace {

// Accepts one connection, reads the request (headers + Content-Length body), answers `response` (unless it
// is empty: then it stays silent until the client gives up) and closes.
class CannedServer {
 public:
  explicit CannedServer(std::string response) : response_(std::move(response)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd_, 1) == 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~CannedServer() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string request() {
    thread_done_.wait(false);
    return request_;
  }

 private:
  void serve() {
    const int c = ::accept(fd_, nullptr, nullptr);
    if (c >= 0) {
      char buf[4096];
      std::size_t want = std::string::npos;
      while (want == std::string::npos || request_.size() < want) {
        const ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        request_.append(buf, static_cast<std::size_t>(n));
        if (const auto end = request_.find("\r\n\r\n");
            end != std::string::npos && want == std::string::npos) {
          std::size_t length = 0;
          if (const auto cl = request_.find("Content-Length: "); cl != std::string::npos)
            length = std::stoul(request_.substr(cl + 16));
          want = end + 4 + length;
        }
      }
      if (!response_.empty()) {
        (void)::send(c, response_.data(), response_.size(), MSG_NOSIGNAL);
      } else {
        (void)::recv(c, buf, sizeof buf, 0);  // silent: until the client closes
      }
      ::close(c);
    }
    thread_done_ = true;
    thread_done_.notify_all();
  }

  std::string response_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::string request_;
  std::atomic<bool> thread_done_{false};
  std::thread thread_;
};

std::string http(int status, const std::string& reason, const std::string& body) {
  return "HTTP/1.1 " + std::to_string(status) + " " + reason +
         "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

const std::string kToken = "pt_SECRETSECRETSECRETSECRETSECRETSECRETSECRETSEC";

}  // namespace

TEST_CASE("base URLs: http://HOST:PORT or https://HOST:PORT, with a clear error otherwise") {
  CHECK(detail::parse_http_base_url("http://127.0.0.1:8631", "x").port == 8631);
  CHECK(detail::parse_http_base_url("http://127.0.0.1:8631/", "x").host == "127.0.0.1");
  CHECK(detail::parse_http_base_url("http://[::1]:80", "x").host == "::1");
  CHECK(detail::parse_http_base_url("http://127.0.0.1:8631", "x").tls == nullptr);  // plain: no TLS at all
  const auto https = detail::parse_http_base_url("https://vendord.lab.example:8443/", "x");
  CHECK(https.host == "vendord.lab.example");
  CHECK(https.port == 8443);
  CHECK(https.tls == tapbench::server::TlsTrust::system());  // no trust given: the system CA store
  const auto pinned =
      tapbench::server::TlsTrust::pinned(std::make_shared<tapbench::server::CertificatePin>("printer"));
  CHECK(detail::parse_http_base_url("https://[::1]:8631", "x", pinned).tls == pinned);
  CHECK(detail::parse_http_base_url("https://[::1]:8631", "x", pinned).host == "::1");
  for (const char* bad :
       {"ftp://127.0.0.1:1", "http://127.0.0.1", "https://127.0.0.1", "http://127.0.0.1:0", "https://h:99999",
        "http://h:80/path", "127.0.0.1:80", "https://:80", "httpss://h:1"}) {
    CAPTURE(bad);
    CHECK_THROWS_WITH_AS(PrinterApiClient{bad},
                         doctest::Contains("expected http://HOST:PORT or https://HOST:PORT"),
                         std::invalid_argument);
  }
}

TEST_CASE("certificate fingerprints: the form openssl prints, from any form a user writes") {
  const std::string canonical =
      "5C:0B:1F:A2:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE";
  CHECK(tapbench::server::normalise_fingerprint(canonical) == canonical);
  CHECK(tapbench::server::normalise_fingerprint(
            "sha256:5c0b1fa2334455667788 99aabbccddeeff00112233445566778899aabbccddee") ==
        std::nullopt);  // space
  CHECK(tapbench::server::normalise_fingerprint(
            "SHA256:5c0b1fa233445566778899aabbccddeeff00112233445566778899aabbccddee") == canonical);
  CHECK(tapbench::server::normalise_fingerprint("5C:0B") == std::nullopt);
  CHECK(tapbench::server::normalise_fingerprint(canonical + ":00") == std::nullopt);
  // sha256("abc"), the FIPS 180-2 example, over bytes that stand for a certificate's DER.
  const unsigned char abc[] = {'a', 'b', 'c'};
  CHECK(tapbench::server::sha256_fingerprint(abc, 3) ==
        "BA:78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:B0:03:61:A3:96:17:7A:9C:B4:10:FF:61:F2:00:15:AD");
}

TEST_CASE(
    "trust on first use: the first certificate is pinned, another one is refused with both fingerprints") {
  using tapbench::server::CertificatePin;
  using tapbench::server::TlsPinError;
  const std::string a(95, 'A'), b(95, 'B');
  CertificatePin pin("printer");
  CHECK_FALSE(pin.pinned());
  pin.check(a);
  CHECK(pin.pinned() == a);
  pin.check(a);  // the same certificate again: fine
  const std::string refusal =
      "the printer's TLS certificate is not the one pinned at the run's first TLS connection to it: refused "
      "(sha256 " +
      b + ", pinned " + a + ")";
  CHECK_THROWS_WITH_AS(pin.check(b), doctest::Contains(refusal.c_str()), TlsPinError);
  CHECK(pin.pinned() == a);  // a refused certificate never replaces the pin

  CertificatePin bench_pin("printer", b);  // printer-cert-sha256: pinned up front
  CHECK_THROWS_WITH_AS(bench_pin.check(a),
                       doctest::Contains("not the one the bench pins (printer-cert-sha256)"), TlsPinError);
  bench_pin.check(b);
}

TEST_CASE("printerd's error shape: status, code and detail in the Reply") {
  CannedServer s(
      http(403, "Forbidden", R"({"error":"not_owner","detail":"PT belongs to another terminal"})"));
  const auto r = PrinterApiClient(s.url()).delete_pt(kToken, "app:other", 2s);
  CHECK_FALSE(r.ok());
  CHECK(r.status == 403);
  CHECK(r.error == "not_owner");
  CHECK(r.detail == "PT belongs to another terminal");
  // What went over the wire: the token as Bearer, the terminal in the body.
  const std::string req = s.request();
  CHECK(req.rfind("POST /tapbench/api/pt/delete HTTP/1.1\r\n", 0) == 0);
  CHECK(req.find("Authorization: Bearer " + kToken) != std::string::npos);
  CHECK(req.find(R"({"terminal_id":"app:other"})") != std::string::npos);
}

TEST_CASE("vendord's error shape: status, code and message in the Reply") {
  CannedServer s(
      http(409, "Conflict", R"({"error":{"code":"token_already_used","message":"SVWT was used"}})"));
  const auto r = VendorClient(s.url()).svt("svwt_x\"y", "phone-1", 2s);
  CHECK(r.status == 409);
  CHECK(r.error == "token_already_used");
  CHECK(r.detail == "SVWT was used");
  CHECK(s.request().find(R"({"svwt":"svwt_x\"y","terminal_id":"phone-1"})") != std::string::npos);  // escaped
}

TEST_CASE("a refusal without a JSON body still says its status") {
  CannedServer s("HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 9\r\n\r\n<h1>?</h1>");
  const auto r = PrinterApiClient(s.url()).status(2s);
  CHECK(r.status == 404);
  CHECK(r.error == "http_404");
}

TEST_CASE("a success answer that is not the documented JSON is a transport error naming the route") {
  SUBCASE("not JSON") {
    CannedServer s(http(201, "Created", "not json"));
    CHECK_THROWS_WITH_AS((void)PrinterApiClient(s.url()).issue_pt(kToken, "app:admin", 2s),
                         doctest::Contains("malformed reply to POST /tapbench/api/pt"),
                         TerminalTransportError);
  }
  SUBCASE("a field of the wrong type") {
    CannedServer s(http(
        200, "OK", R"({"pages_added":"5","printable_pages":5,"printing_enabled":true,"reported":true})"));
    CHECK_THROWS_WITH_AS((void)PrinterApiClient(s.url()).sync(kToken, "app:admin", 2s),
                         doctest::Contains("'pages_added'"), TerminalTransportError);
  }
  SUBCASE("an unknown registration state") {
    CannedServer s(http(200, "OK", R"({"state":"maybe"})"));
    CHECK_THROWS_WITH_AS((void)PrinterApiClient(s.url()).registration(kToken, 2s), doctest::Contains("maybe"),
                         TerminalTransportError);
  }
}

TEST_CASE("silence is bounded by the call's timeout, and the error carries no token") {
  CannedServer s("");
  const auto started = std::chrono::steady_clock::now();
  try {
    (void)VendorClient(s.url()).device(kToken, 300ms);
    FAIL("no exception");
  } catch (const TerminalTransportError& e) {
    const std::string what = e.what();
    CHECK(what.find(kToken) == std::string::npos);
    CHECK(what.find("GET /v1/terminal/device") != std::string::npos);
  }
  // A bound, not a speed target: it returned instead of waiting for an answer that never comes.
  CHECK(std::chrono::steady_clock::now() - started < 30s);
}

TEST_CASE("a page URL keeps its SVT out of the error message") {
  CannedServer s("");
  try {
    (void)VendorClient(s.url()).open_page("http://127.0.0.1:1/charge?svt=" + kToken, 300ms);
    FAIL("no exception");
  } catch (const TerminalTransportError& e) {
    CHECK(std::string(e.what()).find(kToken) == std::string::npos);
    CHECK(std::string(e.what()).find("GET /charge") != std::string::npos);
  }
}
