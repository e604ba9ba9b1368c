#include "train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <sstream>

#include "armed/interrupt.h"
#include "dist/collective.h"
#include "train/divergence.h"
#include "train/module_snapshot.h"

namespace armed {
namespace {

// Link-scale outputs with each row's offset (log exposure) added: what the likelihood reads.
torch::Tensor plus_offset(const torch::Tensor& eta, const torch::Tensor& offset) {
  return offset.defined() ? eta + offset.to(eta.dtype()) : eta;
}

NetworkOutput with_offset(NetworkOutput out, const torch::Tensor& offset) {
  if (!offset.defined()) return out;
  out.output = plus_offset(out.output, offset);
  out.fixed = plus_offset(out.fixed, offset);
  return out;
}

std::string progress_line(const EpochRecord& rec, int64_t epochs, const char* metric, bool has_valid) {
  char line[512];
  int len = std::snprintf(line, sizeof line, "epoch %3lld/%lld  loss %.4f  %s %.4f", static_cast<long long>(rec.epoch),
                          static_cast<long long>(epochs), rec.loss, metric, rec.metric);
  for (const char* term : {"reconstruction", "mixed_reconstruction", "adversary_accuracy", "kl"}) {
    auto it = rec.terms.find(term);
    if (it != rec.terms.end()) len += std::snprintf(line + len, sizeof line - len, "  %s %.4g", term, it->second);
  }
  if (has_valid)
    len += std::snprintf(line + len, sizeof line - len, "  val_loss %.4f  val_%s %.4f", rec.val_loss, metric, rec.val_metric);
  std::snprintf(line + len, sizeof line - len, "  %.0f samples/s", rec.samples_per_second);
  return line;
}

// Parameters that record no gradient while it lives: autograd then spares their weight-gradient
// matmuls and accumulation, and still passes gradients through them to their inputs.
class Frozen {
 public:
  explicit Frozen(std::vector<torch::Tensor>& parameters) : parameters_(parameters) {
    for (auto& p : parameters_) p.set_requires_grad(false);
  }
  ~Frozen() {
    for (auto& p : parameters_) p.set_requires_grad(true);
  }
  Frozen(const Frozen&) = delete;
  Frozen& operator=(const Frozen&) = delete;

