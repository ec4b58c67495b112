#include "firmware-under-test/port/linux/bindings/simulated_ink_sensor.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace tapbench::firmware::port {
namespace json = boost::json;

SimulatedInkSensor::SimulatedInkSensor(SimulatedInkConfig config) : config_(std::move(config)) {
  if (config_.mono_page_black < 0 || config_.colour_page_each < 0)
    throw std::runtime_error("simulated ink: consumption per page must not be negative");
  if (config_.initial.empty()) throw std::runtime_error("simulated ink: no colours");
  for (const auto& [c, v] : config_.initial)
    if (c.empty() || !(v >= 0 && v <= 100))
      throw std::runtime_error("simulated ink: initial level of '" + c + "' must be 0–100");
}

hal::Result<std::map<std::string, double>> SimulatedInkSensor::load_locked() {
  std::ifstream in(config_.file);
  if (!in) {
    if (!std::filesystem::exists(config_.file)) {
      if (auto s = save_locked(config_.initial); !s) return s;
      return config_.initial;
    }
    return hal::Status::failure(hal::HalCode::io_error,
                                "simulated ink: cannot read " + config_.file.string());
  }
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  const json::value v = json::parse(text.str(), ec);
  const json::object* o = (!ec && v.is_object()) ? &v.get_object() : nullptr;
  const json::value* levels = o ? o->if_contains("levels") : nullptr;
  if (!levels || !levels->is_object() || levels->get_object().empty())
    return hal::Status::failure(hal::HalCode::bad_response, "simulated ink: " + config_.file.string() +
                                                                ": expected {\"levels\":{colour:percent}}");
  std::map<std::string, double> out;
  for (const auto& [k, val] : levels->get_object()) {
    if (!val.is_number())
      return hal::Status::failure(hal::HalCode::bad_response,
                                  "simulated ink: level of '" + std::string(k) + "' is not a number");
    const double d = val.to_number<double>();
    if (!(d >= 0 && d <= 100))
      return hal::Status::failure(hal::HalCode::bad_response,
                                  "simulated ink: level of '" + std::string(k) + "' is outside 0–100");
    out[std::string(k)] = d;
  }
  return out;
}

hal::Status SimulatedInkSensor::save_locked(const std::map<std::string, double>& levels) {
  json::object l;
  for (const auto& [k, v] : levels)
    l[k] = v;
  const std::string text = json::serialize(json::object{{"simulated", true}, {"levels", std::move(l)}});
  // Same write-then-rename as the PTB (a crash must not leave a half-written file that blocks the sensor).
  const auto temp = config_.file.string() + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return hal::Status::failure(hal::HalCode::io_error,
                                "simulated ink: cannot create " + temp + ": " + std::strerror(errno));
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::fsync(fd) == 0 && ok;
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(temp.c_str(), config_.file.c_str()) != 0)
    return hal::Status::failure(hal::HalCode::io_error,
                                "simulated ink: cannot save " + config_.file.string());
  return hal::Status::success();
}

hal::Result<std::vector<InkLevel>> SimulatedInkSensor::read_levels() {
  std::lock_guard lock(mutex_);
  auto levels = load_locked();
  if (!levels) return levels.status();
  std::vector<InkLevel> out;
  for (const auto& [c, v] : *levels)
    out.push_back({c, static_cast<std::uint8_t>(std::floor(v))});
  return out;
}

hal::Result<std::map<std::string, double>> SimulatedInkSensor::levels() {
  std::lock_guard lock(mutex_);
  return load_locked();
}

hal::Status SimulatedInkSensor::page_marked(hal::ColourMode mode) {
  std::lock_guard lock(mutex_);
  auto levels = load_locked();
  if (!levels) return levels.status();
  for (auto& [c, v] : *levels) {
    double use = 0;
    if (mode == hal::ColourMode::colour)
      use = config_.colour_page_each;
    else if (c == config_.black_colour)
      use = config_.mono_page_black;
    v = std::max(0.0, v - use);
  }
  return save_locked(*levels);
}

hal::Status SimulatedInkSensor::set_level(const std::string& colour, double percent) {
  if (!(percent >= 0 && percent <= 100))
    return hal::Status::failure(hal::HalCode::rejected, "simulated ink: level must be 0–100");
  std::lock_guard lock(mutex_);
  auto levels = load_locked();
  if (!levels) return levels.status();
  (*levels)[colour] = percent;
  return save_locked(*levels);
}

}  // namespace tapbench::firmware::port
