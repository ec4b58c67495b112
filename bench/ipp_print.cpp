// tapbench-bench-ipp: IPP Print-Job latency of a one-page document (issue 8), against printerd or any IPP
// printer (ippeveprinter as the reference), with libcups on one keep-alive loopback connection.
// Each job: Print-Job with the document (timed: request sent → response received), then Get-Job-Attributes
// polled until the job is done (its completion time is reported too, coarser: 2 ms polling), so jobs never
// queue up behind each other and every Print-Job meets an idle printer.
#include <cups/cups.h>
#include <cups/raster.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace {

using Steady = std::chrono::steady_clock;

[[noreturn]] void usage(int code) {
  (code == 0 ? std::cout : std::cerr)
      << "usage: tapbench-bench-ipp --port PORT [--resource /ipp/print] [--bearer-file FILE] [--jobs N]\n"
         "                          [--doc FILE] [--json FILE]\n"
         "       tapbench-bench-ipp --make-doc FILE   (one A4 page, PWG raster black_1 at 300 dpi)\n"
         "Prints N one-page jobs on ipp://127.0.0.1:PORT/RESOURCE one after the other; reports the "
         "Print-Job\n"
         "round trip p50/p99 and the time until each job is completed.\n"
         "  --bearer-file FILE  send 'Authorization: Bearer <first line of FILE>' (printerd's PT/PWT)\n"
         "  --jobs N            jobs [200]\n"
         "Exit: 0 every job completed, 1 a job failed or the printer is unreachable, 64 usage.\n";
  std::exit(code);
}

void make_doc(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) throw std::runtime_error("cannot create " + path);
  cups_raster_t* ras = cupsRasterOpen(fd, CUPS_RASTER_WRITE_PWG);
  cups_page_header2_t h;
  if (!cupsRasterInitPWGHeader(&h, pwgMediaForPWG("iso_a4_210x297mm"), "black_1", 300, 300, "one-sided",
                               "normal"))
    throw std::runtime_error(std::string("cupsRasterInitPWGHeader: ") + cupsLastErrorString());
  h.cupsInteger[CUPS_RASTER_PWG_TotalPageCount] = 1;
  cupsRasterWriteHeader2(ras, &h);
  std::vector<unsigned char> white(h.cupsBytesPerLine, 0x00), band(h.cupsBytesPerLine, 0x00);
  for (unsigned i = h.cupsBytesPerLine / 3; i < 2 * h.cupsBytesPerLine / 3; ++i)
    band[i] = 0xff;
  for (unsigned y = 0; y < h.cupsHeight; ++y)
    cupsRasterWritePixels(ras, (y > h.cupsHeight / 3 && y < h.cupsHeight / 2 ? band : white).data(),
                          h.cupsBytesPerLine);
  cupsRasterClose(ras);
  ::close(fd);
}

