#include "lmm/linear_mixed_model.h"

#include <chrono>
#include <cmath>

#include "armed/error.h"
#include "lmm/theta_search.h"
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

}  // namespace

int64_t LmmFit::parameters() const { return beta.size(0) + static_cast<int64_t>(theta.size()) + (has_residual() ? 1 : 0); }

std::vector<LmmTermFit> term_fits(const std::vector<LmmTerm>& terms, const std::vector<double>& theta, const std::vector<torch::Tensor>& modes,
                                  const std::vector<torch::Tensor>& conditional, double variance) {
  std::vector<LmmTermFit> fits;
  const double* next = theta.data();
  for (size_t t = 0; t < terms.size(); ++t) {
    const LmmTerm& term = terms[t];
    const auto factor = term.relative_factor(next);
    next += term.theta_size();
    fits.push_back({term.factor, term.names, term.levels, term.correlated, variance * factor.mm(factor.t()), modes[t], conditional[t]});
  }
  return fits;
}

LmmFit fit_linear_mixed_model(const LmmData& data, bool reml, std::ostream* progress) {
  const auto start = std::chrono::steady_clock::now();
  ProfiledDeviance deviance(data, reml);
  int64_t evaluations = 0;
  const BoundedMinimum best = search_theta(
      [&](const std::vector<double>& theta) {
        ++evaluations;
        return deviance(theta);
      },
      deviance.theta_start(), deviance.theta_lower());
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
  fit.terms = term_fits(data.terms, best.x, deviance.effects(), deviance.conditional_covariances(), fit.sigma * fit.sigma);
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
          {"family", family},
          {"nagq", nagq},
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
  fit.family = j.value("family", std::string("gaussian"));
  fit.nagq = j.value("nagq", int64_t{0});
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
