// SOFTMAX's parameters and its input z = x * scale (+ mask) for
// softmax.comp (GPUs) and softmax_rows.comp (CPU devices).
layout(push_constant) uniform Params {
  uint rows, C;
  uint x_off, m_off, y_off;
  uint mode;       // 0: none, 1: key padding, 2: additive
  uint mask_kind;  // key padding: 0 f32, 1 int32, 2 int64, 3 uint8
  uint rows_per_batch;
  float scale;
  uint rank;       // additive: the scores' shape and the mask's strides
  uint dims[6];
  uint strides[6];
} p;

// The mask's mode and kind: specialization constants in softmax_rows.comp
// (a pipeline each: a branch on a push constant runs every side on CPU
// devices), push constants in softmax.comp.
#ifdef SOFTMAX_SPECIALIZED
layout(constant_id = 0) const uint kMaskMode = 0u;
layout(constant_id = 1) const uint kMaskKind = 0u;
#else
#define kMaskMode p.mode
#define kMaskKind p.mask_kind
#endif

bool Keep(uint i) {
  if (kMaskKind == 2u) return (x1[p.m_off + 2u * i] | x1[p.m_off + 2u * i + 1u]) != 0u;
  if (kMaskKind == 1u) return x1[p.m_off + i] != 0u;
  if (kMaskKind == 3u) return ByteOf(x1[p.m_off + (i >> 2u)], i & 3u) != 0u;
  return F(x1[p.m_off + i]) != 0.0;
}

float Additive(uint pos) {
  uint rest = pos, idx = 0u;
  for (int d = int(p.rank) - 1; d >= 0; --d) {
    idx += (rest % p.dims[d]) * p.strides[d];
    rest /= p.dims[d];
  }
  return F(x1[p.m_off + idx]);
}

float Z(uint r, uint i) {
  float z = F(x0[p.x_off + r * p.C + i]) * p.scale;
  if (kMaskMode == 2u) {
    z += Additive(r * p.C + i);
  } else if (kMaskMode == 1u && !Keep((r / p.rows_per_batch) * p.C + i)) {
    z = uintBitsToFloat(0xFF800000u);  // -inf
  }
  return z;
}

