/*
 * arch/remote.h - RISC-V's part of hal_remote.h: how an extended pointer becomes an address that
 * this cluster's cores can use (hal_remote.h says what this header must define).
 *
 * Every cluster's memory is reachable through the direct map, identical everywhere, so a pointer is
 * used as is, except one into the kernel image window when it names another cluster: that object
 * lives in the target cluster's replica of the image, found from boot_info (out of line, in
 * hal_remote.c). The local case, by far the most frequent, is a few inline instructions.
 */
#ifndef ARCH_REMOTE_H
#define ARCH_REMOTE_H

#include <hal_types.h>
#include <params.h>

/* Start of the kernel image window (hal/riscv/mmu.h draws the whole layout). */
#define RISCV_KIMAGE_VBASE 0xffffffff80000000UL

/* hal_remote.c: the address of the object @xp (in the image window) in another cluster's replica;
 * asserts in debug builds that the cluster is online. */
void *riscv_remote_image_kva(xptr_t xp);

#ifdef CONFIG_DEBUG
/* hal_remote.c: count one access of this cluster to another one. */
void riscv_remote_count(void);
#endif

/* Loads are single-copy atomic by themselves; the callers order them with fences and atomics. */
#define HAL_REMOTE_LOAD_ORDER  __ATOMIC_RELAXED
#define HAL_REMOTE_STORE_ORDER __ATOMIC_RELAXED

static inline void *hal_remote_kva(xptr_t xp)
{
	uintptr_t va = (uintptr_t)GET_PTR(xp);
	cxy_t cxy = GET_CXY(xp);

	if (__builtin_expect(cxy == local_cxy, 1))
		return (void *)va;
#ifdef CONFIG_DEBUG
	riscv_remote_count();
#endif
	if (va - RISCV_KIMAGE_VBASE >= CONFIG_KIMAGE_MAX_SIZE)
		return (void *)va;
	return riscv_remote_image_kva(xp);
}

#endif /* ARCH_REMOTE_H */
