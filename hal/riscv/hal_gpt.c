/*
 * hal_gpt.c - the generic page table on RISC-V Sv39 (see hal_gpt.h).
 *
 * Shape. Three levels of 512-entry, one-page tables: the root (level 2, 1 GiB per entry), level 1
 * (2 MiB per entry) and level 0 (the 4 KiB leaves). The user half is root entries 0..255
 * (va < GPT_USER_VA_END); user leaves are always at level 0. Entries 256..511 of every root are a
 * copy of the cluster's kernel root, made at create: the direct map's 1 GiB leaves and pointers to
 * the kernel's own level-1 tables (stack area, image window), shared and never freed here.
 *
 * Where things live. All tables of a GPT are pages of the GPT's cluster, reached at their
 * direct-map address; every access to a table or to the gpt_t goes through hal_remote_* on
 * XPTR(that cluster, kva), so the reference cluster can work on the copy of another cluster.
 *
 * Concurrency. An intermediate entry goes from 0 to valid exactly once, by a compare-and-swap
 * (two cores installing the same table: the loser keeps its page as a spare and frees it), and is
 * cleared only by destroy. A leaf changes by compare-and-swap loops, so that a LOCKED bit another
 * core took meanwhile (or an A/D bit a hardware walker set) is never overwritten by a stale value;
 * the exception is hal_gpt_set_pte, the lock holder's release: one 64-bit store without LOCKED.
 * Documented in docs/gpt.md.
 */
#include <hal_boot.h>
#include <hal_gpt.h>
#include <hal_upcalls.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/printk.h>
#include <libk/errno.h>
#include <mm/ppm.h>

#include "mmu.h"

/* The GPT's software bits of a leaf PTE (Sv39 RSW, ignored by the hardware walker). */
#define PTE_COW     PTE_RSW0
#define PTE_LOCKED  PTE_RSW1

#define GPT_ROOT_LEVEL        2
#define GPT_USER_ROOT_ENTRIES (PT_ENTRIES / 2)
#define GPT_USER_VPN_END      (GPT_USER_VA_END >> CONFIG_PAGE_SHIFT)

_Static_assert(PT_ENTRIES * sizeof(pte_t) == CONFIG_PAGE_SIZE, "a table is one page");
_Static_assert(GPT_USER_VA_END == (uint64_t)GPT_USER_ROOT_ENTRIES << PT_LEVEL_SHIFT(GPT_ROOT_LEVEL),
	       "the user half is the lower half of the root");
_Static_assert(CONFIG_PAGE_SHIFT == PT_LEVEL_SHIFT(0), "Sv39 small pages");

#define GPT_F(gpt_xp, field) ((gpt_xp) + offsetof(gpt_t, field))

/*
 * User table pages of every GPT of the cluster, roots included (each cluster's replica of this
 * global counts the tables in its memory; hal_gpt_cluster_tables reads it): the page-table pages
 * of `free` and of the leak checks. Changed with tables_nr, atomically.
 */
static uint32_t gpt_cluster_tables;

/* Count @delta table pages in @gpt_xp's tables_nr and in its cluster's total. */
static void gpt_count_tables(xptr_t gpt_xp, int32_t delta)
{
	hal_remote_atomic_add32(GPT_F(gpt_xp, tables_nr), (uint32_t)delta);
	hal_remote_atomic_add32(XPTR(GET_CXY(gpt_xp), &gpt_cluster_tables), (uint32_t)delta);
}

uint32_t hal_gpt_cluster_tables(cxy_t cxy)
{
	return hal_remote_l32(XPTR(cxy, &gpt_cluster_tables));
}

/* The generic attributes that are one PTE bit each (the others are implied, see gpt_encode). */
static const struct {
	uint32_t attr;
	pte_t    bit;
} gpt_bits[] = {
	{ GPT_MAPPED, PTE_V },     { GPT_READABLE, PTE_R }, { GPT_WRITABLE, PTE_W },
	{ GPT_EXECUTABLE, PTE_X }, { GPT_USER, PTE_U },     { GPT_GLOBAL, PTE_G },
	{ GPT_ACCESSED, PTE_A },   { GPT_DIRTY, PTE_D },    { GPT_COW, PTE_COW },
	{ GPT_LOCKED, PTE_LOCKED },
};

