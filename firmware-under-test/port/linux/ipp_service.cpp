#include "firmware-under-test/port/linux/ipp_service.hpp"

#include "firmware-under-test/port/linux/pdf_raster.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <strings.h>
#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace tapbench::firmware::port {

bool parse_log_level(const std::string& text, pappl_loglevel_t& level) {
  static const struct {
    const char* name;
    pappl_loglevel_t level;
  } kLevels[] = {{"debug", PAPPL_LOGLEVEL_DEBUG},
                 {"info", PAPPL_LOGLEVEL_INFO},
                 {"warn", PAPPL_LOGLEVEL_WARN},
                 {"error", PAPPL_LOGLEVEL_ERROR},
                 {"fatal", PAPPL_LOGLEVEL_FATAL}};
  for (const auto& l : kLevels) {
    if (text == l.name) {
      level = l.level;
      return true;
    }
  }
  return false;
}

bool is_loopback_host(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

bool token_from_authorization(const std::string& header, std::string& token, std::string& user) {
  token.clear();
  user.clear();
  const auto space = header.find(' ');
  if (space == std::string::npos) return false;
  const std::string scheme = header.substr(0, space);
  std::string value = header.substr(header.find_first_not_of(' ', space) == std::string::npos
                                        ? header.size()
                                        : header.find_first_not_of(' ', space));
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
    value.pop_back();
  if (value.empty()) return false;
  if (strcasecmp(scheme.c_str(), "Bearer") == 0) {
    token = value;
    return true;
  }
  if (strcasecmp(scheme.c_str(), "Basic") == 0) {
    std::vector<char> decoded(value.size() + 4);
    int length = static_cast<int>(decoded.size());
    if (httpDecode64_2(decoded.data(), &length, value.c_str()) == nullptr || length <= 0) return false;
    const std::string pair(decoded.data(), static_cast<std::size_t>(length));
    std::fill(decoded.begin(), decoded.end(), '\0');
    const auto colon = pair.find(':');
    if (colon == std::string::npos) return false;
    user = pair.substr(0, colon);
    token = pair.substr(colon + 1);
    return !token.empty();
  }
  return false;
}

namespace {

// Per-job state, attached with papplJobSetData when the job starts rendering.
struct JobState {
  IppService* service = nullptr;
  std::string principal;
  PageWriter writer;
  bool page_open = false;  // a page was charged and its file opened, not yet finished
  bool page_colour = false;
  unsigned page = 0;
  JobRecord record;
  bool cut = false;
};

pappl_supply_color_t supply_colour(const std::string& name) {
  if (name == "cyan") return PAPPL_SUPPLY_COLOR_CYAN;
  if (name == "magenta") return PAPPL_SUPPLY_COLOR_MAGENTA;
  if (name == "yellow") return PAPPL_SUPPLY_COLOR_YELLOW;
  if (name == "black") return PAPPL_SUPPLY_COLOR_BLACK;
  if (name == "light-cyan") return PAPPL_SUPPLY_COLOR_LIGHT_CYAN;
  if (name == "light-magenta") return PAPPL_SUPPLY_COLOR_LIGHT_MAGENTA;
  if (name == "gray") return PAPPL_SUPPLY_COLOR_GRAY;
  return PAPPL_SUPPLY_COLOR_NO_COLOR;
}

const char* const kMedia[] = {"iso_a4_210x297mm", "na_letter_8.5x11in", "na_legal_8.5x14in",
                              "iso_a5_148x210mm", "iso_a6_105x148mm",   "na_index-4x6_4x6in"};
const char* const kSources[] = {"main", "manual"};
const char* const kReady[] = {"iso_a4_210x297mm", "na_letter_8.5x11in"};
const char* const kTypes[] = {"stationery", "photographic-glossy", "labels"};
constexpr int kMargin = 423;  // 1/6 inch in hundredths of millimetres

IppService* service_of(pappl_printer_t* printer) {
  pappl_pr_driver_data_t data;
  if (papplPrinterGetDriverData(printer, &data) == nullptr) return nullptr;
  return static_cast<IppService*>(data.extension);
}

}  // namespace

// The C callbacks PAPPL calls. Members of a nested struct so they may reach IppService's private parts.
struct IppService::Callbacks {
  static bool driver(pappl_system_t* system, const char* driver_name, const char* /*device_uri*/,
                     const char* /*device_id*/, pappl_pr_driver_data_t* d, ipp_t** driver_attrs, void* data) {
    if (std::strcmp(driver_name, "tapbench_ref") != 0) {
      papplLog(system, PAPPL_LOGLEVEL_ERROR, "Unknown driver '%s'.", driver_name);
      return false;
    }
    d->extension = data;
    d->identify_cb = identify;
    d->printfile_cb = print_file;
    d->rstartjob_cb = start_job;
    d->rstartpage_cb = start_page;
    d->rwriteline_cb = write_line;
    d->rendpage_cb = end_page;
    d->rendjob_cb = end_job;
    d->status_cb = status;
    d->format = "image/pwg-raster";
    std::snprintf(d->make_and_model, sizeof d->make_and_model, "tapbench reference printer");
    d->ppm = 10;
    d->ppm_color = 5;
    d->kind = PAPPL_KIND_DOCUMENT | PAPPL_KIND_PHOTO;
    d->has_supplies = true;
    d->orient_default = IPP_ORIENT_PORTRAIT;
    d->color_supported = PAPPL_COLOR_MODE_AUTO | PAPPL_COLOR_MODE_AUTO_MONOCHROME | PAPPL_COLOR_MODE_COLOR |
                         PAPPL_COLOR_MODE_MONOCHROME;
    d->color_default = PAPPL_COLOR_MODE_AUTO;
    d->content_default = PAPPL_CONTENT_AUTO;
    d->quality_default = IPP_QUALITY_NORMAL;
    d->scaling_default = PAPPL_SCALING_AUTO;
    d->raster_types =
        PAPPL_PWG_RASTER_TYPE_BLACK_1 | PAPPL_PWG_RASTER_TYPE_SGRAY_8 | PAPPL_PWG_RASTER_TYPE_SRGB_8;
    d->duplex = PAPPL_DUPLEX_NORMAL;
    d->sides_supported =
        PAPPL_SIDES_ONE_SIDED | PAPPL_SIDES_TWO_SIDED_LONG_EDGE | PAPPL_SIDES_TWO_SIDED_SHORT_EDGE;
    d->sides_default = PAPPL_SIDES_ONE_SIDED;
    d->num_resolution = 2;
    d->x_resolution[0] = d->y_resolution[0] = 150;
    d->x_resolution[1] = d->y_resolution[1] = 300;
    d->x_default = d->y_default = 300;
    d->left_right = kMargin;
    d->bottom_top = kMargin;
    d->num_media = static_cast<int>(std::size(kMedia));
    for (int i = 0; i < d->num_media; ++i)
      d->media[i] = kMedia[i];
    d->num_source = static_cast<int>(std::size(kSources));
    for (int i = 0; i < d->num_source; ++i) {
      d->source[i] = kSources[i];
      pappl_media_col_t& m = d->media_ready[i];
      const pwg_media_t* pwg = pwgMediaForPWG(kReady[i]);
      m.size_width = pwg->width;
      m.size_length = pwg->length;
      m.bottom_margin = m.top_margin = kMargin;
      m.left_margin = m.right_margin = kMargin;
      std::snprintf(m.size_name, sizeof m.size_name, "%s", kReady[i]);
      std::snprintf(m.source, sizeof m.source, "%s", kSources[i]);
      std::snprintf(m.type, sizeof m.type, "%s", kTypes[0]);
    }
    d->media_default = d->media_ready[0];
    d->num_type = static_cast<int>(std::size(kTypes));
    for (int i = 0; i < d->num_type; ++i)
      d->type[i] = kTypes[i];
    d->num_bin = 1;
    d->bin[0] = "face-down";
    d->identify_default = PAPPL_IDENTIFY_ACTIONS_DISPLAY;
    d->identify_supported = PAPPL_IDENTIFY_ACTIONS_DISPLAY | PAPPL_IDENTIFY_ACTIONS_SOUND;

    // IPP Everywhere attributes PAPPL 1.3 does not derive from the driver data.
    ipp_t* attrs = ippNew();
    static const char* const kIntents[] = {"auto", "perceptual", "relative"};
    ippAddStrings(attrs, IPP_TAG_PRINTER, IPP_CONST_TAG(IPP_TAG_KEYWORD), "print-rendering-intent-supported",
                  static_cast<int>(std::size(kIntents)), nullptr, kIntents);
    ippAddString(attrs, IPP_TAG_PRINTER, IPP_CONST_TAG(IPP_TAG_KEYWORD), "print-rendering-intent-default",
                 nullptr, "auto");
    static const char* const kOverrides[] = {"document-number", "pages"};
    ippAddStrings(attrs, IPP_TAG_PRINTER, IPP_CONST_TAG(IPP_TAG_KEYWORD), "overrides-supported",
                  static_cast<int>(std::size(kOverrides)), nullptr, kOverrides);
    ippAddBoolean(attrs, IPP_TAG_PRINTER, "preferred-attributes-supported", 0);
    *driver_attrs = attrs;
    return true;
  }

  static void identify(pappl_printer_t* printer, pappl_identify_actions_t actions, const char* message) {
    papplLogPrinter(printer, PAPPL_LOGLEVEL_INFO, "Identify-Printer: actions=0x%x message='%s'", actions,
                    message ? message : "");
  }

  static bool status(pappl_printer_t* printer) {
    if (IppService* svc = service_of(printer)) svc->refresh_supplies();
    return true;
  }

  // --- pages -------------------------------------------------------------------------------------------

  static JobState* state_for(pappl_job_t* job) {
    if (auto* st = static_cast<JobState*>(papplJobGetData(job))) return st;
    IppService* svc = service_of(papplJobGetPrinter(job));
    if (svc == nullptr) return nullptr;
    auto* st = new JobState;
    st->service = svc;
    const char* user = papplJobGetUsername(job);
    st->principal = user ? user : "";
    st->record.job_id = papplJobGetID(job);
    st->record.name = papplJobGetName(job) ? papplJobGetName(job) : "";
    st->record.principal = st->principal;
    st->record.format = papplJobGetFormat(job) ? papplJobGetFormat(job) : "";
    papplJobSetData(job, st);
    return st;
  }

  // Charges the page and opens its file. false = the job stops here (cut at this page boundary).
  static bool begin_page(JobState& st, pappl_job_t* job, const cups_page_header2_t& header) {
    PrintAuthority& authority = st.service->authority_;
    const unsigned page = st.page + 1;
    const std::string name = PageStore::page_file_name(st.record.job_id, page);
    // Job ids continue across restarts (next_job_id), so no earlier page should have this name; if one does
    // (an output folder edited by hand), it goes before the charge, so that once the page is in flight its
    // file exists only if this page was finished (the core's boot settlement).
    std::error_code stale;
    std::filesystem::remove(st.service->pages_->dir() / name, stale);
    const PageCharge charge = authority.charge_page(st.record.job_id, st.principal);
    if (!charge.charged) {
      st.cut = true;
      st.record.reason = charge.reason;
      papplJobSetReasons(job, PAPPL_JREASON_ABORTED_BY_SYSTEM, PAPPL_JREASON_NONE);
      papplJobSetMessage(job, "Stopped before page %u: %s; %u pages printed, %u printable pages left.", page,
                         charge.reason.c_str(), st.record.pages_printed, charge.remaining);
      papplLogJob(job, PAPPL_LOGLEVEL_INFO, "Job cut before page %u (%s); %u printed, %u left.", page,
                  charge.reason.c_str(), st.record.pages_printed, charge.remaining);
      return false;
    }
    std::string error;
    if (!st.writer.open(st.service->pages_->dir() / name, header, error)) {
      authority.refund_page(st.record.job_id, st.principal);
      st.record.reason = error;
      papplLogJob(job, PAPPL_LOGLEVEL_ERROR, "Print engine: %s (page refunded).", error.c_str());
      return false;
    }
    st.page = page;
    st.page_open = true;
    st.page_colour = header.cupsNumColors > 1;
    st.record.files.push_back(name);
    return true;
  }

  // Finishes the page: marked (ink used) or refunded.
  static bool finish_page(JobState& st, pappl_job_t* job) {
    if (!st.page_open) return true;
    st.page_open = false;
    PrintAuthority& authority = st.service->authority_;
    std::string error;
    const std::uint64_t marked = st.writer.marked_bytes();
    if (!st.writer.close(error)) {
      authority.refund_page(st.record.job_id, st.principal);
      st.record.files.pop_back();
      st.record.reason = error;
      papplLogJob(job, PAPPL_LOGLEVEL_ERROR, "Print engine: %s (page refunded).", error.c_str());
      return false;
    }
    authority.page_marked(st.record.job_id, st.principal, st.page_colour);
    ++st.record.pages_printed;
    st.record.marked_bytes.push_back(marked);
    const std::uint32_t left = authority.remaining_pages();
    papplJobSetMessage(job, "Printed page %u; %u printable pages left.", st.page, left);
    st.service->refresh_supplies();
    return true;
  }

  // An unfinished page was never marked: give its charge back.
  static void abandon_page(JobState& st) {
    if (!st.page_open) return;
    st.page_open = false;
    st.writer.discard();
    if (!st.record.files.empty()) st.record.files.pop_back();
    st.service->authority_.refund_page(st.record.job_id, st.principal);
  }

  static bool start_job(pappl_job_t* job, pappl_pr_options_t* /*options*/, pappl_device_t* /*device*/) {
    return state_for(job) != nullptr;
  }

  static bool start_page(pappl_job_t* job, pappl_pr_options_t* options, pappl_device_t* /*device*/,
                         unsigned /*page*/) {
    JobState* st = state_for(job);
    if (st == nullptr) return false;
    if (!begin_page(*st, job, options->header)) {
      // PAPPL's raster path counts a page as completed before asking for it, its JPEG path does not: make
      // job-impressions-completed the pages actually printed.
      papplJobSetImpressionsCompleted(
          job, static_cast<int>(st->record.pages_printed) - papplJobGetImpressionsCompleted(job));
      return false;
    }
    return true;
  }

  static bool write_line(pappl_job_t* job, pappl_pr_options_t* /*options*/, pappl_device_t* /*device*/,
                         unsigned /*y*/, const unsigned char* line) {
    auto* st = static_cast<JobState*>(papplJobGetData(job));
    return st != nullptr && st->writer.write_line(line);
  }

  static bool end_page(pappl_job_t* job, pappl_pr_options_t* /*options*/, pappl_device_t* /*device*/,
                       unsigned /*page*/) {
    auto* st = static_cast<JobState*>(papplJobGetData(job));
    return st != nullptr && finish_page(*st, job);
  }

  static bool end_job(pappl_job_t* job, pappl_pr_options_t* /*options*/, pappl_device_t* /*device*/) {
    auto* st = static_cast<JobState*>(papplJobGetData(job));
    if (st != nullptr) abandon_page(*st);
    // A cut job ends aborted (PAPPL marks it when a callback returns false); the record is written when the
    // job reaches its final state (event callback).
    return st != nullptr && !st->cut;
  }

  // A spooled PWG raster document (PAPPL hands documents in the driver's own format to printfile_cb):
  // the same per-page path as streamed raster, read from the spool file.
  static bool print_file(pappl_job_t* job, pappl_pr_options_t* options, pappl_device_t* /*device*/) {
    JobState* st = state_for(job);
    if (st == nullptr) return false;
    const int fd = open(papplJobGetFilename(job), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      papplLogJob(job, PAPPL_LOGLEVEL_ERROR, "Cannot open the spooled document: %s", std::strerror(errno));
      return false;
    }
    cups_raster_t* ras = cupsRasterOpen(fd, CUPS_RASTER_READ);
    cups_page_header2_t header;
    bool ok = ras != nullptr;
    unsigned pages = 0;
    std::vector<unsigned char> line;
    while (ok && cupsRasterReadHeader2(ras, &header)) {
      if (papplJobIsCanceled(job)) break;
      if (header.cupsWidth == 0 || header.cupsHeight == 0 ||
          (header.cupsBitsPerColor != 1 && header.cupsBitsPerColor != 8) ||
          header.cupsColorOrder != CUPS_ORDER_CHUNKED ||
          header.cupsBytesPerLine != (header.cupsWidth * header.cupsBitsPerPixel + 7) / 8) {
        papplLogJob(job, PAPPL_LOGLEVEL_ERROR, "Bad raster data seen.");
        papplJobSetReasons(job, PAPPL_JREASON_DOCUMENT_FORMAT_ERROR, PAPPL_JREASON_NONE);
        ok = false;
        break;
      }
      if (!begin_page(*st, job, header)) {
        ok = false;
        break;
      }
      line.resize(header.cupsBytesPerLine);
      for (unsigned y = 0; ok && y < header.cupsHeight; ++y) {
        ok = cupsRasterReadPixels(ras, line.data(), header.cupsBytesPerLine) == header.cupsBytesPerLine &&
             st->writer.write_line(line.data());
      }
      if (!ok) {
        papplLogJob(job, PAPPL_LOGLEVEL_ERROR, "Short raster page %u.", st->page);
        abandon_page(*st);
        break;
      }
      ok = finish_page(*st, job);
      ++pages;
    }
    if (ras != nullptr) cupsRasterClose(ras);
    close(fd);
    abandon_page(*st);
    (void)options;
    // PAPPL's raw path counts one impression and adds one completed impression on success: correct both.
    papplJobSetImpressions(job, static_cast<int>(std::max(pages, 1u)));
    const int printed = static_cast<int>(st->record.pages_printed);
    papplJobSetImpressionsCompleted(job, ok ? printed - 1 : printed);
    return ok && printed > 0;
  }

  // A PDF document (MIME filter application/pdf → the driver's PWG raster): each page rendered by Poppler
  // (pdf_raster.hpp) and charged, written and marked through the same per-page path as raster, so the quota
  // cut at a page boundary, page-ranges and copies hold for PDF too.
  static bool print_pdf(pappl_job_t* job, pappl_device_t* /*device*/, void* /*data*/) {
    JobState* st = state_for(job);
    if (st == nullptr) return false;
    std::string error;
    const auto doc = PdfDocument::open(papplJobGetFilename(job), error);
    if (!doc) {
      papplLogJob(job, PAPPL_LOGLEVEL_ERROR, "Cannot print the PDF document: %s.", error.c_str());
      papplJobSetReasons(job, PAPPL_JREASON_DOCUMENT_FORMAT_ERROR, PAPPL_JREASON_NONE);
      return false;
    }
    const unsigned pages = doc->page_count();
    pappl_pr_options_t* options = papplJobCreatePrintOptions(job, pages, true);
    if (options == nullptr) return false;
    const unsigned first = std::max(options->first_page, 1u);
    const unsigned last = std::min(options->last_page == 0 ? pages : options->last_page, pages);
    const int copies = std::max(options->copies, 1);
    const unsigned selected = last >= first ? last - first + 1 : 0;
    papplJobSetImpressions(job, static_cast<int>(selected) * copies);
    papplLogJob(job, PAPPL_LOGLEVEL_INFO, "PDF document: %u pages, printing %u-%u, %d copies.", pages, first,
                last, copies);
    bool ok = selected > 0;
    for (int copy = 0; ok && copy < copies; ++copy) {
      for (unsigned p = first; ok && p <= last; ++p) {
        if (papplJobIsCanceled(job)) {
          ok = false;
          break;
        }
        if (!begin_page(*st, job, options->header)) {
          ok = false;
          break;
        }
        ok = doc->render_page(
            p - 1, options->header, options->dither,
            [st](const unsigned char* line) { return st->writer.write_line(line); }, error);
        if (!ok) {
          papplLogJob(job, PAPPL_LOGLEVEL_ERROR, "PDF page %u: %s.", p, error.c_str());
          papplJobSetReasons(job, PAPPL_JREASON_DOCUMENT_FORMAT_ERROR, PAPPL_JREASON_NONE);
          abandon_page(*st);
          break;
        }
        ok = finish_page(*st, job);
        if (ok) papplJobSetImpressionsCompleted(job, 1);
      }
    }
    abandon_page(*st);
    papplJobDeletePrintOptions(options);
    return ok && !st->cut;
  }

  // Writes the job's record once it reached its final state, and frees its state.
  static void event(pappl_system_t* /*system*/, pappl_printer_t* /*printer*/, pappl_job_t* job,
                    pappl_event_t event, void* /*data*/) {
    if (job == nullptr || (event & PAPPL_EVENT_JOB_COMPLETED) == 0) return;
    // Cancel-Job on a job being printed sends JOB_COMPLETED at once while the job is still processing (PAPPL
    // only flags it); its thread stops at the end of the page and sends it again in the final state. The
    // state is in use until then.
    if (papplJobGetState(job) < IPP_JSTATE_CANCELED) return;
    auto* st = static_cast<JobState*>(papplJobGetData(job));
    if (st == nullptr) return;
    abandon_page(*st);
    switch (papplJobGetState(job)) {
      case IPP_JSTATE_COMPLETED:
        st->record.state = "completed";
        break;
      case IPP_JSTATE_CANCELED:
        st->record.state = "canceled";
        break;
      default:
        st->record.state = st->cut ? "cut" : "aborted";
        break;
    }
    st->service->authority_.end_job(st->record.job_id);
    st->record.pages_remaining = st->service->authority_.remaining_pages();
    std::string error;
    if (!st->service->pages_->append(st->record, error)) {
      papplLogJob(job, PAPPL_LOGLEVEL_ERROR, "Job record: %s", error.c_str());
    }
    papplLogJob(job, PAPPL_LOGLEVEL_INFO, "Job %s: %u pages printed, %u printable pages left.",
                st->record.state.c_str(), st->record.pages_printed, st->record.pages_remaining);
    papplJobSetData(job, nullptr);
    delete st;
  }

  // --- auth ----------------------------------------------------------------------------------------------

  static AuthPurpose purpose_of(pappl_client_t* client) {
    switch (papplClientGetOperation(client)) {
      case IPP_OP_PRINT_JOB:
      case IPP_OP_PRINT_URI:
      case IPP_OP_CREATE_JOB:
      case IPP_OP_VALIDATE_JOB:
        return AuthPurpose::print;
      case IPP_OP_SET_PRINTER_ATTRIBUTES: {
        ipp_t* request = papplClientGetRequest(client);
        if (ippFindAttribute(request, "printer-wifi-ssid", IPP_TAG_ZERO) != nullptr ||
            ippFindAttribute(request, "printer-wifi-password", IPP_TAG_ZERO) != nullptr) {
          return AuthPurpose::router_handover;
        }
        return AuthPurpose::admin;
      }
      case IPP_OP_PAUSE_PRINTER:
      case IPP_OP_RESUME_PRINTER:
      case IPP_OP_PURGE_JOBS:
      case IPP_OP_CANCEL_JOBS:
      case IPP_OP_ENABLE_PRINTER:
      case IPP_OP_DISABLE_PRINTER:
      case IPP_OP_PAUSE_PRINTER_AFTER_CURRENT_JOB:
      case IPP_OP_CREATE_PRINTER:
      case IPP_OP_DELETE_PRINTER:
      case IPP_OP_SET_SYSTEM_ATTRIBUTES:
      case IPP_OP_SHUTDOWN_ALL_PRINTERS:
      case IPP_OP_SET_JOB_ATTRIBUTES:
        return AuthPurpose::admin;
      default:  // Send-Document, Cancel-Job, Get-Job-Attributes, Get-Jobs, Identify-Printer, …
        return AuthPurpose::job_control;
    }
  }

  // A refused Print-Job / Send-Document still has its document in flight. PAPPL answers without reading it
  // and closes the connection, and libcups, still writing, then reports "Unable to finish request" instead
  // of answering the 401 challenge (seen with ipptool). Read and drop the document (bounded) so the client
  // gets the 401/403 on a healthy connection.
  static void drain_document(http_t* http) {
    constexpr std::size_t kMaxDrain = 64u << 20;
    if (httpGetState(http) != HTTP_STATE_POST_RECV) return;
    char buffer[16384];
    std::size_t total = 0;
    ssize_t n;
    while (total < kMaxDrain && (n = httpRead2(http, buffer, sizeof buffer)) > 0)
      total += static_cast<std::size_t>(n);
  }

  // PAPPL 1.3.1 starts a job's thread while the job is still 'pending' (_papplPrinterCheckJobs), and the
  // thread marks it 'processing' only once running. A cancel in between takes the never-started path: it
  // frees the job's document, and the thread then opens the freed file name (a crash seen under ASan in the
  // conformance run: Print-Job, then at once Cancel-Job). So an allowed cancel first lets a starting job
  // reach 'processing' (then PAPPL only flags it): bounded, and only while a pending job has no thread
  // ahead of it on a printer that is not stopped.
  static bool cancels_jobs(ipp_op_t op) {
    return op == IPP_OP_CANCEL_JOB || op == IPP_OP_CANCEL_JOBS || op == IPP_OP_CANCEL_MY_JOBS ||
           op == IPP_OP_PURGE_JOBS || op == IPP_OP_CANCEL_CURRENT_JOB;
  }
  static void let_starting_job_start(pappl_client_t* client, pappl_printer_t* printer) {
    if (printer == nullptr) return;
    struct States {
      bool pending = false, processing = false;
    };
    auto starting = [printer] {
      States s;
      papplPrinterIterateActiveJobs(
          printer,
          [](pappl_job_t* job, void* data) {
            auto* st = static_cast<States*>(data);
            const ipp_jstate_t state = papplJobGetState(job);
            st->pending = st->pending || state == IPP_JSTATE_PENDING;
            st->processing = st->processing || state == IPP_JSTATE_PROCESSING;
          },
          &s, 1, 0);
      return s.pending && !s.processing && papplPrinterGetState(printer) != IPP_PSTATE_STOPPED;
    };
    const auto from = std::chrono::steady_clock::now();
    const auto deadline = from + std::chrono::seconds(2);
    bool waited = false;
    while (starting() && std::chrono::steady_clock::now() < deadline) {
      waited = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));  // a thread start: microseconds to ms
    }
    if (waited) {
      papplLogClient(
          client, PAPPL_LOGLEVEL_DEBUG, "Cancel waited %.1f ms for a starting job to be processing.",
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - from).count());
    }
  }

  static http_status_t auth(pappl_client_t* client, const char* /*group*/, gid_t /*groupid*/, void* data) {
    auto* svc = static_cast<IppService*>(data);
    http_t* http = papplClientGetHTTP(client);
    const char* field = httpGetField(http, HTTP_FIELD_AUTHORIZATION);
    std::string token;
    Peer peer;
    token_from_authorization(field ? field : "", token, peer.user);
    char address[256] = "";
    if (const http_addr_t* addr = httpGetAddress(http)) httpAddrString(addr, address, sizeof address);
    peer.address = address;
    peer.encrypted = papplClientIsEncrypted(client);
    const AuthPurpose purpose = purpose_of(client);
    std::optional<RouterCredentials> handover;
    if (purpose == AuthPurpose::router_handover)
      handover = router_credentials_in(papplClientGetRequest(client));
    const AuthDecision decision =
        svc->authority_.authorize(token, peer, purpose, handover ? &*handover : nullptr);
    std::fill(token.begin(), token.end(), '\0');
    const char* op = ippOpString(papplClientGetOperation(client));
    if (!decision.allowed()) drain_document(http);
    switch (decision.outcome) {
      case AuthDecision::Outcome::allowed:
        if (cancels_jobs(papplClientGetOperation(client))) let_starting_job_start(client, svc->printer_);
        if (handover) take_router_credentials(client, handover->ssid);
        papplClientSetUsername(client, decision.principal.c_str());
        papplLogClient(client, PAPPL_LOGLEVEL_INFO, "%s (%s) from %s allowed for '%s'.", op,
                       auth_purpose_name(purpose), address, decision.principal.c_str());
        return HTTP_STATUS_CONTINUE;
      case AuthDecision::Outcome::forbidden:
        papplLogClient(client, PAPPL_LOGLEVEL_INFO, "%s (%s) from %s forbidden for '%s': %s.", op,
                       auth_purpose_name(purpose), address, decision.principal.c_str(),
                       decision.reason.c_str());
        return HTTP_STATUS_FORBIDDEN;
      case AuthDecision::Outcome::unauthenticated:
        break;
    }
    papplLogClient(client, field ? PAPPL_LOGLEVEL_INFO : PAPPL_LOGLEVEL_DEBUG,
                   "%s (%s) from %s not authenticated: %s.", op, auth_purpose_name(purpose), address,
                   decision.reason.c_str());
    return HTTP_STATUS_UNAUTHORIZED;
  }

  // --- router hand-over (S27–S29) --------------------------------------------------------------------------

  // The authority accepted the credentials in the auth step (with the PWT, over the WFD link); the core
  // joins the router at its next tick (S29). They leave the request here: PAPPL takes printer-wifi-* only
  // from a localhost client and would answer a phone on the group "unsupported value" (1035), after the
  // printer had accepted them.
  static void take_router_credentials(pappl_client_t* client, const std::string& ssid) {
    ipp_t* request = papplClientGetRequest(client);
    for (const char* name : {"printer-wifi-ssid", "printer-wifi-password"}) {
      while (ipp_attribute_t* a = ippFindAttribute(request, name, IPP_TAG_ZERO))
        ippDeleteAttribute(request, a);
    }
    papplLogClient(client, PAPPL_LOGLEVEL_INFO,
                   "Router credentials for SSID '%s' accepted; the radio joins it next.", ssid.c_str());
  }

  // PAPPL advertises printer-wifi-* as settable only with a join callback. The credentials never reach it
  // (take_router_credentials); should they, it confirms they are the ones the authority accepted.
  static bool wifi_join(pappl_system_t* system, void* data, const char* ssid, const char* /*psk*/) {
    auto* svc = static_cast<IppService*>(data);
    const bool ok = ssid != nullptr && svc->authority_.router_ssid() == ssid;
    papplLog(system, ok ? PAPPL_LOGLEVEL_INFO : PAPPL_LOGLEVEL_ERROR, "Router credentials for SSID '%s' %s.",
             ssid ? ssid : "", ok ? "accepted; the radio joins it next" : "were not accepted");
    return ok;
  }

  static RouterCredentials router_credentials_in(ipp_t* request) {
    RouterCredentials c;
    if (ipp_attribute_t* a = ippFindAttribute(request, "printer-wifi-ssid", IPP_TAG_ZERO)) {
      if (const char* v = ippGetString(a, 0, nullptr)) c.ssid = v;
    }
    if (ipp_attribute_t* a = ippFindAttribute(request, "printer-wifi-password", IPP_TAG_ZERO)) {
      int length = 0;
      if (const void* v = ippGetOctetString(a, 0, &length); v != nullptr && length > 0) {
        c.passphrase.assign(static_cast<const char*>(v), static_cast<std::size_t>(length));
      } else if (const char* t = ippGetString(a, 0, nullptr)) {
        c.passphrase = t;
      }
    }
    return c;
  }

  static bool tick(pappl_system_t* /*system*/, void* data) {
    static_cast<IppService*>(data)->authority_.tick();
    return true;  // keep the timer
  }

  static pappl_wifi_t* wifi_status(pappl_system_t* /*system*/, void* data, pappl_wifi_t* wifi) {
    auto* svc = static_cast<IppService*>(data);
    const std::string ssid = svc->authority_.router_ssid();
    std::memset(wifi, 0, sizeof *wifi);
    std::snprintf(wifi->ssid, sizeof wifi->ssid, "%s", ssid.c_str());
    // Credentials accepted (S27), then the station's join (S29) as the core reports it.
    if (ssid.empty()) {
      wifi->state = PAPPL_WIFI_STATE_NOT_CONFIGURED;
    } else {
      switch (svc->authority_.router_link()) {
        case PrintAuthority::RouterLink::joined:
          wifi->state = PAPPL_WIFI_STATE_ON;
          break;
        case PrintAuthority::RouterLink::cannot_join:
          wifi->state = PAPPL_WIFI_STATE_CANNOT_JOIN;
          break;
        case PrintAuthority::RouterLink::joining:
          wifi->state = PAPPL_WIFI_STATE_JOINING;
          break;
      }
    }
    return wifi;
  }

  // --- the JSON control API (docs/PRINTERD-API.md)
  // ------------------------------------------------------------------

  static bool api_resource(pappl_client_t* client, void* data) {
    auto* api = static_cast<ApiHandler*>(data);
    http_t* http = papplClientGetHTTP(client);
    ApiRequest request;
    switch (papplClientGetMethod(client)) {
      case HTTP_STATE_GET:
        request.method = "GET";
        break;
      case HTTP_STATE_POST:
        request.method = "POST";
        break;
      case HTTP_STATE_DELETE:
        request.method = "DELETE";
        break;
      default:
        return papplClientRespond(client, HTTP_STATUS_METHOD_NOT_ALLOWED, nullptr, nullptr, 0, 0);
    }
    request.path = papplClientGetURI(client);
    if (const auto q = request.path.find('?'); q != std::string::npos) request.path.resize(q);
    if (const char* a = httpGetField(http, HTTP_FIELD_AUTHORIZATION)) request.authorization = a;
    if (httpGetState(http) == HTTP_STATE_POST_RECV) {
      char buffer[4096];
      ssize_t n;
      while ((n = httpRead2(http, buffer, sizeof buffer)) > 0) {
        if (request.body.size() <= ApiHandler::kMaxBody)
          request.body.append(buffer, static_cast<std::size_t>(n));
      }
    }
    char address[256] = "";
    if (const http_addr_t* addr = httpGetAddress(http)) httpAddrString(addr, address, sizeof address);
    // PAPPL's rule for IPP (426 before authentication from a non-loopback client without TLS) does not
    // cover resource callbacks: apply it here too, so a PWT is never taken in clear from the Wi-Fi Direct
    // link (the body read above is dropped). Only when TLS is offered (--tls off keeps plain HTTP).
    const http_addr_t* peer_addr = httpGetAddress(http);
    if (!papplClientIsEncrypted(client) && peer_addr != nullptr && !httpAddrLocalhost(peer_addr) &&
        (papplSystemGetOptions(papplClientGetSystem(client)) & PAPPL_SOPTIONS_NO_TLS) == 0) {
      papplLogClient(client, PAPPL_LOGLEVEL_INFO, "%s %s from %s: 426, TLS required.", request.method.c_str(),
                     papplClientGetURI(client), address);
      return papplClientRespond(client, HTTP_STATUS_UPGRADE_REQUIRED, nullptr, nullptr, 0, 0);
    }
    request.peer.address = address;
    request.peer.encrypted = papplClientIsEncrypted(client);
    const std::string method = request.method;
    const ApiResponse response = api->handle(std::move(request));
    papplLogClient(client, PAPPL_LOGLEVEL_INFO, "%s %s from %s: %d.", method.c_str(),
                   papplClientGetURI(client), address, response.status);
    if (!papplClientRespond(client, static_cast<http_status_t>(response.status), nullptr, "application/json",
                            0, response.body.size())) {
      return false;
    }
    return httpWrite2(http, response.body.data(), response.body.size()) ==
           static_cast<ssize_t>(response.body.size());
  }

  // --- GET /tapbench/status: pages and ink, no secrets
  // --------------------------------------------------------

  static bool status_resource(pappl_client_t* client, void* data) {
    auto* svc = static_cast<IppService*>(data);
    if (papplClientGetMethod(client) != HTTP_STATE_GET) {
      return papplClientRespond(client, HTTP_STATUS_METHOD_NOT_ALLOWED, nullptr, nullptr, 0, 0);
    }
    const InkStatus ink = svc->authority_.ink();
    boost::json::object o;
    o["pages_remaining"] = svc->authority_.remaining_pages();
    boost::json::array levels;
    for (const auto& l : ink.levels) {
      levels.push_back(boost::json::object{
          {"colour", l.colour}, {"percent", l.percent}, {"low", l.percent < ink.low_percent}});
    }
    o["ink"] = std::move(levels);
    o["ink_low_percent"] = ink.low_percent;
    o["router_ssid"] = svc->authority_.router_ssid();
    const std::string body = boost::json::serialize(o);
    if (!papplClientRespond(client, HTTP_STATUS_OK, nullptr, "application/json", 0, body.size()))
      return false;
    return httpWrite2(papplClientGetHTTP(client), body.data(), body.size()) ==
           static_cast<ssize_t>(body.size());
  }
};

