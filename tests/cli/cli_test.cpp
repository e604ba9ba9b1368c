// End-to-end tests of the armed executable on a small spiral.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <set>
#include <sstream>

#include "armed/data/csv.h"
#include "io/npy.h"
#include "test_util.h"

namespace armed {

using test::read_text;
using test::run_cli;
using test::TempDir;

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    spiral_ = dir_.file("spiral.csv");
    ASSERT_EQ(run_cli("--quiet simulate spiral --clusters 5 --points-per-cluster 400 --seed 3 --out " + spiral_).exit_code, 0);
    auto r = run_cli("--quiet split --data " + spiral_ + " --cluster cluster --target y --train-out " + dir_.file("train.csv") +
                     " --test-out " + dir_.file("test.csv"));
    ASSERT_EQ(r.exit_code, 0) << r.out;
  }
  // Expects failure with a single line naming `needle`.
  void expect_error(const std::string& args, const std::string& needle) {
    auto r = run_cli(args);
    EXPECT_NE(r.exit_code, 0) << args;
    EXPECT_NE(r.out.find(needle), std::string::npos) << args << "\n" << r.out;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  }
  std::string train_args(const std::string& model) {
    return "--quiet train --data " + dir_.file("train.csv") + " --target y --cluster cluster --epochs 25 --model " + model +
           " --out " + dir_.file(model);
  }
  TempDir dir_;
  std::string spiral_;
};

TEST_F(Cli, SimulateWritesDataAndTruth) {
  const CsvTable t = read_csv(spiral_);
  EXPECT_EQ(t.header, (std::vector<std::string>{"x1", "x2", "y", "cluster"}));
  EXPECT_EQ(t.rows.size(), 2000u);
  auto truth = nlohmann::json::parse(read_text(dir_.file("spiral.truth.json")));
  EXPECT_EQ(truth["clusters"].size(), 5u);
  EXPECT_EQ(read_csv(dir_.file("test.csv")).rows.size(), 400u);
}

