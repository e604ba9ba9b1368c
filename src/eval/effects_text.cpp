#include "eval/effects_text.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <utility>
#include <vector>

namespace armed {

namespace {

std::string number(double v, const char* format = "%.4g") {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, v);
  return buffer;
}

// Columns padded to their widest cell; the first `left` columns left-aligned, the rest right.
std::string table(const std::vector<std::vector<std::string>>& rows, size_t left) {
  std::vector<size_t> width;
  for (const auto& row : rows)
    for (size_t c = 0; c < row.size(); ++c) {
      if (width.size() <= c) width.push_back(0);
      width[c] = std::max(width[c], row[c].size());
    }
  std::ostringstream out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      const std::string pad(width[c] - row[c].size(), ' ');
      line += " " + (c < left ? row[c] + pad : pad + row[c]);
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out << line << '\n';
  }
  return out.str();
}

// The SD of each random effect of a factor: its variance component where estimated on the
// original scale, else its prior SD.
double factor_sd(const nlohmann::json& factor, const nlohmann::json& effect) {
  const std::string name = effect.at("name").get<std::string>();
  if (factor.contains("random_effects_sd") && factor["random_effects_sd"].contains(name)) return factor["random_effects_sd"][name].get<double>();
  return effect.at("prior_sd").get<double>();
}

// Per factor and styled block, its filters' scales and biases summarized: the prior SD and the SD
// across clusters of their posterior means, on average over the block's filters and at its largest.
std::string block_effects_text(const nlohmann::json& e) {
  std::vector<std::vector<std::string>> rows{{"Groups", "Block", "Effect", "Filters", "Prior SD", "SD of means", "max"}};
  for (const auto& factor : e.at("factors")) {
    if (!factor.contains("block_effects")) continue;
    const auto& effects = factor["block_effects"];
    std::string name = factor.at("name").get<std::string>();  // on the factor's first row
    for (size_t start = 0; start < effects.size();) {
      size_t end = start;
      double prior = 0, spread = 0, largest = 0;
      for (; end < effects.size() && effects[end]["block"] == effects[start]["block"] && effects[end]["effect"] == effects[start]["effect"]; ++end) {
        prior += effects[end]["prior_sd"].get<double>();
        spread += effects[end]["sd_of_means"].get<double>();
        largest = std::max(largest, effects[end]["sd_of_means"].get<double>());
      }
      const auto n = static_cast<double>(end - start);
      rows.push_back({std::exchange(name, ""), std::to_string(effects[start]["block"].get<int64_t>()), effects[start]["effect"].get<std::string>(),
                      std::to_string(end - start), number(prior / n), number(spread / n), number(largest)});
      start = end;
    }
  }
  if (rows.size() == 1) return "";
  return "\nRandom effects in the convolution blocks ((1 + scale) h + bias per filter, after the block's normalization):\n" + table(rows, 3);
}

}  // namespace

