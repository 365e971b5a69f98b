/*
 * kpt.c - phase 0's kernel regions, image replicas and kernel page tables on x86_64 (boot.h).
 *
 * Each cluster c gets a kernel region [image_pa, kernel_end_pa) in its own memory: its replica of
 * the image, then its kernel page table (mmu.h lists the pages). The table maps, with the same
 * entries in every cluster but the image window's:
 *   - the direct map of [0, top), top the end of the highest memory (at least 4 GiB, so that the
 *     local APIC, the IOAPIC and the rest of the PCI hole are in it): 2 MiB pages below 4 GiB,
 *     above it 1 GiB pages where CPUID says pdpe1gb, else 2 MiB ones. Read/write, global, never
 *     executable (NX); a 2 MiB page below 4 GiB without any RAM is a device page: uncached
 *     (PCD | PWT, UC with the default PAT);
 *   - the stack area: the PDPT's entry i points at cluster i's stack page directory;
 *   - the image window onto the cluster's replica, 4 KiB pages: text read/execute, rodata
 *     read-only, data and bss read/write, all global.
 * Everything written into another cluster's memory goes through hal_remote_*.
 */
#include <hal_boot.h>
#include <hal_gpt.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/printk.h>
#include <libk/bits.h>
#include <libk/string.h>

#include "boot.h"
#include "hal_cpu.h"
#include "mmu.h"
#include "x86.h"

extern char _kimage_start[], _etext[], _erodata[], _sdata[], _edata[], _sbss[], _ebss[];
extern char _pristine[], _kimage_end[];

#define GIB (1ULL << 30)
#define LOW_4G (4 * GIB)

/* The shape of every cluster's kernel page table (the same for all). */
static struct {
	paddr_t top;          /* the direct map covers [0, top), a multiple of 1 GiB   */
	size_t  dmap_pdpts;   /* PDPTs of the direct map                              */
	size_t  dmap_pds;     /* page directories of the direct map                   */
	size_t  img_pts;      /* page tables of the image window                      */
	size_t  pages;        /* pages of the whole table                             */
} kpt;

static size_t replica_size(void)
{
	return (size_t)(_ebss - _kimage_start);
}

static void kpt_shape(void)
{
	paddr_t top = LOW_4G;

	for (cxy_t c = 0; c < boot_info.clusters_nr; c++)
		top = MAX(top, boot_info.cluster[c].mem_base + boot_info.cluster[c].mem_size);
	kpt.top = ALIGN_UP(top, GIB);
	if (kpt.top > DMAP_MAX)
		panic("boot: memory up to 0x%lx, beyond the direct map's %lu TiB", kpt.top, DMAP_MAX >> 40);
	kpt.dmap_pdpts = DIV_ROUND_UP(kpt.top, 512 * GIB);
	kpt.dmap_pds = x86_has(X86_FEAT_PDPE1GB) ? LOW_4G / GIB : kpt.top / GIB;
	kpt.img_pts = DIV_ROUND_UP(replica_size(), 1UL << PT_SHIFT(1));
	kpt.pages = KPT_DMAP + kpt.dmap_pdpts + kpt.dmap_pds + kpt.img_pts;
}

/* Cluster @c's replica of the image (c != 0): text and rodata from the loaded image, .data from
 * the pristine copy (through the direct map: cluster 0's window stops at _ebss), .bss zeroed. */
static void replicate_image(cxy_t c)
{
	paddr_t image0 = boot_info.cluster[0].image_pa;
	xptr_t dst = XPTR(c, hal_paddr_to_kva(boot_info.cluster[c].image_pa));
	size_t ro = (size_t)(_sdata - _kimage_start);
	paddr_t pristine = image0 + (size_t)(_pristine - _kimage_start);

	hal_remote_memcpy(dst, XPTR(0, hal_paddr_to_kva(image0)), ro);
	hal_remote_memcpy(dst + ro, XPTR(0, hal_paddr_to_kva(pristine)), (size_t)(_edata - _sdata));
	hal_remote_memset(dst + (size_t)(_sbss - _kimage_start), 0, (size_t)(_ebss - _sbss));
}

/* Write entry @i of the table at physical @table_pa of cluster @c. */
static void kpt_set(cxy_t c, paddr_t table_pa, size_t i, kpte_t value)
{
	hal_remote_s64(XPTR(c, (kpte_t *)hal_paddr_to_kva(table_pa) + i), value);
}

/* True if [pa, pa + size) holds some RAM of a cluster. */
static bool has_ram(paddr_t pa, paddr_t size)
{
	for (cxy_t c = 0; c < boot_info.clusters_nr; c++) {
		const boot_cluster_t *cl = &boot_info.cluster[c];
		if (pa < cl->mem_base + cl->mem_size && cl->mem_base < pa + size)
			return true;
	}
	return false;
}

