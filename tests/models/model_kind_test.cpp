// Every row of the model-kind table must be a working model: a new kind is a row, and this test
// covers it without further code.
#include "armed/model_kind.h"

#include <gtest/gtest.h>

#include "armed/error.h"
#include "armed/model.h"
#include "armed/sim/images.h"
#include "models/model_fixtures.h"

namespace armed {

TEST(ModelKind, EveryRowTrainsPredictsAndReportsWhatItHas) {
  ImageSimOptions image_options;
  image_options.clusters = 3;
  image_options.images_per_cluster = 16;
  image_options.size = 16;
  const ClusteredData images = simulate_images(image_options).data, tabular = test::small_spiral();
  ModelConfig defaults;
  std::string model_help;
  for_each_field(defaults, [&](const char* name, auto&, const char* help) {
    if (std::string(name) == "model") model_help = help;
  });
  for (const ModelKind& kind : model_kinds()) {
    SCOPED_TRACE(kind.name);
    EXPECT_EQ(&model_kind(kind.name), &kind);
    EXPECT_NE(model_help.find(kind.name), std::string::npos);
    ModelConfig config = test::quick(kind.name);
    config.epochs = 1;
    config.filters = {4, 4};
    const ClusteredData& data = kind.takes_images() ? images : tabular;
    const auto model = MixedEffectsModel::fit(config, data);
    EXPECT_EQ(model.predict(data).value.size(), static_cast<size_t>(data.rows()));
    EXPECT_EQ(model.history().epochs.front().terms.count("adversary"), kind.has_adversary() ? 1u : 0u);
    if (kind.has_random_effects()) EXPECT_NO_THROW(model.effects());
    else EXPECT_THROW(model.effects(), Error);
    EXPECT_EQ(model.config().adversary_weight(), kind.adversary_weight);
    // The other kind of data is refused with a message naming the model.
    const ClusteredData& other = kind.takes_images() ? tabular : images;
    EXPECT_THROW(MixedEffectsModel::fit(config, other), Error);
  }
  EXPECT_THROW(model_kind("forest"), Error);
}

}  // namespace armed
