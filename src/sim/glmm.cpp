#include "armed/sim/glmm.h"

#include <algorithm>
#include <cmath>

#include "armed/data/csv.h"
#include "armed/error.h"
#include "likelihood/likelihood.h"
#include "random.h"

namespace armed {
namespace {

double variance_of(const GlmmOptions& o, size_t factor) { return o.variances.size() == 1 ? o.variances[0] : o.variances[factor]; }

}  // namespace

void GlmmOptions::validate() const {
  if (rows < 2) throw Error("--rows must be at least 2");
  if (features < 2) throw Error("--features must be at least 2 (f uses x1 x2)");
  if (clusters.empty()) throw Error("--clusters: give the levels of at least one grouping factor");
  for (int64_t k : clusters)
    if (k < 2) throw Error("--clusters: every grouping factor needs at least 2 levels");
  if (variances.size() != 1 && variances.size() != clusters.size())
    throw Error("--variances: give one variance, or one per grouping factor (" + std::to_string(clusters.size()) + ")");
  for (double v : variances)
    if (!(v >= 0)) throw Error("--variances must be >= 0");
  if (likelihood(task).one_column_per_class() && classes < 2) throw Error("--classes must be at least 2");  // throws for an unknown task
  if (!(noise >= 0)) throw Error("--noise must be >= 0");
}

GlmmData simulate_glmm(const GlmmOptions& o) {
  o.validate();
  Rng rng(o.seed);
  const int64_t n = o.rows, p = o.features;
  const size_t factors = o.clusters.size();
  const Likelihood& family = likelihood(o.task);
  const int64_t classes = family.one_column_per_class() ? o.classes : 1;  // intercepts per level
  GlmmData sim;
  // Each factor: level weights Poisson(3) + 1, and the levels' intercepts.
  std::vector<std::vector<double>> cumulative(factors);
  sim.effects.resize(factors);
  for (size_t f = 0; f < factors; ++f) {
    double total = 0;
    for (int64_t k = 0; k < o.clusters[f]; ++k) {
      total += static_cast<double>(rng.poisson(3.0) + 1);
      cumulative[f].push_back(total);
    }
    for (auto& c : cumulative[f]) c /= total;
    for (int64_t k = 0; k < o.clusters[f] * classes; ++k) sim.effects[f].push_back(rng.normal(0.0, std::sqrt(variance_of(o, f))));
    sim.data.factors.push_back({factors == 1 ? "cluster" : "cluster" + std::to_string(f + 1), std::vector<std::string>(static_cast<size_t>(n))});
  }
  auto& d = sim.data;
  d.source = "glmm";
  for (int64_t k = 0; k < classes && family.one_column_per_class(); ++k) d.target_levels.push_back(std::to_string(k));
  for (int64_t j = 1; j <= p; ++j) d.feature_names.push_back("x" + std::to_string(j));
  d.feature_columns = d.feature_names;
  d.x = torch::empty({n, p}, torch::kFloat32);
  d.y = torch::empty({n}, torch::kFloat32);
  sim.eta = torch::empty(family.one_column_per_class() ? std::vector<int64_t>{n, classes} : std::vector<int64_t>{n}, torch::kFloat64);
  float* x = d.x.data_ptr<float>();
  float* y = d.y.data_ptr<float>();
  double* true_eta = sim.eta.data_ptr<double>();
  for (int64_t i = 0; i < n; ++i) {
    double sum = 0;
    for (int64_t j = 0; j < p; ++j) {
      const double v = 2 * rng.uniform() - 1;
      x[i * p + j] = static_cast<float>(v);
      sum += v;
    }
    const double e = 1 + sum;
    std::vector<double> eta(static_cast<size_t>(classes));
    for (int64_t k = 0; k < classes; ++k)
      eta[k] = e * std::cos(e + 2 * M_PI * static_cast<double>(k) / static_cast<double>(classes)) + 2 * x[i * p + k % p] * x[i * p + (k + 1) % p];
    for (size_t f = 0; f < factors; ++f) {
      const double u = rng.uniform();
      const auto level = std::min<int64_t>(std::upper_bound(cumulative[f].begin(), cumulative[f].end(), u) - cumulative[f].begin(),
                                           o.clusters[f] - 1);
      for (int64_t k = 0; k < classes; ++k) eta[k] += sim.effects[f][level * classes + k];
      d.factors[f].labels[static_cast<size_t>(i)] = std::to_string(level);
    }
    std::copy(eta.begin(), eta.end(), true_eta + i * classes);
    y[i] = static_cast<float>(family.draw(eta, o.noise, rng));
  }
  return sim;
}

nlohmann::json truth_to_json(const GlmmOptions& o, const GlmmData& sim) {
  const bool multiclass = likelihood(o.task).one_column_per_class();
  nlohmann::json factors = nlohmann::json::array();
  for (size_t f = 0; f < sim.data.factors.size(); ++f)
    factors.push_back({{"name", sim.data.factors[f].name}, {"levels", o.clusters[f]}, {"variance", variance_of(o, f)}, {"effects", sim.effects[f]}});
  return {{"generator", "glmm"},
          {"options",
           {{"rows", o.rows}, {"features", o.features}, {"clusters", o.clusters}, {"variances", o.variances}, {"task", o.task},
            {"noise", o.noise}, {"classes", multiclass ? o.classes : 1}, {"seed", o.seed}}},
          {"fixed_effect", multiclass ? "f_k(X) = e cos(e + 2 pi k / K) + 2 x_(k mod p + 1) x_((k + 1) mod p + 1), e = 1 + sum(x), X ~ U(-1, 1)^p"
                                                  : "f(X) = e cos(e) + 2 x1 x2, e = 1 + sum(x), X ~ U(-1, 1)^p"},
          {"factors", factors}};
}

}  // namespace armed
