/*
 * mmu.h - the x86_64 kernel virtual layout and the shape of each cluster's kernel page table (HAL
 * internal; the PTE format of user tables is <arch/pte.h>). Included by C and assembly.
 *
 * 4-level paging, 48-bit canonical addresses; the kernel half is identical in every cluster except
 * the image window (docs/hal_x86_64.md draws it):
 *   0xffff800000000000 + pa     direct map of physical memory (at most 64 TiB: PML4 256-383),
 *                               read/write, never executable; devices uncached
 *   0xffffc00000000000 + c GiB  kernel stacks of cluster c (4 KiB pages, guard pages unmapped),
 *                               mapped identically in every cluster (hal_context.c; PML4 384)
 *   0xffffffff80000000 + 16 MiB image window: this cluster's replica of the kernel image (PML4
 *                               511, PDPT 510), 4 KiB pages: text RX, rodata R, data and bss RW
 * Both halves' kernel addresses have bit 47 set, so an extended pointer's low 48 bits sign-extend
 * back to them (hal_types.h).
 */
#ifndef HAL_X86_64_MMU_H
#define HAL_X86_64_MMU_H

#include <arch/kmem.h>

#define DMAP_BASE        KMEM_DMAP_BASE
#define DMAP_MAX         KMEM_DMAP_SIZE      /* 64 TiB of physical addresses at most        */
#define KSTACK_BASE      KMEM_KSTACK_BASE    /* = DMAP_BASE + DMAP_MAX                     */
#define KSTACK_AREA_SHIFT KMEM_KSTACK_AREA_SHIFT /* one GiB of stack slots per cluster      */
#define KSTACK_SLOT_SIZE KMEM_KSTACK_SLOT_SIZE /* 32 KiB: a 16 KiB stack above 16 KiB of guard */
#define KIMAGE_VBASE     KMEM_KIMAGE_VBASE   /* start of the image window (linked address)  */
#define KIMAGE_WINDOW    0x1000000           /* 16 MiB = CONFIG_KIMAGE_MAX_SIZE              */

/* Table indexes of the layout: 9 bits per level, level 3 the PML4. */
#define PT_SHIFT(l)      (12 + 9 * (l))
#define PT_INDEX(va, l)  (((va) >> PT_SHIFT(l)) & 511)

/*
 * Each cluster's kernel page table lies in its kernel region after its replica of the image
 * (boot_info.cluster[c].pt_root_pa onwards), one page each, in this order:
 *   KPT_ROOT       the PML4;
 *   KPT_IMG_PDPT   the PDPT of PML4 511, KPT_IMG_PD the page directory of its entry 510 (the
 *                  image window);
 *   KPT_STK_PDPT   the PDPT of the stack area (PML4 384): its entry i points at cluster i's
 *                  KPT_STK_PD, in cluster i's region, so every cluster sees every stack;
 *   KPT_STK_PD     this cluster's gigabyte of stacks: hal_context.c adds page tables under it;
 *   KPT_DMAP       the direct map's PDPTs, then its page directories (boot/x86_64/kpt.c), then
 *                  the page tables of the image window.
 */
#define KPT_ROOT       0
#define KPT_IMG_PDPT   1
#define KPT_IMG_PD     2
#define KPT_STK_PDPT   3
#define KPT_STK_PD     4
#define KPT_DMAP       5

/* Hardware bits of kernel entries (user leaves: <arch/pte.h>). */
#define KPTE_P         0x001
#define KPTE_RW        0x002
#define KPTE_PWT       0x008
#define KPTE_PCD       0x010
#define KPTE_A         0x020
#define KPTE_D         0x040
#define KPTE_PS        0x080
#define KPTE_G         0x100
#define KPTE_NX        0x8000000000000000
#define KPTE_ADDR      0x000ffffffffff000

#ifndef __ASSEMBLER__
#include <hal_types.h>

typedef uint64_t kpte_t;
#endif

#endif /* HAL_X86_64_MMU_H */
