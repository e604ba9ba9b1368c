#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "armed/data/clustered_data.h"
#include "armed/model.h"

namespace armed {

// A self-contained HTML page of headings, text, tables, pictures and Vega-Lite charts. The
// charting libraries (vega, vega-lite, vega-embed, installed by `make setup`) and the pictures
// (PNG as data: URLs) are inlined so the page opens offline. When every chart has rendered and
// every picture decoded the page sets <body data-status="ok">; a script error or a picture that
// does not decode sets "error: ...".
class HtmlReport {
 public:
  explicit HtmlReport(std::string title);
  void heading(const std::string& text);
  void paragraph(const std::string& text);
  void table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);
  void chart(const nlohmann::json& vega_lite_spec);
  // A table of pictures, `png[r][c]` the bytes of a PNG file (empty: a blank cell), under column
  // labels and beside row labels, each drawn `display_px` wide without smoothing.
  void picture_grid(const std::vector<std::string>& columns, const std::vector<std::string>& rows,
                    const std::vector<std::vector<std::string>>& png, int display_px);
  size_t charts() const { return specs_.size(); }
  size_t pictures() const { return pictures_; }
  std::string html() const;
  void write(const std::string& path) const;  // through a temporary file renamed into place

 private:
  std::string title_, body_;
  std::vector<nlohmann::json> specs_;
  size_t pictures_ = 0;
  bool in_section_ = false;
};

// Where the charting libraries are: $ARMED_REPORT_JS, the source tree's report/node_modules, or
// the installed share/armed/js; throws armed::Error naming what to run when none has them.
std::string chart_library_dir();

// A fitted model on `data`: training curves, random effects (caterpillar plot, variance
// components), per-cluster metrics and the modes that served the rows, feature sensitivity
// (fixed-effects gradients, permutation importance, features the cluster predicts), and for
// two-feature classification the decision boundary per cluster beside the fixed-effects one.
// Image models (`data` holds their images) add pictures: where the network looks (occlusion
// saliency of the fixed-effects and of the mixed prediction, per sample picture and averaged
// per class and per site), aec-armed's sites' styles (pictures reconstructed as each site), the
// aec latent map (PCA, by site and by class, with the site probe, Davies-Bouldin and
// Calinski-Harabasz), and the block random effects per block. `compare`, another model of the same
// data (a conventional CNN, say), adds its metrics and its saliency beside the model's.
void write_model_report(const MixedEffectsModel& model, const ClusteredData& data, const std::string& path,
                        uint64_t seed = kDefaultSeed, const MixedEffectsModel* compare = nullptr);

// The spiral benchmark's results (run_spiral_benchmark) as charts with their intervals.
void write_benchmark_report(const nlohmann::json& results, const std::string& path);

}  // namespace armed
