#include "armed/data/clustered_data.h"

#include <gtest/gtest.h>

#include "armed/data/cluster_encoder.h"
#include "data/standardizer.h"
#include "armed/error.h"
#include "test_util.h"

namespace armed {

using test::TempDir;

std::string load_error(const std::string& path, const DataSpec& spec) {
  try {
    check_trainable(load_clustered_csv(path, spec), spec.task);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ClusteredData, LoadsDefaultFeaturesAndStringClusters) {
  TempDir dir;
  const auto path = dir.write("d.csv", "x1,site,x2,y\n1,a,2,0\n3,b,4,1\n");
  const auto d = load_clustered_csv(path, {"y", "site", {}, "classification"});
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"x1", "x2"}));
  EXPECT_EQ(d.clusters(), (std::vector<std::string>{"a", "b"}));
  EXPECT_FLOAT_EQ(d.x[1][1].item<float>(), 4.0f);
  EXPECT_FLOAT_EQ(d.y[1].item<float>(), 1.0f);
}

TEST(ClusteredData, BadInputGivesOneLineErrors) {
  TempDir dir;
  const DataSpec spec{"y", "c", {}, "classification"};
  EXPECT_NE(load_error(dir.write("a.csv", "x,y,c\n1,0,a\n2,1,b\n"), {"y", "c", {"x", "nope"}, ""}).find("no column 'nope'"),
            std::string::npos);
  EXPECT_NE(load_error(dir.write("b.csv", "x,y,c\n1,2,a\n2,1,b\n"), spec).find("b.csv line 2, column 'y': '2' is not 0 or 1"),
            std::string::npos);
  EXPECT_NE(load_error(dir.write("c.csv", "x,y,c\n1,1,a\n2,1,b\n"), spec).find("single class"), std::string::npos);
  EXPECT_NE(load_error(dir.write("d.csv", "x,y,c\n1,0,a\n2,1,a\n"), spec).find("single cluster ('a')"), std::string::npos);
  EXPECT_NE(load_error(dir.write("e.csv", "x,y,c\n1,0,a\nNaN,1,b\n"), spec).find("line 3, column 'x'"), std::string::npos);
  EXPECT_NE(load_error(dir.write("f.csv", "x,y,c\n1,0,a\n2,1,\n"), spec).find("empty cluster label"), std::string::npos);
  EXPECT_NE(load_error(dir.write("g.csv", "y,c\n0,a\n1,b\n"), spec).find("no feature columns"), std::string::npos);
}

TEST(ClusterEncoder, SortsNumericLabelsNumericallyAndMarksUnknown) {
  const auto enc = ClusterEncoder::fit({"10", "9", "308", "9"});
  EXPECT_EQ(enc.vocabulary(), (std::vector<std::string>{"9", "10", "308"}));
  auto ids = enc.encode({"308", "new", "9"});
  EXPECT_EQ(ids[0].item<int64_t>(), 2);
  EXPECT_EQ(ids[1].item<int64_t>(), -1);
  EXPECT_EQ(ids[2].item<int64_t>(), 0);
  EXPECT_EQ(ClusterEncoder::fit({"b", "a"}).vocabulary(), (std::vector<std::string>{"a", "b"}));
}

TEST(Standardizer, UsesTrainingStatisticsAndKeepsConstantColumns) {
  auto x = torch::tensor({{1.0f, 5.0f}, {3.0f, 5.0f}});
  const auto s = Standardizer::fit(x);
  EXPECT_DOUBLE_EQ(s.mean[0], 2.0);
  EXPECT_DOUBLE_EQ(s.sd[0], 1.0);
  EXPECT_DOUBLE_EQ(s.sd[1], 1.0);  // constant column: sd kept at 1
  auto z = s.transform(torch::tensor({{4.0f, 6.0f}}));
  EXPECT_FLOAT_EQ(z[0][0].item<float>(), 2.0f);
  EXPECT_FLOAT_EQ(z[0][1].item<float>(), 1.0f);
}

}  // namespace armed

