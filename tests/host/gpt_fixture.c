/*
 * gpt_fixture.c - simulated clusters with kernel page tables for hal_gpt host tests (see
 * gpt_fixture.h).
 */
#include "gpt_fixture.h"

#include <string.h>
#include <time.h>

#define PAGE CONFIG_PAGE_SIZE

boot_info_t boot_info;
pte_t gfix_kroot[FIX_MAX_CLUSTERS][PT_ENTRIES] __attribute__((aligned(CONFIG_PAGE_SIZE)));
paddr_t gfix_switched_root;
int gfix_switch_calls;

/* Stands in for hal_tlb.c's satp write on the host. */
void riscv_mmu_switch_root(paddr_t root_pa)
{
	gfix_switched_root = root_pa;
	gfix_switch_calls++;
}

/* A recognisable kernel root entry of cluster @cxy, index @i; junk in the user half, which
 * hal_gpt_create must not copy. */
static pte_t kroot_entry(cxy_t cxy, uint32_t i)
{
	if (i < PT_ENTRIES / 2)
		return 0xdead0000u | i;
	return pte_make(((paddr_t)cxy << 32) | ((paddr_t)i << 12), PTE_V | PTE_G | (i & 1 ? PTE_R : 0));
}

void gfix_setup(uint32_t n)
{
	fix_setup(n, GFIX_CLUSTER_SIZE);
	memset(&boot_info, 0, sizeof(boot_info));
	boot_info.clusters_nr = n;
	for (cxy_t c = 0; c < n; c++) {
		for (uint32_t i = 0; i < PT_ENTRIES; i++)
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

pte_t *gfix_raw_leaf(const gpt_t *gpt, vpn_t vpn)
{
	pte_t *t = gpt->root;

	for (int l = 2; l > 0; l--) {
		pte_t e = t[PT_INDEX(vpn * PAGE, l)];

		if (!(e & PTE_V) || pte_is_leaf(e))
			return NULL;
		t = (pte_t *)(uintptr_t)pte_paddr(e);
	}
	return &t[PT_INDEX(vpn * PAGE, 0)];
}

pte_t gfix_raw(const gpt_t *gpt, vpn_t vpn)
{
	pte_t *p = gfix_raw_leaf(gpt, vpn);

	return p ? *p : 0;
}

/* Table pages reachable from the user half of @gpt's root, the root included; *all_in_cxy tells
 * whether all are in cluster @cxy's memory. */
static uint32_t count_tables(const gpt_t *gpt, cxy_t cxy, bool *all_in_cxy)
{
	const pte_t *root = gpt->root;
	uint32_t n = 1;

	*all_in_cxy = cluster_of_paddr(gpt->root_pa) == cxy;
	for (uint32_t i = 0; i < PT_ENTRIES / 2; i++) {
		const pte_t *l1 = (const pte_t *)(uintptr_t)pte_paddr(root[i]);

		if (!(root[i] & PTE_V))
			continue;
		n++;
		*all_in_cxy &= cluster_of_paddr(pte_paddr(root[i])) == cxy;
		for (uint32_t j = 0; j < PT_ENTRIES; j++) {
			if (!(l1[j] & PTE_V))
				continue;
			n++;
			*all_in_cxy &= cluster_of_paddr(pte_paddr(l1[j])) == cxy;
		}
	}
	return n;
}

bool gfix_tables_ok(const gpt_t *gpt, cxy_t cxy)
{
	bool in_cxy;

	return count_tables(gpt, cxy, &in_cxy) == gpt->tables_nr && in_cxy;
}

bool gfix_kernel_half_ok(const gpt_t *gpt, cxy_t cxy)
{
	return memcmp((const pte_t *)gpt->root + PT_ENTRIES / 2, &gfix_kroot[cxy][PT_ENTRIES / 2],
		      PT_ENTRIES / 2 * sizeof(pte_t)) == 0;
}

/* RISC-V: a valid user leaf is small and cachable; A always, R and D with W (hal_gpt.c). */
uint32_t gfix_attr(uint32_t attr)
{
	attr = (attr & ~GPT_LOCKED) | GPT_MAPPED | GPT_SMALL | GPT_CACHABLE | GPT_ACCESSED;
	if (attr & GPT_WRITABLE)
		attr |= GPT_READABLE | GPT_DIRTY;
	return attr;
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
	uint32_t a;
	ppn_t p;
	error_t err = hal_gpt_lock_pte(gpt_xp, vpn, &a, &p);

	if (err == 0)
		hal_gpt_set_pte(gpt_xp, vpn, attr | GPT_MAPPED, ppn);
	return err;
}

bool gfix_pte_is(xptr_t gpt_xp, vpn_t vpn, uint32_t attr, ppn_t ppn)
{
	uint32_t a;
	ppn_t p;

	hal_gpt_get_pte(gpt_xp, vpn, &a, &p);
	return a == attr && p == ppn;
}

/* The kernel's answer to a contended HAL lock (hal_upcalls.h): host threads just give way. */
void kernel_lock_wait(uint32_t rounds)
{
	if (rounds % 256 == 0) {
		const struct timespec us = { 0, 1000 };
		nanosleep(&us, NULL);
	}
}
