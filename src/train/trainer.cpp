#include "armed/train/trainer.h"

#include <chrono>
#include <cstdio>

#include "armed/eval/metrics.h"

namespace armed {
namespace {

torch::Tensor task_loss(const std::string& task, const torch::Tensor& output, const torch::Tensor& y) {
  return task == "classification" ? torch::binary_cross_entropy_with_logits(output, y) : torch::mse_loss(output, y);
}

std::vector<double> to_vector(const torch::Tensor& t) {
  auto c = t.to(torch::kFloat64).contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

double task_metric(const std::string& task, const torch::Tensor& output, const torch::Tensor& y, double scale) {
  if (task == "classification") return auroc(to_vector(output), to_vector(y));
  return rmse(to_vector(output), to_vector(y)) * scale;
}

std::vector<torch::Tensor> snapshot(torch::nn::Module& m) {
  std::vector<torch::Tensor> out;
  for (const auto& p : m.parameters()) out.push_back(p.detach().clone());
  for (const auto& b : m.buffers()) out.push_back(b.detach().clone());
  return out;
}

void restore(torch::nn::Module& m, const std::vector<torch::Tensor>& saved) {
  torch::NoGradGuard no_grad;
  size_t i = 0;
  for (auto& p : m.parameters()) p.copy_(saved[i++]);
  for (auto& b : m.buffers()) b.copy_(saved[i++]);
}

}  // namespace

torch::Tensor network_output(Network& net, const torch::Tensor& x, const ClusterDesign& z) {
  torch::NoGradGuard no_grad;
  const bool was_training = net->is_training();
  net->eval();
  constexpr int64_t chunk = 65536;
  std::vector<torch::Tensor> parts;
  for (int64_t start = 0; start < x.size(0); start += chunk) {
    auto index = torch::arange(start, std::min(start + chunk, x.size(0)), torch::kInt64);
    parts.push_back(net->forward(x.index_select(0, index), z.rows(index)).output);
  }
  net->train(was_training);
  return parts.empty() ? torch::empty({0}) : torch::cat(parts);
}

TrainingHistory train_network(Network& net, const TrainingTensors& train, const TrainingTensors* valid,
                              double target_scale, std::ostream* progress) {
  const ModelConfig& cfg = net->config;
  torch::optim::Adam optimizer(net->parameters(), torch::optim::AdamOptions(cfg.lr));
  const int64_t n = train.x.size(0);
  const char* metric_name = cfg.task == "classification" ? "auroc" : "rmse";

  TrainingHistory history;
  double best_val = INFINITY;
  int64_t since_best = 0;
  std::vector<torch::Tensor> best_weights;

  for (int64_t epoch = 1; epoch <= cfg.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    net->train();
    auto order = torch::randperm(n, torch::kInt64);
    auto epoch_outputs = torch::empty({n});
    double loss_sum = 0.0;
    for (int64_t b = 0; b < n; b += cfg.batch_size) {
      auto index = order.narrow(0, b, std::min(cfg.batch_size, n - b));
      auto y = train.y.index_select(0, index);
      NetworkOutput out = net->forward(train.x.index_select(0, index), train.z.rows(index));
      auto loss = task_loss(cfg.task, out.output, y);
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      loss_sum += loss.item<double>() * static_cast<double>(index.size(0));
      epoch_outputs.index_copy_(0, index, out.output.detach());
    }
    EpochRecord rec;
    rec.epoch = epoch;
    rec.loss = loss_sum / static_cast<double>(n);
    rec.metric = task_metric(cfg.task, epoch_outputs, train.y, target_scale);
    rec.samples_per_second =
        static_cast<double>(n) / std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (valid) {
      auto out = network_output(net, valid->x, valid->z);
      rec.val_loss = task_loss(cfg.task, out, valid->y).item<double>();
      rec.val_metric = task_metric(cfg.task, out, valid->y, target_scale);
    }
    history.epochs.push_back(rec);
    if (progress) {
      char line[256];
      int len = std::snprintf(line, sizeof line, "epoch %3lld/%lld  loss %.4f  %s %.4f", static_cast<long long>(epoch),
                              static_cast<long long>(cfg.epochs), rec.loss, metric_name, rec.metric);
      if (valid)
        len += std::snprintf(line + len, sizeof line - len, "  val_loss %.4f  val_%s %.4f", rec.val_loss, metric_name,
                             rec.val_metric);
      std::snprintf(line + len, sizeof line - len, "  %.0f samples/s", rec.samples_per_second);
      *progress << line << std::endl;
    }
    if (!valid) {
      history.best_epoch = epoch;
      continue;
    }
    if (rec.val_loss < best_val) {
      best_val = rec.val_loss;
      best_weights = snapshot(*net);
      history.best_epoch = epoch;
      since_best = 0;
    } else if (++since_best >= cfg.patience) {
      if (progress) *progress << "early stopping: best validation loss at epoch " << history.best_epoch << std::endl;
      break;
    }
  }
  if (!best_weights.empty()) restore(*net, best_weights);
  net->eval();
  return history;
}

}  // namespace armed