 private:
  std::vector<torch::Tensor>& parameters_;
};

std::vector<torch::Tensor> without(std::vector<torch::Tensor> all, const std::vector<torch::Tensor>& drop) {
  all.erase(std::remove_if(all.begin(), all.end(),
                           [&](const torch::Tensor& t) {
                             return std::any_of(drop.begin(), drop.end(), [&](const torch::Tensor& d) { return d.is_same(t); });
                           }),
            all.end());
  return all;
}

}  // namespace

Trainer::Trainer(Network net, TrainerOptions options)
    : net_(std::move(net)),
      options_(std::move(options)),
      kl_scale_(options_.kl_weight),
      main_flat_(options_.optimizer == Optimizer::adam
                     ? std::make_unique<FlatParameters>(without(net_->main_parameters(), net_->sparse_cluster_tables()))
                     : nullptr),
      main_optimizer_(main_flat_ ? main_flat_->optimized() : net_->main_parameters(), torch::optim::AdamOptions(options_.lr)) {
  auto tables = net_->sparse_cluster_tables();
  if (!tables.empty()) sparse_optimizer_ = std::make_unique<SparseAdam>(std::move(tables), torch::optim::AdamOptions(options_.lr));
  if (!net_->adversaries.empty()) {
    adversary_parameters_ = net_->adversary_parameters();
    adversary_flat_ = std::make_unique<FlatParameters>(adversary_parameters_);
    adversary_optimizer_ = std::make_unique<torch::optim::Adam>(adversary_flat_->optimized(), torch::optim::AdamOptions(options_.lr));
  }
}

void Trainer::set_training_clusters(const std::vector<torch::Tensor>& ids) {
  TORCH_CHECK(ids.size() == net_->factors(), "set_training_clusters: one id tensor per grouping factor");
  cluster_kl_weight_.clear();
  for (size_t f = 0; f < ids.size(); ++f) {
    auto rows = torch::bincount(ids[f], {}, net_->options.factors[f].clusters).to(torch::kFloat32);
    cluster_kl_weight_.push_back(static_cast<float>(ids[f].size(0)) / rows);
  }
}

torch::Tensor StepTerms::stacked() const {
  torch::NoGradGuard no_grad;
  return torch::stack(values_);
}

std::map<std::string, double> StepTerms::read() const {
  const auto values = stacked().to(torch::kFloat64).contiguous();
  std::map<std::string, double> out;
  for (size_t i = 0; i < names_.size(); ++i) out[names_[i]] = values.data_ptr<double>()[i];
  return out;
}

torch::Tensor Trainer::objective_terms(const NetworkOutput& out, const TrainingTensors& batch, bool expected, StepTerms& terms) {
  const TrainerOptions& cfg = options_;
  const Likelihood& likelihood = *options_.likelihood;
  // Weights of 1 are skipped rather than multiplied: each op is a node for backward to visit.
  auto weighted = [](double w, const torch::Tensor& t) { return w == 1.0 ? t : w * t; };
  // Autoencoders: reconstruction first, the classifier's terms weighted relative to it.
  torch::Tensor reconstruction;
  double classification_weight = 1.0;
  if (out.reconstruction.defined()) {
    classification_weight = cfg.weight_classification;
    reconstruction = torch::mse_loss(out.reconstruction, batch.x);
    terms.add("reconstruction", reconstruction);
    if (out.mixed_reconstruction.defined()) {
      auto mixed = torch::mse_loss(out.mixed_reconstruction, batch.x);
      terms.add("mixed_reconstruction", mixed);
      reconstruction = reconstruction + mixed;
    }
    reconstruction = weighted(cfg.weight_reconstruction, reconstruction);
  }
  auto plus_reconstruction = [&](const torch::Tensor& t) { return reconstruction.defined() ? reconstruction + t : t; };
  if (net_->random_effects.empty()) {
    auto loss = likelihood.nll(out.output, batch.y, batch.trials, net_->log_residual_sd);
    terms.add("mixed", loss);
    return plus_reconstruction(weighted(classification_weight, loss));
  }
  torch::Tensor mixed;
  if (expected) {
    std::vector<torch::Tensor> ids;
    for (const auto& design : batch.z) ids.push_back(design.ids);
    auto [mean, var] = net_->random_effects_moments(ids, out.re_slopes);
    mixed = likelihood.expected_nll(out.fixed + mean, var, batch.y, batch.trials, net_->log_residual_sd);
  } else {
    mixed = likelihood.nll(out.output, batch.y, batch.trials, net_->log_residual_sd);
  }
  auto fixed = likelihood.nll(out.fixed, batch.y, batch.trials, net_->log_residual_sd);
  torch::Tensor kl;
  if (sparse_optimizer_) {
    TORCH_CHECK(!cluster_kl_weight_.empty(), "sparse random-effect updates: call set_training_clusters before step");
    std::vector<torch::Tensor> ids, weights;
    for (size_t f = 0; f < batch.z.size(); ++f) {
      ids.push_back(batch.z[f].ids);
      weights.push_back(cluster_kl_weight_[f].index_select(0, batch.z[f].ids).div_(batch.z[f].ids.size(0)));
    }
    kl = net_->kl_divergence(ids, weights);
  } else {
    kl = net_->kl_divergence();
  }
  terms.add("mixed", mixed);
  terms.add("fixed", fixed);
  terms.add("kl", kl);
  auto task = weighted(classification_weight, weighted(cfg.weight_mixed, mixed) + weighted(cfg.weight_fixed, fixed));
  return plus_reconstruction(task) + kl_scale_ * kl;
}

StepTerms Trainer::step(const torch::Tensor& x, const torch::Tensor& y, const std::vector<ClusterDesign>& z,
                        const torch::Tensor& trials, const torch::Tensor& offset) {
  StepTerms terms;
  NetworkOutput out = with_offset(net_->forward(x, z), offset);

  // (a) Each adversary learns to recognise its factor's cluster from the (fixed) hidden activations.
  const torch::Tensor target = trials.defined() ? y / trials : y;
  auto& adversaries = net_->adversaries;
  if (!adversaries.empty()) {
    const torch::Tensor input = net_->adversary_input(out.hidden, target);
    torch::Tensor loss, accuracy;
    for (size_t f = 0; f < adversaries.size(); ++f) {
      auto [factor_loss, logits] = adversaries[f]->cross_entropy_gradient(input, z[f].ids);
      const auto factor_accuracy = logits.argmax(1).eq(z[f].ids).to(torch::kFloat32).mean();
      loss = f == 0 ? factor_loss : loss + factor_loss;
      accuracy = f == 0 ? factor_accuracy : accuracy + factor_accuracy;
    }
    if (group_) reduce_gradients(adversary_flat_->optimized(), "summing the adversary's gradients");
    if (checking_) {
      check_finite({loss}, "loss term 'adversary'");
      check_finite({adversary_flat_->optimized()[0].grad()}, "the adversary's gradient");
    }
    adversary_optimizer_->step();
    if (checking_) check_finite(adversary_flat_->optimized(), "an adversary weight after its update");
    terms.add("adversary", loss);
    terms.add("adversary_accuracy", adversaries.size() == 1 ? accuracy : accuracy / static_cast<double>(adversaries.size()));
  }

  // (b) The main networks fit the target while defeating the updated adversary.
  TrainingTensors batch{x, y, trials, offset, z};
  torch::Tensor loss = objective_terms(out, batch, /*expected=*/false, terms);
  if (!adversaries.empty()) {
    // The adversaries have had their step: the main loss needs only the gradient through them.
    // Confusion: toward uniform predictions; otherwise away from the true clusters.
    Frozen frozen(adversary_parameters_);
    const torch::Tensor input = net_->adversary_input(out.hidden, target);
    torch::Tensor cross_entropy;
    for (size_t f = 0; f < adversaries.size(); ++f) {
      auto factor_entropy = adversaries[f]->cross_entropy(input, options_.confusion ? torch::Tensor() : z[f].ids).first;
      cross_entropy = f == 0 ? factor_entropy : cross_entropy + factor_entropy;
    }
    loss = options_.confusion ? loss + options_.weight_adversary * cross_entropy : loss - options_.weight_adversary * cross_entropy;
  }
  if (checking_) {
    const auto values = terms.stacked();
    for (size_t i = 0; i < terms.names().size(); ++i) check_finite({values[static_cast<int64_t>(i)]}, std::string("loss term '") + terms.names()[i] + "'");
    check_finite({loss}, "the total loss");
  }
  if (main_flat_) main_flat_->zero_grad();
  else main_optimizer_.zero_grad();
  if (sparse_optimizer_) sparse_optimizer_->zero_grad();
  loss.backward();
  if (group_) {
    stop_agreed_ = reduce_gradients(main_flat_->optimized(), "summing the gradients");
    if (sparse_optimizer_) reduce_sparse_gradients();
  }
  if (checking_) {
    std::vector<torch::Tensor> gradients;
    for (const auto& p : main_flat_ ? main_flat_->optimized() : net_->main_parameters())
      if (p.grad().defined()) gradients.push_back(p.grad().is_sparse() ? p.grad().coalesce().values() : p.grad());
    for (const auto& table : net_->sparse_cluster_tables())
      if (table.grad().defined()) gradients.push_back(table.grad().coalesce().values());
    check_finite(gradients, "a gradient of the main networks");
  }
  main_optimizer_.step();
  if (sparse_optimizer_) sparse_optimizer_->step();
  if (checking_) check_finite(state_tensors(), "a weight after the update");
  terms.add("total", loss);
  return terms;
}

TrainingHistory Trainer::fit_full_batch(const TrainingTensors& train, double target_scale, std::ostream* progress) {
  const TrainerOptions& cfg = options_;
  // Small full-batch fits converge to the tolerance in double precision, not in single.
  net_->to(torch::kFloat64);
  const auto in_double = [](const torch::Tensor& t) { return t.defined() ? t.to(torch::kFloat64) : torch::Tensor(); };
  const TrainingTensors data{train.x.to(torch::kFloat64), train.y.to(torch::kFloat64), in_double(train.trials), in_double(train.offset),
                             train.z};
  torch::optim::LBFGS optimizer(net_->main_parameters(), torch::optim::LBFGSOptions(1.0)
                                                           .max_iter(20)
                                                           .history_size(20)
                                                           .tolerance_grad(1e-10)
                                                           .tolerance_change(1e-14)
                                                           .line_search_fn("strong_wolfe"));
  net_->eval();  // the random effects' posterior means; their spread enters through the expectation
  StepTerms terms;
  auto closure = [&] {
    terms = StepTerms();
    optimizer.zero_grad();
    auto loss = objective_terms(with_offset(net_->forward(data.x, data.z), data.offset), data, /*expected=*/true, terms);
    loss.backward();
    return loss;
  };
  TrainingHistory history;
  double previous = INFINITY;
  for (int64_t step = 1; step <= cfg.epochs; ++step) {
    throw_if_stop_requested();
    const auto start = std::chrono::steady_clock::now();
    EpochRecord rec;
    rec.epoch = step;
    rec.loss = optimizer.step(closure).item<double>();
    if (!std::isfinite(rec.loss)) throw Error("training diverged at iteration " + std::to_string(step) + ": the objective is " + (std::isnan(rec.loss) ? "nan" : "infinite"));
    rec.terms = terms.read();
    rec.metric = cfg.likelihood->metric(plus_offset(network_output(net_, data.x, data.z), data.offset), data.y, data.trials, target_scale);
    rec.samples_per_second =
        static_cast<double>(data.x.size(0)) / std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    history.epochs.push_back(rec);
    history.best_epoch = step;
    if (progress) *progress << progress_line(rec, cfg.epochs, cfg.likelihood->metric_name(), false) << std::endl;
    if (std::abs(previous - rec.loss) <= 1e-12 * std::max(1.0, std::abs(rec.loss))) break;
    previous = rec.loss;
  }
  net_->to(torch::kFloat32);
  return history;
}

TrainingTensors TrainingTensors::subset(const torch::Tensor& index) const {
  std::vector<ClusterDesign> rows;
  for (const auto& design : z) rows.push_back(design.rows(index));
  const auto rows_of = [&](const torch::Tensor& t) { return t.defined() ? t.index_select(0, index) : torch::Tensor(); };
  return {x.index_select(0, index), rows_of(y), rows_of(trials), rows_of(offset), rows};
}

void Trainer::run_epoch_steps(const TrainingTensors& train) {
  FitProgress& s = progress_;
  const int64_t n = train.x.size(0);
  while (s.next_row < n) {
    if ((group_ ? stop_agreed_ : stop_requested()) && !checking_) {
      // The epoch's loss terms so far: each rank holds its shares' part.
      if (group_ && s.sums.defined()) group_->sum(s.sums, "summing the epoch's losses for a checkpoint");
      if (checkpoints_.write) checkpoints_.write();
      throw Interrupted();
    }
    const auto index = s.order.narrow(0, s.next_row, std::min(options_.batch_size, n - s.next_row));
    const TrainingTensors batch = share_of_batch(train, index);
    auto terms = step(batch.x, batch.y, batch.z, batch.trials, batch.offset);
    const double w = share_ * static_cast<double>(index.size(0)) / static_cast<double>(n);
    const auto values = terms.stacked();
    if (!s.sums.defined()) {
      s.sums = torch::zeros({values.size(0)}, torch::kFloat64);
      s.term_names.assign(terms.names().begin(), terms.names().end());
    }
    s.sums.add_(values, w);
    s.next_row += index.size(0);
  }
}

torch::Tensor Trainer::outputs(const TrainingTensors& data, bool fixed) {
  const auto evaluate = [&](const TrainingTensors& rows) {
    return plus_offset(fixed ? network_outputs(net_, rows.x, rows.z).fixed : network_output(net_, rows.x, rows.z), rows.offset);
  };
  if (!group_) return evaluate(data);
  const int64_t n = data.rows();
  const auto [begin, end] = share_of(n, group_->rank, group_->size);
  const auto mine = evaluate(data.subset(torch::arange(begin, end, torch::kInt64)));
  auto padded_shape = mine.sizes().vec();
  padded_shape[0] = largest_share(n, group_->size);
  auto padded = torch::zeros(padded_shape, mine.options());
  padded.narrow(0, 0, end - begin).copy_(mine);
  const auto gathered = group_->gather(padded, "gathering evaluation outputs");
  std::vector<torch::Tensor> parts;
  for (int r = 0; r < group_->size; ++r) {
    const auto [b, e] = share_of(n, r, group_->size);
    parts.push_back(gathered[r].narrow(0, 0, e - b));
  }
  return torch::cat(parts);
}

TrainingHistory Trainer::fit(const TrainingTensors& train, const TrainingTensors* valid, double target_scale,
                             std::ostream* progress) {
  const TrainerOptions& cfg = options_;
  const int64_t n = train.x.size(0);
  if (cfg.elbo) kl_scale_ = 1.0 / static_cast<double>(n);
  if (sparse_optimizer_) {
    std::vector<torch::Tensor> ids;
    for (const auto& design : train.z) ids.push_back(design.ids);
    set_training_clusters(ids);
  }
  if (cfg.optimizer == Optimizer::lbfgs) return fit_full_batch(train, target_scale, progress);  // every rank alike
  const char* metric_name = cfg.likelihood->metric_name();
  if (group_) {
    if (cfg.batch_size < group_->size)
      throw Error("--batch-size " + std::to_string(cfg.batch_size) + ": a global batch needs at least a row for each of the " +
                  std::to_string(group_->size) + " ranks");
    start_from_rank_zero();
    if (progress) *progress << communication_per_step() << std::endl;
  }

  FitProgress& s = progress_;
  while (!s.finished && s.epoch <= cfg.epochs) {
    const auto start = std::chrono::steady_clock::now();
    if (!s.order.defined()) s.order = torch::randperm(n, torch::kInt64);  // a resumed epoch has its permutation
    // Where a divergence in this epoch is replayed from: the state costs a copy of the weights and
    // moments per epoch, where a finiteness check per step would cost a synchronizing read per step.
    std::ostringstream epoch_start;
    save_state(epoch_start, /*with_history=*/false);
    net_->train();
    run_epoch_steps(train);
    if (group_) {
      group_->sum(s.sums, "summing the epoch's losses");
      average_running_statistics();
    }
    EpochRecord rec;
    rec.epoch = s.epoch;
    const auto sums = s.sums.contiguous();
    const auto tensors = state_tensors();
    bool finite = std::all_of(tensors.begin(), tensors.end(), [](const torch::Tensor& t) { return torch::isfinite(t).all().item<bool>(); });
    for (size_t i = 0; i < s.term_names.size(); ++i) {
      const double value = sums.data_ptr<double>()[i];
      finite = finite && std::isfinite(value);
      if (s.term_names[i] == "total") rec.loss = value;
      else rec.terms[s.term_names[i]] = value;
    }
    if (!finite) locate_divergence(train, epoch_start.str());
    // The training metric is measured after the epoch, in evaluation mode, like the validation one.
    rec.metric = cfg.likelihood->metric(outputs(train, /*fixed=*/false), train.y, train.trials, target_scale);
    s.epoch_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    rec.samples_per_second = static_cast<double>(n) / s.epoch_seconds;
    if (valid) {
      const auto out = outputs(*valid, cfg.stop_on_fixed);
      rec.val_loss = cfg.likelihood->nll(out, valid->y, valid->trials, net_->log_residual_sd).item<double>();
      rec.val_metric = cfg.likelihood->metric(out, valid->y, valid->trials, target_scale);
    }
    s.history.epochs.push_back(rec);
    if (progress) *progress << progress_line(rec, cfg.epochs, metric_name, valid != nullptr) << std::endl;
    if (!valid) {
      s.history.best_epoch = s.epoch;
    } else if (const double score = !cfg.stop_on_metric                         ? rec.val_loss
                                    : cfg.likelihood->metric_rises_when_better() ? -rec.val_metric
                                                                                 : rec.val_metric;
               score < s.best_val) {
      s.best_val = score;
      s.best_weights = snapshot(*net_);
      s.history.best_epoch = s.epoch;
      s.since_best = 0;
    } else if (++s.since_best >= cfg.patience) {
      if (progress)
        *progress << "early stopping: best validation " << (cfg.stop_on_metric ? metric_name : "loss") << " at epoch " << s.history.best_epoch
                  << std::endl;
      s.finished = true;
    }
    s.order = s.sums = torch::Tensor();
    s.next_row = 0;
    s.term_names.clear();
    s.epoch_seconds = 0;
    ++s.epoch;
    if (checkpoints_.write && checkpoints_.every > 0 && (s.epoch - 1) % checkpoints_.every == 0) checkpoints_.write();
  }
  if (!s.best_weights.empty()) restore(*net_, s.best_weights);
  net_->eval();
  return s.history;
}

}  // namespace armed
