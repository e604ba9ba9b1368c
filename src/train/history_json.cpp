#include "train/history_json.h"

#include <cmath>

namespace armed {

nlohmann::json history_to_json(const TrainingHistory& h) {
  auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
  nlohmann::json epochs = nlohmann::json::array();
  for (const auto& e : h.epochs) {
    nlohmann::json terms = nlohmann::json::object();
    for (const auto& [name, value] : e.terms) terms[name] = num(value);
    epochs.push_back({{"epoch", e.epoch}, {"loss", num(e.loss)}, {"metric", num(e.metric)}, {"val_loss", num(e.val_loss)},
                      {"val_metric", num(e.val_metric)}, {"samples_per_second", num(e.samples_per_second)}, {"terms", terms}});
  }
  nlohmann::json membership = nlohmann::json::array();
  for (const auto& m : h.membership)
    membership.push_back({{"epochs", m.epochs}, {"best_epoch", m.best_epoch}, {"held_out_rows", m.held_out_rows},
                          {"held_out_accuracy", num(m.held_out_accuracy)}, {"chance", num(m.chance)}, {"beats_chance", m.beats_chance},
                          {"held_out_clusters", m.held_out_clusters}, {"unseen_rows", m.unseen_rows},
                          {"unseen_loss_fixed", num(m.unseen_loss_fixed)}, {"unseen_loss_inferred", num(m.unseen_loss_inferred)},
                          {"infer_unseen", m.infer_unseen}});
  return {{"best_epoch", h.best_epoch}, {"membership", membership}, {"epochs", epochs}};
}

TrainingHistory history_from_json(const nlohmann::json& j) {
  auto num = [](const nlohmann::json& v) { return v.is_null() ? NAN : v.get<double>(); };
  TrainingHistory h;
  h.best_epoch = j.at("best_epoch").get<int64_t>();
  // Models written before the membership predictor was judged on held-out rows have no record:
  // theirs never beat chance there, so unseen clusters get the fixed effects by default.
  // Models of one grouping factor written before several factors hold one record, not a list.
  const nlohmann::json records = !j.contains("membership")      ? nlohmann::json::array()
                                 : j.at("membership").is_array() ? j.at("membership")
                                                                 : nlohmann::json::array({j.at("membership")});
  // Models written before --unseen auto judged on held-out clusters served inferred membership
  // where the predictor beat chance.
  for (const auto& m : records) {
    MembershipRecord r;
    r.epochs = m.at("epochs").get<int64_t>();
    r.best_epoch = m.at("best_epoch").get<int64_t>();
    r.held_out_rows = m.at("held_out_rows").get<int64_t>();
    r.held_out_accuracy = num(m.at("held_out_accuracy"));
    r.chance = num(m.at("chance"));
    r.beats_chance = m.at("beats_chance").get<bool>();
    r.held_out_clusters = m.value("held_out_clusters", int64_t{0});
    r.unseen_rows = m.value("unseen_rows", int64_t{0});
    r.unseen_loss_fixed = m.contains("unseen_loss_fixed") ? num(m.at("unseen_loss_fixed")) : NAN;
    r.unseen_loss_inferred = m.contains("unseen_loss_inferred") ? num(m.at("unseen_loss_inferred")) : NAN;
    r.infer_unseen = m.value("infer_unseen", r.beats_chance);
    h.membership.push_back(r);
  }
  for (const auto& e : j.at("epochs")) {
    EpochRecord rec{e.at("epoch").get<int64_t>(), num(e.at("loss")), num(e.at("metric")), num(e.at("val_loss")),
                    num(e.at("val_metric")), num(e.at("samples_per_second")), {}};
    for (const auto& term : e.at("terms").items()) rec.terms[term.key()] = num(term.value());
    h.epochs.push_back(rec);
  }
  return h;
}

}  // namespace armed