namespace armed {

TEST(ClusteredData, CategoricalColumnsBecomeDummiesWithSavedLevels) {
  TempDir dir;
  DataSpec spec{"y", "c", {}, "classification"};
  spec.categorical = {"site"};
  const auto d = load_clustered_csv(dir.write("d.csv", "site,x,y,c\nb,1,0,k\na,2,1,k\nc,3,0,j\n"), spec);
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"siteb", "sitec", "x"}));
  EXPECT_EQ(d.feature_columns, (std::vector<std::string>{"site", "x"}));
  EXPECT_TRUE(torch::equal(d.x.select(1, 0), torch::tensor({1.f, 0.f, 0.f})));
  // Prediction data is coded with the training levels; a new level is an error naming the line.
  spec.levels = d.levels;
  const auto p = load_clustered_csv(dir.write("p.csv", "site,x,y,c\nc,1,0,k\n"), spec);
  EXPECT_EQ(p.feature_names, d.feature_names);
  EXPECT_NE(load_error(dir.write("q.csv", "site,x,y,c\nzz,1,0,k\n"), spec).find("q.csv line 2, column 'site': level 'zz' was not seen"),
            std::string::npos);
}

TEST(ClusteredData, TextTargetOfTwoLevelsCodesTheSecondAsTheEvent) {
  TempDir dir;
  DataSpec spec{"r", "g", {"x"}, "classification"};
  const auto d = load_clustered_csv(dir.write("t.csv", "x,r,g\n1,Y,a\n2,N,b\n3,Y,b\n"), spec);
  EXPECT_EQ(d.target_levels, (std::vector<std::string>{"N", "Y"}));
  EXPECT_TRUE(torch::equal(d.y, torch::tensor({1.f, 0.f, 1.f})));
  EXPECT_EQ(subset(d, {1}).target_levels, d.target_levels);
  spec.target_levels = {"N", "Y"};
  EXPECT_NE(load_error(dir.write("u.csv", "x,r,g\n1,Y,a\n2,maybe,b\n"), spec).find("u.csv line 3, column 'r': 'maybe' is neither level of the target (N, Y)"),
            std::string::npos);
  spec.target_levels.clear();
  EXPECT_NE(load_error(dir.write("v.csv", "x,r,g\n1,Y,a\n2,N,b\n3,M,b\n"), spec).find("target 'r' has 3 text levels (M, N, Y)"),
            std::string::npos);
  spec.task = "regression";
  EXPECT_NE(load_error(dir.write("w.csv", "x,r,g\n1,Y,a\n2,N,b\n"), spec).find("'Y' is not a number"), std::string::npos);
}

// Multiclass: the labels are the classes, numbers sorted by value (2 before 10), text as R sorts a
// factor's levels; y holds the class's index; prediction data gets the training classes.
TEST(ClusteredData, MulticlassTargetLabelsAreItsClasses) {
  TempDir dir;
  DataSpec spec{"r", "g", {"x"}, "multiclass"};
  const auto numbers = load_clustered_csv(dir.write("n.csv", "x,r,g\n1,10,a\n2,2,b\n3,7,b\n4,2,a\n"), spec);
  EXPECT_EQ(numbers.target_levels, (std::vector<std::string>{"2", "7", "10"}));
  EXPECT_TRUE(torch::equal(numbers.y, torch::tensor({2.f, 0.f, 1.f, 0.f})));
  const auto text = load_clustered_csv(dir.write("t.csv", "x,r,g\n1,shirt,a\n2,bag,b\n3,coat,b\n"), spec);
  EXPECT_EQ(text.target_levels, (std::vector<std::string>{"bag", "coat", "shirt"}));
  EXPECT_TRUE(torch::equal(text.y, torch::tensor({2.f, 0.f, 1.f})));
  spec.target_levels = text.target_levels;
  spec.task.clear();  // as a model reads prediction data
  EXPECT_NE(load_error(dir.write("u.csv", "x,r,g\n1,bag,a\n2,sock,b\n"), spec)
                .find("u.csv line 3, column 'r': 'sock' is none of the classes of the target (bag, coat, shirt)"),
            std::string::npos);
  spec.target_levels.clear();
  spec.task = "multiclass";
  EXPECT_NE(load_error(dir.write("e.csv", "x,r,g\n1,bag,a\n2,,b\n"), spec).find("e.csv line 3, column 'r': empty target cell"),
            std::string::npos);
}

