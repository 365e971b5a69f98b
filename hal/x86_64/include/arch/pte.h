/*
 * arch/pte.h - the x86_64 4-level paging format: what the generic page table (hal/common/hal_gpt.c)
 * needs to walk, encode and decode tables of this architecture. hal/generic/hal_gpt.h lists what this
 * header must define; docs/gpt.md has the layouts of both architectures side by side.
 *
 * 4-level paging (Intel SDM vol. 3A, "4-Level Paging and 5-Level Paging"; AMD APM vol. 2, "Long-Mode
 * Page Translation"): four levels of 512 eight-byte entries, one page each; level 3 (PML4, the root)
 * maps 512 GiB per entry, level 2 (PDPT) 1 GiB, level 1 (page directory) 2 MiB, level 0 (page table)
 * 4 KiB. Bit 0 (P) is the present bit; in a PDPT or PD entry, bit 7 (PS) makes the entry a huge leaf
 * (the user half has none). Bits 9-11 of every entry are ignored by the processor and left to the
 * software: the GPT keeps COW, its PTE lock and "mapped without access" there. When P is 0 the
 * processor ignores every other bit, so a PTE lock on an unmapped entry is invisible to it.
 *
 * What the processor requires of the kernel for this encoding: CR4.PGE for G, and IA32_EFER.NXE,
 * since a page without GPT_EXECUTABLE has XD (bit 63) set, which is reserved while NXE is 0.
 */
#ifndef ARCH_PTE_H
#define ARCH_PTE_H

#include <hal_types.h>

typedef uint64_t pte_t; /* before hal_gpt.h, whose cursor holds a pte_t pointer */

#include <hal_gpt.h> /* the generic attributes (GPT_*) translated below */

/* ---- shape ---- */
#define PTE_LEVELS        4                              /* root = level PTE_LEVELS - 1   */
#define PTE_INDEX_BITS    9
#define PTE_ENTRIES       (1u << PTE_INDEX_BITS)         /* entries of a table            */
#define PTE_LEVEL_SHIFT(l) (12 + PTE_INDEX_BITS * (l))   /* VA bits below an entry of level l */
/* The user half: PML4 entries [0, 256) (VA below 128 TiB, the lower canonical half); entries
 * 256-511 map the upper canonical half, the kernel's, copied from the cluster's kernel PML4. */
#define PTE_ROOT_USER_ENTRIES 256u
#define PTE_USER_VA_END   ((uint64_t)PTE_ROOT_USER_ENTRIES << PTE_LEVEL_SHIFT(PTE_LEVELS - 1))

/* ---- hardware bits ---- */
#define PTE_P    (1UL << 0)  /* present                                               */
#define PTE_RW   (1UL << 1)  /* writable                                              */
#define PTE_US   (1UL << 2)  /* user accessible                                       */
#define PTE_PWT  (1UL << 3)  /* write-through                                         */
#define PTE_PCD  (1UL << 4)  /* cache disabled                                        */
#define PTE_A    (1UL << 5)  /* accessed                                              */
#define PTE_D    (1UL << 6)  /* dirty (leaves)                                        */
#define PTE_PS   (1UL << 7)  /* page size: a huge leaf in a PDPT or PD entry; PAT in a PTE */
#define PTE_G    (1UL << 8)  /* global (CR4.PGE)                                      */
#define PTE_SW9  (1UL << 9)  /* bits 9-11: ignored by the processor, the software's   */
#define PTE_SW10 (1UL << 10)
#define PTE_SW11 (1UL << 11)
#define PTE_XD   (1UL << 63) /* execute disable (IA32_EFER.NXE)                       */
#define PTE_ADDR_MASK 0x000ffffffffff000UL /* bits 51:12: the physical address (MAXPHYADDR <= 52) */

/* ---- what the generic walker tests and changes in a leaf ---- */
#define PTE_COW         PTE_SW9  /* copy on write                                             */
#define PTE_LOCKED      PTE_SW10 /* the PTE lock (an unmapped PTE may hold it too)            */
#define PTE_NOACCESS    PTE_SW11 /* mapped without any access (PROT_NONE): P is clear, so the
                                    processor faults, and the frame stays recorded            */
