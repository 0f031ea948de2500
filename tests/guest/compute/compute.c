/*
 * tests/guest/compute/compute.c - checksums, sorting and floating-point math in
 * plain C, freestanding (no libc). Results are printed as integers or as the
 * bit patterns of doubles so that host and guest output compare exactly.
 */
#include "compute.h"

#include <stddef.h>

#define N_SORT 2048

static uint8_t buf[8192];
static uint32_t arr[N_SORT];
static int64_t sarr[N_SORT];

static uint64_t rng_state;

static uint64_t rng(void)
{
	/* xorshift64*: deterministic on both sides */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static uint32_t crc32_bitwise(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

static uint32_t adler32(const uint8_t *p, size_t n)
{
	uint32_t a = 1, b = 0;

	for (size_t i = 0; i < n; i++) {
		a = (a + p[i]) % 65521;
		b = (b + a) % 65521;
	}
	return (b << 16) | a;
}

static uint64_t fnv1a64(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static void checksums(void)
{
	rng_state = 0x123456789abcdefull;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rng();
	compute_emit("crc32", crc32_bitwise(buf, sizeof(buf)));
	compute_emit("adler32", adler32(buf, sizeof(buf)));
	compute_emit("fnv1a64", fnv1a64(buf, sizeof(buf)));
	compute_emit("crc32_check", crc32_bitwise((const uint8_t *)"123456789", 9)); /* CBF43926 */
}

static void sift_down(uint32_t *a, size_t start, size_t end)
{
	size_t root = start;

	while (2 * root + 1 <= end) {
		size_t child = 2 * root + 1, swap = root;

		if (a[swap] < a[child])
			swap = child;
		if (child + 1 <= end && a[swap] < a[child + 1])
			swap = child + 1;
		if (swap == root)
			return;
		uint32_t t = a[root];
		a[root] = a[swap];
		a[swap] = t;
		root = swap;
	}
}

static void heap_sort(uint32_t *a, size_t n)
{
	for (size_t start = n / 2; start-- > 0;)
		sift_down(a, start, n - 1);
	for (size_t end = n - 1; end > 0; end--) {
		uint32_t t = a[0];
		a[0] = a[end];
		a[end] = t;
		sift_down(a, 0, end - 1);
	}
}

static void quick_sort(int64_t *a, long lo, long hi)
{
	while (lo < hi) {
		int64_t pivot = a[lo + (hi - lo) / 2];
		long i = lo, j = hi;

		while (i <= j) {
			while (a[i] < pivot)
				i++;
			while (a[j] > pivot)
				j--;
			if (i <= j) {
				int64_t t = a[i];
				a[i++] = a[j];
				a[j--] = t;
			}
		}
		if (j - lo < hi - i) {
			quick_sort(a, lo, j);
			lo = i;
		} else {
			quick_sort(a, i, hi);
			hi = j;
		}
	}
}

static void sorting(void)
{
	uint64_t h = 0, inversions = 0;

	rng_state = 42;
	for (size_t i = 0; i < N_SORT; i++) {
		arr[i] = (uint32_t)rng();
		sarr[i] = (int64_t)rng() >> (i % 40);
	}
	heap_sort(arr, N_SORT);
	quick_sort(sarr, 0, N_SORT - 1);
	for (size_t i = 0; i < N_SORT; i++) {
		h = h * 31 + arr[i] + (uint64_t)sarr[i];
		if (i && (arr[i - 1] > arr[i] || sarr[i - 1] > sarr[i]))
			inversions++;
	}
	compute_emit("sort_hash", h);
	compute_emit("sort_inversions", inversions);
	compute_emit("sort_min", arr[0]);
	compute_emit("sort_max", (uint64_t)sarr[N_SORT - 1]);
}

static unsigned popcount64(uint64_t x)
{
	unsigned n = 0;

	for (; x; x &= x - 1)
		n++;
	return n;
}

static void integer_math(void)
{
	uint64_t acc = 0;
	int64_t sacc = 0;

	rng_state = 7;
	for (int i = 0; i < 1000; i++) {
		uint64_t a = rng(), b = rng() | 1;
		int64_t sa = (int64_t)rng(), sb = (int64_t)(rng() >> (i % 63)) | 1;
		unsigned __int128 wide = (unsigned __int128)a * b;

		acc += a / b + a % b + (uint64_t)(wide >> 64) + popcount64(a) +
		       (uint64_t)__builtin_clzll(b) + (uint64_t)__builtin_ctzll(b);
		sacc += sa / sb + sa % sb + (sa >> (i & 63)) + (int64_t)((uint32_t)sa >> (i & 31));
		acc = (acc << 7) | (acc >> 57);
	}
	compute_emit("int_acc", acc);
	compute_emit("int_sacc", (uint64_t)sacc);
}

static uint64_t bits(double d)
{
	union { double d; uint64_t u; } v = { .d = d };
	return v.u;
}

static uint64_t fbits(float f)
{
	union { float f; uint32_t u; } v = { .f = f };
	return v.u;
}

/* exp and sin by their series, sqrt by the hardware instruction. */
static double my_exp(double x)
{
	double term = 1, sum = 1;

	for (int n = 1; n < 30; n++) {
		term *= x / n;
		sum += term;
	}
	return sum;
}

static double my_sin(double x)
{
	double term = x, sum = x;

	for (int n = 1; n < 15; n++) {
		term *= -x * x / ((2 * n) * (2 * n + 1));
		sum += term;
	}
	return sum;
}

static void float_math(void)
{
	double zeta2 = 0, leibniz = 0, prod = 1;
	float fsum = 0;
	volatile double zero = 0;

	for (int k = 1; k <= 10000; k++) {
		zeta2 += 1.0 / ((double)k * k);
		leibniz += (k & 1 ? 4.0 : -4.0) / (2 * k - 1);
		fsum += 1.0f / (float)k;
	}
	for (int k = 1; k < 50; k++)
		prod *= 1.0 + 1.0 / (k * 3.0);
	compute_emit("fp_zeta2", bits(zeta2));
	compute_emit("fp_leibniz", bits(leibniz));
	compute_emit("fp_harmonic_float", fbits(fsum));
	compute_emit("fp_product", bits(prod));
	compute_emit("fp_sqrt2", bits(__builtin_sqrt(2.0)));
	compute_emit("fp_sqrtf3", fbits(__builtin_sqrtf(3.0f)));
	compute_emit("fp_exp1", bits(my_exp(1.0)));
	compute_emit("fp_sin1", bits(my_sin(1.0)));
	compute_emit("fp_int_conv", (uint64_t)(int64_t)(zeta2 * 1e15));
	compute_emit("fp_uint_conv", (uint64_t)(1e19 + leibniz));
	compute_emit("fp_float_to_double", bits((double)(float)leibniz));
	compute_emit("fp_inf", bits(1.0 / zero));
	compute_emit("fp_nan_cmp", (zero / zero) == (zero / zero));
	compute_emit("fp_denormal", bits(2.2250738585072014e-308 / 3.0));
}

void compute_all(void)
{
	checksums();
	sorting();
	integer_math();
	float_math();
}
