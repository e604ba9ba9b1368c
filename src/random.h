#pragma once
#include <cstdint>
#include <random>
#include <vector>

namespace armed {

// Seeded generator with distributions written out here rather than taken from <random>, whose
// distributions differ between standard libraries: the same seed gives the same data everywhere.
class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}
  double uniform();                       // [0, 1)
  double normal(double mean = 0.0, double sd = 1.0);
  int64_t integer(int64_t n);             // uniform in [0, n)
  int64_t poisson(double mean);
  template <typename T>
  void shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[integer(static_cast<int64_t>(i))]);
  }

 private:
  std::mt19937_64 engine_;
  bool has_spare_ = false;
  double spare_ = 0.0;
};

}  // namespace armed
