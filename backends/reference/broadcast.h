// Maps a flat index of a broadcast output to the flat index of an input
// (numpy rules: dimensions aligned from the right, size-1 dimensions repeat).
#ifndef FP8SDK_BACKENDS_REFERENCE_BROADCAST_H_
#define FP8SDK_BACKENDS_REFERENCE_BROADCAST_H_

#include "sdk/runtime/graph.h"

namespace fp8sdk {
namespace reference {

class BroadcastIndexer {
 public:
  BroadcastIndexer(const Shape& in, const Shape& out) : rank_(out.rank) {
    identity_ = in == out;
    int64_t stride = 1;
    for (int i = out.rank - 1; i >= 0; --i) {
      const int ii = in.rank - out.rank + i;
      const int64_t d = ii >= 0 ? in[ii] : 1;
      out_dims_[static_cast<size_t>(i)] = out[i];
      in_strides_[static_cast<size_t>(i)] = d == 1 ? 0 : stride;
      stride *= d;
    }
  }

  int64_t Map(int64_t i) const {
    if (identity_) return i;
    int64_t r = 0;
    for (int d = rank_ - 1; d >= 0; --d) {
      const int64_t dim = out_dims_[static_cast<size_t>(d)];
      r += (i % dim) * in_strides_[static_cast<size_t>(d)];
      i /= dim;
    }
    return r;
  }

 private:
  int rank_;
  bool identity_;
  std::array<int64_t, kMaxRank> out_dims_{}, in_strides_{};
};

}  // namespace reference
}  // namespace fp8sdk

#endif  // FP8SDK_BACKENDS_REFERENCE_BROADCAST_H_
