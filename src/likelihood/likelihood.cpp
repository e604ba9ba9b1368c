#include "likelihood/likelihood.h"

#include "armed/error.h"
#include "likelihood/binomial.h"
#include "likelihood/gaussian.h"
#include "likelihood/multinomial.h"
#include "likelihood/poisson.h"

namespace armed {
namespace {

const std::vector<const Likelihood*>& likelihoods() {
  static const BinomialLikelihood binomial;
  static const GaussianLikelihood gaussian;
  static const PoissonLikelihood poisson;
  static const MultinomialLikelihood multinomial;
  static const std::vector<const Likelihood*> all{&binomial, &gaussian, &poisson, &multinomial};
  return all;
}

}  // namespace

std::vector<double> Likelihood::values(const torch::Tensor& t) {
  auto c = t.to(torch::kFloat64).contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

std::string likelihood_tasks() {
  std::string names;
  for (const auto* l : likelihoods()) names += (names.empty() ? "" : ", ") + std::string(l->task());
  return names;
}

std::string task_of_family(const std::string& family) {
  std::string families;
  for (const auto* l : likelihoods()) {
    if (family == l->family()) return l->task();
    families += (families.empty() ? "" : ", ") + std::string(l->family());
  }
  throw Error("--family: unknown family '" + family + "' (" + families + ")");
}

const Likelihood& likelihood(const std::string& task) {
  for (const auto* l : likelihoods())
    if (task == l->task()) return *l;
  throw Error("--task: unknown task '" + task + "' (" + likelihood_tasks() + ")");
}

}  // namespace armed
