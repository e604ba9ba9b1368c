#include "nn/mlp.h"

#include "armed/error.h"

namespace armed {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// The layers' outputs: the hidden (post-ReLU) activations, then the linear output.
// params: weight, bias of each hidden layer, then of the output layer.
variable_list stack_forward(const torch::Tensor& x, torch::TensorList params) {
  const size_t layers = params.size() / 2;
  variable_list outs;
  outs.reserve(layers);
  torch::Tensor h = x;
  for (size_t l = 0; l < layers; ++l) {
    h = torch::addmm(params[2 * l + 1], h, params[2 * l].t());
    if (l + 1 < layers) h = torch::relu(h);
    outs.push_back(h);
  }
  return outs;
}

// Gradients of x and the params from those of the outputs (the hidden ones may be undefined), with
// the formulas autograd uses for addmm and relu; x's only if `input_grad`, the params' only if `param_grads`.
variable_list stack_backward(const torch::Tensor& x, torch::TensorList params, torch::TensorList hidden, const variable_list& grads,
                             bool input_grad, bool param_grads) {
  const size_t layers = params.size() / 2;
  variable_list out(1 + params.size());
  torch::Tensor g = grads[layers - 1];
  for (size_t l = layers; l-- > 0;) {
    if (!g.defined()) {  // nothing flows into this layer's output from above
      if (l > 0 && grads[l - 1].defined()) g = torch::threshold_backward(grads[l - 1], hidden[l - 1], 0);
      continue;
    }
    const torch::Tensor& input = l == 0 ? x : hidden[l - 1];
    if (param_grads) {
      out[1 + 2 * l] = g.t().mm(input);
      out[2 + 2 * l] = g.sum(0);
    }
    if (l == 0) {
      if (input_grad) out[0] = g.mm(params[0]);
      break;
    }
    auto g_in = g.mm(params[2 * l]);
    if (grads[l - 1].defined()) g_in.add_(grads[l - 1]);
    g = torch::threshold_backward(g_in, hidden[l - 1], 0);
  }
  return out;
}

// The whole stack as one autograd node: layer by layer it was three nodes per layer (addmm, its
// transposed weight, relu) plus their bookkeeping, most of a minibatch step of a narrow network.
class LinearStack : public torch::autograd::Function<LinearStack> {
 public:
  static variable_list forward(AutogradContext* ctx, const torch::Tensor& x, torch::TensorList params) {
    auto outs = stack_forward(x, params);
    variable_list saved{x};
    saved.insert(saved.end(), params.begin(), params.end());
    saved.insert(saved.end(), outs.begin(), outs.end() - 1);
    ctx->save_for_backward(saved);
    ctx->set_materialize_grads(false);
    return outs;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const torch::TensorList all(saved);
    const size_t n_params = 2 * grads.size();
    return stack_backward(saved[0], all.slice(1, n_params), all.slice(1 + n_params), grads, ctx->needs_input_grad(0),
                          ctx->needs_input_grad({{1, 1 + n_params}}));
  }
};

// Mean cross-entropy of the stack's softmax output against class ids, or against the uniform
// distribution without ids.
struct CrossEntropyPass {
  std::vector<torch::Tensor> hidden;
  torch::Tensor logits, log_probs, loss, total_weight;

  CrossEntropyPass(const torch::Tensor& x, torch::TensorList params, const torch::Tensor& targets) : hidden(stack_forward(x, params)) {
    logits = hidden.back();
    hidden.pop_back();
    log_probs = torch::log_softmax(logits, 1);
    if (targets.defined()) std::tie(loss, total_weight) = torch::nll_loss_forward(log_probs, targets, {}, at::Reduction::Mean, -100);
    else loss = -log_probs.mean();
  }
};

// The gradients of x and the params given the loss's, with the formulas of autograd's nll_loss and log_softmax nodes.
variable_list cross_entropy_backward(const torch::Tensor& x, torch::TensorList params, torch::TensorList hidden,
                                     const torch::Tensor& log_probs, const torch::Tensor& targets, const torch::Tensor& total_weight,
                                     const torch::Tensor& grad_loss, bool input_grad, bool param_grads) {
  const auto grad_log_probs = targets.defined()
                                  ? torch::nll_loss_backward(grad_loss, log_probs, targets, {}, at::Reduction::Mean, -100, total_weight)
                                  : (grad_loss / static_cast<double>(-log_probs.numel())).expand_as(log_probs);
  variable_list output_grads(hidden.size() + 1);
  output_grads.back() = torch::_log_softmax_backward_data(grad_log_probs, log_probs, 1, log_probs.scalar_type());
  return stack_backward(x, params, hidden, output_grads, input_grad, param_grads);
}

// The cross-entropy as one autograd node; the logits come as a second output, without gradient.
class StackCrossEntropy : public torch::autograd::Function<StackCrossEntropy> {
 public:
  static variable_list forward(AutogradContext* ctx, const torch::Tensor& x, torch::TensorList params,
                               const c10::optional<torch::Tensor>& targets) {
    const CrossEntropyPass pass(x, params, targets.value_or(torch::Tensor()));
    variable_list saved{x, pass.log_probs, pass.total_weight, targets.value_or(torch::Tensor())};
    saved.insert(saved.end(), params.begin(), params.end());
    saved.insert(saved.end(), pass.hidden.begin(), pass.hidden.end());
    ctx->save_for_backward(saved);
    ctx->saved_data["params"] = static_cast<int64_t>(params.size());
    ctx->mark_non_differentiable({pass.logits});
    return {pass.loss, pass.logits};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const torch::TensorList all(saved);
    const size_t n_params = ctx->saved_data["params"].toInt();
    auto out = cross_entropy_backward(saved[0], all.slice(4, n_params), all.slice(4 + n_params), saved[1], saved[3], saved[2], grads[0],
                                      ctx->needs_input_grad(0), ctx->needs_input_grad({{1, 1 + n_params}}));
    out.emplace_back();  // the targets
    return out;
  }
};

// A linear layer; with no inputs (an intercept-only linear model) its weight is [out, 0], which
// LibTorch's Linear cannot initialize, so it is built with one input and then emptied.
torch::nn::Linear linear(int64_t in, int64_t out) {
  torch::nn::Linear layer(std::max<int64_t>(in, 1), out);
  if (in == 0) {
    torch::NoGradGuard no_grad;
    layer->weight.set_data(torch::empty({out, 0}));
  }
  return layer;
}

}  // namespace