/* The direct map of cluster @c's table: PDPTs, then page directories (see the top). */
static void map_direct(cxy_t c, paddr_t root, kpte_t nx)
{
	paddr_t pdpt = root + KPT_DMAP * CONFIG_PAGE_SIZE, pd = pdpt + kpt.dmap_pdpts * CONFIG_PAGE_SIZE;
	kpte_t leaf = KPTE_P | KPTE_RW | KPTE_A | KPTE_D | KPTE_G | KPTE_PS | nx;

	for (size_t i = 0; i < kpt.dmap_pdpts; i++)
		kpt_set(c, root, PT_INDEX(DMAP_BASE, 3) + i,
			(pdpt + i * CONFIG_PAGE_SIZE) | KPTE_P | KPTE_RW | KPTE_A);
	for (paddr_t gib = 0; gib < kpt.top / GIB; gib++) {
		if (gib < kpt.dmap_pds) {
			paddr_t dir = pd + gib * CONFIG_PAGE_SIZE;
			kpt_set(c, pdpt, gib, dir | KPTE_P | KPTE_RW | KPTE_A);
			for (size_t j = 0; j < 512; j++) {
				paddr_t pa = gib * GIB + (j << PT_SHIFT(1));
				bool dev = pa < LOW_4G && !has_ram(pa, 1UL << PT_SHIFT(1));
				kpt_set(c, dir, j, pa | leaf | (dev ? KPTE_PCD | KPTE_PWT : 0));
			}
		} else {
			kpt_set(c, pdpt, gib, (gib * GIB) | leaf); /* a 1 GiB page */
		}
	}
}

/* Flags of the image window page at offset @off: text RX, read-only data R, data and bss RW. */
static kpte_t image_page_flags(size_t off, kpte_t nx)
{
	uintptr_t va = KIMAGE_VBASE + off;

	if (va < (uintptr_t)_etext)
		return KPTE_P | KPTE_A | KPTE_G;
	if (va < (uintptr_t)_erodata)
		return KPTE_P | KPTE_A | KPTE_G | nx;
	return KPTE_P | KPTE_RW | KPTE_A | KPTE_D | KPTE_G | nx;
}

/* Cluster @c's kernel page table (its region must be placed). */
static void build_kernel_pt(cxy_t c)
{
	const boot_cluster_t *cl = &boot_info.cluster[c];
	paddr_t root = cl->pt_root_pa, page = CONFIG_PAGE_SIZE;
	paddr_t img_pt = root + (KPT_DMAP + kpt.dmap_pdpts + kpt.dmap_pds) * page;
	kpte_t nx = x86_has(X86_FEAT_NX) ? KPTE_NX : 0, table = KPTE_P | KPTE_RW | KPTE_A;

	hal_remote_memset(XPTR(c, hal_paddr_to_kva(root)), 0, kpt.pages * page);
	map_direct(c, root, nx);

	kpt_set(c, root, PT_INDEX(KSTACK_BASE, 3), (root + KPT_STK_PDPT * page) | table);
	for (cxy_t i = 0; i < boot_info.clusters_nr; i++)
		kpt_set(c, root + KPT_STK_PDPT * page, i,
			(boot_info.cluster[i].pt_root_pa + KPT_STK_PD * page) | table);

	kpt_set(c, root, PT_INDEX(KIMAGE_VBASE, 3), (root + KPT_IMG_PDPT * page) | table);
	kpt_set(c, root + KPT_IMG_PDPT * page, PT_INDEX(KIMAGE_VBASE, 2), (root + KPT_IMG_PD * page) | table);
	for (size_t t = 0; t < kpt.img_pts; t++)
		kpt_set(c, root + KPT_IMG_PD * page, PT_INDEX(KIMAGE_VBASE, 1) + t, (img_pt + t * page) | table);
	for (size_t off = 0; off < replica_size(); off += page)
		kpt_set(c, img_pt, off / page, (cl->image_pa + off) | image_page_flags(off, nx));
}

void boot_build_clusters(paddr_t load_pa)
{
	kpt_shape();
	hal_boot_place_kernel_regions(load_pa, kpt.pages * CONFIG_PAGE_SIZE);
	build_kernel_pt(0);
	/* The loaded image is cluster 0's replica: its window maps the same pages as the early
	 * table's, so the boot core goes on where it was, with the direct map of all memory. */
	hal_mmu_switch_root(boot_info.cluster[0].pt_root_pa);
	for (cxy_t c = 1; c < boot_info.clusters_nr; c++) {
		replicate_image(c);
		build_kernel_pt(c);
	}
}
