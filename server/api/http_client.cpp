#include "server/api/http_client.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>

#include "server/api/client_stream.hpp"

namespace tapbench::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct HttpClient::Impl {
  std::string host;
  std::uint16_t port;
  std::chrono::milliseconds timeout;
  std::shared_ptr<const TlsTrust> tls;
  asio::io_context ioc;
  std::optional<ClientStream> stream;
  beast::flat_buffer buffer;

  std::string where() const { return host + ":" + std::to_string(port); }

  void connect() {
    stream.emplace(ioc, tls);
    tcp::resolver resolver(ioc);
    beast::error_code ec;
    const auto results = resolver.resolve(host, std::to_string(port), ec);
    if (ec) throw HttpClientError("cannot resolve " + host + ": " + ec.message());
    stream->tcp().expires_after(timeout);
    stream->tcp().connect(results, ec);
    if (ec) {
      stream.reset();
      throw HttpClientError("cannot connect to " + where() + ": " + ec.message());
    }
    if (!stream->tls()) return;
    ec = run(
        [&](auto handler) { stream->async_secure(host, [handler](beast::error_code e) { handler(e); }); });
    if (ec) {
      std::string why =
          stream->failure().empty() ? "TLS handshake failed: " + ec.message() : stream->failure();
      stream.reset();
      throw HttpClientError("https://" + where() + ": " + why);
    }
  }

  // Runs one async operation on the io_context with the stream's timeout, returns its error.
  template <typename Start>
  beast::error_code run(Start&& start) {
    beast::error_code result = asio::error::would_block;
    stream->tcp().expires_after(timeout);
    start([&](beast::error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
  }
};

HttpClient::HttpClient(std::string host, std::uint16_t port, std::chrono::milliseconds timeout,
                       std::shared_ptr<const TlsTrust> tls)
    : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->port = port;
  impl_->timeout = timeout;
  impl_->tls = std::move(tls);
}

HttpClient::~HttpClient() = default;

ClientResponse HttpClient::request(const std::string& method, const std::string& target,
                                   const std::string& body,
                                   const std::vector<std::pair<std::string, std::string>>& headers) {
  if (!impl_->stream) impl_->connect();
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, impl_->host + ":" + std::to_string(impl_->port));
  req.set(http::field::user_agent, "tapbench-vendord-client");
  req.keep_alive(true);
  for (const auto& [k, v] : headers)
    req.set(k, v);
  req.body() = body;
  req.prepare_payload();

  auto fail = [&](const std::string& what, beast::error_code ec) {
    impl_->stream.reset();
    impl_->buffer.clear();
    return HttpClientError(what + " " + method + " " + target.substr(0, target.find('?')) + ": " +
                           ec.message());
  };
  beast::error_code ec = impl_->run(
      [&](auto handler) { impl_->stream->visit([&](auto& s) { http::async_write(s, req, handler); }); });
  if (ec) throw fail("sending", ec);
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  ec = impl_->run([&](auto handler) {
    impl_->stream->visit([&](auto& s) { http::async_read(s, impl_->buffer, parser, handler); });
  });
  if (ec) throw fail("reading the response to", ec);
  const auto& res = parser.get();
  ClientResponse out;
  out.status = static_cast<int>(res.result_int());
  out.body = res.body();
  for (const auto& f : res) {
    std::string name{f.name_string()};
    for (char& c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string{f.value()};
  }
  if (!res.keep_alive()) {
    impl_->stream.reset();
    impl_->buffer.clear();
  }
  return out;
}

ClientResponse HttpClient::get(const std::string& target, const std::string& bearer) {
  std::vector<std::pair<std::string, std::string>> h;
  if (!bearer.empty()) h.emplace_back("Authorization", "Bearer " + bearer);
  return request("GET", target, {}, h);
}

ClientResponse HttpClient::post_json(const std::string& target, const std::string& json,
                                     const std::string& bearer) {
  std::vector<std::pair<std::string, std::string>> h{{"Content-Type", "application/json"}};
  if (!bearer.empty()) h.emplace_back("Authorization", "Bearer " + bearer);
  return request("POST", target, json, h);
}

}  // namespace tapbench::server
