/*
 * test_compiler_rt.c - the kernel's bit-scan routines against the host compiler's builtins.
 */
#include <stdint.h>
#include <stdlib.h>

#include "htest.h"

int __clzdi2(uint64_t x);
int __ctzdi2(uint64_t x);
int __clzsi2(uint32_t x);
int __ctzsi2(uint32_t x);
int __popcountdi2(uint64_t x);

HT_TEST(every_single_bit)
{
	for (int b = 0; b < 64; b++) {
		uint64_t x = 1ULL << b;
		HT_CHECK(__clzdi2(x) == 63 - b);
		HT_CHECK(__ctzdi2(x) == b);
		HT_CHECK(__popcountdi2(x) == 1);
		if (b < 32) {
			HT_CHECK(__clzsi2((uint32_t)x) == 31 - b);
			HT_CHECK(__ctzsi2((uint32_t)x) == b);
		}
	}
}

HT_TEST(random_values_match_builtins)
{
	srand(42);
	for (int i = 0; i < 100000; i++) {
		uint64_t x = ((uint64_t)rand() << 33) ^ ((uint64_t)rand() << 7) ^ (uint64_t)rand();
		x >>= rand() % 64;
		if (x == 0)
			continue;
		HT_CHECK(__clzdi2(x) == __builtin_clzll(x));
		HT_CHECK(__ctzdi2(x) == __builtin_ctzll(x));
		HT_CHECK(__popcountdi2(x) == __builtin_popcountll(x));
	}
}

HT_TEST(zero_gives_the_width)
{
	HT_CHECK(__clzdi2(0) == 64 && __ctzdi2(0) == 64 && __clzsi2(0) == 32 && __ctzsi2(0) == 32);
	HT_CHECK(__popcountdi2(0) == 0);
}
