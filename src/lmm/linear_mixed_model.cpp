#include "lmm/linear_mixed_model.h"

#include <chrono>
#include <cmath>
#include <functional>
#include <map>

#include "armed/error.h"
#include "lmm/bounded_minimizer.h"
#include "lmm/profiled_deviance.h"

namespace armed {

namespace {

std::vector<double> to_vector(const torch::Tensor& t) {
  auto c = t.to(torch::kFloat64).contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

nlohmann::json to_rows(const torch::Tensor& matrix) {
  nlohmann::json rows = nlohmann::json::array();
  for (int64_t i = 0; i < matrix.size(0); ++i) rows.push_back(to_vector(matrix[i]));
  return rows;
}

torch::Tensor from_rows(const nlohmann::json& rows, int64_t columns) {
  auto t = torch::zeros({static_cast<int64_t>(rows.size()), columns}, torch::kFloat64);
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto row = rows[i].get<std::vector<double>>();
    if (static_cast<int64_t>(row.size()) != columns) throw Error("a matrix row has " + std::to_string(row.size()) + " values, not " + std::to_string(columns));
    t[static_cast<int64_t>(i)].copy_(torch::tensor(row, torch::kFloat64));
  }
  return t;
}

// lme4's start, every T the identity, scaled by the power of two with the least deviance, and
// the deviance's curvature along that ray there. Far from the optimum the deviance is not convex
// in theta, and quasi-Newton steps crawl there.
struct Start {
  std::vector<double> theta;
  double value = 0, curvature = 0;
};

Start scaled_start(const std::vector<double>& start, const std::function<double(const std::vector<double>&)>& deviance) {
  const auto scaled = [&](double c) {
    std::vector<double> theta = start;
    for (double& v : theta) v *= c;
    return theta;
  };
  std::map<double, double> tried{{1.0, deviance(start)}};
  double best_scale = 1.0;
  for (const double factor : {0.5, 2.0}) {
    for (double c = best_scale * factor; c >= 1.0 / 1024 && c <= 1024; c *= factor) {
      const double value = tried[c] = deviance(scaled(c));
      if (!(value < tried[best_scale])) break;
      best_scale = c;
    }
    if (best_scale != 1.0) break;
  }
  Start out{scaled(best_scale), tried[best_scale], 0};
  const auto below = tried.find(best_scale / 2), above = tried.find(best_scale * 2);
  if (below != tried.end() && above != tried.end()) {
    // A parabola through the three points; its second derivative along theta's direction.
    const double c = best_scale, slope_low = (out.value - below->second) / (c / 2), slope_high = (above->second - out.value) / c;
    double norm2 = 0;
    for (double v : start) norm2 += v * v;
    out.curvature = std::max(0.0, (slope_high - slope_low) / (0.75 * c) / norm2);
  }
  return out;
}

}  // namespace

int64_t LmmFit::parameters() const { return beta.size(0) + static_cast<int64_t>(theta.size()) + 1; }

LmmFit fit_linear_mixed_model(const LmmData& data, bool reml, std::ostream* progress) {
  const auto start = std::chrono::steady_clock::now();
  ProfiledDeviance deviance(data, reml);
  int64_t evaluations = 0;
  const auto evaluate = [&](const std::vector<double>& theta) {
    ++evaluations;
    return deviance(theta);
  };
  const Start begin = scaled_start(deviance.theta_start(), evaluate);
  BoundedMinimizerOptions options;
  options.start_value = begin.value;
  options.start_curvature = begin.curvature;
  const std::vector<double> lower = deviance.theta_lower();
  BoundedMinimum best = minimize_bounded(evaluate, begin.theta, lower, options);
  // The deviance is even in a diagonal theta, so theta = 0 is always stationary: a search that
  // comes near it stays, though the optimum may lie a little above (a small variance component).
  // Probe above each diagonal at (or near) zero, and search again from a better point.
  for (int round = 0; round < 4; ++round) {
    std::vector<double> better;
    double better_value = best.value;
    for (size_t i = 0; i < best.x.size(); ++i) {
      if (lower[i] != 0.0 || best.x[i] > 1e-2) continue;
      for (const double probe : {0.1, 0.02}) {
        std::vector<double> theta = best.x;
        theta[i] = probe;
        const double value = evaluate(theta);
        if (value < better_value - 1e-6) {
          better = theta;
          better_value = value;
        }
      }
    }
    if (better.empty()) break;
    options.start_value = better_value;
    options.start_curvature = 0;
    best = minimize_bounded(evaluate, better, lower, options);
  }
  LmmFit fit;
  fit.criterion = deviance(best.x);  // the solution at the optimum stays in `deviance`
  fit.reml = reml;
  fit.fixed_names = data.fixed_names;
  fit.theta = best.x;
  fit.beta = deviance.beta().clone();
  fit.sigma = deviance.sigma();
  fit.beta_covariance = fit.sigma * fit.sigma * deviance.beta_precision_inverse();
  fit.rows = data.rows();
  fit.evaluations = evaluations + 1;
  fit.converged = best.converged;
  fit.factor_nonzeros = deviance.factor().factor_nonzeros();
  const std::vector<torch::Tensor> conditional = deviance.conditional_covariances();
  const double* theta = best.x.data();
  int64_t offset = 0;
  for (size_t t = 0; t < data.terms.size(); ++t) {
    const LmmTerm& term = data.terms[t];
    const int64_t k = term.units(), levels = static_cast<int64_t>(term.levels.size());
    const auto factor = term.relative_factor(theta);
    theta += term.theta_size();
    LmmTermFit estimate{term.factor, term.names, term.levels, term.correlated, {}, {}, conditional[t]};
    estimate.covariance = fit.sigma * fit.sigma * factor.mm(factor.t());
    // b = Lambda u: per level, T u_l.
    estimate.modes = deviance.u().narrow(0, offset, levels * k).view({levels, k}).mm(factor.t());
    offset += levels * k;
    fit.terms.push_back(std::move(estimate));
  }
  if (progress) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    *progress << "linear mixed model (" << (reml ? "REML" : "ML") << ", sparse Cholesky): " << (reml ? "REML criterion " : "deviance ")
              << fit.criterion << " after " << fit.evaluations << " evaluations" << (fit.converged ? "" : " (not converged)") << ", "
              << seconds << " s" << std::endl;
  }
  return fit;
}

