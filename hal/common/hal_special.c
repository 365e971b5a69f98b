/*
 * hal_special.c - what hal_special.h asks that every architecture does alike: time from the
 * cycle counter, the conversions of the direct map and the image window, the kernel's ranges. The
 * architecture's part: its layout (<arch/kmem.h>), its cycle counter and its device ranges
 * (hal_kernel_dev_ranges); the rest of hal_special.h is hal/<arch>/hal_special.c's.
 */
#include <hal_boot.h>
#include <hal_special.h>
#include <kern/printk.h>
#include <arch/kmem.h>

uint64_t hal_get_time_ns(void)
{
	uint64_t hz = boot_info.timebase_hz;
	uint64_t t = hal_get_cycles();

	if (hz == 0)
		return 0;
	/* Split so that no product overflows: t * 1e9 alone would after ~30 minutes at 10 MHz, ~6 s at
	 * 3 GHz. */
	return (t / hz) * 1000000000ULL + ((t % hz) * 1000000000ULL) / hz;
}

_Noreturn void hal_paddr_bad(paddr_t pa)
{
	panic("hal_paddr_to_kva: %llx is outside the direct map", (unsigned long long)pa);
}

paddr_t hal_kva_to_paddr(const void *kva)
{
	uintptr_t va = (uintptr_t)kva;

	if (va - KMEM_KIMAGE_VBASE < CONFIG_KIMAGE_MAX_SIZE)
		return boot_info.cluster[local_cxy].image_pa + (va - KMEM_KIMAGE_VBASE);
	if (va - KMEM_DMAP_BASE < KMEM_DMAP_SIZE)
		return va - KMEM_DMAP_BASE;
	panic("%s: %p is neither in the direct map nor in the image window", __func__, kva);
}

bool hal_is_image_addr(const void *kva)
{
	return (uintptr_t)kva - KMEM_KIMAGE_VBASE < CONFIG_KIMAGE_MAX_SIZE;
}

extern char _kimage_start[], _etext[], _ebss[];

typedef struct krange_list_s {
	hal_krange_t *out;
	uint32_t      max, n;
} krange_list_t;

/* Append [min, max) (rounded out to pages) to @l if there is room. */
static void add_range(krange_list_t *l, hal_krange_kind_t kind, uintptr_t min, uintptr_t end)
{
	if (l->n >= l->max || end <= min)
		return;
	l->out[l->n].kind = kind;
	l->out[l->n].min = min & ~(uintptr_t)(CONFIG_PAGE_SIZE - 1);
	l->out[l->n].max = (end + CONFIG_PAGE_SIZE - 1) & ~(uintptr_t)(CONFIG_PAGE_SIZE - 1);
	l->n++;
}

static void add_dev_range(void *list, paddr_t pa, size_t size)
{
	add_range(list, HAL_KRANGE_DEV, KMEM_DMAP_BASE + pa, KMEM_DMAP_BASE + pa + size);
}

uint32_t hal_kernel_ranges(hal_krange_t *out, uint32_t max)
{
	const boot_cluster_t *bc = &boot_info.cluster[local_cxy];
	uintptr_t stacks = KMEM_KSTACK_BASE + ((uintptr_t)local_cxy << KMEM_KSTACK_AREA_SHIFT);
	krange_list_t l = { .out = out, .max = max, .n = 0 };

	add_range(&l, HAL_KRANGE_CODE, (uintptr_t)_kimage_start, (uintptr_t)_etext);
	add_range(&l, HAL_KRANGE_DATA, (uintptr_t)_etext, (uintptr_t)_ebss);
	add_range(&l, HAL_KRANGE_DATA, stacks, stacks + (1UL << KMEM_KSTACK_AREA_SHIFT));
	add_range(&l, HAL_KRANGE_DATA, KMEM_DMAP_BASE + bc->mem_base,
		  KMEM_DMAP_BASE + bc->mem_base + bc->mem_size);
	hal_kernel_dev_ranges(add_dev_range, &l);
	return l.n;
}
