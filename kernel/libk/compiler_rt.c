/*
 * compiler_rt.c - the few support routines GCC may call from freestanding kernel code.
 *
 * The kernel is built soft-float (-mabi=lp64, no FP state to save on kernel entry) and Debian's
 * libgcc is hard-float, so the kernel cannot link libgcc; the bit-scan builtins of bits.h end up
 * here on cores without the Zbb extension.
 */
#include <stdint.h>

int __clzdi2(uint64_t x);
int __ctzdi2(uint64_t x);
int __clzsi2(uint32_t x);
int __ctzsi2(uint32_t x);
int __popcountdi2(uint64_t x);

/* Count leading zeros; like the builtins, undefined for 0 (returns the width here). */
int __clzdi2(uint64_t x)
{
	int n = 0;

	if (x == 0)
		return 64;
	for (int shift = 32; shift; shift >>= 1) {
		if ((x >> (64 - shift)) == 0) {
			n += shift;
			x <<= shift;
		}
	}
	return n;
}

int __ctzdi2(uint64_t x)
{
	int n = 0;

	if (x == 0)
		return 64;
	for (int shift = 32; shift; shift >>= 1) {
		if ((x & ((1ULL << shift) - 1)) == 0) {
			n += shift;
			x >>= shift;
		}
	}
	return n;
}

int __clzsi2(uint32_t x)
{
	return x ? __clzdi2(x) - 32 : 32;
}

int __ctzsi2(uint32_t x)
{
	return x ? __ctzdi2(x) : 32;
}

int __popcountdi2(uint64_t x)
{
	int n = 0;

	for (; x; x &= x - 1)
		n++;
	return n;
}
