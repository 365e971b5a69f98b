/*
 * boot.c - phase 0 of the boot on RISC-V: from the device tree to one kernel instance per cluster.
 *
 * Runs on the hart OpenSBI entered with (any hart: OpenSBI picks one), MMU on with the early page
 * table of entry.S, on the loaded image, which is cluster 0's replica. Steps:
 *   1. read the device tree into boot_info (boot_fdt.c); switch the console to the UART;
 *   2. place each cluster's kernel region in its own memory: [image_pa, kernel_end_pa) holds the
 *      replica of the image followed by that cluster's kernel page table;
 *   3. fill each replica (text and rodata from the loaded image, .data from the pristine copy,
 *      zeroed .bss), its page table, its boot_info and its local_cxy;
 *   4. start lid 0 of every cluster (SBI HSM); if the boot hart is itself some cluster's lid 0 it
 *      enters that cluster, otherwise it stops and is started later by its cluster like any core.
 * Everything written into another cluster's memory goes through hal_remote_*.
 */
#include <hal_boot.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/printk.h>
#include <libk/bits.h>
#include <libk/string.h>

#include "boot.h"
#include "boot_fdt.h"
#include "hal_cpu.h"
#include "mmu.h"
#include "riscv.h"
#include "sbi.h"

extern char _kimage_start[], _etext[], _erodata[], _sdata[], _edata[], _sbss[], _ebss[];
extern char _pristine[], _kimage_end[];

boot_info_t boot_info;
core_start_t core_start[CONFIG_MAX_CORES_PER_CLUSTER];
uint64_t early_start_pa[CONFIG_MAX_HWID];
_Static_assert(CONFIG_MAX_HWID == 1024, "entry.S: EARLY_MAX_HWID");

long boot_start_hart(hwid_t hart, paddr_t entry_pa, paddr_t start_pa)
{
	kassert(hart < CONFIG_MAX_HWID);
	hal_remote_s64(XPTR(0, &early_start_pa[hart]), start_pa);
	hal_fence();
	return sbi_hart_start(hart, entry_pa, start_pa);
}
uint8_t boot_stacks[CONFIG_MAX_CORES_PER_CLUSTER][CONFIG_BOOT_STACK_SIZE] __attribute__((aligned(16)));

#define FDT_MAX_SIZE (1UL << 20)

static size_t replica_size(void)
{
	return (size_t)(_ebss - _kimage_start);
}

/*
 * Pages of the kernel page table of one cluster, in this order: the root, the level-1 table of the
 * image window, the level-1 table of the cluster's kernel stack area (hal_context.c), then the
 * level-0 tables of the image window.
 */
static size_t pt_pages(void)
{
	return 3 + DIV_ROUND_UP(replica_size(), 1UL << PT_LEVEL_SHIFT(1));
}

/* Physical address of an image object in cluster @c's replica. */
static paddr_t replica_pa(cxy_t c, const void *image_addr)
{
	return boot_info.cluster[c].image_pa + ((uintptr_t)image_addr - KIMAGE_VBASE);
}

/* Step 3a: fill cluster @c's replica of the image (c != 0). */
static void replicate_image(cxy_t c)
{
	xptr_t dst = XPTR(c, hal_paddr_to_kva(boot_info.cluster[c].image_pa));
	xptr_t src = XPTR(local_cxy, hal_paddr_to_kva(boot_info.cluster[0].image_pa));
	size_t ro = (size_t)(_sdata - _kimage_start);
	size_t data = (size_t)(_edata - _sdata);
	size_t bss = (size_t)(_ebss - _sbss);

	hal_remote_memcpy(dst, src, ro);
	hal_remote_memcpy(dst + ro, XPTR(local_cxy, _pristine), data);
	hal_remote_memset(dst + (size_t)(_sbss - _kimage_start), 0, bss);
}

/* Flags of the image window page at offset @off: text RX, read-only data R, data and bss RW. */
static uint64_t image_page_flags(size_t off)
{
	uintptr_t va = KIMAGE_VBASE + off;

	if (va < (uintptr_t)_etext)
		return PTE_V | PTE_R | PTE_X | PTE_A | PTE_G;
	if (va < (uintptr_t)_erodata)
		return PTE_V | PTE_R | PTE_A | PTE_G;
	return PTE_V | PTE_R | PTE_W | PTE_A | PTE_D | PTE_G;
}

/*
 * Step 3b: cluster @c's kernel page table: the direct map of all memory (1 GiB leaves, up to the
 * highest cluster's end), every cluster's kernel stack area (their level-1 tables, shared), and the
 * image window onto the cluster's own replica (4 KiB pages).
 */
