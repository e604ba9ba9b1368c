#include "armed/eval/report.h"

#include <gtest/gtest.h>

#include "armed/sim/glmm.h"
#include "armed/sim/spiral.h"
#include "test_util.h"

namespace armed {

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = 0; (pos = text.find(needle, pos)) != std::string::npos; pos += needle.size()) ++n;
  return n;
}

// The report of an armed model trained for two epochs on `data`.
std::string armed_model_report(const ClusteredData& data, std::vector<int64_t> hidden = ModelConfig().hidden) {
  test::TempDir dir;
  ModelConfig config;
  config.model = "armed";
  config.epochs = 2;
  config.hidden = std::move(hidden);
  write_model_report(MixedEffectsModel::fit(config, data), data, dir.file("r.html"));
  return test::read_text(dir.file("r.html"));
}

TEST(HtmlReport, InlinesLibrariesAndEscapesText) {
  HtmlReport report("a <b> & c");
  report.paragraph("x < y");
  report.table({"h"}, {{"</td>"}});
  report.chart({{"mark", "bar"}, {"data", {{"values", {{{"label", "</script>"}}}}}}});
  const std::string html = report.html();
  EXPECT_NE(html.find("<h1>a &lt;b&gt; &amp; c</h1>"), std::string::npos);
  EXPECT_NE(html.find("x &lt; y"), std::string::npos);
  EXPECT_NE(html.find("&lt;/td&gt;"), std::string::npos);
  EXPECT_EQ(count(html, "</script>"), 4u);  // three libraries and the page's own script; the data's is escaped
  EXPECT_NE(html.find("<\\/script>"), std::string::npos);
  EXPECT_NE(html.find("vegaEmbed"), std::string::npos);
  EXPECT_EQ(count(html, "class=\"chart\""), 1u);
  // Self-contained: no external scripts or stylesheets.
  EXPECT_EQ(html.find("<script src"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
}

TEST(ModelReport, HasEverySectionForAnArmedModelOnTwoFeatures) {
  SpiralOptions o;
  o.clusters = 3;
  o.points_per_cluster = 60;
  const std::string html = armed_model_report(simulate_spiral(o).data);
  for (const char* section : {"Training", "Random effects", "Metrics on", "Feature sensitivity", "Decision boundaries"})
    EXPECT_NE(html.find(std::string("<h2>") + section), std::string::npos) << section;
  EXPECT_NE(html.find("adversary accuracy"), std::string::npos);
  EXPECT_NE(html.find("cluster 2 (mixed)"), std::string::npos);
  EXPECT_EQ(count(html, "class=\"chart\""), 8u);
}

TEST(ModelReport, ShowsTheRandomEffectsPanelsInTheModelsOrder) {
  SpiralOptions o;
  o.clusters = 3;
  o.points_per_cluster = 40;
  const std::string html = armed_model_report(simulate_spiral(o).data, {12});
  EXPECT_NE(html.find(R"x("sort":["(Intercept)","h1","h2","h3","h4","h5","h6","h7","h8","h9","h10","h11","h12"])x"), std::string::npos);
}

// Two features and two crossed factors: the decision-boundary panels show the first factor's
// clusters, without needing the other factor's labels on the grid.
TEST(ModelReport, DrawsDecisionBoundariesForSeveralFactors) {
  GlmmOptions o;
  o.rows = 400;
  o.features = 2;
  o.clusters = {3, 2};
  const std::string html = armed_model_report(simulate_glmm(o).data);
  EXPECT_NE(html.find("<h2>Decision boundaries"), std::string::npos);
  EXPECT_NE(html.find("cluster 2 (mixed)"), std::string::npos);
  EXPECT_NE(html.find("<h2>Random effects of cluster2"), std::string::npos);
}

}  // namespace armed