std::string effects_text(const nlohmann::json& e) {
  std::ostringstream out;
  const bool exact = e.contains("linear_mixed_model");
  if (exact) {
    const auto& lmm = e["linear_mixed_model"];
    const bool reml = lmm.at("method") == "REML";
    const std::string family = lmm.value("family", "gaussian");
    const int64_t nagq = lmm.value("nagq", int64_t{0});
    if (family == "gaussian") {
      out << "Linear mixed model fit by " << (reml ? "REML" : "maximum likelihood") << " (sparse Cholesky)\n";
    } else {
      out << "Generalized linear mixed model fit by maximum likelihood ("
          << (nagq > 1 ? "Adaptive Gauss-Hermite Quadrature, nAGQ = " + std::to_string(nagq) : std::string("Laplace Approximation")) << ")\n";
      out << " Family: " << family << "  ( " << e.value("scale", "") << " )\n";
    }
  } else {
    const std::string likelihood = e.value("likelihood", "variational");
    out << "Model '" << e.value("model", "") << "' ("
        << (likelihood == "variational" ? std::string("variational fit") : "random effects by the exact likelihood after training, " + likelihood)
        << "; link " << e.value("scale", "") << ")\n";
  }
  if (e.contains("formula")) out << "Formula: " << e["formula"].get<std::string>() << '\n';
  if (e.contains("exposure")) out << " Offset: log(" << e["exposure"].get<std::string>() << ")\n";
  if (exact) {
    const auto& lmm = e["linear_mixed_model"];
    out << '\n';
    if (lmm.at("method") == "REML") out << "REML criterion at convergence: " << number(lmm["criterion"].get<double>(), "%.1f") << "\n\n";
    const int64_t residual_df = lmm["observations"].get<int64_t>() - static_cast<int64_t>(lmm["fixed_effects"].size());
    out << table({{"AIC", "BIC", "logLik", lmm.at("method") == "REML" ? "REMLcrit" : "deviance", "df.resid"},
                  {number(lmm["aic"].get<double>(), "%.1f"), number(lmm["bic"].get<double>(), "%.1f"),
                   number(lmm["log_likelihood"].get<double>(), "%.1f"), number(lmm["criterion"].get<double>(), "%.1f"),
                   std::to_string(residual_df)}},
                 0);
  }

  out << "\nRandom effects:\n";
  std::vector<std::vector<std::string>> rows{{"Groups", "Name", "Variance", "Std.Dev.", exact ? "Corr" : ""}};
  for (const auto& factor : e.at("factors")) {
    const auto& effects = factor.at("random_effects");
    for (size_t u = 0; u < effects.size(); ++u) {
      const double sd = factor_sd(factor, effects[u]);
      std::vector<std::string> row{u == 0 ? factor.at("name").get<std::string>() : "", effects[u].at("name").get<std::string>(),
                                   number(sd * sd), number(sd)};
      std::string corr;
      if (factor.contains("random_effects_corr"))
        for (size_t v = 0; v < u; ++v)
          corr += (corr.empty() ? "" : " ") +
                  number(factor["random_effects_corr"].value(effects[v].at("name").get<std::string>() + ":" + effects[u].at("name").get<std::string>(), 0.0),
                         "%.2f");
      row.push_back(corr);
      rows.push_back(row);
    }
  }
  if (e.contains("residual_sd")) {
    const double sd = e["residual_sd"].get<double>();
    rows.push_back({"Residual", "", number(sd * sd), number(sd), ""});
  }
  out << table(rows, 2);
  bool fixed_prior = false;
  for (const auto& factor : e.at("factors"))
    for (const auto& effect : factor.at("random_effects"))
      fixed_prior = fixed_prior || (!factor.contains("random_effects_sd") && effect.value("prior", "") == "fixed");
  if (fixed_prior) out << "(with slopes on the hidden layer the SDs shown are the fixed prior's, --re-prior fixed, not estimates)\n";
  out << block_effects_text(e);
  std::string groups;
  for (const auto& factor : e.at("factors"))
    groups += (groups.empty() ? "" : "; ") + factor.at("name").get<std::string>() + ", " + std::to_string(factor.at("clusters").size());
  if (exact) out << "Number of obs: " << e["linear_mixed_model"]["observations"].get<int64_t>() << ", groups:  " << groups << '\n';
  else out << "Groups: " << groups << '\n';

  if (exact) {
    out << "\nFixed effects:\n";
    // Without a residual to estimate, lme4 reads the ratio as a z statistic, with its p-value.
    const bool z = e["linear_mixed_model"].value("family", "gaussian") != "gaussian";
    std::vector<std::vector<std::string>> fixed{{"", "Estimate", "Std. Error", z ? "z value" : "t value"}};
    if (z) fixed[0].push_back("Pr(>|z|)");
    for (const auto& f : e["linear_mixed_model"]["fixed_effects"]) {
      const double t = f.at("t").get<double>();
      fixed.push_back({f.at("name").get<std::string>(), number(f.at("estimate").get<double>(), "%.5g"), number(f.at("se").get<double>(), "%.5g"),
                       number(t, "%.3f")});
      if (z) fixed.back().push_back(number(std::erfc(std::abs(t) / std::sqrt(2.0)), "%.3g"));
    }
    out << table(fixed, 1);
  } else if (e.contains("fixed_effects")) {
    out << "\nFixed effects:\n";
    std::vector<std::vector<std::string>> fixed{{"", "Estimate"}};
    for (const auto& [name, value] : e["fixed_effects"].items()) fixed.push_back({name, number(value.get<double>(), "%.5g")});
    out << table(fixed, 1);
    if (e.value("network_dropped", false))
      out << "(the network's output was the same on every training row: the exact stage dropped it, and the fixed part holds the intercepts alone)\n";
  }
  return out.str();
}

}  // namespace armed
