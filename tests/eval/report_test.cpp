#include "armed/eval/report.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "armed/sim/glmm.h"
#include "armed/sim/images.h"
#include "armed/sim/spiral.h"
#include "armed/error.h"
#include "models/model_fixtures.h"
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

// Simulated shapes at four sites; small image models trained for two epochs.
ClusteredData report_images() {
  ImageSimOptions o;
  o.clusters = 4;
  o.images_per_cluster = 24;
  o.size = 16;
  return simulate_images(o).data;
}

ModelConfig small_image_model(const std::string& model) { return test::small_image_model(model, 2); }

TEST(ModelReport, ShowsWhereACnnLooksBesideTheModelItIsComparedWith) {
  const ClusteredData data = report_images();
  auto config = small_image_model("cnn-armed");
  config.block_effects = "all";
  const auto model = MixedEffectsModel::fit(config, data);
  const auto cnn = MixedEffectsModel::fit(small_image_model("cnn"), data);
  test::TempDir dir;
  write_model_report(model, data, dir.file("r.html"), kDefaultSeed, &cnn);
  const std::string html = test::read_text(dir.file("r.html"));
  for (const char* section : {"Training", "Random effects", "Metrics on", "Compared with cnn", "Where the network looks",
                              "Block random effects"})
    EXPECT_NE(html.find(std::string("<h2>") + section), std::string::npos) << section;
  for (const char* absent : {"Feature sensitivity", "Decision boundaries", "The sites' styles", "The latent map"})
    EXPECT_EQ(html.find(std::string("<h2>") + absent), std::string::npos) << absent;
  // Eight sample pictures and six means (two classes, four sites), each as the picture and three saliency maps.
  EXPECT_EQ(count(html, "src=\"data:image/png;base64,"), (8u + 6u) * 4u);
  EXPECT_NE(html.find("<th>mixed (the picture's site)</th>"), std::string::npos);
  EXPECT_NE(html.find("<th>cnn</th>"), std::string::npos);
  EXPECT_NE(html.find("\"title\":\"block 2\""), std::string::npos);
}

TEST(ModelReport, ShowsAnAutoencodersSitesStylesAndLatentMap) {
  const ClusteredData data = report_images();
  const auto model = MixedEffectsModel::fit(small_image_model("aec-armed"), data);
  test::TempDir dir;
  write_model_report(model, data, dir.file("r.html"));
  const std::string html = test::read_text(dir.file("r.html"));
  for (const char* section : {"Where the network looks", "The sites' styles", "The latent map"})
    EXPECT_NE(html.find(std::string("<h2>") + section), std::string::npos) << section;
  // Saliency: (8 + 6) rows of the picture, fixed and mixed; styles: 4 pictures, the fixed decoder and each of 4 sites.
  EXPECT_EQ(count(html, "src=\"data:image/png;base64,"), (8u + 6u) * 3u + 4u * 6u);
  EXPECT_NE(html.find("site probe accuracy"), std::string::npos);
  EXPECT_NE(html.find("<th>as cluster c3</th>"), std::string::npos);
}

TEST(ModelReport, RefusesToCompareModelsOfOtherInputs) {
  const ClusteredData data = report_images();
  const auto model = MixedEffectsModel::fit(small_image_model("cnn"), data);
  SpiralOptions o;
  o.clusters = 3;
  o.points_per_cluster = 40;
  ModelConfig tabular;
  tabular.epochs = 1;
  const auto other = MixedEffectsModel::fit(tabular, simulate_spiral(o).data);
  test::TempDir dir;
  EXPECT_THROW(write_model_report(model, data, dir.file("r.html"), kDefaultSeed, &other), Error);
  EXPECT_FALSE(std::filesystem::exists(dir.file("r.html")));
}

}  // namespace armed
