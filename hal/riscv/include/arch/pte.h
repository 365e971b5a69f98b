/*
 * arch/pte.h - the RISC-V Sv39 page-table format: what the generic page table (hal/common/hal_gpt.c)
 * needs to walk, encode and decode tables of this architecture. hal/generic/hal_gpt.h lists what this
 * header must define; docs/gpt.md has the layouts of both architectures side by side.
 *
 * Sv39 (RISC-V privileged spec, "Sv39: Page-Based 39-bit Virtual-Memory System"): three levels of
 * 512 eight-byte entries, one page each; level 2 (the root) maps 1 GiB per entry, level 1 2 MiB,
 * level 0 4 KiB. A valid entry with R, W and X all clear points at the next table; any of them makes
 * it a leaf. Bits 8-9 (RSW) are the software's: the GPT keeps COW and its PTE lock there.
 */
#ifndef ARCH_PTE_H
#define ARCH_PTE_H

#include <hal_types.h>

typedef uint64_t pte_t; /* before hal_gpt.h, whose cursor holds a pte_t pointer */

#include <hal_gpt.h> /* the generic attributes (GPT_*) translated below */

/* ---- shape ---- */
#define PTE_LEVELS        3                              /* root = level PTE_LEVELS - 1   */
#define PTE_INDEX_BITS    9
#define PTE_ENTRIES       (1u << PTE_INDEX_BITS)         /* entries of a table            */
#define PTE_LEVEL_SHIFT(l) (12 + PTE_INDEX_BITS * (l))   /* VA bits below an entry of level l */
/* The user half: root entries [0, PTE_ROOT_USER_ENTRIES) (VA below 256 GiB); the others are the
 * kernel's, copied from the cluster's kernel root. */
#define PTE_ROOT_USER_ENTRIES 256u
#define PTE_USER_VA_END   ((uint64_t)PTE_ROOT_USER_ENTRIES << PTE_LEVEL_SHIFT(PTE_LEVELS - 1))

/* ---- hardware bits ---- */
#define PTE_V    (1UL << 0)
#define PTE_R    (1UL << 1)
#define PTE_W    (1UL << 2)
#define PTE_X    (1UL << 3)
#define PTE_U    (1UL << 4)
#define PTE_G    (1UL << 5)
#define PTE_A    (1UL << 6)
#define PTE_D    (1UL << 7)
#define PTE_RSW0 (1UL << 8)
#define PTE_RSW1 (1UL << 9)
#define PTE_PPN_SHIFT 10
#define PTE_PPN_BITS  44

/* ---- what the generic walker tests and changes in a leaf ---- */
#define PTE_COW         PTE_RSW0 /* copy on write (software)                                  */
#define PTE_LOCKED      PTE_RSW1 /* the PTE lock (software; an unmapped PTE may hold it too)  */
#define PTE_WRITE       PTE_W    /* the hardware's write permission (COW marking clears it)   */
#define PTE_MAPPED_BITS PTE_V    /* a leaf with any of these bits is mapped                   */
#define PTE_TABLE_BITS  PTE_V    /* a user-half entry of an upper level with any of these bits
                                    points at a table                                       */

static inline pte_t pte_make(paddr_t pa, uint64_t flags)
{
	return ((pa >> 12) << PTE_PPN_SHIFT) | flags;
}

static inline paddr_t pte_paddr(pte_t pte)
{
	return ((pte >> PTE_PPN_SHIFT) & ((1UL << PTE_PPN_BITS) - 1)) << 12;
}

static inline bool pte_is_leaf(pte_t pte)
{
	return (pte & (PTE_R | PTE_W | PTE_X)) != 0;
}

/* An upper-level entry pointing at the table at @pa (non-leaf entries keep A, D and U clear). */
static inline pte_t pte_table(paddr_t pa)
{
	return pte_make(pa, PTE_V);
}

/* True if the valid upper-level entry @pte maps a (huge) page instead of pointing at a table. */
static inline bool pte_table_is_leaf(pte_t pte)
{
	return pte_is_leaf(pte);
}

/* The physical address of the table an upper-level entry points at. */
static inline paddr_t pte_table_paddr(pte_t pte)
{
	return pte_paddr(pte);
}

/*
 * The leaf for @attr and @ppn, without PTE_LOCKED. Sv39 has no write-only page (R=0, W=1 is
 * reserved), so WRITABLE implies R. A is always set and D with W: the hardware may update A/D itself
 * or, without that option (Svade), raise a page fault on a PTE whose A (or, for a store, D) is clear;
 * presetting them spares the fault handler a second kind of fault on mapped pages. GPT_CACHABLE is
 * not encoded (no Svpbmt: every user page is cachable) and GPT_SMALL is implied (user leaves are
 * level-0 leaves). A mapped leaf without R, W or X (PROT_NONE) is V alone: at level 0 the hardware
 * faults on it, as on an unmapped one.
 */
static inline pte_t pte_leaf(uint32_t attr, ppn_t ppn)
{
	pte_t pte = pte_make((paddr_t)ppn << 12, PTE_A);

	pte |= (attr & GPT_MAPPED) ? PTE_V : 0;
	pte |= (attr & GPT_READABLE) ? PTE_R : 0;
	pte |= (attr & GPT_WRITABLE) ? PTE_W | PTE_R | PTE_D : 0;
	pte |= (attr & GPT_EXECUTABLE) ? PTE_X : 0;
	pte |= (attr & GPT_USER) ? PTE_U : 0;
	pte |= (attr & GPT_GLOBAL) ? PTE_G : 0;
	pte |= (attr & GPT_DIRTY) ? PTE_D : 0;
	pte |= (attr & GPT_COW) ? PTE_COW : 0;
	return pte;
}

/* The frame of a mapped leaf. */
static inline ppn_t pte_leaf_ppn(pte_t pte)
{
	return pte_paddr(pte) >> 12;
}

/* The attributes of the leaf @pte: 0 if it is not mapped (whatever its lock bit), else the bits it
 * has, with GPT_LOCKED while locked and GPT_SMALL | GPT_CACHABLE always (see pte_leaf). */
static inline uint32_t pte_leaf_attr(pte_t pte)
{
	uint32_t attr = GPT_MAPPED | GPT_SMALL | GPT_CACHABLE;

	if (!(pte & PTE_V))
		return 0;
	attr |= (pte & PTE_R) ? GPT_READABLE : 0;
	attr |= (pte & PTE_W) ? GPT_WRITABLE : 0;
	attr |= (pte & PTE_X) ? GPT_EXECUTABLE : 0;
	attr |= (pte & PTE_U) ? GPT_USER : 0;
	attr |= (pte & PTE_G) ? GPT_GLOBAL : 0;
	attr |= (pte & PTE_A) ? GPT_ACCESSED : 0;
	attr |= (pte & PTE_D) ? GPT_DIRTY : 0;
	attr |= (pte & PTE_COW) ? GPT_COW : 0;
	attr |= (pte & PTE_LOCKED) ? GPT_LOCKED : 0;
	return attr;
}

#endif /* ARCH_PTE_H */
