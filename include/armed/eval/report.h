#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "armed/data/clustered_data.h"
#include "armed/model.h"

namespace armed {

// A self-contained HTML page of headings, text, tables and Vega-Lite charts. The charting
// libraries (vega, vega-lite, vega-embed, installed by `make setup`) are inlined so the page
// opens offline. When every chart has rendered the page sets <body data-status="ok">; a script
// error sets "error: ...".
class HtmlReport {
 public:
  explicit HtmlReport(std::string title);
  void heading(const std::string& text);
  void paragraph(const std::string& text);
  void table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);
  void chart(const nlohmann::json& vega_lite_spec);
  size_t charts() const { return specs_.size(); }
  std::string html() const;
  void write(const std::string& path) const;  // through a temporary file renamed into place

 private:
  std::string title_, body_;
  std::vector<nlohmann::json> specs_;
};

// Where the charting libraries are: $ARMED_REPORT_JS, the source tree's report/node_modules, or
// the installed share/armed/js; throws armed::Error naming what to run when none has them.
std::string chart_library_dir();

// A fitted model on `data`: training curves, random effects (caterpillar plot, variance
// components), per-cluster metrics and the modes that served the rows, feature sensitivity
// (fixed-effects gradients, permutation importance, features the cluster predicts), and for
// two-feature classification the decision boundary per cluster beside the fixed-effects one.
void write_model_report(const MixedEffectsModel& model, const ClusteredData& data, const std::string& path,
                        uint64_t seed = kDefaultSeed);

// The spiral benchmark's results (run_spiral_benchmark) as charts with their intervals.
void write_benchmark_report(const nlohmann::json& results, const std::string& path);

}  // namespace armed
