/*
 * bits.h - small arithmetic helpers shared by every layer.
 */
#ifndef LIBK_BITS_H
#define LIBK_BITS_H

#include <stdint.h>

#define ARRAY_SIZE(a)        (sizeof(a) / sizeof((a)[0]))
#define IS_POW2(x)           ((x) != 0 && (((x) & ((x) - 1)) == 0))
/* Alignment helpers; @a must be a power of two. */
#define ALIGN_DOWN(x, a)     ((x) & ~((__typeof__(x))(a) - 1))
#define ALIGN_UP(x, a)       ALIGN_DOWN((x) + ((__typeof__(x))(a) - 1), (a))
#define IS_ALIGNED(x, a)     (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define MIN(a, b)            ((a) < (b) ? (a) : (b))
#define MAX(a, b)            ((a) > (b) ? (a) : (b))
#define DIV_ROUND_UP(n, d)   (((n) + (d) - 1) / (d))

/* Pointer to the structure containing @ptr, a pointer to its field @member. */
#define container_of(ptr, type, member) ((type *)((char *)(ptr) - __builtin_offsetof(type, member)))

/* log2 of a power of two; floor of log2 otherwise. @x must be non-zero. */
static inline unsigned ilog2_u64(uint64_t x)
{
	return 63u - (unsigned)__builtin_clzll(x);
}

#endif /* LIBK_BITS_H */
