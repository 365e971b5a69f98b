/*
 * gpt_fixture_x86_64.c - the x86_64 part of the GPT host tests (gpt_fixture.h): 4-level paging as
 * the Intel SDM (vol. 3A, "4-Level Paging") and the AMD APM (vol. 2, "Long-Mode Page Translation")
 * state it, written without <arch/pte.h>'s helpers.
 */
#include "gpt_fixture.h"
#include "htest.h"

/* An entry: P RW US PWT PCD A D PS/PAT G at bits 0-8, bits 9-11 ignored (the GPT: COW 9, lock 10,
 * mapped-without-access 11), the address at 12-51, XD at 63. */
static paddr_t x86_entry_pa(pte_t e)
{
	return e & 0x000ffffffffff000ull;
}

/* A written leaf: A always; P if any access (P alone makes a page readable), else bit 11; RW with
 * D; XD without execute; US, G; PCD|PWT when not cachable; COW at bit 9. */
static pte_t x86_leaf(uint32_t attr, ppn_t ppn)
{
	pte_t pte = (ppn << 12) | 1u << 5;

	pte |= (attr & (GPT_READABLE | GPT_WRITABLE | GPT_EXECUTABLE)) ? 1u << 0 : 1u << 11;
	if (attr & GPT_WRITABLE)
		pte |= 1u << 1 | 1u << 6;
	if (attr & GPT_USER)
		pte |= 1u << 2;
	if (!(attr & GPT_CACHABLE))
		pte |= 1u << 3 | 1u << 4;
	if (attr & GPT_DIRTY)
		pte |= 1u << 6;
	if (attr & GPT_GLOBAL)
		pte |= 1u << 8;
	if (attr & GPT_COW)
		pte |= 1u << 9;
	if (!(attr & GPT_EXECUTABLE))
		pte |= 1ull << 63;
	return pte;
}

/* A mapped leaf reports small, A always, D with W, and readable with any access. */
static uint32_t x86_attr(uint32_t attr)
{
	attr = (attr & ~GPT_LOCKED) | GPT_MAPPED | GPT_SMALL | GPT_ACCESSED;
	if (attr & GPT_WRITABLE)
		attr |= GPT_DIRTY;
	if (attr & (GPT_READABLE | GPT_WRITABLE | GPT_EXECUTABLE))
		attr |= GPT_READABLE;
	return attr;
}

const gfix_arch_t gfix_arch = {
	.name = "x86_64", .levels = 4, .table_bit = 1u << 0,
	.locked_bit = 1u << 10, .cow_bit = 1u << 9,
	.entry_pa = x86_entry_pa, .leaf = x86_leaf, .attr = x86_attr,
};

HT_TEST(x86_64_arch_header_matches_the_manuals)
{
	HT_CHECK(PTE_LEVELS == 4 && PTE_ENTRIES == 512 && PTE_LEVEL_SHIFT(3) == 39);
	HT_CHECK(GPT_USER_VA_END == 0x800000000000ull); /* 128 TiB: the lower canonical half */
	HT_CHECK(PTE_LOCKED == 1u << 10 && PTE_COW == 1u << 9 && PTE_WRITE == 1u << 1);
	/* a table entry: present, writable, user (permissions combine across levels), accessed */
	HT_CHECK(pte_table(0x123456789000) == (0x123456789000ull | 1 | 2 | 4 | 0x20));
	HT_CHECK(pte_table_paddr(pte_table(0x123456789000)) == 0x123456789000);
	/* PS (bit 7) in a PDPT or PD entry maps a huge page */
	HT_CHECK(!pte_table_is_leaf(1) && pte_table_is_leaf(1 | 0x80));
}

/* PROT_NONE: a mapped page without access is not present to the processor, yet the GPT reports it
 * mapped with its frame, and an mprotect back makes it present again. */
HT_TEST(x86_64_mapped_without_access)
{
	gpt_t gpt;
	xptr_t xp = XPTR(0, &gpt);
	gpt_pte_t pte;

	gfix_setup(1);
	HT_REQUIRE(hal_gpt_create(&gpt) == 0);
	HT_REQUIRE(gfix_map(xp, 42, GPT_USER | GPT_CACHABLE, 0x1234) == 0);
	HT_CHECK(!(gfix_raw(&gpt, 42) & 1) && (gfix_raw(&gpt, 42) & 1u << 11));
	HT_CHECK(gfix_pte_is(xp, 42, GPT_MAPPED | GPT_SMALL | GPT_ACCESSED | GPT_USER | GPT_CACHABLE,
			     0x1234));
	pte = gfix_handle(xp, 42);
	hal_gpt_pte_update(&pte, GPT_MAPPED | GPT_READABLE | GPT_USER | GPT_CACHABLE, 0x1234);
	HT_CHECK((gfix_raw(&gpt, 42) & 1) && !(gfix_raw(&gpt, 42) & 1u << 11));
	hal_gpt_pte_reset(&pte);
	HT_CHECK(gfix_raw(&gpt, 42) == 0);
	hal_gpt_destroy(&gpt);
	fix_teardown();
}