TEST_F(Cli, TrainEvaluatePredictOnSpiral) {
  auto r = run_cli(train_args("conventional"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = run_cli("evaluate --model " + dir_.file("conventional") + " --data " + dir_.file("test.csv"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto metrics = nlohmann::json::parse(r.out);
  EXPECT_GT(metrics["overall"]["auroc"].get<double>(), 0.7);
  EXPECT_EQ(metrics["clusters"].size(), 5u);

  r = run_cli("predict --model " + dir_.file("conventional") + " --data " + dir_.file("test.csv") + " --out " +
              dir_.file("preds.csv"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const CsvTable preds = read_csv(dir_.file("preds.csv"));
  EXPECT_EQ(preds.header, (std::vector<std::string>{"cluster", "prediction", "mode"}));
  EXPECT_EQ(preds.rows.size(), 400u);
  const double p = preds.number(0, 1);
  EXPECT_TRUE(p >= 0.0 && p <= 1.0);
}

TEST_F(Cli, ConfigFileFillsTheSameOptions) {
  ASSERT_EQ(run_cli(train_args("cluster-input") + " --hidden 6,3").exit_code, 0);
  auto saved = nlohmann::json::parse(read_text(dir_.file("cluster-input/config.json")));
  EXPECT_EQ(saved["config"]["hidden"], nlohmann::json({6, 3}));
  EXPECT_EQ(saved["factors"][0]["clusters"].size(), 5u);
  // Reusing a model's config.json; the flag overrides one value.
  auto r = run_cli("--quiet train --data " + dir_.file("train.csv") + " --target y --cluster cluster --config " +
                   dir_.file("cluster-input/config.json") + " --epochs 2 --out " + dir_.file("again"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto again = nlohmann::json::parse(read_text(dir_.file("again/config.json")));
  EXPECT_EQ(again["config"]["hidden"], nlohmann::json({6, 3}));
  EXPECT_EQ(again["config"]["model"], "cluster-input");
  EXPECT_EQ(again["config"]["epochs"], 2);
}

TEST_F(Cli, BadInputGivesOneLineErrors) {
  const std::string train = "train --target y --cluster cluster --out " + dir_.file("m") + " --data ";
  expect_error(train + dir_.file("absent.csv"), "absent.csv: cannot open file");
  expect_error(train + dir_.write("bad.csv", "x1,y,cluster\n1,0,a\nfoo,1,b\n"), "line 3, column 'x1': 'foo' is not a number");
  expect_error(train + dir_.write("one.csv", "x1,y,cluster\n1,1,a\n2,1,b\n"), "single class");
  expect_error(train + dir_.write("nan.csv", "x1,y,cluster\n1,0,a\nnan,1,b\n"), "not a finite number");
  expect_error(train + dir_.write("empty.csv", "x1,y,cluster\n"), "no data rows");
  expect_error(train + dir_.write("ragged.csv", "x1,y,cluster\n1,0\n"), "line 2: 2 fields");
  expect_error("train --target nope --cluster cluster --out " + dir_.file("m") + " --data " + spiral_, "no column 'nope'");
  expect_error(train + spiral_ + " --model forest", "--model: unknown model 'forest'");
  expect_error(train + spiral_ + " --epochs 0", "--epochs");
  expect_error(train + spiral_ + " --bogus 3", "bogus");
  expect_error(train + spiral_ + " --config " + dir_.write("c.json", "{\"epochz\": 3}"), "unknown option 'epochz'");
  EXPECT_FALSE(std::filesystem::exists(dir_.file("m")));  // nothing half-written
}

TEST_F(Cli, PredictErrors) {
  ASSERT_EQ(run_cli(train_args("cluster-input") + " --epochs 1").exit_code, 0);
  const std::string model = dir_.file("cluster-input");
  expect_error("predict --model " + dir_.file("nomodel") + " --data " + spiral_ + " --out " + dir_.file("p.csv"),
               "no such model directory");
  expect_error("predict --model " + model + " --data " + dir_.write("n.csv", "x1,y,cluster\n1,0,a\n") + " --out " +
                   dir_.file("p.csv"),
               "no column 'x2'");
  expect_error("predict --mode mixed --model " + model + " --data " + dir_.write("u.csv", "x1,x2,cluster\n1,0,zz\n") +
                   " --out " + dir_.file("p.csv"),
               "cluster 'zz' was not seen in training");
  expect_error("predict --mode sideways --model " + model + " --data " + spiral_ + " --out " + dir_.file("p.csv"),
               "--mode: unknown mode");
  dir_.write("cluster-input/weights.pt", "garbage");
  expect_error("evaluate --model " + model + " --data " + spiral_, "weights.pt: corrupt model file");
  EXPECT_FALSE(std::filesystem::exists(dir_.file("p.csv")));
}

TEST_F(Cli, ArmedModelEffectsAndModes) {
  auto r = run_cli(train_args("armed") + " --epochs 3 --re-prior learned");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = run_cli("effects --model " + dir_.file("armed"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto effects = nlohmann::json::parse(r.out);
  EXPECT_EQ(effects["random_effects"][0]["name"], "(Intercept)");
  EXPECT_EQ(effects["random_effects"][0]["prior"], "learned");
  EXPECT_EQ(effects["random_effects"][0]["clusters"].size(), 5u);
  for (const char* mode : {"mixed", "fixed"}) {
    r = run_cli("predict --mode " + std::string(mode) + " --model " + dir_.file("armed") + " --data " +
                dir_.file("test.csv") + " --out " + dir_.file(std::string(mode) + ".csv"));
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_EQ(read_csv(dir_.file(std::string(mode) + ".csv")).rows[0][2], mode);
  }
  EXPECT_NE(read_text(dir_.file("mixed.csv")), read_text(dir_.file("fixed.csv")));
  ASSERT_EQ(run_cli(train_args("conventional") + " --epochs 1").exit_code, 0);
  expect_error("effects --model " + dir_.file("conventional"), "has no random effects");
  expect_error(train_args("conventional") + " --no-adversary", "--no-adversary: only armed and adversarial");
}

TEST_F(Cli, BenchmarkWritesTableAndJson) {
  auto r = run_cli("benchmark spiral --quiet --clusters 4 --points-per-cluster 100 --epochs 2 --folds 2 --models "
                   "conventional,armed --confounders 1 --confound-sd 0.2 --json " + dir_.file("b.json"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("unseen AUROC"), std::string::npos);
  auto j = nlohmann::json::parse(read_text(dir_.file("b.json")));
  EXPECT_TRUE(j["models"]["armed"]["seen"]["accuracy"].is_number());
  EXPECT_EQ(j["models"]["armed-inferred"]["unseen"]["auroc_ci"].size(), 2u);
  EXPECT_TRUE(j["models"]["conventional"]["gradients"]["conf1"].is_number());
  expect_error("benchmark spiral --quiet --repeats 0", "--repeats must be at least 1");
  expect_error("benchmark spiral --quiet --folds 11", "--folds must be between 2 and the number of clusters (10)");
}

TEST_F(Cli, SeenAndNewClustersInOneFileGetTheirModes) {
  ASSERT_EQ(run_cli(train_args("armed") + " --epochs 2").exit_code, 0);
  const std::string mixed_file = dir_.write("mix.csv", "x1,x2,y,cluster\n0.1,0.2,1,0\n0.1,0.2,1,brand-new\n");
  auto r = run_cli("predict --unseen inferred --model " + dir_.file("armed") + " --data " + mixed_file + " --out " + dir_.file("p.csv"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto preds = read_csv(dir_.file("p.csv"));
  EXPECT_EQ(preds.rows[0][2], "mixed");
  EXPECT_EQ(preds.rows[1][2], "inferred");
  // By default a new cluster is served as effects says the membership predictor earned.
  r = run_cli("effects --model " + dir_.file("armed"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::string by_default = nlohmann::json::parse(r.out)["membership_predictor"]["unseen_clusters_by_default"];
  r = run_cli("predict --model " + dir_.file("armed") + " --data " + mixed_file + " --out " + dir_.file("p.csv"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(read_csv(dir_.file("p.csv")).rows[1][2], by_default);
  r = run_cli("predict --unseen fixed --model " + dir_.file("armed") + " --data " + mixed_file + " --out " + dir_.file("p.csv"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(read_csv(dir_.file("p.csv")).rows[1][2], "fixed");
  // No cluster column at all: every row is unseen.
  r = run_cli("predict --unseen inferred --model " + dir_.file("armed") + " --data " + dir_.write("nc.csv", "x1,x2\n0.1,0.2\n") + " --out " +
              dir_.file("p.csv"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(read_csv(dir_.file("p.csv")).rows[0][2], "inferred");
  expect_error("predict --unseen maybe --model " + dir_.file("armed") + " --data " + mixed_file + " --out " + dir_.file("q.csv"),
               "--unseen: unknown mode 'maybe'");
}

TEST_F(Cli, LinearMixedModelSummaryReadsLikeLme4s) {
  const std::string data = std::string(ARMED_TEST_DATA) + "/penicillin.csv";
  auto r = run_cli("--quiet train --data " + data + " --formula 'diameter ~ 1 + (1|plate) + (1|sample)' --task regression --reml --out " +
                   dir_.file("pen"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = run_cli("effects --format text --model " + dir_.file("pen"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  for (const std::string line : {"Linear mixed model fit by REML", "REML criterion at convergence: 330.9", " plate    (Intercept)",
                                 "Number of obs: 144, groups:  plate, 24; sample, 6", " (Intercept)   22.972"})
    EXPECT_NE(r.out.find(line), std::string::npos) << line << " in\n" << r.out;
  expect_error("effects --format yaml --model " + dir_.file("pen"), "--format");
  expect_error("--quiet train --data " + dir_.file("train.csv") + " --formula 'y ~ x1 + (1|cluster)' --out " + dir_.file("p2") + " --reml",
               "--reml: is for linear mixed models");
}

TEST_F(Cli, FormulaFitsWhatTheFlagsFitAndSaysWhatItCannot) {
  const std::string data = std::string(ARMED_TEST_DATA) + "/sleepstudy.csv";
  auto r = run_cli("--quiet train --data " + data + " --formula 'Reaction ~ Days + (Days | Subject)' --family gaussian --out " +
                   dir_.file("formula"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = run_cli("--quiet train --data " + data + " --target Reaction --cluster Subject --task regression --model armed --fe linear "
              "--no-adversary --random-slopes Days --re-prior learned --re-covariance full --elbo --optimizer lbfgs "
              "--weight-fixed 0 --out " + dir_.file("flags"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto with_formula = nlohmann::json::parse(run_cli("effects --model " + dir_.file("formula")).out);
  EXPECT_EQ(with_formula["formula"], "Reaction ~ Days + (Days | Subject)");
  with_formula.erase("formula");
  EXPECT_EQ(with_formula, nlohmann::json::parse(run_cli("effects --model " + dir_.file("flags")).out));
  // A model's config.json, formula included, trains the same model again.
  r = run_cli("--quiet train --data " + data + " --config " + dir_.file("formula/config.json") + " --out " + dir_.file("again"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto again = nlohmann::json::parse(run_cli("effects --model " + dir_.file("again")).out);
  again.erase("formula");
  EXPECT_EQ(again, with_formula);
  // With --model the formula names a network's inputs, and its config.json keeps that network.
  r = run_cli("--quiet train --data " + dir_.file("train.csv") + " --formula 'y ~ x1 + x2 + (1 + hidden | cluster)' --model armed "
              "--epochs 2 --out " + dir_.file("deep"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = run_cli("--quiet train --data " + dir_.file("train.csv") + " --config " + dir_.file("deep/config.json") + " --out " +
              dir_.file("deep2"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto deep = nlohmann::json::parse(read_text(dir_.file("deep2/config.json")))["config"];
  EXPECT_EQ(deep["fe"], "mlp");
  EXPECT_EQ(deep["random_slopes"], "hidden");
  EXPECT_FALSE(deep["no_adversary"].get<bool>());
  const std::string train = "--quiet train --out " + dir_.file("f2") + " --data " + data;
  expect_error(train + " --formula 'Reaction ~ Days + (1 | Subject)' --target Reaction", "--target: --formula says it");
  expect_error(train + " --formula 'Reaction ~ Days + (1 | Subject) + (1 | Days)' --family gaussian",
               "feature 'Days' is also a grouping factor");
  expect_error(train + " --formula 'Reaction ~ poly(Days, 2) + (1 | Subject)'", "unsupported function poly()");
  expect_error(train + " --formula 'Reaction ~ Days + (1 | Subject)' --family gaussian --task classification",
               "--family gaussian contradicts --task classification");
  expect_error(train + " --formula 'Reaction ~ Days + (1 | Subject)' --family gamma", "--family: unknown family 'gamma' (binomial, gaussian, poisson, multinomial)");
  expect_error(train + " --formula 'Reaction ~ Days + (1 | Subject)' --family poisson",
               "line 2, column 'Reaction': '249.56' is not a count (a non-negative integer) as --task count needs");
  expect_error(train, "train needs --target and --cluster, or --formula");
}

TEST_F(Cli, FormulaTakesTextFactorsAndATextTarget) {
  // VerbAgg: r2 is Y/N, Gender, btype and situ are text; one grouping factor (persons).
  const std::string data = std::string(ARMED_TEST_DATA) + "/verbagg.csv";
  auto r = run_cli("train --data " + data + " --formula 'r2 ~ Anger + Gender + btype + situ + (1 | id)' --family binomial --out " +
                   dir_.file("verbagg"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("target r2: 'Y' is the event (1), 'N' the reference (0)"), std::string::npos) << r.out;
  const auto effects = nlohmann::json::parse(run_cli("effects --model " + dir_.file("verbagg")).out);
  EXPECT_EQ(effects["target_levels"]["event"], "Y");
  for (const char* name : {"Anger", "GenderM", "btypescold", "btypeshout", "situself", "(Intercept)"})
    EXPECT_TRUE(effects["fixed_effects"].contains(name)) << name;
  // People differ far more than chance would: glmer's SD of the person intercepts is 1.34 with
  // items crossed; with persons alone it is of that size.
  EXPECT_GT(effects["random_effects_sd"]["(Intercept)"].get<double>(), 0.8);
  // An interaction, and persons within genders as a combined grouping factor.
  r = run_cli("--quiet train --data " + data + " --formula 'r2 ~ Anger * btype + situ + (1 | id:Gender)' --family binomial --out " +
              dir_.file("verbagg2"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto fixed = nlohmann::json::parse(run_cli("effects --model " + dir_.file("verbagg2")).out)["fixed_effects"];
  for (const char* name : {"Anger", "btypescold", "Anger:btypescold", "Anger:btypeshout", "situself"})
    EXPECT_TRUE(fixed.contains(name)) << name;
  r = run_cli("evaluate --model " + dir_.file("verbagg") + " --data " + data);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_GT(nlohmann::json::parse(r.out)["overall"]["auroc"].get<double>(), 0.7);
}

TEST_F(Cli, SimulateGlmmWritesEveryGroupingFactorAndTheTruth) {
  auto r = run_cli("--quiet simulate glmm --rows 300 --features 4 --clusters 10,5 --variances 1,0.5 --out " + dir_.file("g.csv"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const CsvTable t = read_csv(dir_.file("g.csv"));
  EXPECT_EQ(t.header, (std::vector<std::string>{"x1", "x2", "x3", "x4", "y", "cluster1", "cluster2"}));
  EXPECT_EQ(t.rows.size(), 300u);
  const auto truth = nlohmann::json::parse(read_text(dir_.file("g.truth.json")));
  EXPECT_EQ(truth["factors"][1]["effects"].size(), 5u);
  expect_error("--quiet simulate glmm --clusters 1 --out " + dir_.file("h.csv"), "--clusters: every grouping factor needs at least 2 levels");
}

// Multiclass: predict writes the most probable class and each class's probability; evaluate,
// effects and report follow.
TEST_F(Cli, MulticlassTrainPredictEvaluateReport) {
  const std::string data = dir_.file("mc.csv");
  ASSERT_EQ(run_cli("--quiet simulate glmm --task multiclass --classes 3 --rows 900 --features 3 --clusters 6 --variances 2 --out " + data).exit_code, 0);
  const std::string train = "--quiet train --data " + data + " --target y --cluster cluster --task multiclass --model armed --epochs 3 --out " +
                            dir_.file("mc");
  expect_error(train, "--random-slopes: --task multiclass takes random intercepts per class; add --random-slopes none");
  auto r = run_cli(train + " --random-slopes none");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = run_cli("predict --model " + dir_.file("mc") + " --data " + data + " --out " + dir_.file("p.csv"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const CsvTable p = read_csv(dir_.file("p.csv"));
  EXPECT_EQ(p.header, (std::vector<std::string>{"cluster", "prediction", "p_0", "p_1", "p_2", "mode"}));
  EXPECT_TRUE(p.rows[0][1] == "0" || p.rows[0][1] == "1" || p.rows[0][1] == "2") << p.rows[0][1];
  EXPECT_NEAR(std::stod(p.rows[0][2]) + std::stod(p.rows[0][3]) + std::stod(p.rows[0][4]), 1.0, 1e-5);
  expect_error("predict --interval 0.9 --model " + dir_.file("mc") + " --data " + data + " --out " + dir_.file("q.csv"),
               "--interval: not available for --task multiclass");
  r = run_cli("evaluate --model " + dir_.file("mc") + " --data " + data);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto metrics = nlohmann::json::parse(r.out)["overall"];
  EXPECT_GT(metrics["macro_auroc"].get<double>(), 0.5);
  EXPECT_TRUE(metrics.contains("log_loss"));
  r = run_cli("effects --format text --model " + dir_.file("mc"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("(Intercept):2"), std::string::npos) << r.out;
  r = run_cli("--quiet report --model " + dir_.file("mc") + " --data " + data + " --out " + dir_.file("mc.html"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(read_text(dir_.file("mc.html")).find("macro AUROC"), std::string::npos);
}

// Counts over exposures: a network's count model takes --exposure, and its data must carry the
// column to predict; other families refuse it.
TEST_F(Cli, ExposureEntersCountsAsAnOffset) {
  const std::string data = std::string(ARMED_TEST_DATA) + "/exposure.csv";
  const std::string train = "--quiet train --data " + data + " --target y --cluster g --exposure exposure --model armed --no-adversary "
                            "--re-prior learned --random-slopes none --epochs 5 --out " + dir_.file("ex");
  auto r = run_cli(train + " --task count");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto effects = nlohmann::json::parse(run_cli("effects --model " + dir_.file("ex")).out);
  EXPECT_EQ(effects["likelihood"], "Laplace");
  EXPECT_EQ(effects["exposure"], "exposure");
  EXPECT_EQ(effects["factors"][0]["clusters"].size(), 40u);
  EXPECT_NE(run_cli("effects --format text --model " + dir_.file("ex")).out.find(" Offset: log(exposure)"), std::string::npos);
  r = run_cli("predict --model " + dir_.file("ex") + " --data " + data + " --out " + dir_.file("p.csv"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  expect_error("predict --model " + dir_.file("ex") + " --data " + dir_.write("n.csv", "x,g\n0.5,g01\n") + " --out " + dir_.file("q.csv"),
               "no column 'exposure'");
  expect_error(train + " --task regression", "--exposure needs --task count");
}

// Crossed factors from a formula or from --cluster a,b; predict writes each factor's cluster and mode.
TEST_F(Cli, SeveralGroupingFactorsTrainPredictAndExplain) {
  const std::string data = dir_.file("g.csv");
  ASSERT_EQ(run_cli("--quiet simulate glmm --rows 800 --features 3 --clusters 6,4 --variances 2 --out " + data).exit_code, 0);
  auto r = run_cli("--quiet train --data " + data + " --formula 'y ~ . + (1 | cluster1) + (1 | cluster2)' --out " + dir_.file("lin"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto effects = nlohmann::json::parse(run_cli("effects --model " + dir_.file("lin")).out);
  ASSERT_EQ(effects["factors"].size(), 2u);
  EXPECT_EQ(effects["factors"][1]["name"], "cluster2");
  EXPECT_EQ(effects["fixed_effects"].size(), 4u);  // x1..x3 and the intercept: "." leaves out both factors
  r = run_cli("--quiet train --data " + data + " --target y --cluster cluster1,cluster2 --model armed --epochs 3 --out " +
              dir_.file("deep"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = run_cli("predict --model " + dir_.file("deep") + " --data " + data + " --unseen fixed --out " + dir_.file("p.csv"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const CsvTable p = read_csv(dir_.file("p.csv"));
  EXPECT_EQ(p.header, (std::vector<std::string>{"cluster1", "cluster2", "prediction", "mode_cluster1", "mode_cluster2"}));
  EXPECT_EQ(p.rows[0][3], "mixed");
  EXPECT_EQ(p.rows[0][4], "mixed");
  r = run_cli("--quiet report --model " + dir_.file("deep") + " --data " + data + " --out " + dir_.file("r.html"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(read_text(dir_.file("r.html")).find("Random effects of cluster2"), std::string::npos);
  expect_error("--quiet train --data " + data + " --target y --cluster cluster1,nope --out " + dir_.file("x"),
               "no column 'nope' for the cluster");
  // An intercept-only fixed part: the model has no inputs, and predicts from its saved spec.
  const std::string penicillin = std::string(ARMED_TEST_DATA) + "/penicillin.csv";
  r = run_cli("--quiet train --data " + penicillin + " --formula 'diameter ~ 1 + (1 | plate) + (1 | sample)' --family gaussian --out " +
              dir_.file("pen"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = run_cli("predict --model " + dir_.file("pen") + " --data " + penicillin + " --out " + dir_.file("pen.csv"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(read_csv(dir_.file("pen.csv")).rows.size(), 144u);
}

// As lmer and glmer users expect: a continuous target fits the Gaussian model, a 0/1 one the binomial.
TEST_F(Cli, AFormulaWithoutAFamilyTakesItFromTheTarget) {
  const std::string penicillin = std::string(ARMED_TEST_DATA) + "/penicillin.csv";
  const std::string formula = " --formula 'diameter ~ 1 + (1 | plate) + (1 | sample)' --out ";
  auto r = run_cli("train --data " + penicillin + formula + dir_.file("implicit"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("no --family: the target 'diameter' is not 0/1: the Gaussian model"), std::string::npos) << r.out;
  ASSERT_EQ(run_cli("--quiet train --data " + penicillin + formula + dir_.file("gaussian") + " --family gaussian").exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(run_cli("effects --model " + dir_.file("implicit")).out),
            nlohmann::json::parse(run_cli("effects --model " + dir_.file("gaussian")).out));

  const std::string binary = " --formula 'y ~ x1 + x2 + (1 | cluster)' --out ";
  r = run_cli("train --data " + dir_.file("train.csv") + binary + dir_.file("implicit01"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("no --family: the target 'y' is 0/1: the binomial model"), std::string::npos) << r.out;
  ASSERT_EQ(run_cli("--quiet train --data " + dir_.file("train.csv") + binary + dir_.file("binomial") + " --family binomial").exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(run_cli("effects --model " + dir_.file("implicit01")).out),
            nlohmann::json::parse(run_cli("effects --model " + dir_.file("binomial")).out));
  // A given task is kept: a continuous target is still no classification target.
  expect_error("--quiet train --data " + penicillin + formula + dir_.file("x") + " --task classification", "'27' is not 0 or 1");
}

// A network that learned nothing beyond the mean (here its one feature is the same on every row,
// as happened when early stopping kept a network's first epoch on lme4's InstEval) is a result:
// the exact stage fits without its output and the model is written.
TEST_F(Cli, ANetworkThatLearnedNothingBeyondTheMeanStillGivesItsModel) {
  std::istringstream penicillin(read_text(std::string(ARMED_TEST_DATA) + "/penicillin.csv"));
  std::string data, line;
  while (std::getline(penicillin, line)) data += line + (data.empty() ? ",\"constant\"\n" : ",1\n");
  const std::string file = dir_.write("penicillin.csv", data);
  auto r = run_cli("train --data " + file + " --formula 'diameter ~ constant + (1|plate) + (1|sample)' --model armed --task regression " +
                   "--re-prior learned --epochs 6 --validation-fraction 0.2 --patience 2 --out " + dir_.file("m"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("exact stage: the network's output is the same on all 144 rows"), std::string::npos) << r.out;
  r = run_cli("effects --format text --model " + dir_.file("m"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("the exact stage dropped it"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("network"), r.out.find("network's output")) << r.out;  // no coefficient row for it
  r = run_cli("predict --model " + dir_.file("m") + " --data " + file + " --out " + dir_.file("p.csv"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(read_csv(dir_.file("p.csv")).rows.size(), 144u);
}

TEST_F(Cli, SplitFoldsNeverShareACluster) {
  auto r = run_cli("--quiet split --data " + spiral_ + " --cluster cluster --folds 5 --out-prefix " + dir_.file("cv"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  size_t tested = 0;
  for (int f = 1; f <= 5; ++f) {
    const auto train = read_csv(dir_.file("cv.fold" + std::to_string(f) + ".train.csv"));
    const auto test = read_csv(dir_.file("cv.fold" + std::to_string(f) + ".test.csv"));
    std::set<std::string> train_clusters;
    for (const auto& row : train.rows) train_clusters.insert(row[3]);
    for (const auto& row : test.rows) EXPECT_FALSE(train_clusters.count(row[3])) << "fold " << f;
    tested += test.rows.size();
  }
  EXPECT_EQ(tested, 2000u);
  expect_error("split --data " + spiral_ + " --cluster cluster --folds 3", "--folds needs --out-prefix");
}

TEST_F(Cli, LinearMixedModelOnCbpp) {
  const std::string cbpp = std::string(ARMED_TEST_DATA) + "/cbpp.csv";
  auto r = run_cli("--quiet train --data " + cbpp +
                   " --target incidence --trials size --categorical period --cluster herd --model armed --fe linear"
                   " --no-adversary --random-slopes none --re-prior learned --elbo --optimizer lbfgs --weight-fixed 0"
                   " --epochs 200 --out " + dir_.file("cbpp"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = run_cli("effects --model " + dir_.file("cbpp"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto e = nlohmann::json::parse(r.out);
  EXPECT_NEAR(e["fixed_effects"]["period2"].get<double>(), -0.99, 0.1);
  EXPECT_EQ(e["random_effects_sd"].size(), 1u);
  r = run_cli("predict --model " + dir_.file("cbpp") + " --data " + cbpp + " --out " + dir_.file("p.csv"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(read_csv(dir_.file("p.csv")).rows.size(), 56u);
  expect_error("predict --model " + dir_.file("cbpp") + " --data " +
                   dir_.write("new.csv", "herd,incidence,size,period\n1,0,3,9\n") + " --out " + dir_.file("q.csv"),
               "column 'period': level '9' was not seen in training (levels: 1, 2, 3, 4)");
  expect_error("train --data " + cbpp + " --target incidence --trials size --cluster herd --task regression --out " +
                   dir_.file("bad"),
               "--trials needs --task classification");
  expect_error("train --data " + cbpp + " --target incidence --cluster herd --fe linear --model armed --out " + dir_.file("bad"),
               "--fe linear: a linear fixed-effects part has no hidden layer for the adversary");
}

TEST_F(Cli, HelpListsDefaults) {
  auto r = run_cli("train --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--batch-size"), std::string::npos);
  EXPECT_NE(r.out.find("32"), std::string::npos);
}

TEST_F(Cli, SimulateImagesWritesArrayRowsAndTruth) {
  const std::string p = dir_.file("sim");
  auto r = run_cli("simulate images --clusters 3 --images-per-cluster 20 --size 16 --seed 5 --out " + p);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("wrote 60 images in 3 clusters to " + p + ".npy"), std::string::npos) << r.out;
  const auto images = read_npy(p + ".npy");
  EXPECT_EQ(images.scalar_type(), torch::kUInt8);
  EXPECT_EQ(images.sizes(), (std::vector<int64_t>{60, 16, 16}));
  const CsvTable rows = read_csv(p + ".csv");
  EXPECT_EQ(rows.header, (std::vector<std::string>{"y", "cluster"}));
  ASSERT_EQ(rows.rows.size(), 60u);
  EXPECT_EQ(rows.rows.front()[1], "c0");
  EXPECT_EQ(rows.rows.back()[1], "c2");
  const auto truth = nlohmann::json::parse(read_text(p + ".truth.json"));
  EXPECT_EQ(truth["clusters"].size(), 3u);
  EXPECT_EQ(truth["options"]["size"], 16);
  EXPECT_EQ(truth["options"]["seed"], 5);
  expect_error("--quiet simulate images --noise -1 --out " + p, "--noise");
}

TEST_F(Cli, ImageModelsTrainPredictEmbedAndReconstruct) {
  const std::string p = dir_.file("img");
  auto r = run_cli("--quiet simulate images --clusters 3 --images-per-cluster 20 --size 16 --out " + p);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(read_npy(p + ".npy").sizes(), (std::vector<int64_t>{60, 16, 16}));
  const std::string images = " --data " + p + ".csv --images " + p + ".npy";
  const std::string model = dir_.file("aec");
  r = run_cli("--quiet train --target y --cluster cluster --model aec-armed --filters 4,8 --latent 5 --epochs 2 --out " + model +
              images);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = run_cli("predict --model " + model + images + " --out " + dir_.file("p.csv"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(read_csv(dir_.file("p.csv")).rows.size(), 60u);
  r = run_cli("embed --model " + model + images + " --out " + dir_.file("latent.csv"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto latent = read_csv(dir_.file("latent.csv"));
  EXPECT_EQ(latent.header, (std::vector<std::string>{"latent1", "latent2", "latent3", "latent4", "latent5", "cluster", "y"}));
  r = run_cli("reconstruct --model " + model + images + " --as-cluster c2 --out " + dir_.file("r.npy"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto styled = read_npy(dir_.file("r.npy"));
  EXPECT_EQ(styled.sizes(), (std::vector<int64_t>{60, 16, 16}));
  r = run_cli("reconstruct --model " + model + images + " --out " + dir_.file("plain.npy"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_FALSE(torch::equal(read_npy(dir_.file("plain.npy")), styled));

  expect_error("predict --model " + model + " --data " + p + ".csv --out " + dir_.file("q.csv"), "reads images");
  expect_error("reconstruct --model " + model + images + " --as-cluster nowhere --out " + dir_.file("r2.npy"),
               "'nowhere' was not seen in training");
  expect_error("--quiet train --target y --cluster cluster --model cnn --out " + dir_.file("c") + " --data " + spiral_,
               "reads images");
  expect_error("--quiet train --target y --cluster cluster --model armed --out " + dir_.file("c") + images, "image models");
  expect_error("--quiet simulate images --size 4 --out " + p, "--size");
  EXPECT_FALSE(std::filesystem::exists(dir_.file("r2.npy")));
}

}  // namespace armed