IppService::IppService(IppServiceOptions options, PrintAuthority& authority)
    : options_(std::move(options)), authority_(authority) {}

IppService::~IppService() {
  if (system_ == nullptr) return;
  // PAPPL 1.3.1 does not join its client threads when papplSystemRun() returns: a thread still closing a
  // keep-alive connection then logs through the system object. Deleting it here raced them (ASan:
  // heap-use-after-free at exit, 1 run in ~10). The system is shut down and kept (reachable, so not a
  // leak report) for the rest of the process: printerd exits right after, and tests make one per case.
  // Never destroyed (a static vector would be freed before LeakSanitizer looks, orphaning the systems).
  static std::mutex graveyard_mutex;
  static auto* graveyard = new std::vector<pappl_system_t*>();
  if (papplSystemIsRunning(system_)) papplSystemShutdown(system_);
  std::lock_guard lock(graveyard_mutex);
  graveyard->push_back(system_);
}

bool IppService::start(std::string& error) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path spool = options_.state_dir / "spool";
  fs::create_directories(spool, ec);
  if (ec) {
    error = "cannot create '" + spool.string() + "': " + ec.message();
    return false;
  }
  try {
    pages_ = std::make_unique<PageStore>(options_.state_dir / "output");
  } catch (const fs::filesystem_error& e) {
    error = std::string("cannot create the output folder: ") + e.what();
    return false;
  }
  const std::string log_file = options_.log_file.empty()  ? (options_.state_dir / "printerd.log").string()
                               : options_.log_file == "-" ? std::string("-")
                                                          : options_.log_file;
  // No DNS-SD: the printer is found through the tag (S21) or by URI; PAPPL then needs no avahi.
  const bool tls =
      options_.tls == IppServiceOptions::Tls::on ||
      (options_.tls == IppServiceOptions::Tls::automatic && !is_loopback_host(options_.listen_host));
  system_ = papplSystemCreate(tls ? PAPPL_SOPTIONS_NONE : PAPPL_SOPTIONS_NO_TLS,
                              options_.printer_name.c_str(), options_.port, nullptr, spool.c_str(),
                              log_file.c_str(), options_.log_level, nullptr, false);
  if (system_ == nullptr) {
    error = "PAPPL could not create the system (log file '" + log_file + "' writable?)";
    return false;
  }
  if (!papplSystemAddListeners(system_, options_.listen_host.c_str())) {
    error = "cannot listen on " + options_.listen_host + ":" + std::to_string(options_.port) +
            " (address in use, or not an address of this host)";
    return false;
  }
  if (tls) {
    // PAPPL points libcups at its default keychain (/etc/cups/ssl for root, absent without cupsd), where the
    // self-signed certificate cannot be created. Keep it in the state directory instead.
    const fs::path ssl = options_.state_dir / "ssl";
    fs::create_directories(ssl, ec);
    fs::permissions(ssl, fs::perms::owner_all, ec);
    char host[256] = "localhost";
    papplSystemGetHostName(system_, host, sizeof host);
    if (!cupsSetServerCredentials(ssl.c_str(), host, 1)) {
      error = "cannot set up TLS credentials in '" + ssl.string() + "'";
      return false;
    }
  }
  static pappl_pr_driver_t drivers[] = {{"tapbench_ref", "tapbench reference printer", nullptr, nullptr}};
  papplSystemSetPrinterDrivers(system_, 1, drivers, nullptr, nullptr, Callbacks::driver, this);
  papplSystemAddMIMEFilter(system_, "application/pdf", "image/pwg-raster", Callbacks::print_pdf, this);
  papplSystemSetAuthCallback(system_, "Basic", Callbacks::auth, this);
  papplSystemSetWiFiCallbacks(system_, Callbacks::wifi_join, nullptr, Callbacks::wifi_status, this);
  papplSystemSetEventCallback(system_, Callbacks::event, this);
  papplSystemAddTimerCallback(system_, 0, 1, Callbacks::tick, this);
  papplSystemAddResourceCallback(system_, "/tapbench/status", "application/json", Callbacks::status_resource,
                                 this);
  if (api_ != nullptr) {
    for (const auto& path : api_->routes()) {
      papplSystemAddResourceCallback(system_, path.c_str(), "application/json", Callbacks::api_resource,
                                     api_);
    }
  }
  printer_ = papplPrinterCreate(system_, 0, options_.printer_name.c_str(), "tapbench_ref",
                                "MFG:tapbench;MDL:reference printer;CMD:PWGRaster,JPEG;", "file:///dev/null");
  if (printer_ == nullptr) {
    error = "PAPPL could not create the printer (see the log)";
    return false;
  }
  papplPrinterSetMaxActiveJobs(printer_, options_.max_active_jobs);
  // Job ids continue across restarts (PAPPL starts at 1): an earlier run's printed pages keep their files.
  papplPrinterSetNextJobID(printer_, pages_->next_job_id());
  refresh_supplies();
  return true;
}

