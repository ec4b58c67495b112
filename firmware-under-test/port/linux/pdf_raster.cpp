#include "firmware-under-test/port/linux/pdf_raster.hpp"

#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-image.h>
#include <poppler/cpp/poppler-page-renderer.h>
#include <poppler/cpp/poppler-page.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <vector>

// Fontconfig, which Poppler asks for substitutes of non-embedded fonts, keeps its configuration for the
// life of the process and never frees it; LeakSanitizer would report that at every exit of printerd.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TAPBENCH_LSAN 1
#endif
#elif defined(__SANITIZE_ADDRESS__)
#define TAPBENCH_LSAN 1
#endif
#ifdef TAPBENCH_LSAN
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libfontconfig.so\n";
}
#endif

namespace tapbench::firmware::port {

namespace {

// Poppler writes its parse errors to stderr; printerd reports one clear line per job instead.
void quiet_poppler() {
  static std::once_flag once;
  std::call_once(once, [] { poppler::set_debug_error_function([](const std::string&, void*) {}, nullptr); });
}

enum class Output { kBlack1, kGray8, kRgb8 };

bool output_of(const cups_page_header2_t& h, Output& out) {
  if (h.cupsColorOrder != CUPS_ORDER_CHUNKED) return false;
  if (h.cupsBitsPerPixel == 1 && h.cupsColorSpace == CUPS_CSPACE_K) {
    out = Output::kBlack1;
    return true;
  }
  if (h.cupsBitsPerPixel == 8 && (h.cupsColorSpace == CUPS_CSPACE_SW || h.cupsColorSpace == CUPS_CSPACE_W)) {
    out = Output::kGray8;
    return true;
  }
  if (h.cupsBitsPerPixel == 24 &&
      (h.cupsColorSpace == CUPS_CSPACE_SRGB || h.cupsColorSpace == CUPS_CSPACE_RGB)) {
    out = Output::kRgb8;
    return true;
  }
  return false;
}

}  // namespace

struct PdfDocument::Impl {
  std::unique_ptr<poppler::document> doc;
};

PdfDocument::PdfDocument(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PdfDocument::~PdfDocument() = default;

std::unique_ptr<PdfDocument> PdfDocument::open(const std::filesystem::path& file, std::string& error) {
  quiet_poppler();
  auto impl = std::make_unique<Impl>();
  impl->doc.reset(poppler::document::load_from_file(file.string()));
  if (!impl->doc) {
    error = "not a PDF document Poppler can read";
    return nullptr;
  }
  if (impl->doc->is_locked()) {
    error = "the PDF document is password-protected";
    return nullptr;
  }
  if (impl->doc->pages() <= 0) {
    error = "the PDF document has no pages";
    return nullptr;
  }
  return std::unique_ptr<PdfDocument>(new PdfDocument(std::move(impl)));
}

unsigned PdfDocument::page_count() const {
  return static_cast<unsigned>(impl_->doc->pages());
}

bool PdfDocument::render_page(unsigned index, const cups_page_header2_t& header,
                              const unsigned char (&dither)[16][16], const RasterLineSink& sink,
                              std::string& error) const {
  Output output{};
  if (!output_of(header, output)) {
    error = "PDF pages print as black_1, sgray_8 or srgb_8 only (raster colour space " +
            std::to_string(header.cupsColorSpace) + ", " + std::to_string(header.cupsBitsPerPixel) + " bits)";
    return false;
  }
  const unsigned width = header.cupsWidth;
  const unsigned height = header.cupsHeight;
  if (width == 0 || height == 0 || header.HWResolution[0] == 0 || header.HWResolution[1] == 0) {
    error = "empty raster page";
    return false;
  }
  std::unique_ptr<poppler::page> page(impl_->doc->create_page(static_cast<int>(index)));
  if (!page) {
    error = "PDF page " + std::to_string(index + 1) + " cannot be read";
    return false;
  }

  // The page's size in points as it will be shown (crop box, page rotation applied by the renderer).
  const poppler::rectf box = page->page_rect(poppler::crop_box);
  double page_w = box.width();
  double page_h = box.height();
  if (page->orientation() == poppler::page::landscape || page->orientation() == poppler::page::seascape) {
    std::swap(page_w, page_h);
  }
  if (page_w <= 0 || page_h <= 0) {
    error = "PDF page " + std::to_string(index + 1) + " has an empty crop box";
    return false;
  }
  const double xres = header.HWResolution[0];
  const double yres = header.HWResolution[1];
  const double fit = std::min({1.0, width / (page_w / 72.0 * xres), height / (page_h / 72.0 * yres)});

  poppler::page_renderer renderer;
  renderer.set_render_hints(poppler::page_renderer::antialiasing | poppler::page_renderer::text_antialiasing);
  renderer.set_image_format(output == Output::kRgb8 ? poppler::image::format_argb32
                                                    : poppler::image::format_gray8);
  const poppler::image image = renderer.render_page(page.get(), xres * fit, yres * fit);
  if (!image.is_valid()) {
    error = "PDF page " + std::to_string(index + 1) + " cannot be rendered";
    return false;
  }
  const unsigned img_w = std::min(static_cast<unsigned>(image.width()), width);
  const unsigned img_h = std::min(static_cast<unsigned>(image.height()), height);
  const unsigned x0 = (width - img_w) / 2;
  const unsigned y0 = (height - img_h) / 2;
  const char* pixels = image.const_data();
  const auto stride = static_cast<std::size_t>(image.bytes_per_row());

  // PAPPL leaves the matrix zero when the driver gives none: then a plain 50 % threshold.
  bool flat_dither = true;
  for (const auto& row : dither)
    flat_dither =
        flat_dither && std::all_of(std::begin(row), std::end(row), [](unsigned char v) { return v == 0; });

  const unsigned char white = output == Output::kBlack1 ? 0x00 : 0xff;
  std::vector<unsigned char> line(header.cupsBytesPerLine);
  for (unsigned y = 0; y < height; ++y) {
    std::fill(line.begin(), line.end(), white);
    if (y >= y0 && y < y0 + img_h) {
      const auto* row = reinterpret_cast<const unsigned char*>(pixels + (y - y0) * stride);
      switch (output) {
        case Output::kBlack1:
          for (unsigned i = 0; i < img_w; ++i) {
            const unsigned x = x0 + i;
            const unsigned char threshold = flat_dither ? 127 : dither[y & 15][x & 15];
            if (row[i] <= threshold) line[x / 8] |= static_cast<unsigned char>(0x80u >> (x & 7));
          }
          break;
        case Output::kGray8:
          std::memcpy(line.data() + x0, row, img_w);
          break;
        case Output::kRgb8:
          for (unsigned i = 0; i < img_w; ++i) {
            std::uint32_t argb;  // native-endian 0xAARRGGBB
            std::memcpy(&argb, row + 4 * i, 4);
            unsigned char* out = line.data() + 3 * (x0 + i);
            out[0] = static_cast<unsigned char>(argb >> 16);
            out[1] = static_cast<unsigned char>(argb >> 8);
            out[2] = static_cast<unsigned char>(argb);
          }
          break;
      }
    }
    if (!sink(line.data())) {
      error = "the print engine refused a line of PDF page " + std::to_string(index + 1);
      return false;
    }
  }
  return true;
}

}  // namespace tapbench::firmware::port
