/*
 * hal_remote.c - remote accesses on x86_64 (see hal_remote.h).
 *
 * Every cluster's memory is reachable through the direct map, so a remote access is an ordinary
 * load or store once the address is translated: a pointer into the image window names the target
 * cluster's replica, found from boot_info. x86 is cache-coherent and its loads and stores of
 * naturally aligned words are single-copy atomic; the atomics are lock-prefixed instructions
 * (gcc's __atomic builtins: lock cmpxchg, lock xadd, ...), full fences as hal_remote.h requires.
 * Debug builds count accesses to other clusters. The loads, stores and atomics are inline
 * (hal_remote.h, arch/remote.h); what is here is out of line.
 */
#include <hal_boot.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/printk.h>
#include <libk/string.h>

#include "hal_cpu.h"
#include "mmu.h"

_Static_assert(X86_KIMAGE_VBASE == KIMAGE_VBASE && X86_DMAP_BASE == DMAP_BASE,
	       "arch/remote.h and mmu.h agree");

#ifdef CONFIG_DEBUG
static uint64_t remote_accesses; /* accesses from this cluster to others (racy, statistics only) */

void *x86_remote_kva_debug(xptr_t xp)
{
	uintptr_t va = (uintptr_t)GET_PTR(xp);
	cxy_t cxy = GET_CXY(xp);

	__atomic_fetch_add(&remote_accesses, 1, __ATOMIC_RELAXED);
	if (va - KIMAGE_VBASE >= CONFIG_KIMAGE_MAX_SIZE)
		return (void *)va;
	kassert(cxy < CONFIG_MAX_CLUSTERS && boot_info.cluster[cxy].image_pa != 0);
	return (void *)(DMAP_BASE + boot_info.cluster[cxy].image_pa + (va - KIMAGE_VBASE));
}
#endif

/* The kernel virtual address that reaches @xp from this cluster. */
static inline void *xp_addr(xptr_t xp)
{
	return hal_remote_kva(xp);
}

void *x86_xptr_to_kva(xptr_t xp)
{
	return xp_addr(xp);
}

void hal_remote_memcpy(xptr_t dst, xptr_t src, size_t size)
{
	/* A replica is contiguous in physical memory, so one translation covers the whole range. */
	memcpy(xp_addr(dst), xp_addr(src), size);
}

void hal_remote_memset(xptr_t dst, int byte, size_t size)
{
	memset(xp_addr(dst), byte, size);
}

size_t hal_remote_strcpy(xptr_t dst, xptr_t src, size_t size)
{
	char *d = xp_addr(dst);
	const char *s = xp_addr(src);
	size_t n = 0;

	if (size == 0)
		return 0;
	while (n + 1 < size && s[n]) {
		d[n] = s[n];
		n++;
	}
	d[n] = 0;
	return n;
}

size_t hal_remote_find64(xptr_t xp, size_t n, uint64_t mask)
{
	/* One translation for the whole run, as for memcpy: a replica is contiguous. */
	const volatile uint64_t *w = xp_addr(xp);
	size_t i = 0;

	/* Four words per test: page tables are mostly runs of empty entries. */
	for (; i + 4 <= n; i += 4)
		if ((w[i] | w[i + 1] | w[i + 2] | w[i + 3]) & mask)
			break;
	for (; i < n; i++)
		if (w[i] & mask)
			break;
	return i;
}

uint64_t hal_remote_count(void)
{
#ifdef CONFIG_DEBUG
	return __atomic_load_n(&remote_accesses, __ATOMIC_RELAXED);
#else
	return 0;
#endif
}