struct Summary {
  long n = 0;
  double p50 = 0, p90 = 0, p99 = 0, max = 0;
};
Summary summarize(std::vector<std::int64_t> v) {
  Summary s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  auto at = [&](double p) {
    auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
    return static_cast<double>(v[std::clamp<std::size_t>(rank, 1, v.size()) - 1]) / 1e6;
  };
  s.n = static_cast<long>(v.size());
  s.p50 = at(50);
  s.p90 = at(90);
  s.p99 = at(99);
  s.max = static_cast<double>(v.back()) / 1e6;
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  long jobs = 200;
  std::string resource = "/ipp/print", bearer_file, doc, json_out;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "tapbench-bench-ipp: " << a << " needs a value\n";
        usage(64);
      }
      return argv[++i];
    };
    try {
      if (a == "--help" || a == "-h")
        usage(0);
      else if (a == "--make-doc") {
        make_doc(val());
        return 0;
      } else if (a == "--port")
        port = std::stoi(val());
      else if (a == "--resource")
        resource = val();
      else if (a == "--bearer-file")
        bearer_file = val();
      else if (a == "--jobs")
        jobs = std::stol(val());
      else if (a == "--doc")
        doc = val();
      else if (a == "--json")
        json_out = val();
      else {
        std::cerr << "tapbench-bench-ipp: unknown option '" << a << "'\n";
        usage(64);
      }
    } catch (const std::invalid_argument&) {
      std::cerr << "tapbench-bench-ipp: " << a << " needs a number\n";
      usage(64);
    } catch (const std::out_of_range&) {
      std::cerr << "tapbench-bench-ipp: " << a << " out of range\n";
      usage(64);
    } catch (const std::runtime_error& e) {
      std::cerr << "tapbench-bench-ipp: " << e.what() << "\n";
      return 1;
    }
  }
  if (port <= 0 || port > 65535 || jobs < 1 || doc.empty()) {
    std::cerr << "tapbench-bench-ipp: --port, --doc and --jobs >= 1 are required\n";
    usage(64);
  }
  std::string bearer;
  if (!bearer_file.empty()) {
    std::ifstream f(bearer_file);
    std::getline(f, bearer);
    if (bearer.empty()) {
      std::cerr << "tapbench-bench-ipp: no token in " << bearer_file << "\n";
      return 64;
    }
  }

  http_t* http =
      httpConnect2("127.0.0.1", port, nullptr, AF_INET, HTTP_ENCRYPTION_IF_REQUESTED, 1, 5000, nullptr);
  if (http == nullptr) {
    std::cerr << "tapbench-bench-ipp: cannot connect to 127.0.0.1:" << port << "\n";
    return 1;
  }
  httpSetTimeout(http, 10.0, nullptr, nullptr);
  if (!bearer.empty()) httpSetAuthString(http, "Bearer", bearer.c_str());
  const std::string uri = "ipp://127.0.0.1:" + std::to_string(port) + resource;
  auto request = [&](ipp_op_t op) {
    ipp_t* r = ippNewRequest(op);
    ippAddString(r, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", nullptr, uri.c_str());
    ippAddString(r, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", nullptr, "bench");
    return r;
  };

  std::vector<std::int64_t> submit_ns, done_ns;
  for (long k = 0; k < jobs; ++k) {
    ipp_t* r = request(IPP_OP_PRINT_JOB);
    ippAddString(r, IPP_TAG_OPERATION, IPP_TAG_NAME, "job-name", nullptr, "bench");
    ippAddString(r, IPP_TAG_OPERATION, IPP_TAG_MIMETYPE, "document-format", nullptr, "image/pwg-raster");
    const auto t0 = Steady::now();
    ipp_t* res = cupsDoFileRequest(http, r, resource.c_str(), doc.c_str());
    const auto t1 = Steady::now();
    if (res == nullptr || cupsLastError() > IPP_STATUS_OK_EVENTS_COMPLETE) {
      std::cerr << "tapbench-bench-ipp: Print-Job " << (k + 1) << " failed: " << cupsLastErrorString()
                << "\n";
      ippDelete(res);
      httpClose(http);
      return 1;
    }
    const int job_id = ippGetInteger(ippFindAttribute(res, "job-id", IPP_TAG_INTEGER), 0);
    ippDelete(res);
    submit_ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
    // Wait (bounded) until the job is done so the next Print-Job meets an idle printer.
    const auto deadline = t0 + std::chrono::seconds(20);
    int state = 0;
    while (Steady::now() < deadline) {
      ipp_t* g = request(IPP_OP_GET_JOB_ATTRIBUTES);
      ippAddInteger(g, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "job-id", job_id);
      ipp_t* gr = cupsDoRequest(http, g, resource.c_str());
      state = ippGetInteger(ippFindAttribute(gr, "job-state", IPP_TAG_ENUM), 0);
      ippDelete(gr);
      if (state >= IPP_JSTATE_CANCELED) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    if (state != IPP_JSTATE_COMPLETED) {
      std::cerr << "tapbench-bench-ipp: job " << job_id << " ended in state " << state
                << " (9 = completed)\n";
      httpClose(http);
      return 1;
    }
    done_ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(Steady::now() - t0).count());
  }
  httpClose(http);

  const Summary s = summarize(submit_ns), d = summarize(done_ns);
  std::printf(
      "Print-Job (one page, %s): n=%ld p50 %.2f ms p90 %.2f ms p99 %.2f ms max %.2f ms; "
      "until completed p50 %.2f ms p99 %.2f ms\n",
      doc.c_str(), s.n, s.p50, s.p90, s.p99, s.max, d.p50, d.p99);
  if (!json_out.empty()) {
    boost::json::object o{{"jobs", s.n},
                          {"print_job_p50_ms", s.p50},
                          {"print_job_p90_ms", s.p90},
                          {"print_job_p99_ms", s.p99},
                          {"print_job_max_ms", s.max},
                          {"completed_p50_ms", d.p50},
                          {"completed_p99_ms", d.p99}};
    std::ofstream f(json_out, std::ios::trunc);
    f << boost::json::serialize(o) << "\n";
  }
  return 0;
}
