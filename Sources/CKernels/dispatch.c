#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include "kernel_table.h"

// The table in use; chosen on first use. Every thread that races to choose picks the same one.
static const sid_kernel_table *_Atomic chosen;

static int supports(const sid_kernel_table *table) {
#if defined(__x86_64__)
    if (table == &sid_kernels_avx512) {
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")
            && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("fma");
    }
    if (table == &sid_kernels_avx2) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    return table == &sid_kernels_portable;
}

static const sid_kernel_table *kernels(void) {
    const sid_kernel_table *table = chosen;
    if (table) return table;
#if defined(__x86_64__)
    __builtin_cpu_init();
    const sid_kernel_table *candidates[] = {&sid_kernels_avx512, &sid_kernels_avx2};
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
        if (supports(candidates[i])) { chosen = candidates[i]; return candidates[i]; }
    }
#endif
    chosen = &sid_kernels_portable;
    return &sid_kernels_portable;
}

const char *sid_kernels_instruction_set(void) { return kernels()->name; }

int sid_kernels_use(const char *instruction_set) {
    const sid_kernel_table *all[] = {
#if defined(__x86_64__)
        &sid_kernels_avx512, &sid_kernels_avx2,
#endif
        &sid_kernels_portable};
#if defined(__x86_64__)
    __builtin_cpu_init();
#endif
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (strcmp(all[i]->name, instruction_set) == 0 && supports(all[i])) {
            chosen = all[i];
            return 1;
        }
    }
    return 0;
}

void sid_winograd_conv3x3(const sid_conv3x3 *conv, int first_tile, int tile_count, int first_out, int out_count,
                          float *scratch) {
    kernels()->winograd_conv3x3(conv, first_tile, tile_count, first_out, out_count, scratch);
}

void sid_direct_conv3x3(const sid_conv3x3 *conv, int row, int x0, int count) {
    kernels()->direct_conv3x3(conv, row, x0, count);
}

void sid_gemm(int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *c, int ldc) {
    kernels()->gemm(m, n, k, a, lda, b, ldb, c, ldc);
}

void sid_transposed_conv2x2(const float *input, int input_stride, int in_channels, int x0, int count,
                            const float *weights, const float *bias, int out_channels,
                            float *top, float *bottom, int output_stride, int out_width, float *scratch) {
    kernels()->transposed_conv2x2(input, input_stride, in_channels, x0, count, weights, bias, out_channels,
                                  top, bottom, output_stride, out_width, scratch);
}

void sid_max_pool(const float *top, const float *bottom, int input_stride, int in_width, int channels,
                  float *output, int output_stride, int x0, int count) {
    kernels()->max_pool(top, bottom, input_stride, in_width, channels, output, output_stride, x0, count);
}

size_t sid_winograd_filter_floats(int in_channels, int out_channels) {
    return (size_t)36 * sid_padded(in_channels) * sid_panels(out_channels) * 32;
}

size_t sid_winograd_scratch_floats(int in_channels, int out_channels, int tiles) {
    return (size_t)36 * tiles * (sid_padded(in_channels) + sid_padded(out_channels));
}

size_t sid_direct_filter_floats(int in_channels, int out_channels) {
    return (size_t)9 * in_channels * sid_padded(out_channels);
}

void sid_direct_filters(const float *weights, int in_channels, int out_channels, float *filters) {
    const int cout_p = sid_padded(out_channels);
    memset(filters, 0, sid_direct_filter_floats(in_channels, out_channels) * sizeof(float));
    for (int o = 0; o < out_channels; o++) {
        for (int c = 0; c < in_channels; c++) {
            for (int tap = 0; tap < 9; tap++)
                filters[((size_t)tap * in_channels + c) * cout_p + o] = weights[((size_t)o * in_channels + c) * 9 + tap];
        }
    }
}

// G, the 6x3 filter transform of F(4x4, 3x3) (Lavin & Gray, 2016).
static const double winograd_g[6][3] = {
    {1.0 / 4, 0, 0},
    {-1.0 / 6, -1.0 / 6, -1.0 / 6},
    {-1.0 / 6, 1.0 / 6, -1.0 / 6},
    {1.0 / 24, 1.0 / 12, 1.0 / 6},
    {1.0 / 24, -1.0 / 12, 1.0 / 6},
    {0, 0, 1},
};

typedef struct {
    const float *weights;
    int in_channels, out_channels;
    int first_c, end_c;
    float *filters;
} filter_job;

/// U = G g G^T for input channels [first_c, end_c) of every output channel.
static void *transform_filters(void *argument) {
    const filter_job *job = (const filter_job *)argument;
    const double (*g)[3] = winograd_g;
    const int cin_p = sid_padded(job->in_channels), cout_p = sid_panels(job->out_channels) * 32;
    // Output channels innermost: each of the 36 transformed planes is then written 32 floats at a time.
    for (int c = job->first_c; c < job->end_c; c++) {
        for (int o = 0; o < job->out_channels; o++) {
            const float *f = job->weights + ((size_t)o * job->in_channels + c) * 9;
            // G g first, then (G g) G^T: 162 multiplications instead of 648.
            double rows[6][3];
            for (int i = 0; i < 6; i++) {
                for (int b = 0; b < 3; b++) rows[i][b] = g[i][0] * f[b] + g[i][1] * f[3 + b] + g[i][2] * f[6 + b];
            }
            for (int i = 0; i < 6; i++) {
                for (int j = 0; j < 6; j++) {
                    const double sum = rows[i][0] * g[j][0] + rows[i][1] * g[j][1] + rows[i][2] * g[j][2];
                    const size_t plane = (size_t)(i * 6 + j) * cin_p * cout_p;
                    job->filters[plane + ((size_t)(o / 32) * cin_p + c) * 32 + o % 32] = (float)sum;
                }
            }
        }
    }
    return NULL;
}

void sid_winograd_filters(const float *weights, int in_channels, int out_channels, float *filters) {
    memset(filters, 0, sid_winograd_filter_floats(in_channels, out_channels) * sizeof(float));
    // Scalar double arithmetic over 7.8 M weights is most of a model's load time: spread it over the cores.
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = cores < 1 ? 1 : (cores > 8 ? 8 : (int)cores);
    if (threads > in_channels) threads = in_channels;
    filter_job jobs[8];
    pthread_t ids[8];
    int started[8] = {0};
    for (int t = 0; t < threads; t++) {
        jobs[t] = (filter_job){weights, in_channels, out_channels, in_channels * t / threads,
                               in_channels * (t + 1) / threads, filters};
        if (t > 0) started[t] = pthread_create(&ids[t], NULL, transform_filters, &jobs[t]) == 0;
    }
    transform_filters(&jobs[0]);
    for (int t = 1; t < threads; t++) {
        if (started[t]) pthread_join(ids[t], NULL);
        else transform_filters(&jobs[t]);  // no thread to be had: do its share here
    }
}
