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

/*
 * Bit scans in a handful of instructions, no loop: the lowest set bit alone (x & -x), times a de
 * Bruijn sequence, has a distinct top six bits for each of the 64 positions (a kcm allocation
 * scans its slab's bitmap with one; the loops these replace took ~50 instructions).
 */
#define DEBRUIJN64 0x03f79d71b4cb0a89ull

static const uint8_t debruijn_pos[64] = {
	0,  1,  48, 2,  57, 49, 28, 3,  61, 58, 50, 42, 38, 29, 17, 4,
	62, 55, 59, 36, 53, 51, 43, 22, 45, 39, 33, 30, 24, 18, 12, 5,
	63, 47, 56, 27, 60, 41, 37, 16, 54, 35, 52, 21, 44, 32, 23, 11,
	46, 26, 40, 15, 34, 20, 31, 10, 25, 14, 19, 9,  13, 8,  7,  6,
};

/* The position of the single set bit of @bit. */
static int bit_pos(uint64_t bit)
{
	return debruijn_pos[(bit * DEBRUIJN64) >> 58];
}

/* Count leading zeros; like the builtins, undefined for 0 (returns the width here). */
int __clzdi2(uint64_t x)
{
	if (x == 0)
		return 64;
	/* every bit below the highest set one set too: then the highest alone is (x >> 1) + 1 */
	x |= x >> 1;
	x |= x >> 2;
	x |= x >> 4;
	x |= x >> 8;
	x |= x >> 16;
	x |= x >> 32;
	return 63 - bit_pos((x >> 1) + 1);
}

int __ctzdi2(uint64_t x)
{
	if (x == 0)
		return 64;
	return bit_pos(x & -x);
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