#define PTE_WRITE       PTE_RW   /* the hardware's write permission (COW marking clears it)   */
#define PTE_MAPPED_BITS (PTE_P | PTE_NOACCESS) /* a leaf with any of these bits is mapped    */
#define PTE_TABLE_BITS  PTE_P    /* a user-half entry of an upper level with this bit points at
                                    a table                                                 */

static inline paddr_t pte_paddr(pte_t pte)
{
	return pte & PTE_ADDR_MASK;
}

/*
 * An upper-level entry pointing at the table at @pa. Permissions combine across levels (the most
 * restrictive wins), so a table entry allows everything (writable, user, executable) and leaves
 * decide. A is preset so that the processor never writes the entry back.
 */
static inline pte_t pte_table(paddr_t pa)
{
	return (pa & PTE_ADDR_MASK) | PTE_P | PTE_RW | PTE_US | PTE_A;
}

/* True if the present upper-level entry @pte maps a huge page instead of pointing at a table. */
static inline bool pte_table_is_leaf(pte_t pte)
{
	return (pte & PTE_PS) != 0;
}

/* The physical address of the table an upper-level entry points at. */
static inline paddr_t pte_table_paddr(pte_t pte)
{
	return pte_paddr(pte);
}

/*
 * The leaf for @attr and @ppn, without PTE_LOCKED. A present page is always readable: READABLE is
 * implied by P, so an execute-only page is readable too, and a mapped page with no access at all
 * (PROT_NONE) is P clear with PTE_NOACCESS. A is always set and D with RW, as on RISC-V: the
 * processor then never has to write them back into a user leaf (it would with a locked
 * read-modify-write, racing with the GPT's compare-and-swap loops for nothing). Without
 * GPT_EXECUTABLE, XD; without GPT_CACHABLE, PCD | PWT (uncached, with the default PAT).
 * GPT_SMALL is implied (user leaves are level-0 entries, whose bit 7 is PAT: left clear).
 */
static inline pte_t pte_leaf(uint32_t attr, ppn_t ppn)
{
	pte_t pte = (((paddr_t)ppn << 12) & PTE_ADDR_MASK) | PTE_A;

	if (attr & GPT_MAPPED)
		pte |= (attr & (GPT_READABLE | GPT_WRITABLE | GPT_EXECUTABLE)) ? PTE_P : PTE_NOACCESS;
	pte |= (attr & GPT_WRITABLE) ? PTE_RW | PTE_D : 0;
	pte |= (attr & GPT_EXECUTABLE) ? 0 : PTE_XD;
	pte |= (attr & GPT_USER) ? PTE_US : 0;
	pte |= (attr & GPT_GLOBAL) ? PTE_G : 0;
	pte |= (attr & GPT_DIRTY) ? PTE_D : 0;
	pte |= (attr & GPT_CACHABLE) ? 0 : PTE_PCD | PTE_PWT;
	pte |= (attr & GPT_COW) ? PTE_COW : 0;
	return pte;
}

/* The frame of a mapped leaf. */
static inline ppn_t pte_leaf_ppn(pte_t pte)
{
	return pte_paddr(pte) >> 12;
}

/* The attributes of the leaf @pte: 0 if it is not mapped (whatever its lock bit), else the bits it
 * has, with GPT_LOCKED while locked and GPT_SMALL always (see pte_leaf). */
static inline uint32_t pte_leaf_attr(pte_t pte)
{
	uint32_t attr = GPT_MAPPED | GPT_SMALL;

	if (!(pte & PTE_MAPPED_BITS))
		return 0;
	attr |= (pte & PTE_P) ? GPT_READABLE : 0;
	attr |= (pte & PTE_RW) ? GPT_WRITABLE : 0;
	attr |= (pte & (PTE_P | PTE_XD)) == PTE_P ? GPT_EXECUTABLE : 0;
	attr |= (pte & PTE_US) ? GPT_USER : 0;
	attr |= (pte & PTE_G) ? GPT_GLOBAL : 0;
	attr |= (pte & PTE_PCD) ? 0 : GPT_CACHABLE;
	attr |= (pte & PTE_A) ? GPT_ACCESSED : 0;
	attr |= (pte & PTE_D) ? GPT_DIRTY : 0;
	attr |= (pte & PTE_COW) ? GPT_COW : 0;
	attr |= (pte & PTE_LOCKED) ? GPT_LOCKED : 0;
	return attr;
}

#endif /* ARCH_PTE_H */