/*
 * The leaf PTE for @attr and @ppn, without the LOCKED bit. Sv39 has no write-only pages (R=0, W=1
 * is reserved), so WRITABLE implies R. A is always set and D with W: the hardware may update A/D
 * itself or, without that option (Svade), raise a page fault on a PTE whose A (or, for a store, D)
 * is clear; presetting them spares the fault handler a second kind of fault on mapped pages.
 */
static pte_t gpt_encode(uint32_t attr, ppn_t ppn)
{
	pte_t pte = pte_make((paddr_t)ppn << CONFIG_PAGE_SHIFT, PTE_A);

	kassert(pte_paddr(pte) == (paddr_t)ppn << CONFIG_PAGE_SHIFT); /* ppn fits the PTE */
	for (size_t i = 0; i < sizeof(gpt_bits) / sizeof(gpt_bits[0]); i++)
		if (attr & gpt_bits[i].attr)
			pte |= gpt_bits[i].bit;
	if (pte & PTE_W)
		pte |= PTE_R | PTE_D;
	return pte & ~PTE_LOCKED;
}

/* Attributes and ppn of the leaf @pte: 0 and 0 if it is not valid. A user leaf is always a small,
 * cachable page, so a valid one reports GPT_SMALL and GPT_CACHABLE too. */
static void gpt_decode(pte_t pte, uint32_t *attr, ppn_t *ppn)
{
	*attr = 0;
	*ppn = 0;
	if (!(pte & PTE_V))
		return;
	for (size_t i = 0; i < sizeof(gpt_bits) / sizeof(gpt_bits[0]); i++)
		if (pte & gpt_bits[i].bit)
			*attr |= gpt_bits[i].attr;
	*attr |= GPT_SMALL | GPT_CACHABLE;
	*ppn = pte_paddr(pte) >> CONFIG_PAGE_SHIFT;
}

/* Extended pointer of the entry of @vpn in the table @table (level @level) of cluster @cxy. */
static xptr_t gpt_entry_xp(cxy_t cxy, void *table, vpn_t vpn, int level)
{
	return XPTR(cxy, (pte_t *)table + PT_INDEX((vaddr_t)vpn << CONFIG_PAGE_SHIFT, level));
}

/* The table an intermediate entry points at (direct-map address), NULL if the entry is not valid.
 * The user half holds no huge pages: a leaf here means a corrupt table. */
static void *gpt_next_table(xptr_t entry_xp)
{
	pte_t e = hal_remote_l64(entry_xp);

	if (!(e & PTE_V))
		return NULL;
	if (pte_is_leaf(e))
		panic("%s: leaf %lx in an intermediate table (cluster %u)", __func__,
		      (unsigned long)e, GET_CXY(entry_xp));
	return hal_paddr_to_kva(pte_paddr(e));
}

/*
 * Walk the GPT at @gpt_xp towards @vpn as far as its tables exist. Returns the deepest table
 * reached and in *level its level: 0 if the leaf table exists, else the level of the first
 * invalid entry on the way (whose level-1 tables, 1 or 2, are missing).
 */
static void *gpt_walk(xptr_t gpt_xp, vpn_t vpn, int *level)
{
	cxy_t cxy = GET_CXY(gpt_xp);
	void *table = hal_remote_lpt(GPT_F(gpt_xp, root));
	int l;

	for (l = GPT_ROOT_LEVEL; l > 0; l--) {
		void *next = gpt_next_table(gpt_entry_xp(cxy, table, vpn, l));

		if (!next)
			break;
		table = next;
	}
	*level = l;
	return table;
}

