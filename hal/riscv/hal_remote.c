/*
 * hal_remote.c - remote accesses on RISC-V (see hal_remote.h).
 *
 * Every cluster's memory is reachable through the direct map, so a remote access is an ordinary
 * load or store once the address is translated: a pointer into the image window names the target
 * cluster's replica, found from boot_info. Debug builds count accesses to other clusters.
 */
#include <hal_boot.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/printk.h>
#include <libk/string.h>

#include "mmu.h"
#include "hal_cpu.h"

#ifdef CONFIG_DEBUG
static uint64_t remote_accesses; /* accesses from this cluster to others (racy, statistics only) */
#define COUNT(cxy)                                                                                  \
	do {                                                                                        \
		if ((cxy) != local_cxy)                                                             \
			__atomic_fetch_add(&remote_accesses, 1, __ATOMIC_RELAXED);                  \
	} while (0)
#else
#define COUNT(cxy) ((void)0)
#endif

/* The kernel virtual address that reaches @xp from this cluster. */
static inline void *xp_addr(xptr_t xp)
{
	uintptr_t va = (uintptr_t)GET_PTR(xp);
	cxy_t cxy = GET_CXY(xp);

	COUNT(cxy);
	if (va - KIMAGE_VBASE >= CONFIG_KIMAGE_MAX_SIZE || cxy == local_cxy)
		return (void *)va;
	kassert(cxy < CONFIG_MAX_CLUSTERS && boot_info.cluster[cxy].image_pa != 0);
	return (void *)(DMAP_BASE + boot_info.cluster[cxy].image_pa + (va - KIMAGE_VBASE));
}

void *riscv_xptr_to_kva(xptr_t xp)
{
	return xp_addr(xp);
}

uint8_t hal_remote_lb(xptr_t xp) { return *(volatile uint8_t *)xp_addr(xp); }
uint32_t hal_remote_l32(xptr_t xp) { return *(volatile uint32_t *)xp_addr(xp); }
uint64_t hal_remote_l64(xptr_t xp) { return *(volatile uint64_t *)xp_addr(xp); }
void *hal_remote_lpt(xptr_t xp) { return *(void *volatile *)xp_addr(xp); }
xptr_t hal_remote_lxp(xptr_t xp) { return *(volatile xptr_t *)xp_addr(xp); }

void hal_remote_sb(xptr_t xp, uint8_t v) { *(volatile uint8_t *)xp_addr(xp) = v; }
void hal_remote_s32(xptr_t xp, uint32_t v) { *(volatile uint32_t *)xp_addr(xp) = v; }
void hal_remote_s64(xptr_t xp, uint64_t v) { *(volatile uint64_t *)xp_addr(xp) = v; }
void hal_remote_spt(xptr_t xp, void *v) { *(void *volatile *)xp_addr(xp) = v; }
void hal_remote_sxp(xptr_t xp, xptr_t v) { *(volatile xptr_t *)xp_addr(xp) = v; }

bool hal_remote_atomic_cas32(xptr_t xp, uint32_t old, uint32_t new)
{
	return __atomic_compare_exchange_n((uint32_t *)xp_addr(xp), &old, new, false, __ATOMIC_SEQ_CST,
					   __ATOMIC_SEQ_CST);
}

bool hal_remote_atomic_cas64(xptr_t xp, uint64_t old, uint64_t new)
{
	return __atomic_compare_exchange_n((uint64_t *)xp_addr(xp), &old, new, false, __ATOMIC_SEQ_CST,
					   __ATOMIC_SEQ_CST);
}

uint32_t hal_remote_atomic_add32(xptr_t xp, int32_t inc)
{
	return __atomic_fetch_add((uint32_t *)xp_addr(xp), (uint32_t)inc, __ATOMIC_SEQ_CST);
}

uint64_t hal_remote_atomic_add64(xptr_t xp, int64_t inc)
{
	return __atomic_fetch_add((uint64_t *)xp_addr(xp), (uint64_t)inc, __ATOMIC_SEQ_CST);
}

uint32_t hal_remote_atomic_or32(xptr_t xp, uint32_t mask)
{
	return __atomic_fetch_or((uint32_t *)xp_addr(xp), mask, __ATOMIC_SEQ_CST);
}

uint32_t hal_remote_atomic_and32(xptr_t xp, uint32_t mask)
{
	return __atomic_fetch_and((uint32_t *)xp_addr(xp), mask, __ATOMIC_SEQ_CST);
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
