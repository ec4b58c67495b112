#include "drivers/nfc/tools/nfc_read_tool.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <fstream>
#include <ostream>
#include <vector>

#include "drivers/nfc/nfc_factory.hpp"

namespace tapbench::nfc::tools {
namespace {

double ms(std::chrono::nanoseconds d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

std::string hex(const std::vector<std::uint8_t>& bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (auto v : bytes) {
    s += kDigits[v >> 4];
    s += kDigits[v & 0x0f];
  }
  return s;
}

// Nearest-rank on the sorted values (always the value of a real tap).
double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const std::size_t i =
      std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5));
  return v[i];
}

std::string fixed3(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

// A failure that is not an NfcException (the output file).
struct WriteFailure {
  std::string message;
};

}  // namespace

std::string check_read_options(const NfcReadOptions& o) {
  if (o.spec.empty()) return "SPEC is required";
  if (o.repeat < 1) return "--repeat must be at least 1";
  if (o.wait.count() < 0) return "--wait must not be negative";
  if (o.apdu_timeout.count() < 1) return "--apdu-timeout must be at least 1 ms";
  return {};
}

int run_nfc_read(const NfcReadOptions& o, std::ostream& out, std::ostream& err, const std::string& program) {
  boost::json::object doc;
  boost::json::array taps;
  doc["spec"] = o.spec;
  auto finish_json = [&](int code) {
    doc["taps"] = taps;
    doc["exit_code"] = code;
    out << boost::json::serialize(doc) << "\n";
    out.flush();
    return code;
  };
  try {
    ReaderOptions ro;
    ro.apdu_timeout = o.apdu_timeout;
    auto reader = make_nfc_reader(o.spec, ro);
    err << "reader: " << reader->description() << "\n";
    doc["reader"] = reader->description();
    std::vector<double> to_target, to_ndef, total;
    std::vector<std::uint8_t> first;
    for (long n = 1; n <= o.repeat; ++n) {
      const auto r = reader->read_ndef(o.wait);
      const double a = ms(*r.times.target_found - *r.times.field_on);
      const double b = ms(*r.times.ndef_read - *r.times.target_found);
      to_target.push_back(a);
      to_ndef.push_back(b);
      total.push_back(a + b);
      if (o.json) {
        taps.push_back({{"tap", n},
                        {"bytes", r.ndef.size()},
                        {"apdus", r.apdus},
                        {"uid", hex(r.target.uid)},
                        {"field_on_to_target_found_ms", a},
                        {"target_found_to_ndef_read_ms", b}});
      } else {
        err << "tap " << n << ": " << r.ndef.size() << " bytes, " << r.apdus
            << " APDUs, field_on->target_found " << fixed3(a) << " ms, target_found->ndef_read " << fixed3(b)
            << " ms\n";
      }
      if (n == 1) {
        first = r.ndef;
        if (o.json) {
          doc["ndef"] = hex(r.ndef);
        } else if (!o.quiet) {
          out << hex(r.ndef) << "\n";
          out.flush();
        }
        if (!o.out_file.empty()) {
          std::ofstream f(o.out_file, std::ios::binary | std::ios::trunc);
          f.write(reinterpret_cast<const char*>(r.ndef.data()), static_cast<std::streamsize>(r.ndef.size()));
          if (!f.flush()) throw WriteFailure{"cannot write " + o.out_file};
        }
      } else if (r.ndef != first) {
        const std::string what = "tap " + std::to_string(n) + " read a different message than tap 1";
        if (o.json) {
          doc["ok"] = false;
          doc["error"] = {{"code", "message-changed"}, {"class", "device"}, {"message", what}};
          return finish_json(2);
        }
        err << program << ": " << what << "\n";
        return 2;
      }
    }
    if (o.json) {
      doc["ok"] = true;
      if (o.repeat > 1) {
        doc["target_found_to_ndef_read_ms"] = {{"p50", percentile(to_ndef, 0.5)},
                                               {"p90", percentile(to_ndef, 0.9)},
                                               {"max", percentile(to_ndef, 1.0)}};
        doc["whole_tap_ms"] = {{"p50", percentile(total, 0.5)}};
      }
      return finish_json(0);
    }
    if (o.repeat > 1) {
      err << o.repeat << " taps: target_found->ndef_read p50 " << fixed3(percentile(to_ndef, 0.5))
          << " ms p90 " << fixed3(percentile(to_ndef, 0.9)) << " ms max " << fixed3(percentile(to_ndef, 1.0))
          << " ms; whole tap p50 " << fixed3(percentile(total, 0.5)) << " ms\n";
    }
    return 0;
  } catch (const NfcException& e) {
    const bool device = classify(e.code()) == FailureClass::Device;
    const int code = device ? 2 : 3;
    if (o.json) {
      doc["ok"] = false;
      std::string code_name(to_string(e.code()));  // "device missing" -> "device-missing"
      std::replace(code_name.begin(), code_name.end(), ' ', '-');
      doc["error"] = {
          {"code", code_name}, {"class", device ? "device" : "infrastructure"}, {"message", e.what()}};
      return finish_json(code);
    }
    err << program << ": " << e.what() << (device ? " (device FAIL)" : " (infrastructure ERROR)") << "\n";
    return code;
  } catch (const WriteFailure& e) {
    if (o.json) {
      doc["ok"] = false;
      doc["error"] = {{"code", "output"}, {"class", "infrastructure"}, {"message", e.message}};
      return finish_json(74);
    }
    err << program << ": " << e.message << "\n";
    return 74;
  }
}

}  // namespace tapbench::nfc::tools
