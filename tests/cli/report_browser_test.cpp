// Opens reports in headless Chromium (Debian's chromium, installed by make setup) and checks
// that every chart rendered without a script error.
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

TEST(ReportBrowser, BenchmarkReportRendersInChromium) {
  TempDir dir;
  auto r = run_cli("--quiet benchmark spiral --clusters 4 --points-per-cluster 60 --epochs 1 --folds 2 --models conventional,armed "
                   "--confounders 1 --confound-sd 0.2 --report " + dir.file("b.html"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::string dom = render(dir, dir.file("b.html"), dir.file("b.png"));
  expect_rendered(read_text(dir.file("b.html")), dom, dir.file("b.png"));
}

}  // namespace armed
