/*
 * gpt_fixture_sv39.c - the RISC-V Sv39 part of the GPT host tests (gpt_fixture.h): the format as
 * the privileged specification states it, written without <arch/pte.h>'s helpers.
 */
#include "gpt_fixture.h"
#include "htest.h"

/* Sv39 PTE: V R W X U G A D at bits 0-7, RSW at 8-9, PPN at 10-53. The GPT keeps COW in RSW bit 8
 * and its lock in RSW bit 9. */
static paddr_t sv39_entry_pa(pte_t e)
{
	return ((e >> 10) & ((1ull << 44) - 1)) << 12;
}

/* A written leaf: V, A always; W brings R and D (R=0 W=1 is reserved; A/D preset). */
static pte_t sv39_leaf(uint32_t attr, ppn_t ppn)
{
	pte_t pte = (ppn << 10) | 1u << 0 | 1u << 6;

	if (attr & (GPT_READABLE | GPT_WRITABLE))
		pte |= 1u << 1;
	if (attr & GPT_WRITABLE)
		pte |= 1u << 2 | 1u << 7;
	if (attr & GPT_EXECUTABLE)
		pte |= 1u << 3;
	if (attr & GPT_USER)
		pte |= 1u << 4;
	if (attr & GPT_GLOBAL)
		pte |= 1u << 5;
	if (attr & GPT_DIRTY)
		pte |= 1u << 7;
	if (attr & GPT_COW)
		pte |= 1u << 8;
	return pte;
}

/* A valid leaf reports small and cachable (no Svpbmt), A always, R and D with W. */
static uint32_t sv39_attr(uint32_t attr)
{
	attr = (attr & ~GPT_LOCKED) | GPT_MAPPED | GPT_SMALL | GPT_CACHABLE | GPT_ACCESSED;
	if (attr & GPT_WRITABLE)
		attr |= GPT_READABLE | GPT_DIRTY;
	return attr;
}

const gfix_arch_t gfix_arch = {
	.name = "sv39", .levels = 3, .table_bit = 1u << 0,
	.locked_bit = 1u << 9, .cow_bit = 1u << 8,
	.entry_pa = sv39_entry_pa, .leaf = sv39_leaf, .attr = sv39_attr,
};

HT_TEST(sv39_arch_header_matches_the_spec)
{
	HT_CHECK(PTE_LEVELS == 3 && PTE_ENTRIES == 512 && PTE_LEVEL_SHIFT(2) == 30);
	HT_CHECK(GPT_USER_VA_END == 0x4000000000ull); /* 256 GiB: the root's lower half */
	HT_CHECK(PTE_LOCKED == 1u << 9 && PTE_COW == 1u << 8 && PTE_WRITE == 1u << 2);
	HT_CHECK(pte_table(0x87654000) == ((0x87654000ull >> 12) << 10 | 1));
	HT_CHECK(pte_table_paddr(pte_table(0x87654000)) == 0x87654000);
	/* a valid entry with R, W or X maps a (huge) page instead of pointing at a table */
	HT_CHECK(!pte_table_is_leaf(1) && pte_table_is_leaf(1 | 2) && pte_table_is_leaf(1 | 8));
}
