#include "server/service/config.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

namespace tapbench::server {

namespace {

void only_keys(const YAML::Node& node, const std::string& where, const std::set<std::string>& allowed) {
  if (!node.IsMap()) throw std::invalid_argument(where + ": expected a mapping");
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    if (!allowed.count(key)) throw std::invalid_argument(where + ": unknown key '" + key + "'");
  }
}

template <typename T>
T get(const YAML::Node& node, const std::string& where) {
  try {
    return node.as<T>();
  } catch (const YAML::Exception&) {
    throw std::invalid_argument(where + ": invalid value '" + YAML::Dump(node) + "'");
  }
}

std::int64_t positive(const YAML::Node& node, const std::string& where) {
  const auto v = get<std::int64_t>(node, where);
  if (v <= 0) throw std::invalid_argument(where + ": must be > 0");
  return v;
}

// seconds, or null / "none" for no limit
std::optional<std::chrono::seconds> lifetime(const YAML::Node& node, const std::string& where) {
  if (node.IsNull() || (node.IsScalar() && node.Scalar() == "none")) return std::nullopt;
  return std::chrono::seconds{positive(node, where)};
}

void policy(const YAML::Node& node, const std::string& where, token::Policy& p,
            std::int64_t* max_live = nullptr) {
  if (max_live) {
    only_keys(node, where, {"ttl", "idle_ttl", "random_bytes", "max_live"});
    if (node["max_live"]) {
      *max_live = get<std::int64_t>(node["max_live"], where + ".max_live");
      if (*max_live < 0) throw std::invalid_argument(where + ".max_live: must be >= 0 (0 = no cap)");
    }
  } else {
    only_keys(node, where, {"ttl", "idle_ttl", "random_bytes"});
  }
  if (node["ttl"]) p.ttl = lifetime(node["ttl"], where + ".ttl");
  if (node["idle_ttl"]) p.idle_ttl = lifetime(node["idle_ttl"], where + ".idle_ttl");
  if (node["random_bytes"]) p.random_bytes = static_cast<std::size_t>(positive(node["random_bytes"], where));
  if (const std::string why = token::validate(p); !why.empty())
    throw std::invalid_argument(where + ": " + why);
}

}  // namespace

VendordConfig parse_config(const std::string& yaml_text, VendordConfig c) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw std::invalid_argument(std::string{"config is not valid YAML: "} + e.what());
  }
  if (!root || root.IsNull()) return c;
  only_keys(root, "config",
            {"tokens", "free_pages", "ink_low_percent", "max_pages_per_charge", "payment", "http",
             "keep_spent", "purge_interval"});
  if (const auto t = root["tokens"]) {
    only_keys(t, "tokens", {"st", "svwt", "svt", "cwt"});
    if (t["st"]) policy(t["st"], "tokens.st", c.service.st);
    if (t["svwt"]) policy(t["svwt"], "tokens.svwt", c.service.svwt, &c.service.svwt_max_live);
    if (t["svt"]) policy(t["svt"], "tokens.svt", c.service.svt);
    if (t["cwt"]) policy(t["cwt"], "tokens.cwt", c.service.cwt, &c.service.cwt_max_live);
  }
  if (root["free_pages"]) {
    c.service.free_pages = get<std::int64_t>(root["free_pages"], "free_pages");
    if (c.service.free_pages < 0) throw std::invalid_argument("free_pages: must be >= 0");
  }
  if (root["ink_low_percent"]) {
    c.service.ink_low_percent = get<int>(root["ink_low_percent"], "ink_low_percent");
    if (c.service.ink_low_percent < 0 || c.service.ink_low_percent > 100) {
      throw std::invalid_argument("ink_low_percent: must be 0..100");
    }
  }
  if (root["max_pages_per_charge"]) {
    c.service.max_pages_per_charge = positive(root["max_pages_per_charge"], "max_pages_per_charge");
  }
  if (root["keep_spent"])
    c.service.keep_spent = std::chrono::seconds{positive(root["keep_spent"], "keep_spent")};
  if (root["purge_interval"]) {
    c.service.purge_interval = std::chrono::seconds{positive(root["purge_interval"], "purge_interval")};
  }
  if (const auto p = root["payment"]) {
    only_keys(p, "payment", {"price_cents_per_page", "limit_cents"});
    if (p["price_cents_per_page"]) {
      c.service.price_cents_per_page = positive(p["price_cents_per_page"], "payment.price_cents_per_page");
    }
    if (p["limit_cents"]) c.service.payment_limit_cents = positive(p["limit_cents"], "payment.limit_cents");
  }
  if (const auto h = root["http"]) {
    only_keys(h, "http",
              {"listen", "threads", "blocking_threads", "body_limit", "header_limit", "read_timeout",
               "idle_timeout", "token_failures_per_minute", "token_failure_window", "public_url"});
    if (h["listen"]) c.http.listen = get<std::string>(h["listen"], "http.listen");
    if (h["threads"]) c.http.threads = static_cast<int>(positive(h["threads"], "http.threads"));
    if (h["blocking_threads"]) {
      c.http.blocking_threads = static_cast<int>(positive(h["blocking_threads"], "http.blocking_threads"));
    }
    if (h["body_limit"])
      c.http.body_limit = static_cast<std::size_t>(positive(h["body_limit"], "http.body_limit"));
    if (h["header_limit"]) {
      c.http.header_limit = static_cast<std::size_t>(positive(h["header_limit"], "http.header_limit"));
    }
    if (h["read_timeout"])
      c.http.read_timeout = std::chrono::seconds{positive(h["read_timeout"], "http.read_timeout")};
    if (h["idle_timeout"])
      c.http.idle_timeout = std::chrono::seconds{positive(h["idle_timeout"], "http.idle_timeout")};
    if (h["token_failures_per_minute"]) {
      c.http.token_failures_per_minute =
          static_cast<int>(positive(h["token_failures_per_minute"], "http.token_failures_per_minute"));
    }
    if (h["token_failure_window"]) {
      c.http.token_failure_window =
          std::chrono::seconds{positive(h["token_failure_window"], "http.token_failure_window")};
    }
    if (h["public_url"]) c.http.public_url = get<std::string>(h["public_url"], "http.public_url");
  }
  return c;
}

VendordConfig load_config_file(const std::string& path, VendordConfig base) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("cannot read config file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return parse_config(ss.str(), std::move(base));
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(path + ": " + e.what());
  }
}

}  // namespace tapbench::server
