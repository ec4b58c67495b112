// PDF input for printerd's print engine: a document's pages rendered by Poppler (Debian's libpoppler-cpp)
// into the PWG raster lines the engine writes, in the colour space and resolution PAPPL chose for the job
// (black_1, sgray_8 or srgb_8, docs/PRINTERD.md). PAPPL 1.3 has no PDF renderer of its own; Poppler is
// what CUPS's own filters use for PDF.
//
// Placement: each page is centred on the raster page; a page larger than the media is scaled down to fit
// (aspect kept), a smaller one is printed at 100 % (IPP print-scaling "auto").
#pragma once

#include <cups/raster.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace tapbench::firmware::port {

// One raster line of header.cupsBytesPerLine bytes; false stops the page (the engine could not write it).
using RasterLineSink = std::function<bool(const unsigned char* line)>;

class PdfDocument {
 public:
  // nullptr with `error` ("not a PDF document: …", "the PDF document is password-protected", "the PDF
  // document has no pages") when the file cannot be printed.
  static std::unique_ptr<PdfDocument> open(const std::filesystem::path& file, std::string& error);
  ~PdfDocument();
  PdfDocument(const PdfDocument&) = delete;
  PdfDocument& operator=(const PdfDocument&) = delete;

  unsigned page_count() const;

  // Renders page `index` (0-based) for `header` and hands its cupsHeight lines to `sink`, top to bottom.
  // `dither` is the 16×16 threshold matrix for 1-bit output (PAPPL's options->dither): a pixel is black
  // when its grey level is at or below the threshold. false with `error` for a page Poppler cannot render,
  // a raster type other than black_1 / sgray_8 / srgb_8, or a sink that refused a line.
  bool render_page(unsigned index, const cups_page_header2_t& header, const unsigned char (&dither)[16][16],
                   const RasterLineSink& sink, std::string& error) const;

 private:
  struct Impl;
  explicit PdfDocument(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tapbench::firmware::port
