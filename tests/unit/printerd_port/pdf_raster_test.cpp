// printerd's PDF input (firmware-under-test/port/linux/pdf_raster.hpp): what lands on the raster page for
// each of the raster types printerd advertises, placement and scaling, and clear errors for bad documents.
#include "firmware-under-test/port/linux/pdf_raster.hpp"

#include <doctest/doctest.h>

#include <cups/raster.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "tests/support/pdf_writer.hpp"

namespace fs = std::filesystem;
using tapbench::firmware::port::PdfDocument;
using tapbench::testing::PdfSpec;
using tapbench::testing::write_pdf;

namespace {

struct TempPdf {
  fs::path path;
  explicit TempPdf(const PdfSpec& spec)
      : path(fs::temp_directory_path() /
             ("pdf-raster-" + std::to_string(getpid()) + "-" + std::to_string(counter()++) + ".pdf")) {
    write_pdf(path, spec);
  }
  TempPdf(const std::string& bytes, int)
      : path(fs::temp_directory_path() /
             ("pdf-raster-" + std::to_string(getpid()) + "-" + std::to_string(counter()++) + ".pdf")) {
    std::ofstream(path, std::ios::binary) << bytes;
  }
  ~TempPdf() {
    std::error_code ec;
    fs::remove(path, ec);
  }
  static int& counter() {
    static int n = 0;
    return n;
  }
};

cups_page_header2_t header_for(const char* media, const char* type, int dpi) {
  cups_page_header2_t h{};
  REQUIRE(cupsRasterInitPWGHeader(&h, pwgMediaForPWG(media), type, dpi, dpi, "one-sided", nullptr));
  return h;
}

// A rendered page, line by line.
struct Page {
  cups_page_header2_t h;
  std::vector<std::vector<unsigned char>> lines;
  const unsigned char* at(unsigned x, unsigned y) const {
    return lines.at(y).data() + x * h.cupsBitsPerPixel / 8;
  }
  bool black_bit(unsigned x, unsigned y) const { return (lines.at(y)[x / 8] & (0x80u >> (x & 7))) != 0; }
};

unsigned char kNoDither[16][16] = {};

Page render(const PdfDocument& doc, unsigned index, const cups_page_header2_t& h) {
  Page page{h, {}};
  std::string error;
  REQUIRE_MESSAGE(doc.render_page(
                      index, h, kNoDither,
                      [&](const unsigned char* line) {
                        page.lines.emplace_back(line, line + h.cupsBytesPerLine);
                        return true;
                      },
                      error),
                  error);
  REQUIRE(page.lines.size() == h.cupsHeight);
  return page;
}

// Pixel position of a point given in PDF points from the page's bottom-left corner, at `dpi`, for a page as
// large as the media (no scaling, no offset).
unsigned px(double pt, int dpi) {
  return static_cast<unsigned>(pt / 72.0 * dpi);
}

}  // namespace

TEST_CASE("a PDF page prints in grey: its rectangle black where the document puts it, white elsewhere") {
  PdfSpec spec;  // A4, black 144 pt square at (72, 72)
  spec.pages = 3;
  TempPdf pdf(spec);
  std::string error;
  auto doc = PdfDocument::open(pdf.path, error);
  REQUIRE_MESSAGE(doc, error);
  CHECK(doc->page_count() == 3);

  const auto h = header_for("iso_a4_210x297mm", "sgray_8", 150);
  const Page page = render(*doc, 1, h);
  const unsigned cx = px(72 + 72, 150);                     // centre of the square
  const unsigned cy = h.cupsHeight - 1 - px(72 + 72, 150);  // PDF y grows upwards, raster y downwards
  CHECK(*page.at(cx, cy) < 16);
  CHECK(*page.at(px(72 + 150, 150) + 20, cy) == 255);  // right of the square
  CHECK(*page.at(cx, cy - px(90, 150)) == 255);        // above it
  CHECK(*page.at(2, 2) == 255);                        // page corner
  // The square's area in dark pixels, within its anti-aliased edges.
  unsigned dark = 0;
  for (unsigned y = cy - px(100, 150); y < cy + px(100, 150); ++y)
    for (unsigned x = cx - px(100, 150); x < cx + px(100, 150); ++x)
      dark += *page.at(x, y) < 128;
  const unsigned side = px(144, 150);
  CHECK(dark >= (side - 2) * (side - 2));
  CHECK(dark <= (side + 2) * (side + 2));
}

