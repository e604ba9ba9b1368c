// armed simulate fashion and armed benchmark fashion, on the 600 Fashion-MNIST pictures of tests/data.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "armed/data/csv.h"
#include "test_util.h"

namespace armed {
namespace {

using test::read_text;
using test::run_cli;

const std::string kSample = std::string(ARMED_TEST_DATA) + "/fashion-mnist-sample";

}  // namespace

TEST(FashionCli, SimulateWritesPicturesRowsAndTruthThatTrain) {
  test::TempDir dir;
  const std::string prefix = dir.file("sites");
  auto r = run_cli("--quiet simulate fashion --fashion-dir " + kSample + " --sites 4 --images-per-site 30 --artifact-sites 1 --out " + prefix);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const CsvTable rows = read_csv(prefix + ".csv");
  EXPECT_EQ(rows.header, (std::vector<std::string>{"y", "site"}));
  EXPECT_EQ(rows.rows.size(), 120u);
  const auto truth = nlohmann::json::parse(read_text(prefix + ".truth.json"));
  ASSERT_EQ(truth["sites"].size(), 4u);
  const auto& sites = truth["sites"];
  EXPECT_EQ(std::count_if(sites.begin(), sites.end(), [](const nlohmann::json& s) { return s["artifact"].get<bool>(); }), 1);
  EXPECT_NE(read_text(prefix + ".npy"), read_text(prefix + ".swapped.npy"));
  r = run_cli("--quiet train --model cnn --data " + prefix + ".csv --images " + prefix + ".npy --target y --cluster site --epochs 1 --out " +
              dir.file("model"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
}

TEST(FashionCli, BenchmarkRunsASmallVersion) {
  test::TempDir dir;
  const std::string json = dir.file("results.json");
  const auto r = run_cli("--quiet benchmark fashion --fashion-dir " + kSample +
                         " --sites 6 --images-per-site 30 --artifact-sites 3 --folds 3 --runs 1 --epochs 2"
                         " --models cnn,cnn-armed,aec-armed --json " + json);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  for (const char* column : {"seen AUC", "unseen acc", "swapped", "latent probe", "DB", "CH", "cnn-armed-fixed", "aec-armed-fixed"})
    EXPECT_NE(r.out.find(column), std::string::npos) << column << "\n" << r.out;
  EXPECT_EQ(r.out.find("macro AUROC"), std::string::npos) << "a binary target has one AUROC\n" << r.out;
  const auto results = nlohmann::json::parse(read_text(json));
  EXPECT_EQ(results["data"]["sites"].size(), 6u);
  for (const char* model : {"cnn", "cnn-armed", "cnn-armed-fixed", "aec-armed", "aec-armed-fixed"}) {
    const auto& m = results["models"][model];
    for (const char* path : {"/seen/auroc", "/unseen/accuracy", "/artifact/accuracy", "/artifact/swapped_accuracy"}) {
      const double value = m[nlohmann::json::json_pointer(std::string(path) + "/mean")].get<double>();
      EXPECT_TRUE(value >= 0 && value <= 1) << model << path << ": " << value;
    }
  }
  const auto& latent = results["models"]["aec-armed"]["autoencoder"];
  EXPECT_GT(latent["davies_bouldin"]["mean"].get<double>(), 0);
  EXPECT_GT(latent["calinski_harabasz"]["mean"].get<double>(), 0);
}

TEST(FashionCli, TheTenClassesTrainAsMulticlass) {
  test::TempDir dir;
  const std::string json = dir.file("results.json");
  const std::string run = "--quiet benchmark fashion --fashion-dir " + kSample +
                          " --fashion-target classes --sites 6 --images-per-site 30 --folds 3 --runs 1 --epochs 1 --models cnn-armed";
  auto r = run_cli(run);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("--random-slopes: --task multiclass takes random intercepts per class; add --random-slopes none"), std::string::npos) << r.out;
  r = run_cli(run + " --random-slopes none --block-effects all --json " + json);  // random effects in the blocks too
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("AUC: macro AUROC over the 10 classes"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("latent probe"), std::string::npos) << "no autoencoder, no latent notes\n" << r.out;
  const auto results = nlohmann::json::parse(read_text(json));
  EXPECT_EQ(results["data"]["options"]["target"], "classes");
  const double accuracy = results["models"]["cnn-armed"]["seen"]["accuracy"]["mean"].get<double>();
  EXPECT_TRUE(accuracy >= 0 && accuracy <= 1) << accuracy;
}

TEST(FashionCli, RepeatsPoolDrawsOfTheSitesAndPairEachModelWithTheConventionalOne) {
  test::TempDir dir;
  const std::string json = dir.file("results.json");
  const std::string run = "--quiet benchmark fashion --fashion-dir " + kSample +
                          " --sites 6 --images-per-site 30 --artifact-sites 3 --folds 3 --runs 1 --epochs 1 --models cnn,cnn-armed";
  auto r = run_cli(run + " --repeats 0");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("--repeats must be at least 1"), std::string::npos) << r.out;
  r = run_cli(run + " --repeats 2 --json " + json);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("in each of 2 draws of the sites (seeds 48 to 49)"), std::string::npos) << r.out;
  const auto results = nlohmann::json::parse(read_text(json));
  EXPECT_EQ(results["seeds"], nlohmann::json({48, 49}));
  const auto& armed = results["models"]["cnn-armed"];
  ASSERT_EQ(armed["unseen"]["auroc"]["runs"].size(), 2u) << "one fold of each draw";
  EXPECT_EQ(armed["paired"]["against"], "cnn");
  const auto own = armed["unseen"]["auroc"]["runs"].get<std::vector<double>>();
  const auto conventional = results["models"]["cnn"]["unseen"]["auroc"]["runs"].get<std::vector<double>>();
  EXPECT_NEAR(armed["paired"]["unseen"]["auroc"]["runs"][1].get<double>(), own[1] - conventional[1], 1e-12);
  // The second draw is the one `--seed 49` draws alone.
  r = run_cli(run + " --seed 49 --json " + json);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto alone = nlohmann::json::parse(read_text(json));
  EXPECT_EQ(alone["models"]["cnn-armed"]["unseen"]["auroc"]["runs"][0].get<double>(), own[1]);
}

TEST(FashionCli, AMissingDataSetSaysHowToGetIt) {
  const auto r = run_cli("--quiet benchmark fashion --fashion-dir /nonexistent --runs 1");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("--fashion-dir /nonexistent: no train-images-idx3-ubyte.gz; install Debian's dataset-fashion-mnist"), std::string::npos)
      << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
}

}  // namespace armed
