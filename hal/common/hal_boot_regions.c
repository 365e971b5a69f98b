/*
 * hal_boot_regions.c - phase 0's choice of each cluster's kernel region (hal_boot.h), the same on
 * every architecture: the image (cluster 0's as loaded, a replica elsewhere) followed by the
 * cluster's kernel page table, in the cluster's own memory and clear of every reserved range, and
 * then reserved itself so that the cluster's PPM never hands it out.
 */
#include <arch/kmem.h>
#include <hal_boot.h>
#include <kern/printk.h>
#include <libk/bits.h>
#include <params.h>

extern char _kimage_start[], _ebss[], _kimage_end[];

#define REGION_ALIGN (1UL << 21) /* a replica's place: 2 MiB, as the image window's large pages */

/* Whether [@base, @base + @size) overlaps a reserved range; *@end_of_hit is then that range's end. */
static bool overlaps_reserved(paddr_t base, paddr_t size, paddr_t *end_of_hit)
{
	for (uint32_t i = 0; i < boot_info.rsvd_nr; i++) {
		const boot_rsvd_t *r = &boot_info.rsvd[i];
		if (base < r->base + r->size && r->base < base + size) {
			*end_of_hit = r->base + r->size;
			return true;
		}
	}
	return false;
}

static void add_reserved(paddr_t base, paddr_t size)
{
	if (boot_info.rsvd_nr == CONFIG_MAX_RSVD_RANGES)
		panic("%s: more than CONFIG_MAX_RSVD_RANGES (%d) reserved ranges", __func__,
		      CONFIG_MAX_RSVD_RANGES);
	boot_info.rsvd[boot_info.rsvd_nr++] = (boot_rsvd_t){ base, size };
}

void hal_boot_set_image_pa(cxy_t cxy, paddr_t pa)
{
	boot_info.cluster[cxy].image_pa = pa;
	boot_info.image_offset[cxy] = KMEM_DMAP_BASE + pa - KMEM_KIMAGE_VBASE;
}

void hal_boot_place_kernel_regions(paddr_t load_pa, size_t pt_bytes)
{
	for (cxy_t c = 0; c < boot_info.clusters_nr; c++) {
		boot_cluster_t *cl = &boot_info.cluster[c];
		paddr_t mem_end = cl->mem_base + cl->mem_size;
		paddr_t image_pa, image_bytes, hit;

		if (c == 0) {
			image_pa = load_pa;
			image_bytes = (paddr_t)(_kimage_end - _kimage_start);
			if (load_pa < cl->mem_base || load_pa >= mem_end)
				panic("%s: kernel loaded at %lx, outside cluster 0's memory [%lx, %lx)",
				      __func__, load_pa, cl->mem_base, mem_end);
			if (overlaps_reserved(image_pa, image_bytes + pt_bytes, &hit))
				panic("%s: cluster 0's kernel region [%lx, %lx) overlaps a reserved range",
				      __func__, image_pa, image_pa + image_bytes + pt_bytes);
		} else {
			image_bytes = (paddr_t)(_ebss - _kimage_start); /* the replica */
			image_pa = ALIGN_UP(cl->mem_base, REGION_ALIGN);
			while (overlaps_reserved(image_pa, image_bytes + pt_bytes, &hit))
				image_pa = ALIGN_UP(hit, REGION_ALIGN);
		}
		if (image_pa + image_bytes + pt_bytes > mem_end)
			panic("%s: no room for the kernel in cluster %u's memory [%lx, %lx)", __func__, c,
			      cl->mem_base, mem_end);
		hal_boot_set_image_pa(c, image_pa);
		cl->pt_root_pa = ALIGN_UP(image_pa + image_bytes, CONFIG_PAGE_SIZE);
		cl->kernel_end_pa = cl->pt_root_pa + pt_bytes;
		add_reserved(image_pa, cl->kernel_end_pa - image_pa);
	}
}
