/*
 * Memory-bandwidth floor for the live-factor search scan (bench/search.ts compiles and runs this with
 * `cc -O3 -march=native`). Same workload as the JS scan: every stored row (base block of N rows, expert
 * block of E rows, float32 × dim) dotted with the two query vectors (a, u) of a text query, reading each
 * row once. Prints JSON: {"items","dim","experts","p50_ms","p95_ms","gbps"}.
 * usage: scan ITEMS DIM EXPERTS RUNS
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* Explicit 8-lane SIMD (GCC vector extensions → AVX with -march=native), two accumulators per query. */
typedef float v8 __attribute__((vector_size(32)));

static float hsum(v8 x) {
  float s = 0.f;
  for (int i = 0; i < 8; i++) s += x[i];
  return s;
}

static void dot2(const float *restrict rows, long n, int dim, const float *restrict a, const float *restrict u, float *restrict out) {
  for (long r = 0; r < n; r++) {
    const float *v = rows + r * (long)dim;
    v8 sa0 = {0}, sa1 = {0}, su0 = {0}, su1 = {0};
    int i = 0;
    for (; i + 16 <= dim; i += 16) {
      v8 x0, x1, a0, a1, u0, u1;
      memcpy(&x0, v + i, 32); memcpy(&x1, v + i + 8, 32);
      memcpy(&a0, a + i, 32); memcpy(&a1, a + i + 8, 32);
      memcpy(&u0, u + i, 32); memcpy(&u1, u + i + 8, 32);
      sa0 += x0 * a0; sa1 += x1 * a1;
      su0 += x0 * u0; su1 += x1 * u1;
    }
    float sa = hsum(sa0 + sa1), su = hsum(su0 + su1);
    for (; i < dim; i++) { sa += v[i] * a[i]; su += v[i] * u[i]; }
    out[2 * r] = sa;
    out[2 * r + 1] = su;
  }
}

static int cmp(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return a < b ? -1 : a > b;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 100000;
  int dim = argc > 2 ? atoi(argv[2]) : 1024;
  long e = argc > 3 ? atol(argv[3]) : n / 2;
  int runs = argc > 4 ? atoi(argv[4]) : 30;
  float *base = aligned_alloc(64, ((n * dim * sizeof(float)) + 63) / 64 * 64);
  float *expert = aligned_alloc(64, ((e * dim * sizeof(float)) + 63) / 64 * 64 + 64);
  float *a = aligned_alloc(64, dim * sizeof(float));
  float *u = aligned_alloc(64, dim * sizeof(float));
  float *out = malloc(2 * (n + e) * sizeof(float));
  double *t = malloc(runs * sizeof(double));
  if (!base || !expert || !a || !u || !out || !t) { fprintf(stderr, "out of memory\n"); return 1; }
  unsigned s = 12345;
  for (long i = 0; i < n * dim; i++) { s = s * 1103515245u + 12345u; base[i] = ((s >> 9) & 0xffff) / 65536.f - 0.5f; }
  for (long i = 0; i < e * dim; i++) { s = s * 1103515245u + 12345u; expert[i] = ((s >> 9) & 0xffff) / 65536.f - 0.5f; }
  for (int i = 0; i < dim; i++) { a[i] = (i % 7) / 7.f; u[i] = (i % 5) / 5.f; }
  double check = 0;
  for (int k = 0; k < runs + 2; k++) {
    double t0 = now_ms();
    dot2(base, n, dim, a, u, out);
    dot2(expert, e, dim, a, u, out + 2 * n);
    double dt = now_ms() - t0;
    if (k >= 2) t[k - 2] = dt;
    check += out[k % n];
  }
  qsort(t, runs, sizeof(double), cmp);
  double p50 = t[runs / 2], p95 = t[(int)(runs * 0.95) < runs ? (int)(runs * 0.95) : runs - 1];
  double bytes = (double)(n + e) * dim * 4;
  printf("{\"items\":%ld,\"dim\":%d,\"experts\":%ld,\"p50_ms\":%.3f,\"p95_ms\":%.3f,\"gbps\":%.2f,\"check\":%.3g}\n", n, dim, e, p50, p95,
         bytes / (p50 / 1e3) / 1e9, check);
  return 0;
}