// An exposure column becomes each row's log offset, not a feature; it must be positive.
TEST(ClusteredData, ExposureIsALogOffsetNotAFeature) {
  TempDir dir;
  DataSpec spec{"y", "g", {}, "count"};
  spec.exposure = "t";
  const auto d = load_clustered_csv(dir.write("c.csv", "x,t,y,g\n1,2,3,a\n2,0.5,0,b\n"), spec);
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"x"}));
  EXPECT_TRUE(torch::allclose(d.offset, torch::tensor({std::log(2.f), std::log(0.5f)})));
  EXPECT_EQ(subset(d, {1}).offset.item<float>(), d.offset[1].item<float>());
  EXPECT_NE(load_error(dir.write("z.csv", "x,t,y,g\n1,2,3,a\n2,0,0,b\n"), spec).find("z.csv line 3, column 't': '0' is not a positive exposure"),
            std::string::npos);
  spec.features = {"x", "t"};
  EXPECT_NE(load_error(dir.write("f.csv", "x,t,y,g\n1,2,3,a\n"), spec).find("feature 't' is also the exposure column"), std::string::npos);
}

TEST(ClusteredData, TextFeaturesAreCategoricalWhenAsked) {
  TempDir dir;
  const auto path = dir.write("s.csv", "sex,x,y,g\nM,1,0,a\nF,2,1,b\nM,3,1,b\n");
  DataSpec spec{"y", "g", {}, "classification"};
  EXPECT_NE(load_error(path, spec).find("'M' is not a number"), std::string::npos);
  spec.text_is_categorical = true;
  const auto d = load_clustered_csv(path, spec);
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"sexM", "x"}));
  EXPECT_EQ(d.levels.at("sex"), (std::vector<std::string>{"F", "M"}));
}

TEST(ClusteredData, InteractionsAreProductsOfTheirColumnsInputs) {
  TempDir dir;
  const auto path = dir.write("i.csv", "x,z,sex,y,g\n2,3,M,0,a\n5,7,F,1,b\n1,4,M,1,b\n");
  DataSpec spec{"y", "g", {"x", "x:z", "x:sex"}, "classification"};
  spec.text_is_categorical = true;
  const auto d = load_clustered_csv(path, spec);
  EXPECT_EQ(d.feature_columns, (std::vector<std::string>{"x", "x:z", "x:sex"}));
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"x", "x:z", "x:sexM"}));
  EXPECT_TRUE(torch::equal(d.x, torch::tensor({{2.f, 6.f, 2.f}, {5.f, 35.f, 0.f}, {1.f, 4.f, 1.f}})));
  spec.features = {"x:nothing"};
  EXPECT_NE(load_error(path, spec).find("no column 'nothing'"), std::string::npos);
}

TEST(ClusteredData, ACombinedGroupingJoinsItsColumnsLabels) {
  TempDir dir;
  const auto d = load_clustered_csv(dir.write("n.csv", "x,y,batch,cask\n1,0,A,a\n2,1,A,b\n3,1,B,a\n"),
                                    {"y", "batch:cask", {}, "classification"});
  EXPECT_EQ(d.clusters(), (std::vector<std::string>{"A:a", "A:b", "B:a"}));
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"x"}));  // the grouping columns are no features
}

