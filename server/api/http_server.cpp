#include "server/api/http_server.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace tapbench::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::pair<std::string, std::uint16_t> parse_listen(const std::string& addr) {
  const auto colon = addr.rfind(':');
  if (colon == std::string::npos)
    throw std::invalid_argument("listen address must be HOST:PORT, got '" + addr + "'");
  std::string host = addr.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";
  const std::string port_text = addr.substr(colon + 1);
  int port = -1;
  try {
    std::size_t used = 0;
    port = std::stoi(port_text, &used);
    if (used != port_text.size()) port = -1;
  } catch (const std::exception&) {
  }
  if (port < 0 || port > 65535) throw std::invalid_argument("invalid port in listen address '" + addr + "'");
  return {host, static_cast<std::uint16_t>(port)};
}

namespace {

std::string error_body(const std::string& code, const std::string& message) {
  return boost::json::serialize(
      boost::json::object{{"error", boost::json::object{{"code", code}, {"message", message}}}});
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Router& router, const HttpConfig& config, const HttpServer::LogSink& log,
          asio::thread_pool& blocking)
      : stream_(std::move(socket)), router_(router), config_(config), log_(log), blocking_(blocking) {
    boost::system::error_code ec;
    const auto ep = stream_.socket().remote_endpoint(ec);
    client_ = ec ? "unknown" : ep.address().to_string();
  }

  void start() {
    asio::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::read, shared_from_this()));
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(config_.body_limit);
    parser_->header_limit(static_cast<std::uint32_t>(config_.header_limit));
    // The first request of a connection gets the read timeout; between keep-alive requests, the idle timeout.
    stream_.expires_after(first_ ? config_.read_timeout : config_.idle_timeout);
    first_ = false;
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::connection_reset || ec == asio::error::eof) {
      return close();
    }
    if (ec == http::error::body_limit) {
      return reply_error(413, "body_too_large",
                         "request body exceeds " + std::to_string(config_.body_limit) + " bytes");
    }
    if (ec == http::error::header_limit) {
      return reply_error(431, "headers_too_large", "request headers are too large");
    }
    // Socket-level failures (aborted on shutdown, reset, …) just close; only HTTP parse errors get a reply.
    if (ec && ec.category() != http::make_error_code(http::error::bad_target).category()) return close();
    if (ec) return reply_error(400, "bad_http", "malformed HTTP request");

    const auto& req = parser_->get();
    HttpRequest r;
    r.method = std::string{req.method_string()};
    r.target = std::string{req.target()};
    for (const auto& field : req) {
      std::string name{field.name_string()};
      for (char& c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      r.headers[name] = std::string{field.value()};
    }
    r.body = req.body();
    r.client = client_;
    if (req.method() == http::verb::get || req.method() == http::verb::head)
      return respond(router_.handle(r));
    // A write may wait for its durable commit: the SVWT→SVT exchange is answered by the store's group
    // committer, other writes run on the blocking pool; either way the answer comes back to this strand.
    router_.handle_async(
        std::move(r),
        [self = shared_from_this()](HttpResponse out) {
          asio::post(self->stream_.get_executor(),
                     [self, out = std::move(out)]() mutable { self->respond(std::move(out)); });
        },
        [this](std::function<void()> work) { asio::post(blocking_, std::move(work)); });
  }

  // The request is still the parser's (no new read starts before the answer is written).
  void respond(HttpResponse out) {
    const auto& req = parser_->get();
    if (log_) {
      // Route template only: the target's query may hold an SVT (S118).
      log_(client_ + " " + std::string{req.method_string()} + " " + out.route + " " +
           std::to_string(out.status) + " " + out.outcome);
    }
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(out.status),
                                                                   req.version());
    res->set(http::field::server, "vendord");
    res->set(http::field::content_type, out.content_type);
    for (const auto& [k, v] : out.headers)
      res->set(k, v);
    res->keep_alive(req.keep_alive());
    if (req.method() != http::verb::head) res->body() = std::move(out.body);
    res->prepare_payload();
    if (req.method() == http::verb::head) res->body().clear();
    send(res, !req.keep_alive());
  }

  void reply_error(int status, const std::string& code, const std::string& message) {
    if (log_) log_(client_ + " - - " + std::to_string(status) + " " + code);
    router_.rejected(code);
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(status), 11);
    res->set(http::field::server, "vendord");
    res->set(http::field::content_type, "application/json");
    res->keep_alive(false);
    res->body() = error_body(code, message);
    res->prepare_payload();
    send(res, true);
  }

  void send(std::shared_ptr<http::response<http::string_body>> res, bool close_after) {
    stream_.expires_after(config_.read_timeout);
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res, close_after](beast::error_code ec, std::size_t) {
                        if (ec || close_after) return self->close();
                        self->read();
                      });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Router& router_;
  const HttpConfig& config_;
  const HttpServer::LogSink& log_;
  asio::thread_pool& blocking_;
  std::string client_;
  bool first_ = true;
};

}  // namespace

struct HttpServer::Impl {
  Impl(Router& r, const HttpConfig& c, LogSink l)
      : router(r),
        config(c),
        log(std::move(l)),
        ioc(std::max(1, c.threads)),
        acceptor(ioc),
        blocking(static_cast<std::size_t>(std::max(1, c.blocking_threads))) {}

  void accept() {
    acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (!acceptor.is_open()) return;
      if (!ec) std::make_shared<Session>(std::move(socket), router, config, log, blocking)->start();
      accept();
    });
  }

  Router& router;
  HttpConfig config;
  LogSink log;
  asio::io_context ioc;
  tcp::acceptor acceptor;
  asio::thread_pool blocking;  // requests that may wait for a durable commit
  std::vector<std::thread> threads;
  std::mutex mutex;
  bool stopped = false;
};

HttpServer::HttpServer(Router& router, const HttpConfig& config, LogSink log)
    : impl_(std::make_unique<Impl>(router, config, std::move(log))) {}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::start() {
  const auto [host, port] = parse_listen(impl_->config.listen);
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) throw std::runtime_error("invalid listen address '" + host + "': " + ec.message());
  const tcp::endpoint ep{address, port};
  auto& a = impl_->acceptor;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("cannot listen on " + impl_->config.listen + ": " + ec.message());
  impl_->accept();
  for (int i = 0; i < std::max(1, impl_->config.threads); ++i) {
    impl_->threads.emplace_back([this] { impl_->ioc.run(); });
  }
}

std::uint16_t HttpServer::port() const {
  boost::system::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

void HttpServer::stop() {
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->stopped) return;
    impl_->stopped = true;
  }
  asio::post(impl_->ioc, [this] {
    boost::system::error_code ec;
    impl_->acceptor.close(ec);
  });
  impl_->ioc.stop();
  for (auto& t : impl_->threads) {
    if (t.joinable()) t.join();
  }
  impl_->blocking.stop();
  impl_->blocking.join();
}

}  // namespace tapbench::server