/* The leaf PTE of @vpn, XPTR_NULL if a table on the way is missing. */
static xptr_t gpt_leaf_lookup(xptr_t gpt_xp, vpn_t vpn)
{
	int level;
	void *table = gpt_walk(gpt_xp, vpn, &level);

	return level == 0 ? gpt_entry_xp(GET_CXY(gpt_xp), table, vpn, 0) : XPTR_NULL;
}

/* Zeroed table pages allocated before a walk installs them (one per missing level at most). */
typedef struct gpt_spares_s {
	xptr_t   page[GPT_ROOT_LEVEL];
	uint32_t nr;
} gpt_spares_t;

/* Give the unused spares back to their PPM. */
static void gpt_spares_free(gpt_spares_t *s)
{
	while (s->nr)
		ppm_remote_free_pages(s->page[--s->nr]);
}

/* Allocate @n zeroed table pages in cluster @cxy into @s. ENOMEM with none allocated. */
static error_t gpt_spares_alloc(cxy_t cxy, int n, gpt_spares_t *s)
{
	while ((int)s->nr < n) {
		xptr_t page_xp = ppm_remote_alloc_pages(cxy, 0);

		if (page_xp == XPTR_NULL) {
			gpt_spares_free(s);
			return ENOMEM;
		}
		hal_remote_memset(XPTR(cxy, ppm_page2kva(page_xp)), 0, CONFIG_PAGE_SIZE);
		s->page[s->nr++] = page_xp;
	}
	return 0;
}

/*
 * Make the invalid-or-valid entry @entry_xp point at a table and return that table: the one
 * another core installed meanwhile, or a spare of @s installed by compare-and-swap (counted in
 * tables_nr). The cas orders the spare's zeroing before its publication.
 */
static void *gpt_install(xptr_t gpt_xp, xptr_t entry_xp, gpt_spares_t *s)
{
	for (;;) {
		pte_t old = hal_remote_l64(entry_xp);
		xptr_t page_xp;

		if (old & PTE_V)
			return gpt_next_table(entry_xp);
		if (s->nr == 0) /* tables are never removed: the count of missing ones only drops */
			panic("%s: no spare table left", __func__);
		page_xp = s->page[s->nr - 1];
		if (hal_remote_atomic_cas64(entry_xp, old, pte_make(ppm_page2base(page_xp), PTE_V))) {
			s->nr--;
			gpt_count_tables(gpt_xp, 1);
			return ppm_page2kva(page_xp);
		}
	}
}

/*
 * The leaf PTE of @vpn in *pte_xp, installing the missing tables (allocated in the GPT's cluster
 * before anything is installed). ENOMEM with nothing changed.
 */
static error_t gpt_leaf_alloc(xptr_t gpt_xp, vpn_t vpn, xptr_t *pte_xp)
{
	cxy_t cxy = GET_CXY(gpt_xp);
	gpt_spares_t spares = { .nr = 0 };
	int level;
	void *table = gpt_walk(gpt_xp, vpn, &level);

	if (level > 0) {
		error_t error = gpt_spares_alloc(cxy, level, &spares);

		if (error)
			return error;
		for (; level > 0; level--)
			table = gpt_install(gpt_xp, gpt_entry_xp(cxy, table, vpn, level), &spares);
		gpt_spares_free(&spares); /* pages of the tables other cores installed first */
	}
	*pte_xp = gpt_entry_xp(cxy, table, vpn, 0);
	return 0;
}

/* ---- create, destroy, activate ---- */

