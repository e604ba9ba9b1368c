// armed embed, armed reconstruct: the autoencoder models' latents and reconstructions.
#include "armed/data/csv.h"
#include "armed/error.h"
#include "io/npy.h"
#include "armed/model.h"
#include "commands.h"

namespace armed::cli {

void add_embed(CLI::App& app, const GlobalOptions& global) {
  struct Args {
    std::string model, data, out;
    ImageSource images;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("embed", "write each image's fixed-effects latent (aec models) as CSV");
  cmd->add_option("--model", a->model, "model directory written by armed train (an aec model)")->required();
  cmd->add_option("--data", a->data, "CSV of the images' rows (cluster and target optional)")->required();
  cmd->add_option("--out", a->out, "CSV to write: latent1..latentK, then cluster and target when the data has them")->required();
  add_image_options(cmd, a->images);
  cmd->callback([a, &global] {
    global.apply();
    const auto model = MixedEffectsModel::load(a->model);
    const ClusteredData data = load_for_model(model, a->data, a->images);
    const torch::Tensor latent = model.embed(data).to(torch::kFloat64).contiguous();
    std::vector<std::string> header;
    for (int64_t j = 0; j < latent.size(1); ++j) header.push_back("latent" + std::to_string(j + 1));
    if (data.has_clusters()) header.push_back(model.cluster_name());
    if (data.has_target()) header.push_back(model.target_name());
    const auto l = latent.accessor<double, 2>();
    std::vector<std::vector<std::string>> rows;
    for (int64_t i = 0; i < data.rows(); ++i) {
      std::vector<std::string> row;
      for (int64_t j = 0; j < latent.size(1); ++j) row.push_back(format_number(l[i][j]));
      if (data.has_clusters()) row.push_back(data.clusters()[i]);
      if (data.has_target()) row.push_back(format_number(data.y[i].item<double>()));
      rows.push_back(std::move(row));
    }
    write_csv(a->out, header, rows);
  });
}

void add_reconstruct(CLI::App& app, const GlobalOptions& global) {
  struct Args {
    std::string model, data, out, as_cluster;
    ImageSource images;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("reconstruct", "write reconstructed images (aec models) as .npy");
  cmd->add_option("--model", a->model, "model directory written by armed train (an aec model)")->required();
  cmd->add_option("--data", a->data, "CSV of the images' rows")->required();
  cmd->add_option("--out", a->out, ".npy to write: float32, N x H x W (one channel) or N x H x W x C")->required();
  cmd->add_option("--as-cluster", a->as_cluster,
                  "aec-armed: every image in this training cluster's style; default: no cluster style (fixed effects)");
  add_image_options(cmd, a->images);
  cmd->callback([a, &global] {
    global.apply();
    const auto model = MixedEffectsModel::load(a->model);
    const ClusteredData data = load_for_model(model, a->data, a->images);
    torch::Tensor images = model.reconstruct(data, a->as_cluster).permute({0, 2, 3, 1});  // N, H, W, C as read
    if (images.size(3) == 1) images = images.squeeze(3);
    write_npy(a->out, images.contiguous());
  });
}

}  // namespace armed::cli
