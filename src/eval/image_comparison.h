#pragma once
#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "armed/eval/image_benchmark.h"
#include "armed/model.h"

namespace armed {

// One fold of an image comparison: the training images, the seen-cluster test and the unseen
// clusters, with the test images' rows in the whole data.
struct ImageFold {
  ClusteredData train, seen, unseen;
  std::vector<int64_t> seen_rows, unseen_rows;
};

// Per reported name, per metric path ("seen.accuracy", "autoencoder.reconstruction_mse", ...), one value per run.
using ImageMeasures = std::map<std::string, std::map<std::string, std::vector<double>>>;

// A benchmark's own measures of a model fitted on a fold, under each name it is served as
// (its own; "<name>-fixed" for fixed-effects-only predictions).
using ExtraImageMeasures = std::function<void(const MixedEffectsModel& model, const ImageFold& fold,
                                              const std::vector<std::pair<std::string, PredictMode>>& served_as, ImageMeasures& out)>;

// Trains every model on every fold's training images; measures seen and unseen classification,
// the autoencoders' measures (see run_image_benchmark) and `extra`; returns {"<name>": {"<part>":
// {"<metric>": {"mean", "ci", "runs"}}}}.
nlohmann::json compare_image_models(const ClusteredData& data, const ImageComparisonOptions& options, const ExtraImageMeasures& extra,
                                    std::ostream* progress);

// compare_image_models' results on several draws of the data (the same models), pooled: each
// metric's runs follow one another draw after draw, and its mean and interval are over them all.
// Paired differences need every model measured on the same draws, as one comparison's models are.
nlohmann::json pool_image_results(const std::vector<nlohmann::json>& draws);

// Adds to every model whose backbone's conventional model is among `models` (cnn-armed and
// cnn-armed-fixed beside cnn, say) "paired": {"against": "<conventional>", "<part>": {"<metric>":
// {"mean", "ci", "runs"}}} of the run-by-run differences, model minus conventional: the same
// pictures, so the fold-to-fold spread they share cancels.
void add_paired_differences(nlohmann::json& models);

// The value of results["models"][name][part][metric]["mean"], NaN when absent.
double image_measure(const nlohmann::json& model, const char* part, const char* metric);

}  // namespace armed