error_t hal_gpt_create(gpt_t *gpt)
{
	xptr_t gpt_xp = XPTR(local_cxy, gpt);
	xptr_t page_xp = ppm_alloc_pages(0);
	const pte_t *kroot = hal_paddr_to_kva(boot_info.cluster[local_cxy].pt_root_pa);
	pte_t *root;

	if (page_xp == XPTR_NULL)
		return ENOMEM;
	root = ppm_page2kva(page_xp);
	hal_remote_memset(XPTR(local_cxy, root), 0, GPT_USER_ROOT_ENTRIES * sizeof(pte_t));
	/* The kernel's root entries are final once boot built them (what they point at may grow,
	 * e.g. new kernel stacks, and is shared), so a copy made now stays right. */
	hal_remote_memcpy(XPTR(local_cxy, root + GPT_USER_ROOT_ENTRIES),
			  XPTR(local_cxy, kroot + GPT_USER_ROOT_ENTRIES),
			  (PT_ENTRIES - GPT_USER_ROOT_ENTRIES) * sizeof(pte_t));
	hal_remote_spt(GPT_F(gpt_xp, root), root);
	hal_remote_s64(GPT_F(gpt_xp, root_pa), ppm_page2base(page_xp));
	hal_remote_s32(GPT_F(gpt_xp, tables_nr), 0);
	gpt_count_tables(gpt_xp, 1);
	return 0;
}

/* Free the table at @pa (a page of the GPT's cluster) and uncount it. */
static void gpt_free_table(xptr_t gpt_xp, paddr_t pa)
{
	xptr_t page_xp = ppm_base2page(pa);

	if (page_xp == XPTR_NULL || GET_CXY(page_xp) != GET_CXY(gpt_xp))
		panic("%s: table %lx is not a page of cluster %u", __func__, (unsigned long)pa,
		      GET_CXY(gpt_xp));
	ppm_remote_free_pages(page_xp);
	gpt_count_tables(gpt_xp, -1);
}

/* Free the level-1 table at @pa and the level-0 tables it points at. */
static void gpt_free_l1(xptr_t gpt_xp, paddr_t pa)
{
	pte_t *l1 = hal_paddr_to_kva(pa);

	for (uint32_t i = 0; i < PT_ENTRIES; i++) {
		xptr_t entry_xp = XPTR(GET_CXY(gpt_xp), l1 + i);

		if (gpt_next_table(entry_xp))
			gpt_free_table(gpt_xp, pte_paddr(hal_remote_l64(entry_xp)));
	}
	gpt_free_table(gpt_xp, pa);
}

void hal_gpt_destroy(gpt_t *gpt)
{
	xptr_t gpt_xp = XPTR(local_cxy, gpt);
	pte_t *root = hal_remote_lpt(GPT_F(gpt_xp, root));

	kassert(root != NULL);
	for (uint32_t i = 0; i < GPT_USER_ROOT_ENTRIES; i++) {
		xptr_t entry_xp = XPTR(local_cxy, root + i);

		if (gpt_next_table(entry_xp))
			gpt_free_l1(gpt_xp, pte_paddr(hal_remote_l64(entry_xp)));
	}
	gpt_free_table(gpt_xp, hal_remote_l64(GPT_F(gpt_xp, root_pa)));
	kassert(hal_remote_l32(GPT_F(gpt_xp, tables_nr)) == 0);
	hal_remote_spt(GPT_F(gpt_xp, root), NULL);
	hal_remote_s64(GPT_F(gpt_xp, root_pa), 0);
}

void hal_gpt_activate(const gpt_t *gpt)
{
	paddr_t root_pa = boot_info.cluster[local_cxy].pt_root_pa;

	if (gpt) {
		root_pa = hal_remote_l64(XPTR(local_cxy, &gpt->root_pa));
		/* The hardware walks the tables without hal_remote_*: they must be this cluster's. */
		kassert(root_pa != 0 && cluster_of_paddr(root_pa) == local_cxy);
	}
	riscv_mmu_switch_root(root_pa);
}

/* ---- PTE operations ---- */

/* Take the lock bit of the PTE at @pte_xp, waiting while another core holds it; its attributes
 * and ppn as they were. */
static void pte_lock(xptr_t pte_xp, uint32_t *attr, ppn_t *ppn)
{
	uint32_t rounds = 0;
	pte_t old;

	for (;;) {
		old = hal_remote_l64(pte_xp);
		if (old & PTE_LOCKED)
			kernel_lock_wait(++rounds);
		else if (hal_remote_atomic_cas64(pte_xp, old, old | PTE_LOCKED))
			break;
	}
	gpt_decode(old, attr, ppn);
}

