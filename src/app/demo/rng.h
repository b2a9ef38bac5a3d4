// Rng: the demo plan's own pseudo-random generator, xoshiro256** seeded by
// splitmix64 (Blackman and Vigna). The standard distributions are not used
// because their output differs between standard libraries, and a demo plan
// must come out the same everywhere. Not thread-safe; one per builder.
#pragma once

#include <cstdint>
#include <span>

namespace civicgrid::app::demo {

// One splitmix64 step; also a good 64-bit hash of `x`.
constexpr uint64_t Mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& word : s_) {
      seed = Mix64(seed);
      word = seed;
    }
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n) for n > 0, without modulo bias.
  int Below(int n) {
    const auto bound = static_cast<uint64_t>(n);
    const uint64_t threshold = (0 - bound) % bound;
    for (;;) {
      const uint64_t r = Next();
      if (r >= threshold) return static_cast<int>(r % bound);
    }
  }

  // Uniform in [lo, hi].
  int Between(int lo, int hi) { return lo + Below(hi - lo + 1); }

  // Uniform in [0, 1) with 53 random bits.
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

  bool Chance(double p) { return Unit() < p; }

  // An index drawn with probability proportional to its (non-negative,
  // not all zero) weight.
  int Weighted(std::span<const int> weights) {
    int total = 0;
    for (int w : weights) total += w;
    int r = Below(total);
    for (int i = 0; i < static_cast<int>(weights.size()); ++i) {
      r -= weights[i];
      if (r < 0) return i;
    }
    return static_cast<int>(weights.size()) - 1;
  }

 private:
  static constexpr uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  uint64_t s_[4] = {};
};

}  // namespace civicgrid::app::demo
