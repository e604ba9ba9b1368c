#include "random.h"

#include <cmath>

namespace armed {

double Rng::uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

double Rng::normal(double mean, double sd) {
  if (has_spare_) {
    has_spare_ = false;
    return mean + sd * spare_;
  }
  double u1 = 0.0;
  while (u1 <= 0.0) u1 = uniform();
  const double u2 = uniform();
  const double r = std::sqrt(-2.0 * std::log(u1));
  spare_ = r * std::sin(2.0 * M_PI * u2);
  has_spare_ = true;
  return mean + sd * r * std::cos(2.0 * M_PI * u2);
}

int64_t Rng::integer(int64_t n) { return static_cast<int64_t>(uniform() * static_cast<double>(n)); }

}  // namespace armed
