// The formula parser behind `--formula` and MixedLM: any text gives a formula that applies to a
// config or an armed::Error.
#include <armed/config.h>
#include <armed/data/clustered_data.h>
#include <armed/error.h>
#include <armed/formula.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const armed::Formula formula = armed::parse_formula(text);
    armed::ModelConfig config;
    armed::DataSpec spec;
    armed::apply_formula(formula, size % 2 == 0, config, spec);
    config.validate();
  } catch (const armed::Error&) {
  }
  return 0;
}
