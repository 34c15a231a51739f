// Thread CPU time of each Winograd layer of the full-frame U-Net (packed 2128x1424, width 32) under F(4x4)
// and F(6x6), with the tile chunks and channel shares UNetRunner gives 2 threads, both shares run here.
// CPU time of this thread, minimum over interleaved repetitions, is steadier than wall time on a shared host.
//
//   clang -O3 -ISources/CKernels/include bench/winograd_layers.c Sources/CKernels/dispatch.c \
//       Sources/CKernels/kernels_*.c -o .build-winograd/winograd_layers && .build-winograd/winograd_layers
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "sid_kernels.h"

static double cpu(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int padded(int c) { return (c + 15) / 16 * 16; }

static float *values(size_t count, float offset) {
    float *p = malloc(count * sizeof(float));
    for (size_t i = 0; i < count; i++) p[i] = (float)(rand() % 1000) / 1000.0f - offset;
    return p;
}

/// Milliseconds of CPU for 12 output rows (3 F(4x4) units, 2 F(6x6) units) of one layer, per algorithm.
static void measure(int width, int first, int second, int out, int reps, double best[2]) {
    const int cin = first + second, rows = 12;
    float *input = values((size_t)(rows + 2) * width * first, 0), *skip = values((size_t)(rows + 2) * width * (second ? second : 1), 0);
    float *output = malloc(sizeof(float) * rows * width * out), *weights = values((size_t)out * cin * 9, 0.5f), *bias = calloc(out, 4);
    const float *input_rows[14], *skip_rows[14];
    float *output_rows[12];
    for (int i = 0; i < 14; i++) input_rows[i] = input + (size_t)i * width * first, skip_rows[i] = skip + (size_t)i * width * second;
    for (int i = 0; i < 12; i++) output_rows[i] = output + (size_t)i * width * out;
    float *filters[2], *scratch[2];
    int chunk[2], share[2];
    for (int a = 0; a < 2; a++) {
        const size_t count = a ? sid_winograd_f6x6_3x3_filter_floats(cin, out) : sid_winograd_f4x4_3x3_filter_floats(cin, out);
        filters[a] = calloc(count, sizeof(float));
        (a ? sid_winograd_f6x6_3x3_filters : sid_winograd_f4x4_3x3_filters)(weights, cin, out, 0, cin, filters[a]);
        // UNetRunner.convolveByWinograd: filters of 8 MB or more split output channels, otherwise tiles.
        const int h = a ? 6 : 4, points = a ? 64 : 36, tiles = (width + h - 1) / h, wide = count * 4 >= (8u << 20);
        share[a] = wide ? 32 * (((out + 31) / 32 + 1) / 2) : out;
        const size_t per_tile = (size_t)points * (padded(cin) + padded(share[a] < out ? share[a] : out));
        if (wide) {
            size_t floats = (size_t)points * (2560 / 8 / h) * (512 + 128);
            if (floats < (1u << 19)) floats = 1u << 19;
            chunk[a] = floats / per_tile < (size_t)tiles ? (int)(floats / per_tile) : tiles;
        } else {
            const int most = (1 << 19) / per_tile > 0 ? (int)((1 << 19) / per_tile) : 1;
            const int rounds = ((tiles + most - 1) / most + 1) / 2;
            chunk[a] = (tiles + rounds * 2 - 1) / (rounds * 2);
        }
        scratch[a] = malloc(sizeof(float) * per_tile * chunk[a]);
        best[a] = 1e9;
    }
    for (int rep = 0; rep < reps; rep++) {
        for (int a = 0; a < 2; a++) {
            const int h = a ? 6 : 4, tiles = (width + h - 1) / h;
            const double start = cpu();
            for (int unit = 0; unit < rows / h; unit++) {
                sid_conv3x3 conv = {input_rows + h * unit, first, first, second ? skip_rows + h * unit : NULL, second, second,
                                    output_rows + h * unit, out, out, width, 1, filters[a], bias};
                for (int t = 0; t < tiles; t += chunk[a]) {
                    for (int o = 0; o < out; o += share[a]) {
                        const int n = tiles - t < chunk[a] ? tiles - t : chunk[a], m = out - o < share[a] ? out - o : share[a];
                        (a ? sid_winograd_f6x6_3x3 : sid_winograd_f4x4_3x3)(&conv, t, n, o, m, scratch[a]);
                    }
                }
            }
            const double seconds = cpu() - start;
            if (seconds < best[a]) best[a] = seconds;
        }
    }
    for (int a = 0; a < 2; a++) free(filters[a]), free(scratch[a]);
    free(input), free(skip), free(output), free(weights), free(bias);
}

int main(void) {
    static const struct { const char *name; int width, first, second, out; } layers[] = {
        {"conv1_2", 2128, 32, 0, 32},    {"conv2_1", 1064, 32, 0, 64},    {"conv2_2", 1064, 64, 0, 64},
        {"conv3_1", 532, 64, 0, 128},    {"conv3_2", 532, 128, 0, 128},   {"conv4_1", 266, 128, 0, 256},
        {"conv4_2", 266, 256, 0, 256},   {"conv5_1", 133, 256, 0, 512},   {"conv5_2", 133, 512, 0, 512},
        {"conv6_1", 266, 256, 256, 256}, {"conv6_2", 266, 256, 0, 256},   {"conv7_1", 532, 128, 128, 128},
        {"conv7_2", 532, 128, 0, 128},   {"conv8_1", 1064, 64, 64, 64},   {"conv8_2", 1064, 64, 0, 64},
        {"conv9_1", 2128, 32, 32, 32},   {"conv9_2", 2128, 32, 0, 32},
    };
    printf("kernels %s; CPU ms per 12 output rows, min of interleaved repetitions, 3 passes\n\n", sid_kernels_instruction_set());
    printf("| layer | F(4x4) ms | F(6x6) ms | F(6x6) / F(4x4), each pass |\n|---|---:|---:|---|\n");
    for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++) {
        double sum[2] = {0, 0}, ratio[3];
        for (int pass = 0; pass < 3; pass++) {
            double best[2];
            // About the same work per layer: fewer repetitions for the wide ones.
            const int reps = 8 + 240 * 32 / (layers[i].out + layers[i].first + layers[i].second) / 8;
            measure(layers[i].width, layers[i].first, layers[i].second, layers[i].out, reps, best);
            sum[0] += best[0], sum[1] += best[1], ratio[pass] = best[1] / best[0];
        }
        printf("| %s | %.2f | %.2f | %.3f, %.3f, %.3f |\n", layers[i].name, sum[0] / 3 * 1e3, sum[1] / 3 * 1e3, ratio[0], ratio[1], ratio[2]);
        fflush(stdout);
    }
    return 0;
}
