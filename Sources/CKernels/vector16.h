// The 16-float vector every kernel computes with (clang vector extensions), and its loads and stores.
// Part of one kernel set (kernel_set.h): included once per instruction set.
//
// Activations are rows of pixels with contiguous channels, so every transform below works on 16
// channels at once with plain vertical vector arithmetic; channel counts that are not a multiple of 16
// (the input's 4 or 9, the narrow test networks) go through zero-filled partial vectors.

// Vectors only pass between static always-inlined functions of one file: no ABI is at stake.
#pragma clang diagnostic ignored "-Wpsabi"

typedef float v16 __attribute__((vector_size(64)));

static inline __attribute__((always_inline)) v16 load(const float *p) {
    v16 v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline __attribute__((always_inline)) void store(float *p, v16 v) { memcpy(p, &v, sizeof v); }

/// The first n (<= 16) floats at p, zero beyond.
static inline __attribute__((always_inline)) v16 load_part(const float *p, int n) {
    if (n >= 16) return load(p);
    float lanes[16] = {0};
    for (int i = 0; i < n; i++) lanes[i] = p[i];
    return load(lanes);
}

static inline __attribute__((always_inline)) void store_part(float *p, v16 v, int n) {
    if (n >= 16) {
        store(p, v);
        return;
    }
    float lanes[16];
    store(lanes, v);
    for (int i = 0; i < n; i++) p[i] = lanes[i];
}

static inline __attribute__((always_inline)) v16 leaky_relu(v16 v) { return __builtin_elementwise_max(v, v * 0.2f); }