nlohmann::json LmmFit::to_json() const {
  nlohmann::json fixed = nlohmann::json::array();
  const auto se = beta_covariance.diagonal().sqrt();
  for (size_t j = 0; j < fixed_names.size(); ++j) {
    const auto i = static_cast<int64_t>(j);
    const double estimate = beta[i].item<double>(), error = se[i].item<double>();
    fixed.push_back({{"name", fixed_names[j]}, {"estimate", estimate}, {"se", error}, {"t", estimate / error}});
  }
  nlohmann::json random = nlohmann::json::array();
  for (const auto& term : terms) {
    const auto sd = term.covariance.diagonal().sqrt();
    nlohmann::json effects = nlohmann::json::array();
    for (size_t u = 0; u < term.names.size(); ++u)
      effects.push_back({{"name", term.names[u]}, {"variance", term.covariance[u][u].item<double>()}, {"sd", sd[u].item<double>()}});
    auto correlation = term.covariance / (sd.unsqueeze(0) * sd.unsqueeze(1)).clamp_min(1e-300);
    random.push_back({{"factor", term.factor},
                      {"correlated", term.correlated},
                      {"effects", effects},
                      {"covariance", to_rows(term.covariance)},
                      {"correlation", to_rows(correlation)},
                      {"levels", term.levels},
                      {"modes", to_rows(term.modes)},
                      {"conditional_covariance", to_rows(term.conditional_covariance.flatten(1))}});
  }
  return {{"method", reml ? "REML" : "ML"},
          {"observations", rows},
          {"criterion", criterion},
          {"log_likelihood", log_likelihood()},
          {"aic", aic()},
          {"bic", bic()},
          {"parameters", parameters()},
          {"fixed_effects", fixed},
          {"fixed_effects_covariance", to_rows(beta_covariance)},
          {"residual_sd", sigma},
          {"random_effects", random},
          {"theta", theta},
          {"evaluations", evaluations},
          {"converged", converged},
          {"factor_nonzeros", factor_nonzeros}};
}

LmmFit LmmFit::from_json(const nlohmann::json& j) {
  LmmFit fit;
  fit.reml = j.at("method").get<std::string>() == "REML";
  fit.rows = j.at("observations").get<int64_t>();
  fit.criterion = j.at("criterion").get<double>();
  std::vector<double> beta;
  for (const auto& f : j.at("fixed_effects")) {
    fit.fixed_names.push_back(f.at("name").get<std::string>());
    beta.push_back(f.at("estimate").get<double>());
  }
  fit.beta = torch::tensor(beta, torch::kFloat64);
  fit.beta_covariance = from_rows(j.at("fixed_effects_covariance"), static_cast<int64_t>(beta.size()));
  fit.sigma = j.at("residual_sd").get<double>();
  for (const auto& r : j.at("random_effects")) {
    LmmTermFit term;
    term.factor = r.at("factor").get<std::string>();
    term.correlated = r.at("correlated").get<bool>();
    for (const auto& e : r.at("effects")) term.names.push_back(e.at("name").get<std::string>());
    const auto k = static_cast<int64_t>(term.names.size());
    term.covariance = from_rows(r.at("covariance"), k);
    term.levels = r.at("levels").get<std::vector<std::string>>();
    term.modes = from_rows(r.at("modes"), k);
    term.conditional_covariance = from_rows(r.at("conditional_covariance"), k * k).view({-1, k, k});
    if (term.modes.size(0) != static_cast<int64_t>(term.levels.size()) || term.conditional_covariance.size(0) != term.modes.size(0))
      throw Error("random effects of '" + term.factor + "': " + std::to_string(term.levels.size()) + " levels but " +
                  std::to_string(term.modes.size(0)) + " conditional modes");
    fit.terms.push_back(std::move(term));
  }
  fit.theta = j.at("theta").get<std::vector<double>>();
  fit.evaluations = j.at("evaluations").get<int64_t>();
  fit.converged = j.at("converged").get<bool>();
  fit.factor_nonzeros = j.at("factor_nonzeros").get<int64_t>();
  return fit;
}

}  // namespace armed