static void build_kernel_pt(cxy_t c)
{
	const boot_cluster_t *cl = &boot_info.cluster[c];
	paddr_t root = cl->pt_root_pa, l1 = root + CONFIG_PAGE_SIZE, l0 = l1 + 2 * CONFIG_PAGE_SIZE;
	paddr_t top = 0;

	hal_remote_memset(XPTR(c, hal_paddr_to_kva(root)), 0, pt_pages() * CONFIG_PAGE_SIZE);

	for (cxy_t i = 0; i < boot_info.clusters_nr; i++)
		top = MAX(top, boot_info.cluster[i].mem_base + boot_info.cluster[i].mem_size);
	for (paddr_t gib = 0; gib < DIV_ROUND_UP(top, 1UL << 30); gib++) {
		xptr_t e = XPTR(c, (pte_t *)hal_paddr_to_kva(root) + PT_INDEX(DMAP_BASE, 2) + gib);
		hal_remote_s64(e, pte_make(gib << 30, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D | PTE_G));
	}

	for (cxy_t i = 0; i < boot_info.clusters_nr; i++) {
		paddr_t stack_l1 = boot_info.cluster[i].pt_root_pa + 2 * CONFIG_PAGE_SIZE;
		xptr_t e = XPTR(c, (pte_t *)hal_paddr_to_kva(root) + PT_INDEX(KSTACK_BASE, 2) + i);
		hal_remote_s64(e, pte_make(stack_l1, PTE_V));
	}

	hal_remote_s64(XPTR(c, (pte_t *)hal_paddr_to_kva(root) + PT_INDEX(KIMAGE_VBASE, 2)),
		       pte_make(l1, PTE_V));
	for (size_t t = 0; t < pt_pages() - 3; t++)
		hal_remote_s64(XPTR(c, (pte_t *)hal_paddr_to_kva(l1) + t),
			       pte_make(l0 + t * CONFIG_PAGE_SIZE, PTE_V));
	for (size_t off = 0; off < replica_size(); off += CONFIG_PAGE_SIZE) {
		xptr_t e = XPTR(c, (pte_t *)hal_paddr_to_kva(l0) + off / CONFIG_PAGE_SIZE);
		hal_remote_s64(e, pte_make(cl->image_pa + off, image_page_flags(off)));
	}
}

static uint64_t cluster_satp(cxy_t c)
{
	return SATP_MODE_SV39 | (boot_info.cluster[c].pt_root_pa >> 12);
}

/* Step 3c: what each replica must know before its first core runs. */
static void seed_replica(cxy_t c)
{
	cxy_t value = c;

	hal_remote_memcpy(XPTR(c, &boot_info), XPTR(local_cxy, &boot_info), sizeof(boot_info));
	hal_remote_memcpy(XPTR(c, &local_cxy), XPTR(local_cxy, &value), sizeof(value));
}

/* Step 4: fill cluster @c's start block for its lid 0 and return its physical address. */
static paddr_t prepare_cluster_start(cxy_t c)
{
	core_start_t cs = {
		.satp = cluster_satp(c),
		.sp = (uint64_t)(uintptr_t)&boot_stacks[0][CONFIG_BOOT_STACK_SIZE],
		.entry = (uint64_t)(uintptr_t)hal_core_entry,
		.arg = 0,
	};

	hal_remote_memcpy(XPTR(c, &core_start[0]), XPTR(local_cxy, &cs), sizeof(cs));
	return replica_pa(c, &core_start[0]);
}

/* Which way IPIs go (ipi.c): the tests read this line to tell the two paths apart. */
static void log_ipi_path(void)
{
	unsigned sswi = 0;

	for (unsigned k = 0; k < boot_info.cores_nr; k++)
		sswi += boot_info.arch.sswi_pa[k] != 0;
	if (sswi == boot_info.cores_nr)
		printk("IPIs: ACLINT SSWI on every core");
	else
		printk("IPIs: SBI on %u cores, ACLINT SSWI on %u", boot_info.cores_nr - sswi, sswi);
}

static void read_device_tree(hwid_t hartid, paddr_t dtb_pa, paddr_t load_pa)
{
	char err[160];
	const uint8_t *fdt = hal_paddr_to_kva(dtb_pa);
	/* The header's totalsize (big endian, offset 4) bounds what the reader may touch. */
	size_t avail = ((size_t)fdt[4] << 24) | ((size_t)fdt[5] << 16) | ((size_t)fdt[6] << 8) | fdt[7];
	error_t error;

	if (avail > FDT_MAX_SIZE)
		avail = FDT_MAX_SIZE;
	error = boot_info_from_fdt(fdt, avail, dtb_pa, hartid, &boot_info, err, sizeof(err));
	hal_boot_set_image_pa(0, load_pa); /* hal_remote needs it for cluster 0's globals */
	if (error)
		panic("boot: bad device tree at %lx: %s (error %d)", dtb_pa, err, error);
}

_Noreturn void boot_phase0(hwid_t hartid, paddr_t dtb_pa, paddr_t load_pa)
{
	cxy_t self = (cxy_t)-1;

	hal_cpu_init_phase0(hartid);
	hal_boot_set_image_pa(0, load_pa);
	read_device_tree(hartid, dtb_pa, load_pa);
	hal_console_init(true);
	printk("Archipel booting on hart %u, device tree at %lx, %u clusters, %u cores", hartid,
	       dtb_pa, boot_info.clusters_nr, boot_info.cores_nr);
	log_ipi_path();

	/* Step 2: each cluster's kernel region (hal_boot.h) */
	hal_boot_place_kernel_regions(load_pa, pt_pages() * CONFIG_PAGE_SIZE);
	for (cxy_t c = 0; c < boot_info.clusters_nr; c++) {
		if (c != 0)
			replicate_image(c);
		build_kernel_pt(c);
	}
	for (cxy_t c = 1; c < boot_info.clusters_nr; c++)
		seed_replica(c);

	for (cxy_t c = 0; c < boot_info.clusters_nr; c++) {
		hwid_t hw = boot_info.core[boot_info.cluster[c].first_core].hwid;
		paddr_t start = prepare_cluster_start(c);

		if (hw == hartid) {
			self = c;
			continue;
		}
		long e = boot_start_hart(hw, replica_pa(c, _secondary_start), start);
		if (e)
			panic("boot: SBI could not start hart %u (cluster %u): error %ld", hw, c, e);
	}
	if (self != (cxy_t)-1) {
		core_start_t cs;
		hal_remote_memcpy(XPTR(local_cxy, &cs), XPTR(self, &core_start[0]), sizeof(cs));
		boot_switch(&cs);
	}
	/* Not a lid 0: the cluster of this hart starts it again later, like its other cores. */
	sbi_hart_stop();
}
