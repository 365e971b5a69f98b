/*
 * arch/remote.h - RISC-V's part of hal_remote.h: how an extended pointer becomes an address that
 * this cluster's cores can use (hal_remote.h says what this header must define).
 *
 * Every cluster's memory is reachable through the direct map, identical everywhere, so a pointer is
 * used as is, except one into the kernel image window when it names another cluster: that object
 * lives in the target cluster's replica of the image, found from boot_info. All inline (no call:
 * the callers, the locks first, keep their registers); debug builds go out of line for any other
 * cluster, to count the access and assert the cluster is online (hal_remote.c).
 */
#ifndef ARCH_REMOTE_H
#define ARCH_REMOTE_H

#include <hal_boot.h>
#include <hal_types.h>
#include <params.h>

/* The direct map and the image window (hal/riscv/mmu.h draws the whole layout). */
#define RISCV_DMAP_BASE    0xffffffc000000000UL
#define RISCV_KIMAGE_VBASE 0xffffffff80000000UL

#ifdef CONFIG_DEBUG
/* hal_remote.c: the translation of an access to another cluster, counted, the cluster asserted
 * online. */
void *riscv_remote_kva_debug(xptr_t xp);
#endif

/* Loads and stores are single-copy atomic by themselves (aligned); the callers order them with
 * fences and atomics. volatile: never merged, elided or hoisted out of a polling loop. */
#define HAL_REMOTE_LOAD(T, p)      (*(volatile T *)(p))
#define HAL_REMOTE_STORE(T, p, v)  (*(volatile T *)(p) = (v))

static inline void *hal_remote_kva(xptr_t xp)
{
	uintptr_t va = (uintptr_t)GET_PTR(xp);
	cxy_t cxy = GET_CXY(xp);

	if (__builtin_expect(cxy == local_cxy, 1))
		return (void *)va;
#ifdef CONFIG_DEBUG
	return riscv_remote_kva_debug(xp);
#else
	if (va - RISCV_KIMAGE_VBASE >= CONFIG_KIMAGE_MAX_SIZE)
		return (void *)va;
	return (void *)(RISCV_DMAP_BASE + boot_info.cluster[cxy].image_pa + (va - RISCV_KIMAGE_VBASE));
#endif
}

#endif /* ARCH_REMOTE_H */
