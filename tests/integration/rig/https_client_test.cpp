// The rig's HTTPS client (server::HttpClient over Beast's ssl_stream, and the terminal clients through it)
// against a real TLS server on loopback: a small Boost.Asio/OpenSSL server in this test whose certificate a
// test CA made at test time (the openssl command). What a user sees: a server verified by the bench's
// ca-file answers; the system store refuses that private CA, a wrong name or address is refused, a pinned
// certificate that changes is refused with both fingerprints, SNI is sent, and a server that never finishes
// the handshake costs the client's timeout, not more.
#include <doctest/doctest.h>
#include <openssl/ssl.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>

#include "rig/terminal/reply.hpp"
#include "rig/terminal/vendor_client.hpp"
#include "server/api/http_client.hpp"
#include "server/api/tls_trust.hpp"
#include "tests/support/scratch_dir.hpp"

using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using tapbench::server::CertificatePin;
using tapbench::server::HttpClient;
using tapbench::server::HttpClientError;
using tapbench::server::TlsTrust;

namespace {

struct Certificates {
  tapbench::testing::ScratchDir scratch{"https-client"};
  fs::path dir = scratch.path;
  Certificates() {
    std::ofstream(dir / "san.ext") << "subjectAltName=DNS:localhost\n";
    const std::string d = dir.string();
    const std::string key = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    // A test CA, a server certificate for "localhost" it signs, and an unrelated self-signed one.
    const std::string script =
        "(cd '" + d + "' && openssl req -x509" + key +
        " -keyout ca.key -out ca.pem -days 2 -subj /CN=tapbench-test-ca" + " && openssl req" + key +
        " -keyout server.key -out server.csr -subj /CN=localhost" +
        " && openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days "
        "2"
        " -extfile san.ext && openssl req -x509" +
        key +
        " -keyout other.key -out other.pem -days 2 -subj /CN=localhost -addext subjectAltName=DNS:localhost" +
        ") >/dev/null 2>&1";
    REQUIRE_MESSAGE(std::system(script.c_str()) == 0, "openssl could not make the test certificates");
  }
  std::string operator()(const char* name) const { return (dir / name).string(); }
};

// A TLS server on 127.0.0.1 answering every request with 200 {"ok":true}; records the SNI it was sent. With
// `handshake` false it accepts TCP connections and never speaks (a hung server).
class TlsServer {
 public:
  TlsServer(const std::string& cert, const std::string& key, bool handshake = true)
      : ctx_(asio::ssl::context::tls_server),
        acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    ctx_.use_certificate_chain_file(cert);
    ctx_.use_private_key_file(key, asio::ssl::context::pem);
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this, handshake] { serve(handshake); });
  }
  ~TlsServer() {
    stop_ = true;
    boost::system::error_code ec;
    tcp::socket wake(ioc_);
    wake.connect(acceptor_.local_endpoint(), ec);  // unblocks accept()
    thread_.join();
  }
  std::uint16_t port() const { return port_; }
  std::string sni() const {
    std::lock_guard lk(mu_);
    return sni_;
  }

 private:
  void serve(bool handshake) {
    std::vector<tcp::socket> hung;
    while (!stop_) {
      boost::system::error_code ec;
      tcp::socket socket(ioc_);
      acceptor_.accept(socket, ec);
      if (ec || stop_) break;
      if (!handshake) {
        hung.push_back(std::move(socket));
        continue;
      }
      beast::ssl_stream<tcp::socket> stream(std::move(socket), ctx_);
      stream.handshake(asio::ssl::stream_base::server, ec);
      if (ec) continue;  // the client refused our certificate
      if (const char* name = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name)) {
        std::lock_guard lk(mu_);
        sni_ = name;
      }
      beast::flat_buffer buffer;
      http::request<http::string_body> req;
      http::read(stream, buffer, req, ec);
      if (ec) continue;
      http::response<http::string_body> res(http::status::ok, 11);
      res.set(http::field::content_type, "application/json");
      res.keep_alive(false);
      res.body() = "{\"ok\":true}";
      res.prepare_payload();
      http::write(stream, res, ec);
      stream.shutdown(ec);
    }
  }

  asio::io_context ioc_;
  asio::ssl::context ctx_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::string sni_;
  std::thread thread_;
};

std::string refusal_of(HttpClient& client) {
  try {
    (void)client.get("/healthz");
  } catch (const HttpClientError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE(
    "https with the bench's ca-file: verified, SNI sent; the system store and a wrong address refuse it") {
  const Certificates certs;
  TlsServer server(certs("server.pem"), certs("server.key"));

  HttpClient ok("localhost", server.port(), 5s, TlsTrust::ca(certs("ca.pem")));
  const auto r = ok.get("/healthz");
  CHECK(r.status == 200);
  CHECK(r.body == "{\"ok\":true}");
  CHECK(server.sni() == "localhost");

  // The terminal clients take an https:// URL and the same trust (the vendor server of a lab bench).
  const tapbench::rig::terminal::VendorClient vendor("https://localhost:" + std::to_string(server.port()),
                                                     TlsTrust::ca(certs("ca.pem")));
  CHECK(vendor.open_page("/v1/charge?x=1", 5s).status == 200);

  HttpClient system("localhost", server.port(), 5s, TlsTrust::system());
  const std::string untrusted = refusal_of(system);
  CHECK(untrusted.find("https://localhost:" + std::to_string(server.port()) +
                       ": TLS certificate not trusted (") != std::string::npos);
  CHECK(untrusted.find("checked against the system CA store") != std::string::npos);

  HttpClient by_address("127.0.0.1", server.port(), 5s, TlsTrust::ca(certs("ca.pem")));
  const std::string mismatch = refusal_of(by_address);
  CHECK(mismatch.find("TLS certificate not trusted (IP address mismatch") != std::string::npos);
  CHECK(mismatch.find("CA file " + certs("ca.pem")) != std::string::npos);

  CHECK_THROWS_WITH_AS((void)TlsTrust::ca(certs("missing.pem")), doctest::Contains("cannot be read"),
                       std::invalid_argument);
}

TEST_CASE("https with a pinned certificate: the first one is kept, another is refused") {
  const Certificates certs;
  auto pin = std::make_shared<CertificatePin>("printer");
  const auto trust = TlsTrust::pinned(pin);
  {
    TlsServer first(certs("other.pem"), certs("other.key"));
    HttpClient client("127.0.0.1", first.port(), 5s, trust);  // self-signed, by address: the pin decides
    CHECK(client.get("/").status == 200);
    CHECK(first.sni().empty());  // no SNI for an address (RFC 6066)
  }
  REQUIRE(pin->pinned());
  TlsServer replaced(certs("server.pem"), certs("server.key"));
  HttpClient client("localhost", replaced.port(), 5s, trust);
  const std::string refused = refusal_of(client);
  CHECK(
      refused.find("the printer's TLS certificate is not the one pinned at the run's first TLS connection") !=
      std::string::npos);
  CHECK(refused.find("pinned " + *pin->pinned()) != std::string::npos);
}

TEST_CASE("a server that never answers the TLS handshake costs the client's timeout") {
  const Certificates certs;
  TlsServer hung(certs("server.pem"), certs("server.key"), /*handshake=*/false);
  HttpClient client("localhost", hung.port(), 300ms, TlsTrust::ca(certs("ca.pem")));
  const auto start = std::chrono::steady_clock::now();
  const std::string refused = refusal_of(client);
  CHECK(refused.find("TLS handshake failed") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - start < 5s);  // bounded (300 ms asked; generous for a loaded CI)
}
