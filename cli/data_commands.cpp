// armed simulate spiral, images, fashion, glmm; armed split.
#include <filesystem>
#include <fstream>

#include "armed/data/csv.h"
#include "armed/data/split.h"
#include "armed/error.h"
#include "io/atomic_file.h"
#include "io/npy.h"
#include "armed/sim/glmm.h"
#include "armed/sim/images.h"
#include "armed/sim/spiral.h"
#include "commands.h"

namespace armed::cli {
namespace {

// Pictures [N, 1, H, W] in [0, 1] as the uint8 N x H x W array the .npy files hold.
torch::Tensor as_bytes(const torch::Tensor& images) { return (images.squeeze(1) * 255).round().to(torch::kUInt8); }

}  // namespace

void add_simulate(CLI::App& app, const GlobalOptions& global) {
  auto* simulate = app.add_subcommand("simulate", "generate synthetic clustered data");
  simulate->require_subcommand(1);
  auto* spiral = simulate->add_subcommand("spiral", "the paper's two-class spirals in equal-sized clusters");
  auto opts = std::make_shared<SpiralOptions>();
  auto out = std::make_shared<std::string>();
  add_spiral_options(spiral, *opts, /*with_seed=*/true);
  spiral->add_option("--out", *out, "output CSV (x1,x2,conf1..N,y,cluster); truth goes to OUT with .truth.json")->required();
  spiral->callback([opts, out, &global] {
    global.apply();
    const SpiralData sim = simulate_spiral(*opts);
    write_clustered_csv(*out, sim.data);
    const std::string truth = std::filesystem::path(*out).replace_extension(".truth.json").string();
    write_file_atomic(truth, [&](std::ostream& os) { os << truth_to_json(*opts, sim.truth).dump(2) << '\n'; });
    if (global.progress())
      *global.progress() << "wrote " << sim.data.rows() << " rows in " << opts->clusters << " clusters to " << *out
                         << " (truth: " << truth << ")" << std::endl;
  });

  auto* images = simulate->add_subcommand("images", "shapes (class: disk or square) with per-cluster brightness, contrast and texture");
  auto image_opts = std::make_shared<ImageSimOptions>();
  auto prefix = std::make_shared<std::string>();
  add_image_sim_options(images, *image_opts, /*with_seed=*/true);
  images->add_option("--out", *prefix, "writes PREFIX.npy (uint8, N x H x W), PREFIX.csv (y, cluster) and PREFIX.truth.json")
      ->required();
  images->callback([image_opts, prefix, &global] {
    global.apply();
    const ImageSimData sim = simulate_images(*image_opts);
    write_npy(*prefix + ".npy", as_bytes(sim.data.x));
    write_clustered_csv(*prefix + ".csv", sim.data);
    write_file_atomic(*prefix + ".truth.json", [&](std::ostream& os) { os << truth_to_json(*image_opts, sim.truth).dump(2) << '\n'; });
    if (global.progress())
      *global.progress() << "wrote " << sim.data.rows() << " images in " << image_opts->clusters << " clusters to " << *prefix
                         << ".npy and " << *prefix << ".csv" << std::endl;
  });

  auto* fashion = simulate->add_subcommand(
      "fashion", "Fashion-MNIST pictures spread over imaging sites with their own acquisition, class prevalence and a confounding marker");
  auto fashion_opts = std::make_shared<FashionSitesOptions>();
  auto fashion_prefix = std::make_shared<std::string>();
  add_fashion_sites_options(fashion, *fashion_opts, /*with_seed=*/true);
  fashion->add_option("--out", *fashion_prefix,
                      "writes PREFIX.npy (uint8, N x 32 x 32), PREFIX.csv (y, site), PREFIX.swapped.npy (the artifact swapped) and PREFIX.truth.json")
      ->required();
  fashion->callback([fashion_opts, fashion_prefix, &global] {
    global.apply();
    const FashionSitesData sim = simulate_fashion_sites(*fashion_opts);
    write_npy(*fashion_prefix + ".npy", as_bytes(sim.data.x));
    write_npy(*fashion_prefix + ".swapped.npy", as_bytes(sim.swapped_x));
    write_clustered_csv(*fashion_prefix + ".csv", sim.data);
    write_file_atomic(*fashion_prefix + ".truth.json",
                      [&](std::ostream& os) { os << fashion_truth_to_json(*fashion_opts, sim.sites).dump(2) << '\n'; });
    if (global.progress())
      *global.progress() << "wrote " << sim.data.rows() << " pictures in " << fashion_opts->sites << " sites to " << *fashion_prefix
                         << ".npy and " << *fashion_prefix << ".csv" << std::endl;
  });

  auto* glmm = simulate->add_subcommand(
      "glmm", "LMMNN's generator: X ~ U(-1, 1)^p, f = e cos(e) + 2 x1 x2 (e = 1 + sum x), random intercepts per grouping factor");
  auto glmm_opts = std::make_shared<GlmmOptions>();
  auto glmm_out = std::make_shared<std::string>();
  add_glmm_options(glmm, *glmm_opts, /*with_seed=*/true);
  glmm->add_option("--out", *glmm_out, "output CSV (x1..xp, y, cluster or cluster1..K); truth goes to OUT with .truth.json")->required();
  glmm->callback([glmm_opts, glmm_out, &global] {
    global.apply();
    const GlmmData sim = simulate_glmm(*glmm_opts);
    write_clustered_csv(*glmm_out, sim.data);
    const std::string truth = std::filesystem::path(*glmm_out).replace_extension(".truth.json").string();
    write_file_atomic(truth, [&](std::ostream& os) { os << truth_to_json(*glmm_opts, sim).dump(2) << '\n'; });
    if (global.progress())
      *global.progress() << "wrote " << sim.data.rows() << " rows with " << sim.data.factors.size() << " grouping factor(s) to "
                         << *glmm_out << " (truth: " << truth << ")" << std::endl;
  });
}

void add_split(CLI::App& app, const GlobalOptions& global) {
  struct Args {
    std::string data, cluster, target, by = "rows", train_out, test_out, out_prefix;
    double test_fraction = 0.2;
    int64_t folds = 0;
    uint64_t seed = kDefaultSeed;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("split", "write train/test CSV files: within clusters, by whole clusters, or grouped k-fold");
  cmd->add_option("--data", a->data, "input CSV")->required();
  cmd->add_option("--cluster", a->cluster, "cluster column")->required();
  cmd->add_option("--target", a->target, "target column to stratify by within clusters (--by rows); it changes small clusters' mix of outcomes, which biases variance components: leave it out where they are estimated");
  cmd->add_option("--by", a->by, "rows: hold out rows of every cluster (seen-cluster test) | clusters: hold out whole clusters (unseen-cluster test)")->capture_default_str();
  cmd->add_option("--test-fraction", a->test_fraction, "share of rows (or clusters) in the test file")->capture_default_str();
  cmd->add_option("--seed", a->seed, "random seed")->capture_default_str();
  cmd->add_option("--train-out", a->train_out, "training CSV to write (--by rows or clusters)");
  cmd->add_option("--test-out", a->test_out, "test CSV to write (--by rows or clusters)");
  cmd->add_option("--folds", a->folds, "grouped k-fold instead: K folds partitioning the clusters");
  cmd->add_option("--out-prefix", a->out_prefix, "with --folds: writes PREFIX.foldN.train.csv and PREFIX.foldN.test.csv");
  cmd->callback([a, &global] {
    global.apply();
    if (a->by != "rows" && a->by != "clusters") throw Error("--by must be 'rows' or 'clusters', not '" + a->by + "'");
    if (a->folds > 0 && a->out_prefix.empty()) throw Error("--folds needs --out-prefix");
    if (a->folds == 0 && (a->train_out.empty() || a->test_out.empty()))
      throw Error("split needs --train-out and --test-out (or --folds K --out-prefix PREFIX)");
    const CsvTable table = read_csv(a->data);
    const size_t cc = table.column(a->cluster);
    std::vector<std::string> clusters;
    for (const auto& row : table.rows) clusters.push_back(row[cc]);
    std::vector<int64_t> strata;
    if (!a->target.empty()) {
      const size_t tc = table.column(a->target);
      for (size_t r = 0; r < table.rows.size(); ++r) strata.push_back(static_cast<int64_t>(std::llround(table.number(r, tc))));
    }
    auto rows_of = [&](const std::vector<int64_t>& index) {
      std::vector<std::vector<std::string>> rows;
      for (int64_t i : index) rows.push_back(table.rows[i]);
      return rows;
    };
    if (a->folds > 0) {
      const auto folds = grouped_kfold(clusters, a->folds, a->seed);
      for (size_t f = 0; f < folds.size(); ++f) {
        const std::string stem = a->out_prefix + ".fold" + std::to_string(f + 1);
        write_csv(stem + ".train.csv", table.header, rows_of(folds[f].train));
        write_csv(stem + ".test.csv", table.header, rows_of(folds[f].test));
      }
      if (global.progress())
        *global.progress() << "wrote " << folds.size() << " folds to " << a->out_prefix << ".foldN.{train,test}.csv" << std::endl;
      return;
    }
    const Split split = a->by == "rows" ? split_within_clusters(clusters, strata, a->test_fraction, a->seed)
                                        : split_by_clusters(clusters, a->test_fraction, a->seed);
    if (split.test.empty()) throw Error("--test-fraction " + std::to_string(a->test_fraction) + " puts no row in the test file");
    write_csv(a->train_out, table.header, rows_of(split.train));
    write_csv(a->test_out, table.header, rows_of(split.test));
    if (global.progress())
      *global.progress() << "wrote " << split.train.size() << " training rows to " << a->train_out << " and "
                         << split.test.size() << " test rows to " << a->test_out << std::endl;
  });
}

}  // namespace armed::cli