error_t hal_gpt_lock_pte(xptr_t gpt_xp, vpn_t vpn, uint32_t *attr, ppn_t *ppn)
{
	xptr_t pte_xp;
	error_t error;

	if (vpn >= GPT_USER_VPN_END)
		return EINVAL;
	error = gpt_leaf_alloc(gpt_xp, vpn, &pte_xp);
	if (error)
		return error;
	pte_lock(pte_xp, attr, ppn);
	return 0;
}

bool hal_gpt_lock_pte_if_present(xptr_t gpt_xp, vpn_t vpn, uint32_t *attr, ppn_t *ppn)
{
	xptr_t pte_xp = vpn < GPT_USER_VPN_END ? gpt_leaf_lookup(gpt_xp, vpn) : XPTR_NULL;

	if (pte_xp == XPTR_NULL)
		return false;
	pte_lock(pte_xp, attr, ppn);
	return true;
}

/* The leaf of @vpn, which the caller locked: panics if it is not locked. */
static xptr_t gpt_locked_leaf(xptr_t gpt_xp, vpn_t vpn, const char *caller)
{
	xptr_t pte_xp = vpn < GPT_USER_VPN_END ? gpt_leaf_lookup(gpt_xp, vpn) : XPTR_NULL;

	if (pte_xp == XPTR_NULL || !(hal_remote_l64(pte_xp) & PTE_LOCKED))
		panic("%s: the PTE of vpn %lx (gpt %lx) is not locked", caller, (unsigned long)vpn,
		      (unsigned long)gpt_xp);
	return pte_xp;
}

void hal_gpt_unlock_pte(xptr_t gpt_xp, vpn_t vpn)
{
	xptr_t pte_xp = gpt_locked_leaf(gpt_xp, vpn, __func__);
	pte_t old;

	do
		old = hal_remote_l64(pte_xp);
	while (!hal_remote_atomic_cas64(pte_xp, old, old & ~PTE_LOCKED));
}

void hal_gpt_set_pte(xptr_t gpt_xp, vpn_t vpn, uint32_t attr, ppn_t ppn)
{
	xptr_t pte_xp = gpt_locked_leaf(gpt_xp, vpn, __func__);

	kassert(attr & GPT_MAPPED);
	/* What the caller wrote in the frame is visible before the mapping that reveals it. */
	hal_fence();
	hal_remote_s64(pte_xp, gpt_encode(attr, ppn));
}

void hal_gpt_get_pte(xptr_t gpt_xp, vpn_t vpn, uint32_t *attr, ppn_t *ppn)
{
	xptr_t pte_xp = vpn < GPT_USER_VPN_END ? gpt_leaf_lookup(gpt_xp, vpn) : XPTR_NULL;

	gpt_decode(pte_xp == XPTR_NULL ? 0 : hal_remote_l64(pte_xp), attr, ppn);
}

void hal_gpt_reset_pte(xptr_t gpt_xp, vpn_t vpn)
{
	xptr_t pte_xp = vpn < GPT_USER_VPN_END ? gpt_leaf_lookup(gpt_xp, vpn) : XPTR_NULL;
	pte_t old;

	if (pte_xp == XPTR_NULL)
		return;
	do {
		old = hal_remote_l64(pte_xp);
		if (!(old & PTE_V))
			return;
	} while (!hal_remote_atomic_cas64(pte_xp, old, old & PTE_LOCKED));
}

void hal_gpt_update_pte(xptr_t gpt_xp, vpn_t vpn, uint32_t attr, ppn_t ppn)
{
	xptr_t pte_xp = vpn < GPT_USER_VPN_END ? gpt_leaf_lookup(gpt_xp, vpn) : XPTR_NULL;
	pte_t old, pte = gpt_encode(attr, ppn);

	kassert(attr & GPT_MAPPED);
	if (pte_xp == XPTR_NULL)
		return;
	do {
		old = hal_remote_l64(pte_xp);
		if (!(old & PTE_V))
			return;
	} while (!hal_remote_atomic_cas64(pte_xp, old, pte | (old & PTE_LOCKED)));
}

