// Wraps a network armed does not offer, a residual MLP, with ARMED (adversary, random effects,
// unseen-cluster inference) and compares it with the built-in conventional MLP on the paper's
// spiral data, seen clusters. Usage: custom_network [epochs] [seed]
#include <armed/armed.h>

#include <cstdlib>
#include <iostream>

// Your own network: declare its output and the hidden activations armed should see.
struct ResidualMLPImpl : armed::FixedEffectsModule {
  ResidualMLPImpl(int64_t inputs, int64_t width, int64_t blocks) {
    stem = register_module("stem", torch::nn::Linear(inputs, width));
    for (int64_t b = 0; b < blocks; ++b)
      this->blocks.push_back(register_module("block" + std::to_string(b), torch::nn::Linear(width, width)));
    head = register_module("head", torch::nn::Linear(width, 1));
  }
  armed::FixedEffectsOutput forward(const torch::Tensor& x) override {
    armed::FixedEffectsOutput out;
    auto h = torch::relu(stem(x));
    out.hidden.push_back(h);
    for (auto& block : blocks) {
      h = h + torch::relu(block(h));  // the residual connection
      out.hidden.push_back(h);
    }
    out.output = head(h);
    return out;
  }
  torch::nn::Linear stem{nullptr}, head{nullptr};
  std::vector<torch::nn::Linear> blocks;
};

int main(int argc, char** argv) {
  const int64_t epochs = argc > 1 ? std::atoll(argv[1]) : 100;
  const uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 48;
  try {
    armed::SpiralOptions spiral;
    spiral.seed = seed;
    const armed::ClusteredData data = armed::simulate_spiral(spiral).data;
    const armed::Split split = armed::split_within_clusters(data.clusters(), armed::target_labels(data), 0.2, seed);
    const auto train = armed::subset(data, split.train), test = armed::subset(data, split.test);

    armed::ModelConfig config;  // the CLI's defaults
    config.epochs = epochs;
    config.seed = seed;
    config.model = "conventional";
    const double conventional =
        armed::MixedEffectsModel::fit(config, train).evaluate(test)["overall"]["accuracy"].get<double>();

    config.model = "armed";
    const auto factory = [](int64_t inputs) { return std::make_shared<ResidualMLPImpl>(inputs, 8, 2); };
    const auto model = armed::MixedEffectsModel::fit(config, train, nullptr, factory);
    const double mixed = model.evaluate(test)["overall"]["accuracy"].get<double>();

    model.save("residual-armed-model");
    const auto reloaded = armed::MixedEffectsModel::load("residual-armed-model", factory);
    const bool same = reloaded.predict(test).value == model.predict(test).value;

    std::cout << "seen-cluster accuracy: conventional MLP " << conventional << ", residual MLP with ARMED " << mixed
              << "\nsave/load gives the same predictions: " << (same ? "yes" : "no")
              << "\nresidual ARMED beats conventional: " << (mixed > conventional ? "yes" : "no") << std::endl;
    return same ? 0 : 1;
  } catch (const armed::Error& e) {
    std::cerr << "custom_network: " << e.what() << std::endl;
    return 1;
  }
}