MLPImpl::MLPImpl(MLPOptions options_) : options(std::move(options_)) { reset(); }

void MLPImpl::reset() {
  if (options.in_features() < 0 || options.out_features() < 1) throw Error("MLP needs at least one output");
  layers.clear();
  int64_t width = options.in_features();
  for (size_t i = 0; i < options.hidden().size(); ++i) {
    const int64_t h = options.hidden()[i];
    if (h < 1) throw Error("hidden layer widths must be positive");
    layers.push_back(register_module("hidden" + std::to_string(i), linear(width, h)));
    width = h;
  }
  output = register_module("output", linear(width, options.out_features()));
  // Glorot-uniform weights and zero biases (Keras' default, used by the paper): with layers as
  // narrow as 4 units, LibTorch's default uniform biases leave whole layers dead more often.
  torch::NoGradGuard no_grad;
  // Without inputs the first weight is empty (xavier's fan-in would be 0).
  for (auto& layer : layers) {
    if (layer->weight.numel() > 0) torch::nn::init::xavier_uniform_(layer->weight);
    torch::nn::init::zeros_(layer->bias);
  }
  if (output->weight.numel() > 0) torch::nn::init::xavier_uniform_(output->weight);
  torch::nn::init::zeros_(output->bias);
  // Kept as a parameter for the fused layers, but no optimizer moves a parameter without gradient.
  if (!options.output_bias()) output->bias.set_requires_grad(false);
}

std::vector<torch::Tensor> MLPImpl::stack_parameters() const {
  std::vector<torch::Tensor> params;
  params.reserve(2 * layers.size() + 2);
  for (const auto& layer : layers) {
    params.push_back(layer->weight);
    params.push_back(layer->bias);
  }
  params.push_back(output->weight);
  params.push_back(output->bias);
  return params;
}

FixedEffectsOutput MLPImpl::forward(const torch::Tensor& x) {
  const auto params = stack_parameters();
  // Without gradients, no node to build. (apply() needs the list as a TensorList: a std::vector
  // would pass as a non-tensor argument.)
  auto outs = torch::GradMode::is_enabled() ? LinearStack::apply(x, torch::TensorList(params)) : stack_forward(x, params);
  FixedEffectsOutput out;
  out.output = outs.back();
  outs.pop_back();
  out.hidden = std::move(outs);
  return out;
}

std::pair<torch::Tensor, torch::Tensor> MLPImpl::cross_entropy_gradient(const torch::Tensor& x, const torch::Tensor& targets) {
  torch::NoGradGuard no_grad;
  const auto params = stack_parameters();
  const CrossEntropyPass pass(x, params, targets);
  const auto grads = cross_entropy_backward(x, params, pass.hidden, pass.log_probs, targets, pass.total_weight,
                                            torch::ones_like(pass.loss), /*input_grad=*/false, /*param_grads=*/true);
  for (size_t i = 0; i < params.size(); ++i) {
    auto& grad = params[i].mutable_grad();
    if (grad.defined()) grad.copy_(grads[1 + i]);
    else grad = grads[1 + i];
  }
  return {pass.loss, pass.logits};
}

std::pair<torch::Tensor, torch::Tensor> MLPImpl::cross_entropy(const torch::Tensor& x, const torch::Tensor& targets) {
  const auto params = stack_parameters();
  auto outs = StackCrossEntropy::apply(x, torch::TensorList(params), targets.defined() ? c10::optional<torch::Tensor>(targets) : c10::nullopt);
  return {outs[0], outs[1]};
}

}  // namespace armed
