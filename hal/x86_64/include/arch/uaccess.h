/*
 * arch/uaccess.h - x86_64's part of the user copies (hal_uspace.h says what this header must
 * provide): where the CPU has SMAP, the kernel may touch user pages only with RFLAGS.AC set, which
 * stac / clac do around each copy. User space is the lower canonical half, below GPT_USER_VA_END:
 * an address past it never reaches a copy (the range checks of hal/common/uspace.c), so no copy
 * makes a non-canonical access.
 */
#ifndef ARCH_UACCESS_H
#define ARCH_UACCESS_H

#include <hal_types.h>

extern uint8_t x86_smap; /* 1 if SMAP is on (hal/x86_64/cpu.c) */

static inline void hal_uaccess_begin(void)
{
	if (x86_smap)
		__asm__ volatile("stac" ::: "memory");
}

static inline void hal_uaccess_end(void)
{
	if (x86_smap)
		__asm__ volatile("clac" ::: "memory");
}

#endif /* ARCH_UACCESS_H */
