/*
 * gpt_fixture.c - simulated clusters with kernel page tables for host tests of the generic page
 * table (see gpt_fixture.h), and the test of the switch of root that every architecture shares
 * (hal/common/hal_gpt_root.c); the architecture's part is gpt_fixture_<arch>.c.
 */
#include "gpt_fixture.h"
#include "htest.h"

#include <string.h>
#include <time.h>

#define PAGE CONFIG_PAGE_SIZE

boot_info_t boot_info;
pte_t gfix_kroot[FIX_MAX_CLUSTERS][PTE_ENTRIES] __attribute__((aligned(CONFIG_PAGE_SIZE)));

/* A recognisable kernel root entry of cluster @cxy, index @i; junk in the user half, which
 * hal_gpt_create must not copy. */
static pte_t kroot_entry(cxy_t cxy, uint32_t i)
{
	if (i < PTE_ROOT_USER_ENTRIES)
		return 0xdead0000u | i;
	return ((paddr_t)cxy << 32) | ((paddr_t)i << 12) | gfix_arch.table_bit | (i & 1 ? 2 : 0);
}

void gfix_setup(uint32_t n)
{
	fix_setup(n, GFIX_CLUSTER_SIZE);
	memset(&boot_info, 0, sizeof(boot_info));
	boot_info.clusters_nr = n;
	for (cxy_t c = 0; c < n; c++) {
		for (uint32_t i = 0; i < PTE_ENTRIES; i++)
			gfix_kroot[c][i] = kroot_entry(c, i);
		boot_info.cluster[c].pt_root_pa = (paddr_t)(uintptr_t)gfix_kroot[c];
		boot_info.cluster[c].mem_base = fix_clusters[c].base;
		boot_info.cluster[c].mem_size = fix_clusters[c].size;
	}
}

uint64_t gfix_free_pages(cxy_t cxy)
{
	ppm_stats_t s;

	ppm_stats(cxy, &s);
	return s.free_pages;
}

/* The index of @vpn's entry in a table of level @l. */
static uint32_t index_at(vpn_t vpn, int l)
{
	return (uint32_t)(vpn >> (9 * l)) & 511;
}

pte_t *gfix_raw_leaf(const gpt_t *gpt, vpn_t vpn)
{
	pte_t *t = gpt->root;

	for (int l = LEVELS - 1; l > 0; l--) {
		pte_t e = t[index_at(vpn, l)];

		if (!(e & gfix_arch.table_bit))
			return NULL;
		t = (pte_t *)(uintptr_t)gfix_arch.entry_pa(e);
	}
	return &t[index_at(vpn, 0)];
}

pte_t gfix_raw(const gpt_t *gpt, vpn_t vpn)
{
	pte_t *p = gfix_raw_leaf(gpt, vpn);

	return p ? *p : 0;
}

/* Tables reachable from the first @n entries of the level-@l table @t, @t included; *all_in_cxy
 * is cleared if one is not in cluster @cxy's memory. */
static uint32_t count_below(const pte_t *t, int l, uint32_t n, cxy_t cxy, bool *all_in_cxy)
{
	uint32_t count = 1;

	*all_in_cxy &= cluster_of_paddr((paddr_t)(uintptr_t)t) == cxy;
	if (l == 0)
		return count;
	for (uint32_t i = 0; i < n; i++)
		if (t[i] & gfix_arch.table_bit)
			count += count_below((const pte_t *)(uintptr_t)gfix_arch.entry_pa(t[i]), l - 1,
					     512, cxy, all_in_cxy);
	return count;
}

bool gfix_tables_ok(const gpt_t *gpt, cxy_t cxy)
{
	bool in_cxy = cluster_of_paddr(gpt->root_pa) == cxy;
	uint32_t n = count_below(gpt->root, LEVELS - 1, 256, cxy, &in_cxy);

	return n == gpt->tables_nr && in_cxy;
}

bool gfix_kernel_half_ok(const gpt_t *gpt, cxy_t cxy)
{
	return memcmp((const pte_t *)gpt->root + 256, &gfix_kroot[cxy][256], 256 * sizeof(pte_t)) == 0;
}

error_t gfix_create_in(cxy_t cxy, gpt_t *gpt)
{
	cxy_t saved = local_cxy;
	error_t err;

	local_cxy = cxy;
	err = hal_gpt_create(gpt);
	local_cxy = saved;
	return err;
}

void gfix_destroy_in(cxy_t cxy, gpt_t *gpt)
{
	cxy_t saved = local_cxy;

	local_cxy = cxy;
	hal_gpt_destroy(gpt);
	local_cxy = saved;
}

error_t gfix_map(xptr_t gpt_xp, vpn_t vpn, uint32_t attr, ppn_t ppn)
{
	gpt_pte_t pte;
	uint32_t a;
	ppn_t p;
	error_t err = hal_gpt_lock_pte(gpt_xp, vpn, &pte, &a, &p);

	if (err == 0)
		hal_gpt_pte_set(&pte, attr | GPT_MAPPED, ppn);
	return err;
}

bool gfix_pte_is(xptr_t gpt_xp, vpn_t vpn, uint32_t attr, ppn_t ppn)
{
	uint32_t a;
	ppn_t p;

	hal_gpt_get_pte(gpt_xp, vpn, &a, &p);
	return a == attr && p == ppn;
}

gpt_pte_t gfix_handle(xptr_t gpt_xp, vpn_t vpn)
{
	gpt_cursor_t c;
	gpt_pte_t pte = { XPTR_NULL, vpn };

	hal_gpt_cursor_init(&c, gpt_xp);
	if (hal_gpt_cursor_pte(&c, vpn, &pte) != 0)
		ht_fail(__FILE__, __LINE__, "gfix_handle: no handle");
	return pte;
}

/* The kernel's answer to a contended HAL lock (hal_upcalls.h): host threads just give way. */
void kernel_lock_wait(uint32_t rounds)
{
	if (rounds % 256 == 0) {
		const struct timespec us = { 0, 1000 };
		nanosleep(&us, NULL);
	}
}

static paddr_t switched_root;
static int switch_calls;

/* Stands in for the architecture's hal_mmu_switch_root (hal_tlb.c: satp, CR3) on the host. */
void hal_mmu_switch_root(paddr_t root_pa)
{
	switched_root = root_pa;
	switch_calls++;
}

/* hal_gpt_activate switches to the local GPT's root, refuses another cluster's, and NULL is the
 * cluster's kernel root (hal_gpt_kernel_root: boot_info's). */
HT_TEST(activate_the_local_gpt_only)
{
	gpt_t gpt0, gpt1;

	gfix_setup(2);
	HT_CHECK(hal_gpt_kernel_root(1) == (paddr_t)(uintptr_t)gfix_kroot[1]);
	HT_REQUIRE(gfix_create_in(0, &gpt0) == 0 && gfix_create_in(1, &gpt1) == 0);
	switch_calls = 0;
	hal_gpt_activate(&gpt0);
	HT_CHECK(switch_calls == 1 && switched_root == gpt0.root_pa);
	HT_EXPECT_PANIC(hal_gpt_activate(&gpt1));
	HT_CHECK(switch_calls == 1);
	hal_gpt_activate(NULL); /* the kernel table alone */
	HT_CHECK(switch_calls == 2 && switched_root == (paddr_t)(uintptr_t)gfix_kroot[0]);
	gfix_destroy_in(0, &gpt0);
	gfix_destroy_in(1, &gpt1);
	fix_teardown();
}