// Several factors: nested school/class (class labels repeat across schools) and a crossed rater.
TEST(ClusteredData, SeveralGroupingFactorsAreReadSubsetAndWritten) {
  TempDir dir;
  const std::string path = dir.write("s.csv", "x,y,school,class,rater\n1,0,A,1,r1\n2,1,A,2,r2\n3,1,B,1,r1\n");
  const auto d = load_clustered_csv(path, {"y", "school,school:class,rater", {}, "classification"});
  ASSERT_EQ(d.factors.size(), 3u);
  EXPECT_EQ(d.factors[1].name, "school:class");
  EXPECT_EQ(d.factors[1].labels, (std::vector<std::string>{"A:1", "A:2", "B:1"}));
  EXPECT_EQ(d.factors[2].labels, (std::vector<std::string>{"r1", "r2", "r1"}));
  EXPECT_EQ(d.clusters(), (std::vector<std::string>{"A", "A", "B"}));
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"x"}));  // no grouping column is a feature
  const auto picked = subset(d, {2, 0});
  EXPECT_EQ(picked.factors[2].labels, (std::vector<std::string>{"r1", "r1"}));
  write_clustered_csv(dir.file("out.csv"), picked);
  EXPECT_EQ(test::read_text(dir.file("out.csv")), "x,y,school,school:class,rater\n3,1,B,B:1,r1\n1,0,A,A:1,r1\n");
  // A factor the file lacks has no labels (prediction data: its clusters are unknown).
  const auto partial = load_clustered_csv(path, {"y", "school,judge", {"x"}, "classification"});
  EXPECT_TRUE(partial.factors[1].labels.empty());
  EXPECT_THROW(check_trainable(partial, "classification"), Error);
  EXPECT_NE(load_error(path, {"y", "school,,rater", {}, ""}).find("empty grouping factor name"), std::string::npos);
  EXPECT_NE(load_error(path, {"y", "school,school", {}, ""}).find("listed twice"), std::string::npos);
  EXPECT_NE(load_error(path, {"y", "school,rater", {"x", "rater"}, ""}).find("'rater' is also a grouping factor"), std::string::npos);
}

TEST(ClusteredData, TrialsBoundTheSuccesses) {
  TempDir dir;
  DataSpec spec{"k", "c", {}, "classification"};
  spec.trials = "n";
  const auto d = load_clustered_csv(dir.write("t.csv", "x,k,n,c\n1,2,5,a\n2,0,3,b\n"), spec);
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"x"}));
  EXPECT_FLOAT_EQ(d.trials[0].item<float>(), 5.0f);
  EXPECT_NE(load_error(dir.write("u.csv", "x,k,n,c\n1,6,5,a\n2,0,3,b\n"), spec).find("not a count of successes between 0 and n"),
            std::string::npos);
  EXPECT_NE(load_error(dir.write("v.csv", "x,k,n,c\n1,1,0,a\n2,0,3,b\n"), spec).find("not a positive whole number of trials"),
            std::string::npos);
  EXPECT_NE(load_error(dir.write("w.csv", "x,k,n,c\n1,0,5,a\n2,0,3,b\n"), spec).find("single class"), std::string::npos);
}

// Image data has x [N, C, H, W] and no feature columns.
TEST(ClusteredData, SubsetAndWriteHandleImageRows) {
  TempDir dir;
  ClusteredData images;
  images.x = torch::arange(3 * 2 * 4 * 4, torch::kFloat32).view({3, 2, 4, 4});
  images.y = torch::tensor({0.0f, 1.0f, 1.0f});
  images.factors = {{"cluster", {"a", "b", "c"}}};
  const auto picked = subset(images, {2, 0});
  EXPECT_EQ(picked.x.sizes(), (std::vector<int64_t>{2, 2, 4, 4}));
  EXPECT_TRUE(torch::equal(picked.x[0], images.x[2]));
  EXPECT_TRUE(torch::equal(picked.x[1], images.x[0]));
  EXPECT_EQ(picked.clusters(), (std::vector<std::string>{"c", "a"}));
  write_clustered_csv(dir.file("rows.csv"), picked);
  EXPECT_EQ(test::read_text(dir.file("rows.csv")), "y,cluster\n1,c\n0,a\n");
}

}  // namespace armed
