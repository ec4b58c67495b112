// PageWriter publishes a page file whole or not at all (temporary name, fsync, rename on close); PageStore
// removes the temporary files a crash left behind and keeps the finished pages.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "firmware-under-test/port/linux/page_store.hpp"
#include "tests/support/scratch_dir.hpp"

using namespace tapbench::firmware::port;
namespace fs = std::filesystem;

namespace {

struct TmpDir : tapbench::testing::ScratchDir {
  TmpDir() : ScratchDir("pages") {}
};

cups_page_header2_t gray_header(unsigned width, unsigned height) {
  cups_page_header2_t h{};
  REQUIRE(cupsRasterInitPWGHeader(&h, pwgMediaForPWG("iso_a6_105x148mm"), "sgray_8", 72, 72, "one-sided",
                                  nullptr));
  h.cupsWidth = width;
  h.cupsHeight = height;
  h.cupsBytesPerLine = width;
  return h;
}

void touch(const fs::path& p) {
  std::ofstream(p) << "x";
}

}  // namespace

TEST_CASE("a page file appears only when the page is closed whole; discard leaves nothing") {
  TmpDir d;
  PageStore store(d.path);
  const fs::path page = store.dir() / PageStore::page_file_name(3, 1);
  const fs::path part = page.string() + PageWriter::kPartSuffix;
  const auto header = gray_header(8, 4);
  std::vector<unsigned char> line(8, 0x00);  // black: marked

  PageWriter w;
  std::string error;
  REQUIRE(w.open(page, header, error));
  for (int i = 0; i < 3; ++i)
    REQUIRE(w.write_line(line.data()));
  CHECK_FALSE(fs::exists(page));  // mid-page: only the temporary file
  CHECK(fs::exists(part));
  REQUIRE(w.write_line(line.data()));
  REQUIRE(w.close(error));
  CHECK(fs::exists(page));
  CHECK_FALSE(fs::exists(part));
  CHECK(fs::file_size(page) > 0);
  CHECK(w.marked_bytes() == 32);

  const fs::path second = store.dir() / PageStore::page_file_name(3, 2);
  REQUIRE(w.open(second, header, error));
  REQUIRE(w.write_line(line.data()));
  w.discard();  // the job was cancelled mid-page
  CHECK_FALSE(fs::exists(second));
  CHECK_FALSE(fs::exists(second.string() + PageWriter::kPartSuffix));
}

TEST_CASE("a new PageStore removes leftover temporary page files and keeps finished pages") {
  TmpDir d;
  const fs::path out = d.path / "output";
  fs::create_directories(out);
  touch(out / "job-0001-page-001.pwg");
  touch(out / "job-0001-page-002.pwg.part");
  touch(out / "jobs.jsonl");
  PageStore store(out);
  CHECK(fs::exists(out / "job-0001-page-001.pwg"));
  CHECK_FALSE(fs::exists(out / "job-0001-page-002.pwg.part"));
  CHECK(fs::exists(out / "jobs.jsonl"));
}

TEST_CASE("a page that cannot be created reports the path and leaves no file") {
  TmpDir d;
  PageWriter w;
  std::string error;
  CHECK_FALSE(w.open(d.path / "missing-dir" / "job-0001-page-001.pwg", gray_header(8, 1), error));
  CHECK(error.find("missing-dir") != std::string::npos);
  CHECK_FALSE(w.is_open());
}

TEST_CASE("job ids continue after the highest job of a page file or a job record (PAPPL restarts at 1)") {
  TmpDir d;
  const fs::path out = d.path / "output";
  CHECK(PageStore(out).next_job_id() == 1);  // a new printer
  touch(out / "job-0007-page-002.pwg");
  CHECK(PageStore(out).next_job_id() == 8);
  // A job cut before its first page has a record and no file; a torn last line is skipped.
  std::ofstream(out / "jobs.jsonl") << R"({"job_id":3,"pages_printed":1})"
                                    << "\n"
                                    << R"({"job_id":12,"pages_printed":0})"
                                    << "\n"
                                    << R"({"job_id":99,"pag)";
  CHECK(PageStore(out).next_job_id() == 13);
  touch(out / "notes.txt");
  touch(out / "job-x-page-1.pwg");
  CHECK(PageStore(out).next_job_id() == 13);
}
