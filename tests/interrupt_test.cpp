#include "armed/interrupt.h"

#include <gtest/gtest.h>

#include "armed/model.h"
#include "models/model_fixtures.h"

namespace armed {

// A stop asked for before or during training ends the fit with Interrupted and no model; cleared,
// the same fit runs.
TEST(Interrupt, AStopRequestEndsTrainingBetweenSteps) {
  const auto data = test::small_spiral();
  request_stop();
  EXPECT_TRUE(stop_requested());
  EXPECT_THROW(MixedEffectsModel::fit(test::quick("armed"), data), Interrupted);
  clear_stop_request();
  EXPECT_FALSE(stop_requested());
  EXPECT_NO_THROW(MixedEffectsModel::fit(test::quick("armed"), data));
}

}  // namespace armed
