#include "armed/eval/report.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "armed/error.h"
#include "io/atomic_file.h"
#include "io/base64.h"

namespace armed {
namespace fs = std::filesystem;
namespace {

const char* kLibraries[] = {"vega/build/vega.min.js", "vega-lite/build/vega-lite.min.js",
                            "vega-embed/build/vega-embed.min.js"};

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// JSON placed inside <script> must not close the element early.
std::string script_safe(std::string text) {
  for (size_t pos = 0; (pos = text.find("</", pos)) != std::string::npos; pos += 3) text.replace(pos, 2, "<\\/");
  return text;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::string chart_library_dir() {
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("ARMED_REPORT_JS")) candidates.emplace_back(env);
  candidates.emplace_back(ARMED_REPORT_JS_SOURCE);
  candidates.emplace_back(ARMED_REPORT_JS_INSTALLED);
  for (const auto& dir : candidates) {
    bool complete = true;
    for (const char* lib : kLibraries) complete = complete && fs::exists(dir / lib);
    if (complete) return dir.string();
  }
  throw Error("report: the charting libraries (vega, vega-lite, vega-embed) are not installed; run `make setup` "
              "(npm ci in report/) or point ARMED_REPORT_JS at a node_modules folder holding them");
}

HtmlReport::HtmlReport(std::string title) : title_(std::move(title)) {}

// Each heading opens a <section> that runs to the next, so a page's parts can be shown alone.
void HtmlReport::heading(const std::string& text) {
  if (in_section_) body_ += "</section>\n";
  body_ += "<section>\n<h2>" + escape(text) + "</h2>\n";
  in_section_ = true;
}

void HtmlReport::paragraph(const std::string& text) { body_ += "<p class=\"note\">" + escape(text) + "</p>\n"; }

void HtmlReport::table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  body_ += "<table><tr>";
  for (const auto& h : header) body_ += "<th>" + escape(h) + "</th>";
  body_ += "</tr>\n";
  for (const auto& row : rows) {
    body_ += "<tr>";
    for (const auto& cell : row) body_ += "<td>" + escape(cell) + "</td>";
    body_ += "</tr>\n";
  }
  body_ += "</table>\n";
}

void HtmlReport::chart(const nlohmann::json& spec) {
  body_ += "<div class=\"chart\" id=\"chart" + std::to_string(specs_.size()) + "\"></div>\n";
  nlohmann::json full = spec;
  full["$schema"] = "https://vega.github.io/schema/vega-lite/v6.json";
  specs_.push_back(full);
}

void HtmlReport::picture_grid(const std::vector<std::string>& columns, const std::vector<std::string>& rows,
                              const std::vector<std::vector<std::string>>& png, int display_px) {
  body_ += "<table class=\"pictures\"><tr><th></th>";
  for (const auto& c : columns) body_ += "<th>" + escape(c) + "</th>";
  body_ += "</tr>\n";
  const std::string size = std::to_string(display_px);
  for (size_t r = 0; r < png.size(); ++r) {
    body_ += "<tr><th>" + escape(r < rows.size() ? rows[r] : std::string()) + "</th>";
    for (const auto& picture : png[r]) {
      body_ += "<td>";
      if (!picture.empty()) {
        body_ += "<img width=\"" + size + "\" height=\"" + size + "\" src=\"data:image/png;base64," + base64(picture) + "\">";
        ++pictures_;
      }
      body_ += "</td>";
    }
    body_ += "</tr>\n";
  }
  body_ += "</table>\n";
}

std::string HtmlReport::html() const {
  const fs::path dir = chart_library_dir();
  std::string page = "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>" + escape(title_) + "</title>\n";
  page += "<style>body{font-family:sans-serif;max-width:1200px;margin:auto;padding:1em;color:#222}"
          "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}"
          ".note{color:#555;max-width:60em}.chart{margin:1em 0}"
          ".pictures td,.pictures th{border:none;padding:1px;text-align:center;font-weight:normal;font-size:12px}"
          ".pictures img{image-rendering:pixelated;display:block;margin:auto}</style>\n";
  for (const char* lib : kLibraries) page += "<script>" + read_file(dir / lib) + "</script>\n";
  page += "</head><body data-status=\"rendering\">\n<h1>" + escape(title_) + "</h1>\n" + body_;
  if (in_section_) page += "</section>\n";
  nlohmann::json specs = nlohmann::json::array();
  for (const auto& s : specs_) specs.push_back(s);
  page += "<script>\nconst specs = " + script_safe(specs.dump()) + ";\n";
  page +=
      "window.addEventListener('error', e => { document.body.dataset.status = 'error: ' + e.message; });\n"
      "Promise.all(specs.map((spec, i) => vegaEmbed('#chart' + i, spec, {renderer: 'svg', actions: false}))\n"
      "    .concat(Array.from(document.images, img => img.decode())))\n"
      "  .then(() => { if (document.body.dataset.status === 'rendering') document.body.dataset.status = 'ok'; })\n"
      "  .catch(e => { document.body.dataset.status = 'error: ' + e;\n"
      "    document.body.insertAdjacentHTML('afterbegin', '<p style=\"color:red\">Chart error: ' + e + '</p>'); });\n"
      "</script>\n</body></html>\n";
  return page;
}

void HtmlReport::write(const std::string& path) const {
  const std::string page = html();
  write_file_atomic(path, [&](std::ostream& out) { out << page; });
}

void write_benchmark_report(const nlohmann::json& results, const std::string& path) {
  HtmlReport report("armed spiral benchmark");
  const auto& d = results.at("data");
  report.paragraph("Spirals: " + d.at("clusters").dump() + " clusters x " + d.at("points_per_cluster").dump() +
                   " points, variant " + d.at("variant").get<std::string>() + ", radius SD " + d.at("radius_sd").dump() +
                   ", " + d.at("confounders").dump() + " confounders; grouped " + results.at("folds").dump() +
                   "-fold cross-validation over clusters, seeds " + results.at("seeds").dump() + ", " +
                   results.at("epochs").dump() + " epochs. Bars are means over folds, whiskers 95% t-intervals.");
  nlohmann::json rows = nlohmann::json::array();
  std::vector<std::vector<std::string>> table;
  for (const auto& [model, entry] : results.at("models").items())
    for (const char* part : {"seen", "unseen"})
      for (const char* metric : {"accuracy", "auroc"}) {
        const auto& m = entry.at(part);
        const auto& ci = m.at(std::string(metric) + "_ci");
        rows.push_back({{"model", model}, {"test", part}, {"metric", metric}, {"mean", m.at(metric)},
                        {"lo", ci[0]}, {"hi", ci[1]}});
        if (std::string(metric) == "accuracy")
          table.push_back({model, part, m.at("accuracy").dump().substr(0, 6), m.at("auroc").dump().substr(0, 6)});
      }
  report.heading("Seen and unseen clusters");
  report.chart({{"data", {{"values", rows}}},
                {"facet", {{"row", {{"field", "metric"}, {"type", "nominal"}}}, {"column", {{"field", "test"}, {"type", "nominal"}}}}},
                {"spec",
                 {{"width", 260},
                  {"height", 160},
                  {"layer",
                   {{{"mark", "bar"},
                     {"encoding",
                      {{"x", {{"field", "model"}, {"type", "nominal"}, {"sort", nullptr}}},
                       {"y", {{"field", "mean"}, {"type", "quantitative"}, {"scale", {{"zero", false}}}}},
                       {"color", {{"field", "model"}, {"type", "nominal"}, {"legend", nullptr}}}}}},
                    {{"mark", "rule"},
                     {"encoding",
                      {{"x", {{"field", "model"}, {"type", "nominal"}, {"sort", nullptr}}},
                       {"y", {{"field", "lo"}, {"type", "quantitative"}}},
                       {"y2", {{"field", "hi"}}}}}}}}}},
                {"resolve", {{"scale", {{"y", "independent"}}}}}});
  report.table({"model", "test", "accuracy", "AUROC"}, table);
  nlohmann::json gradients = nlohmann::json::array();
  for (const auto& [model, entry] : results.at("models").items())
    if (entry.contains("gradients"))
      for (const auto& [feature, g] : entry.at("gradients").items())
        gradients.push_back({{"model", model}, {"feature", feature}, {"gradient", g}});
  if (!gradients.empty()) {
    report.heading("Fixed-effects sensitivity to each feature");
    report.paragraph("Absolute gradient of the fixed-effects prediction with respect to each standardized feature at the "
                     "mean input (Z = 0). conf* features predict the label only through the cluster: a model that learned "
                     "cluster-invariant features leans on them little.");
    report.chart({{"data", {{"values", gradients}}},
                  {"mark", "bar"},
                  {"width", 140},
                  {"height", 160},
                  {"encoding",
                   {{"column", {{"field", "model"}, {"type", "nominal"}}},
                    {"x", {{"field", "feature"}, {"type", "nominal"}}},
                    {"y", {{"field", "gradient"}, {"type", "quantitative"}}},
                    {"color", {{"field", "feature"}, {"type", "nominal"}}}}}});
  }
  report.write(path);
}

}  // namespace armed
