// Opens reports in headless Chromium (Debian's chromium, installed by make setup) and checks
// that every chart rendered and every picture decoded without a script error.
#include <gtest/gtest.h>

#include <filesystem>

#include "test_util.h"

namespace armed {

using test::read_text;
using test::run_cli;
using test::TempDir;

size_t occurrences(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = 0; (pos = text.find(needle, pos)) != std::string::npos; pos += needle.size()) ++n;
  return n;
}

// Chromium's DOM after the page's scripts ran, and a screenshot.
std::string render(const TempDir& dir, const std::string& html, const std::string& png) {
  const std::string flags = "--headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
                            "--disable-background-networking --disable-component-update --disable-sync "
                            "--virtual-time-budget=30000 --user-data-dir=" + dir.file("chrome");
  const std::string url = "file://" + html;
  EXPECT_EQ(std::system(("chromium " + flags + " --window-size=1280,4000 --screenshot=" + png + " " + url +
                         " > /dev/null 2>&1").c_str()), 0);
  EXPECT_EQ(std::system(("chromium " + flags + " --dump-dom " + url + " > " + dir.file("dom.html") + " 2> /dev/null").c_str()), 0);
  return read_text(dir.file("dom.html"));
}

void expect_rendered(const std::string& source, const std::string& dom, const std::string& png) {
  ASSERT_EQ(std::system("command -v chromium > /dev/null"), 0) << "chromium is not installed: run make setup";
  EXPECT_NE(dom.find("data-status=\"ok\""), std::string::npos) << "charts did not all render";
  const size_t charts = occurrences(source, "class=\"chart\"");
  EXPECT_GE(charts, 2u);
  EXPECT_GE(occurrences(dom, "<svg"), charts);  // every chart drew an SVG
  EXPECT_GT(occurrences(dom, "<path"), 10u);    // and the SVGs are not empty
  EXPECT_GT(std::filesystem::file_size(png), 20000u);
}

TEST(ReportBrowser, ModelReportRendersInChromium) {
  TempDir dir;
  ASSERT_EQ(run_cli("--quiet simulate spiral --clusters 3 --points-per-cluster 80 --out " + dir.file("s.csv")).exit_code, 0);
  ASSERT_EQ(run_cli("--quiet train --data " + dir.file("s.csv") + " --target y --cluster cluster --model armed --epochs 3 --out " +
                    dir.file("m")).exit_code, 0);
  auto r = run_cli("--quiet report --model " + dir.file("m") + " --data " + dir.file("s.csv") + " --out " + dir.file("r.html"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::string dom = render(dir, dir.file("r.html"), dir.file("r.png"));
  expect_rendered(read_text(dir.file("r.html")), dom, dir.file("r.png"));
}

// An image model's report compared with the conventional CNN: saliency grids, the sites' styles,
// the latent map; each picture is a PNG the page decodes before it says ok.
TEST(ReportBrowser, ImageModelReportRendersItsPicturesInChromium) {
  TempDir dir;
  const std::string images = dir.file("shapes");
  ASSERT_EQ(run_cli("--quiet simulate images --clusters 4 --images-per-cluster 40 --size 16 --out " + images).exit_code, 0);
  const std::string data = " --data " + images + ".csv --images " + images + ".npy";
  const std::string small = " --target y --cluster cluster --filters 4,8 --head-hidden 8 --latent 6 --epochs 2";
  ASSERT_EQ(run_cli("--quiet train" + data + small + " --model aec-armed --out " + dir.file("aec")).exit_code, 0);
  ASSERT_EQ(run_cli("--quiet train" + data + small + " --model aec --out " + dir.file("plain")).exit_code, 0);
  auto r = run_cli("--quiet report --model " + dir.file("aec") + data + " --compare " + dir.file("plain") + " --out " + dir.file("r.html"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::string source = read_text(dir.file("r.html"));
  EXPECT_GT(occurrences(source, "data:image/png;base64,"), 50u);
  const std::string dom = render(dir, dir.file("r.html"), dir.file("r.png"));
  expect_rendered(source, dom, dir.file("r.png"));
}

TEST(ReportBrowser, BenchmarkReportRendersInChromium) {
  TempDir dir;
  auto r = run_cli("--quiet benchmark spiral --clusters 4 --points-per-cluster 60 --epochs 1 --folds 2 --models conventional,armed "
                   "--confounders 1 --confound-sd 0.2 --report " + dir.file("b.html"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::string dom = render(dir, dir.file("b.html"), dir.file("b.png"));
  expect_rendered(read_text(dir.file("b.html")), dom, dir.file("b.png"));
}

}  // namespace armed
