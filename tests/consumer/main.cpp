#include <armed/armed.h>

#include <iostream>

int main() {
  armed::SpiralOptions spiral;
  spiral.clusters = 3;
  spiral.points_per_cluster = 60;
  const auto data = armed::simulate_spiral(spiral).data;
  armed::ModelConfig config;
  config.model = "armed";
  config.epochs = 2;
  const auto model = armed::MixedEffectsModel::fit(config, data);
  const auto effects = model.effects();
  std::cout << "consumer: armed model trained, " << effects["random_effects"].size() << " random effects, accuracy "
            << model.evaluate(data)["overall"]["accuracy"].get<double>() << std::endl;
  return 0;
}