int IppService::port() const {
  return system_ ? papplSystemGetHostPort(system_) : 0;
}

std::string IppService::printer_uri() const {
  const std::string& h = options_.listen_host;
  const std::string host = h.find(':') != std::string::npos ? "[" + h + "]" : h;
  return "ipp://" + host + ":" + std::to_string(port()) + "/ipp/print";
}

void IppService::run() {
  if (system_ != nullptr) papplSystemRun(system_);
}

void IppService::shutdown() {
  if (system_ != nullptr) papplSystemShutdown(system_);
}

void IppService::refresh_supplies() {
  if (printer_ == nullptr) return;
  const InkStatus ink = authority_.ink();
  std::vector<pappl_supply_t> supplies;
  bool low = false;
  for (const auto& l : ink.levels) {
    if (supplies.size() >= PAPPL_MAX_SUPPLY) break;
    pappl_supply_t s{};
    s.color = supply_colour(l.colour);
    std::snprintf(s.description, sizeof s.description, "%s ink", l.colour.c_str());
    s.is_consumed = true;
    s.level = l.percent;
    s.type = PAPPL_SUPPLY_TYPE_INK_CARTRIDGE;
    supplies.push_back(s);
    low = low || l.percent < ink.low_percent;
  }
  papplPrinterSetSupplies(printer_, static_cast<int>(supplies.size()), supplies.data());
  if (low) {
    papplPrinterSetReasons(printer_, PAPPL_PREASON_MARKER_SUPPLY_LOW, PAPPL_PREASON_NONE);
  } else {
    papplPrinterSetReasons(printer_, PAPPL_PREASON_NONE, PAPPL_PREASON_MARKER_SUPPLY_LOW);
  }
}

}  // namespace tapbench::firmware::port
