#pragma once
#include <cstdint>

#include "armed/data/clustered_data.h"
#include "armed/eval/report.h"
#include "armed/model.h"

namespace armed {

// armed report's sections for an image model on `data` (its images): see write_model_report.
void add_image_sections(HtmlReport& report, const MixedEffectsModel& model, const ClusteredData& data,
                        const MixedEffectsModel* compare, uint64_t seed);

}  // namespace armed
