// Writes small, valid PDF documents for tests: N pages of a given size, each with a filled rectangle in a
// given colour (in points, from the bottom-left corner) and its page number as text. The cross-reference
// table has exact offsets, so a strict reader (Poppler, ipptool's printer) takes it without repair.
#pragma once

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace tapbench::testing {

struct PdfRect {
  double x = 72, y = 72, w = 144, h = 144;  // points
  double r = 0, g = 0, b = 0;               // fill colour, 0..1
};

struct PdfSpec {
  int pages = 1;
  double width_pt = 595;  // A4 by default
  double height_pt = 842;
  PdfRect rect;
};

inline std::string make_pdf(const PdfSpec& spec) {
  std::vector<std::string> objects;  // objects[i] is object i + 1
  const int pages = spec.pages;
  // 1 catalog, 2 pages, 3 font, then per page: page object, content stream.
  std::ostringstream kids;
  for (int i = 0; i < pages; ++i)
    kids << (4 + 2 * i) << " 0 R ";
  objects.push_back("<< /Type /Catalog /Pages 2 0 R >>");
  objects.push_back("<< /Type /Pages /Kids [" + kids.str() + "] /Count " + std::to_string(pages) + " >>");
  objects.push_back("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
  for (int i = 0; i < pages; ++i) {
    char box[128];
    std::snprintf(box, sizeof box, "[0 0 %.2f %.2f]", spec.width_pt, spec.height_pt);
    objects.push_back(std::string("<< /Type /Page /Parent 2 0 R /MediaBox ") + box +
                      " /Resources << /Font << /F1 3 0 R >> >> /Contents " + std::to_string(5 + 2 * i) +
                      " 0 R >>");
    char content[256];
    const PdfRect& r = spec.rect;
    std::snprintf(content, sizeof content,
                  "%.3f %.3f %.3f rg %.2f %.2f %.2f %.2f re f\nBT /F1 24 Tf 72 %.2f Td (Page %d) Tj ET\n",
                  r.r, r.g, r.b, r.x, r.y, r.w, r.h, spec.height_pt - 60, i + 1);
    const std::string stream = content;
    objects.push_back("<< /Length " + std::to_string(stream.size()) + " >>\nstream\n" + stream + "endstream");
  }
  std::string out = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n";
  std::vector<std::size_t> offsets;
  for (std::size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(out.size());
    out += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
  }
  const std::size_t xref = out.size();
  out += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
  for (std::size_t off : offsets) {
    char entry[32];
    std::snprintf(entry, sizeof entry, "%010zu 00000 n \n", off);
    out += entry;
  }
  out += "trailer\n<< /Size " + std::to_string(objects.size() + 1) + " /Root 1 0 R >>\nstartxref\n" +
         std::to_string(xref) + "\n%%EOF\n";
  return out;
}

inline void write_pdf(const std::filesystem::path& path, const PdfSpec& spec) {
  std::ofstream f(path, std::ios::binary);
  f << make_pdf(spec);
  if (!f) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace tapbench::testing
