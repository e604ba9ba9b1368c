#include "nn/membership.h"

#include "armed/error.h"

namespace armed {

MembershipPredictorImpl::MembershipPredictorImpl(std::shared_ptr<FixedEffectsModule> network) : network_(std::move(network)) {
  if (!network_) throw Error("the membership predictor's factory returned no network");
  if (!network_->named_parameters(/*recurse=*/false).is_empty())
    throw Error("a membership predictor's network must keep its parameters in its layers");
  for (const auto& child : network_->named_children()) register_module(child.key(), child.value());
}

torch::Tensor MembershipPredictorImpl::logits(const torch::Tensor& x) { return network_->forward(x).output; }

torch::Tensor MembershipPredictorImpl::probabilities(const torch::Tensor& x) { return torch::softmax(logits(x), 1); }

}  // namespace armed
