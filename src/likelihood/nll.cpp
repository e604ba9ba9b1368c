#include "likelihood/nll.h"

#include <cmath>

#include "scalar_math.h"

namespace armed {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

class BinomialNll : public torch::autograd::Function<BinomialNll> {
 public:
  // An undefined input would have no device for autograd's bookkeeping: trials come optional.
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& eta, const torch::Tensor& y,
                               const c10::optional<torch::Tensor>& optional_trials) {
    const torch::Tensor trials = optional_trials.value_or(torch::Tensor());
    TORCH_CHECK(!y.requires_grad() && !(trials.defined() && trials.requires_grad()), "binomial_nll: gradient flows to eta only");
    ctx->save_for_backward({eta, y, trials});
    double sum = 0.0;
    visit(eta, y, trials, [&](int64_t, double e, double t, double yv) { sum += t * softplus(e) - yv * e; });
    return torch::tensor(sum / static_cast<double>(std::max<int64_t>(eta.numel(), 1)), eta.options());
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto &eta = saved[0], &y = saved[1], &trials = saved[2];
    const double g = grads[0].item<double>() / static_cast<double>(eta.numel());
    auto grad = torch::empty(eta.sizes(), eta.options());
    AT_DISPATCH_FLOATING_TYPES(eta.scalar_type(), "binomial_nll_backward", [&] {
      auto* out = grad.data_ptr<scalar_t>();
      visit(eta, y, trials, [&](int64_t i, double e, double t, double yv) {
        out[i] = static_cast<scalar_t>(g * (t * sigmoid(e) - yv));
      });
    });
    return {grad, torch::Tensor(), torch::Tensor()};
  }

 private:
  // f(index, eta, trials, y) in double for every row; eta, y and trials share a dtype.
  template <typename F>
  static void visit(const torch::Tensor& eta, const torch::Tensor& y, const torch::Tensor& trials, F&& f) {
    TORCH_CHECK(y.numel() == eta.numel() && (!trials.defined() || trials.numel() == eta.numel()), "binomial_nll: sizes differ");
    AT_DISPATCH_FLOATING_TYPES(eta.scalar_type(), "binomial_nll", [&] {
      const auto e = eta.contiguous(), yc = y.to(eta.scalar_type()).contiguous();
      const auto t = trials.defined() ? trials.to(eta.scalar_type()).contiguous() : torch::Tensor();
      const scalar_t *pe = e.data_ptr<scalar_t>(), *py = yc.data_ptr<scalar_t>(), *pt = t.defined() ? t.data_ptr<scalar_t>() : nullptr;
      for (int64_t i = 0; i < e.numel(); ++i) f(i, static_cast<double>(pe[i]), pt ? static_cast<double>(pt[i]) : 1.0, static_cast<double>(py[i]));
    });
  }
};

class GaussianNll : public torch::autograd::Function<GaussianNll> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& eta, const torch::Tensor& y, const torch::Tensor& log_sd) {
    TORCH_CHECK(!y.requires_grad(), "gaussian_nll: gradient flows to eta and log_sd only");
    TORCH_CHECK(y.numel() == eta.numel() && log_sd.numel() == 1, "gaussian_nll: sizes differ");
    ctx->save_for_backward({eta, y, log_sd});
    const double sd_log = log_sd.item<double>();
    const double mean_square = squares(eta, y) / static_cast<double>(std::max<int64_t>(eta.numel(), 1));
    ctx->saved_data["mean_square"] = mean_square;  // for log_sd's gradient
    return torch::tensor(sd_log + 0.5 * std::log(2 * M_PI) + mean_square / (2 * std::exp(2 * sd_log)), eta.options());
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto &eta = saved[0], &y = saved[1], &log_sd = saved[2];
    const double g = grads[0].item<double>(), n = static_cast<double>(eta.numel());
    const double variance = std::exp(2 * log_sd.item<double>());
    torch::Tensor grad_eta, grad_log_sd;
    if (ctx->needs_input_grad(0)) grad_eta = (eta - y.to(eta.scalar_type())).mul_(g / (n * variance));
    if (ctx->needs_input_grad(2)) grad_log_sd = torch::full_like(log_sd, g * (1 - ctx->saved_data["mean_square"].toDouble() / variance));
    return {grad_eta, torch::Tensor(), grad_log_sd};
  }

 private:
  static double squares(const torch::Tensor& eta, const torch::Tensor& y) {
    double sum = 0.0;
    AT_DISPATCH_FLOATING_TYPES(eta.scalar_type(), "gaussian_nll", [&] {
      const auto e = eta.contiguous(), yc = y.to(eta.scalar_type()).contiguous();
      const scalar_t *pe = e.data_ptr<scalar_t>(), *py = yc.data_ptr<scalar_t>();
      for (int64_t i = 0; i < e.numel(); ++i) {
        const double d = static_cast<double>(py[i]) - static_cast<double>(pe[i]);
        sum += d * d;
      }
    });
    return sum;
  }
};

}  // namespace

torch::Tensor binomial_nll(const torch::Tensor& eta, const torch::Tensor& y, const torch::Tensor& trials) {
  return BinomialNll::apply(eta, y, trials.defined() ? c10::optional<torch::Tensor>(trials) : c10::nullopt);
}

torch::Tensor gaussian_nll(const torch::Tensor& eta, const torch::Tensor& y, const torch::Tensor& log_sd) {
  return GaussianNll::apply(eta, y, log_sd);
}

}  // namespace armed
