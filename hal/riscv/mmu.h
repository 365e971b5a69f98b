/*
 * mmu.h - the Sv39 virtual memory layout of Archipel and the PTE format (HAL internal).
 *
 * Virtual layout (kernel half, identical in every cluster except the image window):
 *   0xffffffc000000000 + pa   direct map of physical memory (1 GiB leaves, read/write, no execute)
 *   0xffffffe000000000 + c GiB kernel stacks of cluster c (4 KiB pages, guard pages unmapped),
 *                             mapped identically in every cluster (hal_context.c)
 *   0xffffffff80000000        image window: this cluster's replica of the kernel image (4 KiB pages)
 */
#ifndef HAL_RISCV_MMU_H
#define HAL_RISCV_MMU_H

#include <hal_types.h>
#include <params.h>

#define DMAP_BASE      0xffffffc000000000UL
#define DMAP_MAX_GIB   128UL                     /* direct map covers pa < 128 GiB */
#define KSTACK_BASE    0xffffffe000000000UL      /* = DMAP_BASE + DMAP_MAX_GIB GiB */
#define KSTACK_SLOT_SIZE (32UL << 10)            /* one stack and its guard        */
#define KSTACK_SLOTS_PER_CLUSTER ((1UL << 30) / KSTACK_SLOT_SIZE)
#define KIMAGE_VBASE   0xffffffff80000000UL      /* = RISCV_KIMAGE_VBASE (arch/remote.h) */
#define KIMAGE_VEND    (KIMAGE_VBASE + CONFIG_KIMAGE_MAX_SIZE)

#define PT_ENTRIES     512
#define PT_LEVEL_SHIFT(l) (12 + 9 * (l))         /* level 2 = root (1 GiB), 1 (2 MiB), 0 (4 KiB) */
#define PT_INDEX(va, l)   (((va) >> PT_LEVEL_SHIFT(l)) & (PT_ENTRIES - 1))

/* PTE bits */
#define PTE_V   (1UL << 0)
#define PTE_R   (1UL << 1)
#define PTE_W   (1UL << 2)
#define PTE_X   (1UL << 3)
#define PTE_U   (1UL << 4)
#define PTE_G   (1UL << 5)
#define PTE_A   (1UL << 6)
#define PTE_D   (1UL << 7)
#define PTE_RSW0 (1UL << 8)                      /* software bits (COW, LOCKED in hal_gpt) */
#define PTE_RSW1 (1UL << 9)
#define PTE_PPN_SHIFT 10

typedef uint64_t pte_t;

static inline pte_t pte_make(paddr_t pa, uint64_t flags)
{
	return ((pa >> 12) << PTE_PPN_SHIFT) | flags;
}

static inline paddr_t pte_paddr(pte_t pte)
{
	return ((pte >> PTE_PPN_SHIFT) & ((1UL << 44) - 1)) << 12;
}

static inline bool pte_is_leaf(pte_t pte)
{
	return (pte & (PTE_R | PTE_W | PTE_X)) != 0;
}

/*
 * Make the root table at @root_pa the calling core's translation root (satp: Sv39, ASID 0) and
 * flush its TLB. In hal_tlb.c, apart from the page-table code, so that host tests of hal_gpt.c can
 * stand in for it.
 */
void riscv_mmu_switch_root(paddr_t root_pa);

#endif /* HAL_RISCV_MMU_H */
