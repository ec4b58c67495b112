// Transport-neutral HTTP request/response, so routing and pages are tested without sockets and Beast stays
// in http_server.cpp / http_client.cpp only.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace tapbench::server {

struct HttpRequest {
  std::string method;  // "GET", "POST", …
  std::string target;  // path and query, e.g. "/charge?svt=…" (may carry a token: never log it)
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string client;  // remote address, for rate limiting
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // For the access log and metrics: the route template ("/v1/terminal/charge") and "ok" or the error code.
  std::string route;
  std::string outcome = "ok";
};

}  // namespace tapbench::server