TEST_CASE("black_1 sets the bits of the black area only; srgb_8 keeps the document's colour") {
  PdfSpec spec;
  spec.rect = {100, 300, 200, 100, 1, 0, 0};  // red
  TempPdf pdf(spec);
  std::string error;
  auto doc = PdfDocument::open(pdf.path, error);
  REQUIRE(doc);
  const unsigned cx = px(200, 300);
  const auto rgb_h = header_for("iso_a4_210x297mm", "srgb_8", 300);
  const unsigned cy = rgb_h.cupsHeight - 1 - px(350, 300);
  const Page rgb = render(*doc, 0, rgb_h);
  const unsigned char* red = rgb.at(cx, cy);
  CHECK(red[0] == 255);
  CHECK(red[1] < 8);
  CHECK(red[2] < 8);
  const unsigned char* white = rgb.at(cx, cy + px(80, 300));
  CHECK((white[0] == 255 && white[1] == 255 && white[2] == 255));

  spec.rect = {100, 300, 200, 100, 0, 0, 0};
  TempPdf black(spec);
  auto doc2 = PdfDocument::open(black.path, error);
  REQUIRE(doc2);
  const auto mono_h = header_for("iso_a4_210x297mm", "black_1", 300);
  const Page mono = render(*doc2, 0, mono_h);
  CHECK(mono.black_bit(cx, cy));
  CHECK_FALSE(mono.black_bit(cx, cy + px(80, 300)));
  CHECK_FALSE(mono.black_bit(cx + px(150, 300), cy));
}

TEST_CASE("a page larger than the media is scaled down to fit, a smaller one is centred at 100 %") {
  std::string error;
  {
    PdfSpec a3;  // A3 page with a square in its bottom-left corner
    a3.width_pt = 842;
    a3.height_pt = 1191;
    a3.rect = {0, 0, 100, 100, 0, 0, 0};
    TempPdf pdf(a3);
    auto doc = PdfDocument::open(pdf.path, error);
    REQUIRE(doc);
    const auto h = header_for("iso_a4_210x297mm", "sgray_8", 150);
    const Page page = render(*doc, 0, h);
    // Scaled by ≈ 0.707: the corner square is still on the page, ≈ 147 px at 150 dpi, at the bottom-left.
    CHECK(*page.at(20, h.cupsHeight - 20) < 16);
    CHECK(*page.at(px(100 * 0.707, 150) + 10, h.cupsHeight - 20) == 255);
  }
  {
    PdfSpec small;  // A6 page, square filling its bottom-left quarter
    small.width_pt = 298;
    small.height_pt = 420;
    small.rect = {0, 0, 149, 210, 0, 0, 0};
    TempPdf pdf(small);
    auto doc = PdfDocument::open(pdf.path, error);
    REQUIRE(doc);
    const auto h = header_for("iso_a4_210x297mm", "sgray_8", 150);
    const Page page = render(*doc, 0, h);
    const unsigned x0 = (h.cupsWidth - px(298, 150)) / 2;  // centred, not scaled up
    const unsigned y_bottom = (h.cupsHeight + px(420, 150)) / 2 - 3;
    CHECK(*page.at(x0 + 5, y_bottom) < 16);
    CHECK(*page.at(x0 - 5, y_bottom) == 255);
    CHECK(*page.at(x0 + px(149, 150) + 5, y_bottom) == 255);
    CHECK(*page.at(5, 5) == 255);
  }
}

TEST_CASE("documents that are not printable PDF get a clear error") {
  std::string error;
  TempPdf text("hello, this is not a PDF\n", 0);
  CHECK_FALSE(PdfDocument::open(text.path, error));
  CHECK(error == "not a PDF document Poppler can read");
  error.clear();
  TempPdf empty("", 0);
  CHECK_FALSE(PdfDocument::open(empty.path, error));
  CHECK(error == "not a PDF document Poppler can read");
  error.clear();
  CHECK_FALSE(PdfDocument::open("/nonexistent/doc.pdf", error));
  CHECK_FALSE(error.empty());
}

TEST_CASE(
    "a raster type printerd does not print PDF in, or an engine that stops, ends the page with a reason") {
  PdfSpec spec;
  TempPdf pdf(spec);
  std::string error;
  auto doc = PdfDocument::open(pdf.path, error);
  REQUIRE(doc);
  const auto cmyk = header_for("iso_a4_210x297mm", "cmyk_8", 150);
  CHECK_FALSE(doc->render_page(
      0, cmyk, kNoDither, [](const unsigned char*) { return true; }, error));
  CHECK(error.find("black_1, sgray_8 or srgb_8 only") != std::string::npos);

  const auto h = header_for("iso_a4_210x297mm", "sgray_8", 150);
  int lines = 0;
  CHECK_FALSE(doc->render_page(
      0, h, kNoDither, [&](const unsigned char*) { return ++lines < 10; }, error));
  CHECK(lines == 10);
  CHECK(error == "the print engine refused a line of PDF page 1");
}