error_t hal_gpt_pte_copy(xptr_t dst_gpt_xp, vpn_t dst_vpn, xptr_t src_gpt_xp, vpn_t src_vpn, bool cow,
			 ppn_t *ppn, bool *mapped)
{
	xptr_t src_xp, dst_xp;
	pte_t pte, old;
	error_t error;

	*mapped = false;
	*ppn = 0;
	if (dst_vpn >= GPT_USER_VPN_END || src_vpn >= GPT_USER_VPN_END)
		return EINVAL;
	src_xp = gpt_leaf_lookup(src_gpt_xp, src_vpn);
	pte = src_xp == XPTR_NULL ? 0 : hal_remote_l64(src_xp) & ~PTE_LOCKED;
	if (!(pte & PTE_V))
		return 0;
	*mapped = true;
	*ppn = pte_paddr(pte) >> CONFIG_PAGE_SHIFT;
	if (cow && (pte & PTE_W))
		pte = (pte & ~PTE_W) | PTE_COW;
	error = gpt_leaf_alloc(dst_gpt_xp, dst_vpn, &dst_xp);
	if (error)
		return error;
	do
		old = hal_remote_l64(dst_xp);
	while (!hal_remote_atomic_cas64(dst_xp, old, pte | (old & PTE_LOCKED)));
	return 0;
}

vpn_t hal_gpt_next_mapped(xptr_t gpt_xp, vpn_t vpn, vpn_t end)
{
	if (end > GPT_USER_VPN_END)
		end = GPT_USER_VPN_END;
	while (vpn < end) {
		int level;
		void *table = gpt_walk(gpt_xp, vpn, &level);

		if (level > 0) { /* a hole: skip what the invalid entry at @level would map */
			vpn_t span = (vpn_t)1 << (PT_LEVEL_SHIFT(level) - CONFIG_PAGE_SHIFT);

			vpn = (vpn & ~(span - 1)) + span;
			continue;
		}
		if (hal_remote_l64(gpt_entry_xp(GET_CXY(gpt_xp), table, vpn, 0)) & (PTE_V | PTE_LOCKED))
			return vpn;
		vpn++;
	}
	return end;
}

void hal_gpt_set_cow(xptr_t gpt_xp, vpn_t vpn_base, vpn_t vpn_size)
{
	vpn_t end = vpn_base + vpn_size, vpn = vpn_base;
	uint32_t rounds = 0;

	kassert(end >= vpn_base && end <= GPT_USER_VPN_END);
	if (end < vpn_base || end > GPT_USER_VPN_END)
		end = GPT_USER_VPN_END;
	while (vpn < end) {
		int level;
		void *table = gpt_walk(gpt_xp, vpn, &level);
		xptr_t pte_xp;
		pte_t old;

		if (level > 0) { /* a hole: skip what the invalid entry at @level would map */
			vpn_t span = (vpn_t)1 << (PT_LEVEL_SHIFT(level) - CONFIG_PAGE_SHIFT);

			vpn = (vpn & ~(span - 1)) + span;
			continue;
		}
		pte_xp = gpt_entry_xp(GET_CXY(gpt_xp), table, vpn, 0);
		for (;;) {
			old = hal_remote_l64(pte_xp);
			if (old & PTE_LOCKED) { /* a fault is filling it: let it finish, then mark it */
				kernel_lock_wait(++rounds);
				continue;
			}
			if ((old & (PTE_V | PTE_W)) != (PTE_V | PTE_W) ||
			    hal_remote_atomic_cas64(pte_xp, old, (old & ~PTE_W) | PTE_COW))
				break;
		}
		vpn++;
	}
}
