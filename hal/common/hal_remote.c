/*
 * hal_remote.c - remote accesses, one implementation for every architecture (see hal_remote.h and
 * hal_remote_replica.h).
 *
 * Every cluster's memory is reachable through the direct map, so a remote access is an ordinary
 * load or store once the address is translated: a pointer into the image window names the target
 * cluster's replica, found from boot_info. Debug builds count accesses to other clusters. The
 * loads, stores and atomics are inline (hal_remote.h, hal_remote_replica.h); what is here is out of
 * line. The architecture's part is its layout (<arch/kmem.h>).
 */
#include <hal_boot.h>
#include <hal_pageops.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/printk.h>
#include <libk/string.h>

#ifdef CONFIG_DEBUG
static uint64_t remote_accesses; /* accesses from this cluster to others (racy, statistics only) */

void *hal_remote_kva_debug(xptr_t xp)
{
	uintptr_t va = (uintptr_t)GET_PTR(xp);
	cxy_t cxy = GET_CXY(xp);

	__atomic_fetch_add(&remote_accesses, 1, __ATOMIC_RELAXED);
	if (!hal_in_image_window(va))
		return (void *)va;
	kassert(cxy < CONFIG_MAX_CLUSTERS && boot_info.cluster[cxy].image_pa != 0 &&
		boot_info.image_offset[cxy] == KMEM_DMAP_BASE + boot_info.cluster[cxy].image_pa -
					       KMEM_KIMAGE_VBASE);
	return (void *)(va + boot_info.image_offset[cxy]);
}
#endif

/* Whole pages (aligned, a multiple of the page size) go to the architecture's widest stores. */
static inline bool whole_pages(uintptr_t addresses, size_t size)
{
	return size != 0 && ((addresses | size) & (CONFIG_PAGE_SIZE - 1)) == 0;
}

void hal_remote_memcpy(xptr_t dst, xptr_t src, size_t size)
{
	/* A replica is contiguous in physical memory, so one translation covers the whole range. */
	void *d = hal_remote_kva(dst);
	const void *s = hal_remote_kva(src);

	if (whole_pages((uintptr_t)d | (uintptr_t)s, size))
		hal_pages_copy(d, s, size);
	else
		memcpy(d, s, size);
}

void hal_remote_memset(xptr_t dst, int byte, size_t size)
{
	void *d = hal_remote_kva(dst);

	if (whole_pages((uintptr_t)d, size))
		hal_pages_set(d, byte, size);
	else
		memset(d, byte, size);
}

size_t hal_remote_strcpy(xptr_t dst, xptr_t src, size_t size)
{
	char *d = hal_remote_kva(dst);
	const char *s = hal_remote_kva(src);
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
	const volatile uint64_t *w = hal_remote_kva(xp);
	size_t i = 0;

	/* Eight words per test, then four: page tables are mostly runs of empty entries. */
	for (; i + 8 <= n; i += 8)
		if ((w[i] | w[i + 1] | w[i + 2] | w[i + 3] | w[i + 4] | w[i + 5] | w[i + 6] |
		     w[i + 7]) & mask)
			break;
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
