/*
 * hal_remote_replica.h - the translation of an extended pointer on a kernel whose image is
 * replicated in every cluster and whose physical memory is all in one direct map: the inline part of
 * hal_remote.h that every architecture of Archipel shares. An architecture's <arch/remote.h>
 * includes this header; the host tests' <arch/remote.h> has a translation of its own (one address
 * space).
 *
 * Every cluster's memory is reachable through the direct map, identical everywhere, so a pointer is
 * used as is, except one into the kernel image window when it names another cluster: that object
 * lives in the target cluster's replica of the image, at boot_info.cluster[cxy].image_pa. All inline
 * (no call: the callers, the locks first, keep their registers); debug builds go out of line for any
 * other cluster, to count the access and assert the cluster is online (hal/common/hal_remote.c).
 *
 * What the architecture provides, in <arch/kmem.h>: KMEM_DMAP_BASE (the direct map: physical
 * address pa is at KMEM_DMAP_BASE + pa) and KMEM_KIMAGE_VBASE (the image window, of
 * CONFIG_KIMAGE_MAX_SIZE bytes, where each cluster maps its own replica). Its loads and stores of
 * naturally aligned words must be single-copy atomic and its memory coherent (RISC-V, x86_64).
 */
#ifndef HAL_REMOTE_REPLICA_H
#define HAL_REMOTE_REPLICA_H

#include <arch/kmem.h>
#include <hal_boot.h>
#include <hal_types.h>
#include <params.h>

#ifdef CONFIG_DEBUG
/* hal/common/hal_remote.c: the translation of an access to another cluster, counted, the cluster
 * asserted online. */
void *hal_remote_kva_debug(xptr_t xp);
#endif

/* Loads and stores are single-copy atomic by themselves (aligned); the callers order them with
 * fences and atomics. volatile: never merged, elided or hoisted out of a polling loop. */
#define HAL_REMOTE_LOAD(T, p)      (*(volatile T *)(p))
#define HAL_REMOTE_STORE(T, p, v)  (*(volatile T *)(p) = (v))

/* The image window is CONFIG_KIMAGE_MAX_SIZE bytes at a multiple of its size: an address is in it
 * if its bits above the size are the window's (one arithmetic shift and a small constant where a
 * subtraction and a comparison took two large ones). */
#define KIMAGE_WINDOW_SHIFT (__builtin_ctzl(CONFIG_KIMAGE_MAX_SIZE))
_Static_assert((CONFIG_KIMAGE_MAX_SIZE & (CONFIG_KIMAGE_MAX_SIZE - 1)) == 0 &&
	       KMEM_KIMAGE_VBASE % CONFIG_KIMAGE_MAX_SIZE == 0, "the image window is aligned");

static inline bool hal_in_image_window(uintptr_t va)
{
	return (intptr_t)va >> KIMAGE_WINDOW_SHIFT ==
	       (intptr_t)KMEM_KIMAGE_VBASE >> KIMAGE_WINDOW_SHIFT;
}

static inline void *hal_remote_kva(xptr_t xp)
{
	uintptr_t va = (uintptr_t)GET_PTR(xp);
	cxy_t cxy = GET_CXY(xp);

	if (__builtin_expect(cxy == local_cxy, 1))
		return (void *)va;
#ifdef CONFIG_DEBUG
	return hal_remote_kva_debug(xp);
#else
	if (!hal_in_image_window(va))
		return (void *)va;
	return (void *)(va + boot_info.image_offset[cxy]);
#endif
}

#endif /* HAL_REMOTE_REPLICA_H */
