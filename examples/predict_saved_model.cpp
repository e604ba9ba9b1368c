// Loads a model written by `armed train` and predicts a CSV file.
// Usage: predict_saved_model MODEL_DIR DATA.csv
#include <armed/armed.h>

#include <iostream>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: predict_saved_model MODEL_DIR DATA.csv" << std::endl;
    return 2;
  }
  try {
    const auto model = armed::MixedEffectsModel::load(argv[1]);
    const auto data = armed::load_clustered_csv(argv[2], model.data_spec());
    const armed::Predictions p = model.predict(data);
    for (int64_t i = 0; i < data.rows(); ++i)
      std::cout << (data.has_clusters() ? data.clusters()[i] : "") << "," << p.value[i] << "," << p.mode[0][i] << "\n";
    if (data.has_target()) std::cerr << model.evaluate(data)["overall"].dump() << std::endl;
    return 0;
  } catch (const armed::Error& e) {
    std::cerr << "predict_saved_model: " << e.what() << std::endl;
    return 1;
  }
}
