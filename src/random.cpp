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

int64_t Rng::poisson(double mean) {
  // Knuth's product of uniforms for small means (the simulators' usual case, and their seeded
  // streams); its cost grows with the mean and exp(-mean) underflows, so the library's draw from 30.
  if (mean >= 30) return std::poisson_distribution<int64_t>(mean)(engine_);
  const double limit = std::exp(-mean);
  double product = uniform();
  int64_t k = 0;
  while (product > limit) {
    product *= uniform();
    ++k;
  }
  return k;
}

int64_t Rng::integer(int64_t n) { return static_cast<int64_t>(uniform() * static_cast<double>(n)); }

}  // namespace armed
