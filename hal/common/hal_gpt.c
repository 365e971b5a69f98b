/*
 * hal_gpt.c - the generic page table, one implementation for every architecture (see hal_gpt.h and
 * docs/gpt.md).
 *
 * Shape. PTE_LEVELS levels of PTE_ENTRIES-entry, one-page tables (<arch/pte.h>): the root is level
 * PTE_LEVELS - 1, user leaves are always at level 0 (no huge user pages). The user half is root
 * entries [0, PTE_ROOT_USER_ENTRIES); the other root entries are a copy of the cluster's kernel root,
 * made at create: shared, never freed here.
 *
 * Where things live. All tables of a GPT are pages of the GPT's cluster, reached at their
 * direct-map address; every access to a table or to the gpt_t goes through hal_remote_* on
 * XPTR(that cluster, kva), so the reference cluster can work on the copy of another cluster. Scans
 * read a run of entries with one hal_remote_find64, so a sparse range costs what is mapped in it.
 *
 * Concurrency. An intermediate entry goes from 0 to a table exactly once, by a compare-and-swap
 * (two cores installing the same table: the loser keeps its page as a spare and frees it), and is
 * cleared only by destroy: so a table, and any handle or cursor into it, stays valid as long as the
 * GPT. A leaf changes by compare-and-swap loops, so that a LOCKED bit another core took meanwhile
 * (or an A/D bit a hardware walker set) is never overwritten by a stale value; the exception is
 * hal_gpt_pte_set, the lock holder's release: one 64-bit store without LOCKED.
 */
#include <hal_gpt.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <hal_upcalls.h>
#include <kern/printk.h>
#include <libk/bits.h>
#include <libk/errno.h>
#include <mm/page.h>
#include <mm/ppm.h>
#include <arch/user_layout.h>

/* The user layout (hal_uabi.h) and the page-table format describe the same user half. */
_Static_assert(GPT_USER_VA_END == CONFIG_VMM_USER_VA_END, "<arch/pte.h> and <arch/user_layout.h> agree");

#define GPT_ROOT_LEVEL   (PTE_LEVELS - 1)
#define GPT_USER_VPN_END ((vpn_t)(PTE_USER_VA_END >> CONFIG_PAGE_SHIFT))

_Static_assert(PTE_ENTRIES * sizeof(pte_t) == CONFIG_PAGE_SIZE, "a table is one page");
_Static_assert(PTE_LEVEL_SHIFT(0) == CONFIG_PAGE_SHIFT, "leaves map small pages");
_Static_assert(PTE_LEVELS >= 2 && PTE_ROOT_USER_ENTRIES <= PTE_ENTRIES, "a root with a user half");
_Static_assert(PTE_USER_VA_END == (uint64_t)PTE_ROOT_USER_ENTRIES
			       << PTE_LEVEL_SHIFT(PTE_LEVELS - 1), "the user half is the root's lower part");
_Static_assert((PTE_TABLE_BITS & PTE_LOCKED) == 0 && (PTE_MAPPED_BITS & PTE_LOCKED) == 0 &&
	       (PTE_COW & (PTE_LOCKED | PTE_MAPPED_BITS | PTE_WRITE)) == 0, "distinct PTE bits");

#define GPT_F(gpt_xp, field) XPTR_FIELD(gpt_xp, gpt_t, field)

/* vpns mapped by one entry of level @l. */
static inline vpn_t gpt_span(int l)
{
	return (vpn_t)1 << (PTE_INDEX_BITS * l);
}

/* The index of @vpn's entry in its table of level @l. */
static inline uint32_t gpt_index(vpn_t vpn, int l)
{
	return (uint32_t)(vpn >> (PTE_INDEX_BITS * l)) & (PTE_ENTRIES - 1);
}

/*
 * User table pages of every GPT of the cluster, roots included (each cluster's replica of this
 * global counts the tables in its memory; hal_gpt_cluster_tables reads it): the page-table pages
 * of `free` and of the leak checks. Changed with tables_nr, atomically.
 */
static uint32_t gpt_cluster_tables;

/* Count @delta table pages in @gpt_xp's tables_nr and in its cluster's total. */
static void gpt_count_tables(xptr_t gpt_xp, int32_t delta)
{
	hal_remote_atomic_add32(GPT_F(gpt_xp, tables_nr), delta);
	hal_remote_atomic_add32(XPTR(GET_CXY(gpt_xp), &gpt_cluster_tables), delta);
}

uint32_t hal_gpt_cluster_tables(cxy_t cxy)
{
	return hal_remote_l32(XPTR(cxy, &gpt_cluster_tables));
}

/* The leaf PTE for @attr and @ppn, without the LOCKED bit. */
static pte_t gpt_encode(uint32_t attr, ppn_t ppn)
{
	pte_t pte = pte_leaf(attr, ppn);

	kassert(pte_leaf_ppn(pte) == ppn); /* the ppn fits the PTE */
	return pte & ~PTE_LOCKED;
}

/* Attributes and ppn of the leaf @pte: 0 and 0 if it is not mapped. Inline where the iterator
 * steps to the next entry of a run, which is then a leaf function. */
static inline __attribute__((always_inline)) void gpt_decode_inline(pte_t pte, uint32_t *attr,
								    ppn_t *ppn)
{
	*attr = pte_leaf_attr(pte);
	*ppn = *attr ? pte_leaf_ppn(pte) : 0;
}

static __attribute__((noinline)) void gpt_decode(pte_t pte, uint32_t *attr, ppn_t *ppn)
{
	gpt_decode_inline(pte, attr, ppn);
}

/* The table the intermediate entry @e (read at @entry_xp) points at (direct-map address), NULL if
 * it points nowhere. The user half holds no huge pages: a leaf here means a corrupt table. */
static pte_t *gpt_table_of(pte_t e, xptr_t entry_xp)
{
	if (!(e & PTE_TABLE_BITS))
		return NULL;
	if (pte_table_is_leaf(e))
		panic("%s: leaf %lx in an intermediate table (cluster %u)", __func__,
		      (unsigned long)e, GET_CXY(entry_xp));
	return hal_paddr_to_kva(pte_table_paddr(e));
}

/* The table the intermediate entry at @entry_xp points at, NULL if none. */
static pte_t *gpt_next_table(xptr_t entry_xp)
{
	return gpt_table_of(hal_remote_l64(entry_xp), entry_xp);
}

/*
 * Walk the GPT at @gpt_xp towards @vpn as far as its tables exist. Returns the deepest table
 * reached and in *level its level: 0 if the leaf table exists, else the level of the first entry on
 * the way that points nowhere (the tables of levels *level - 1 .. 0 are missing).
 */
static pte_t *gpt_walk(xptr_t gpt_xp, vpn_t vpn, int *level)
{
	cxy_t cxy = GET_CXY(gpt_xp);
	pte_t *table = hal_remote_lpt(GPT_F(gpt_xp, root));
	int l;

	for (l = GPT_ROOT_LEVEL; l > 0; l--) {
		pte_t *next = gpt_next_table(XPTR(cxy, table + gpt_index(vpn, l)));

		if (!next)
			break;
		table = next;
	}
	*level = l;
	return table;
}

/*
 * The leaf table mapping @vpn (< GPT_USER_VPN_END) if every table on the way exists, else NULL: the
 * walk of a fault on a page whose tables are there (all but the first of a 2 MiB region), inline
 * and without a call, so that it saves no register. An entry that is not a pointer to a table
 * (missing, or a leaf where a table should be) sends the caller to gpt_leaf_table, which installs
 * the missing tables or panics on the corrupt one.
 */
static inline __attribute__((always_inline)) pte_t *gpt_leaf_lookup(xptr_t gpt_xp, vpn_t vpn,
								   paddr_t *leaf_pa)
{
	cxy_t cxy = GET_CXY(gpt_xp);
	pte_t *table = hal_remote_lpt(GPT_F(gpt_xp, root));

	for (int l = GPT_ROOT_LEVEL; l > 0; l--) {
		pte_t e = hal_remote_l64(XPTR(cxy, table + gpt_index(vpn, l)));

		if (!(e & PTE_TABLE_BITS) || pte_table_is_leaf(e))
			return NULL;
		*leaf_pa = pte_table_paddr(e);
		table = hal_paddr_to_kva(*leaf_pa);
	}
	return table;
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
 * The children of an intermediate table, summed up in its page's owner_xp (the GPT owns its table
 * pages; the PPM hands a page out with owner_xp cleared): bits 0-15 the entries that point at a
 * table, 16-31 the lowest such index, 32-47 the highest. Entries go from 0 to a table exactly once
 * (gpt_install) and are cleared only by destroy, so the summary only grows, by compare-and-swap;
 * destroy visits those entries without scanning the runs of empty ones between them (the middle
 * tables of a small process are 512 entries around one or two tables).
 */
#define KIDS_NR(s)  ((uint32_t)(s) & 0xffffu)
#define KIDS_MIN(s) ((uint32_t)((s) >> 16) & 0xffffu)
#define KIDS_MAX(s) ((uint32_t)((s) >> 32) & 0xffffu)
#define KIDS(nr, min, max) ((uint64_t)(nr) | (uint64_t)(min) << 16 | (uint64_t)(max) << 32)

_Static_assert(PTE_ENTRIES <= 0x10000, "a table's indices fit the summary's fields");

/* The page descriptor of the table containing the entry at @entry_xp. */
static xptr_t gpt_table_page(xptr_t entry_xp)
{
	uintptr_t table = ALIGN_DOWN((uintptr_t)GET_PTR(entry_xp), CONFIG_PAGE_SIZE);

	return ppm_base2page(hal_kva_to_paddr((void *)table));
}

/* Count the entry at @entry_xp, just made to point at a table, in its table's summary. */
static void gpt_note_child(xptr_t entry_xp)
{
	xptr_t kids_xp = PAGE_XP(gpt_table_page(entry_xp), owner_xp);
	uint32_t i = (uint32_t)((uintptr_t)GET_PTR(entry_xp) % CONFIG_PAGE_SIZE / sizeof(pte_t));
	uint64_t old, kids;

	do {
		old = hal_remote_lxp(kids_xp);
		kids = KIDS_NR(old) ? KIDS(KIDS_NR(old) + 1, MIN(KIDS_MIN(old), i),
					   MAX(KIDS_MAX(old), i))
				    : KIDS(1, i, i);
	} while (!hal_remote_atomic_cas64(kids_xp, old, kids));
}

/*
 * A leaf table's runs, summed up in its page's owner_xp (as an intermediate table's children are,
 * above): bit r set if entries [r * GPT_RUN, (r + 1) * GPT_RUN) may hold a non-zero entry. The bit
 * is set before an entry of the run can first go from 0 to anything: every handle on an entry
 * (gpt_handle) is made with its run marked, by the cursor that makes it (cheaply: the cursor keeps
 * its leaf's map) or by the lock that finds the entry 0, and an entry leaves 0 only through a
 * handle (a lock or a store); an iterator's handles are on entries found non-zero, marked already.
 * Bits are never cleared while the table lives (the PPM clears owner_xp when it hands the page
 * out): a run whose bit is clear is all zeros. A scan reads the map once and the set
 * runs only, so a leaf table with a few mapped pages (a stack's top, a heap's first pages) costs
 * a few runs, not 512 entries; a scan that races with a first mapping may miss it, as it would
 * have if it had passed that entry just before.
 */
#define GPT_RUN (PTE_ENTRIES / 64)
_Static_assert(PTE_ENTRIES % 64 == 0, "a leaf table's runs fit a 64-bit map");

/* The run map of the leaf table holding the entry at @entry_xp. */
static inline xptr_t gpt_runs_of(xptr_t entry_xp)
{
	return PAGE_XP(gpt_table_page(entry_xp), owner_xp);
}

/* The bit of the run of the leaf entry at @entry_xp. */
static inline uint64_t gpt_run_bit(xptr_t entry_xp)
{
	return 1ull << ((uintptr_t)GET_PTR(entry_xp) % CONFIG_PAGE_SIZE / sizeof(pte_t) / GPT_RUN);
}

/* Mark @bit in the run map @runs_xp (a load when it is marked already: the common case). */
static inline __attribute__((always_inline)) void gpt_mark_run(xptr_t runs_xp, uint64_t bit)
{
	if (!(hal_remote_l64(runs_xp) & bit))
		hal_remote_atomic_or64(runs_xp, bit);
}

/* Mark the run of the leaf entry at @entry_xp, which may be about to leave 0. */
static __attribute__((noinline)) void gpt_note_run(xptr_t entry_xp)
{
	gpt_mark_run(gpt_runs_of(entry_xp), gpt_run_bit(entry_xp));
}

/* True if an entry of the run of the leaf entry at @entry_xp is not 0: the run is marked then
 * (an entry leaves 0 only once its run is), and its map need not be found. One cache line. */
static inline __attribute__((always_inline)) bool gpt_run_in_use(xptr_t entry_xp)
{
	/* one translation for the line (as hal_remote_find64); relaxed atomic loads: plain loads */
	pte_t *w = hal_remote_kva(entry_xp & ~(xptr_t)(GPT_RUN * sizeof(pte_t) - 1));
	pte_t any = 0;

	for (size_t k = 0; k < GPT_RUN; k++)
		any |= __atomic_load_n(&w[k], __ATOMIC_RELAXED);
	return any != 0;
}

/*
 * Make the entry @entry_xp point at a table and return that table: the one another core installed
 * meanwhile, or a spare of @s installed by compare-and-swap (counted in tables_nr). The cas orders
 * the spare's zeroing before its publication.
 */
static pte_t *gpt_install(xptr_t gpt_xp, xptr_t entry_xp, gpt_spares_t *s)
{
	for (;;) {
		pte_t old = hal_remote_l64(entry_xp);
		xptr_t page_xp;

		if (old & PTE_TABLE_BITS)
			return gpt_next_table(entry_xp);
		if (s->nr == 0) /* tables are never removed: the count of missing ones only drops */
			panic("%s: no spare table left", __func__);
		page_xp = s->page[s->nr - 1];
		if (hal_remote_atomic_cas64(entry_xp, old, pte_table(ppm_page2base(page_xp)))) {
			s->nr--;
			gpt_count_tables(gpt_xp, 1);
			gpt_note_child(entry_xp);
			return ppm_page2kva(page_xp);
		}
	}
}

/*
 * The leaf table mapping @vpn (< GPT_USER_VPN_END) in *leaf: with @alloc, installing the missing
 * tables (allocated in the GPT's cluster before anything is installed; ENOMEM with nothing
 * changed); without, NULL if one is missing.
 */
static error_t gpt_leaf_table(xptr_t gpt_xp, vpn_t vpn, bool alloc, pte_t **leaf)
{
	cxy_t cxy = GET_CXY(gpt_xp);
	gpt_spares_t spares = { .nr = 0 };
	int level;
	pte_t *table = gpt_walk(gpt_xp, vpn, &level);

	if (level > 0 && !alloc)
		table = NULL;
	if (level > 0 && alloc) {
		error_t error = gpt_spares_alloc(cxy, level, &spares);

		if (error)
			return error;
		for (; level > 0; level--)
			table = gpt_install(gpt_xp, XPTR(cxy, table + gpt_index(vpn, level)), &spares);
		gpt_spares_free(&spares); /* pages of the tables other cores installed first */
	}
	*leaf = table;
	return 0;
}

/* Fill the handle @pte of @vpn's entry in the leaf table @leaf of the GPT at @gpt_xp. */
static void gpt_handle(gpt_pte_t *pte, xptr_t gpt_xp, pte_t *leaf, vpn_t vpn)
{
	pte->xp = XPTR(GET_CXY(gpt_xp), leaf + gpt_index(vpn, 0));
	pte->vpn = vpn;
}

/* ---- create, destroy ---- */

error_t hal_gpt_create(gpt_t *gpt)
{
	xptr_t gpt_xp = XPTR(local_cxy, gpt);
	xptr_t page_xp = ppm_alloc_pages(0);
	const pte_t *kroot = hal_paddr_to_kva(hal_gpt_kernel_root(local_cxy));
	pte_t *root;

	if (page_xp == XPTR_NULL)
		return ENOMEM;
	root = ppm_page2kva(page_xp);
	hal_remote_memset(XPTR(local_cxy, root), 0, PTE_ROOT_USER_ENTRIES * sizeof(pte_t));
	/* The kernel's root entries are final once boot built them (what they point at may grow,
	 * e.g. new kernel stacks, and is shared), so a copy made now stays right. */
	hal_remote_memcpy(XPTR(local_cxy, root + PTE_ROOT_USER_ENTRIES),
			  XPTR(local_cxy, kroot + PTE_ROOT_USER_ENTRIES),
			  (PTE_ENTRIES - PTE_ROOT_USER_ENTRIES) * sizeof(pte_t));
	hal_remote_spt(GPT_F(gpt_xp, root), root);
	hal_remote_s64(GPT_F(gpt_xp, root_pa), ppm_page2base(page_xp));
	hal_remote_s32(GPT_F(gpt_xp, tables_nr), 0);
	gpt_count_tables(gpt_xp, 1);
	return 0;
}

/* Table pages freed by destroy, a batch at a time (one PPM lock pair per batch). */
typedef struct gpt_freeing_s {
	xptr_t   page[16];
	uint32_t n;
	uint32_t freed; /* tables given back in all */
} gpt_freeing_t;

/* Free the table @table, a page of cluster @cxy whose descriptor is @page_xp, into @f. */
static void gpt_free_table(cxy_t cxy, pte_t *table, xptr_t page_xp, gpt_freeing_t *f)
{
	if (page_xp == XPTR_NULL || GET_CXY(page_xp) != cxy)
		panic("%s: table %lx is not a page of cluster %u", __func__,
		      (unsigned long)hal_kva_to_paddr(table), cxy);
	f->page[f->n++] = page_xp;
	f->freed++;
	if (f->n == ARRAY_SIZE(f->page)) {
		ppm_remote_free_array(f->page, f->n);
		f->n = 0;
	}
}

/*
 * Free the tables below the level-@l table @table of cluster @cxy (descriptor @page_xp) into @f.
 * Only the entries its summary names are read (gpt_note_child): from the lowest one, the next by a
 * scan of the gap, and the last one at the highest index without a scan.
 */
static void gpt_free_below(cxy_t cxy, pte_t *table, xptr_t page_xp, int l, gpt_freeing_t *f)
{
	uint64_t kids = hal_remote_lxp(PAGE_XP(page_xp, owner_xp));
	uint32_t left = KIDS_NR(kids), i = KIDS_MIN(kids);

	for (; left; left--, i++) {
		pte_t *next;
		xptr_t next_page;

		if (left == 1)
			i = KIDS_MAX(kids);
		else
			i += hal_remote_find64(XPTR(cxy, table + i), KIDS_MAX(kids) - i,
					       PTE_TABLE_BITS);
		next = gpt_next_table(XPTR(cxy, table + i));
		kassert(next != NULL && i <= KIDS_MAX(kids)); /* the summary names mapped entries */
		next_page = ppm_base2page(hal_kva_to_paddr(next));
		if (l > 1)
			gpt_free_below(cxy, next, next_page, l - 1, f);
		gpt_free_table(cxy, next, next_page, f);
	}
	hal_remote_sxp(PAGE_XP(page_xp, owner_xp), XPTR_NULL); /* as the PPM hands pages out */
}

void hal_gpt_destroy(gpt_t *gpt)
{
	xptr_t gpt_xp = XPTR(local_cxy, gpt);
	pte_t *root = hal_remote_lpt(GPT_F(gpt_xp, root));
	gpt_freeing_t f = { .n = 0, .freed = 0 };
	xptr_t root_page;

	kassert(root != NULL);
	root_page = ppm_base2page(hal_kva_to_paddr(root));
	gpt_free_below(local_cxy, root, root_page, GPT_ROOT_LEVEL, &f);
	gpt_free_table(local_cxy, root, root_page, &f);
	ppm_remote_free_array(f.page, f.n);
	gpt_count_tables(gpt_xp, -(int32_t)f.freed);
	kassert(hal_remote_l32(GPT_F(gpt_xp, tables_nr)) == 0);
	hal_remote_spt(GPT_F(gpt_xp, root), NULL);
	hal_remote_s64(GPT_F(gpt_xp, root_pa), 0);
}

/* ---- one PTE ---- */

error_t hal_gpt_lock_pte(xptr_t gpt_xp, vpn_t vpn, gpt_pte_t *pte, uint32_t *attr, ppn_t *ppn)
{
	paddr_t leaf_pa = 0;
	pte_t *leaf, old;

	if (vpn >= GPT_USER_VPN_END)
		return EINVAL;
	/* A fault's one walk: the lookup, then its entry locked and read by the same cas. */
	leaf = gpt_leaf_lookup(gpt_xp, vpn, &leaf_pa);
	if (__builtin_expect(!leaf, 0)) {
		error_t error = gpt_leaf_table(gpt_xp, vpn, true, &leaf);

		if (error)
			return error;
		leaf_pa = hal_kva_to_paddr(leaf);
	}
	gpt_handle(pte, gpt_xp, leaf, vpn);
	old = hal_remote_l64(pte->xp);
	/* The handle's run is marked (the walk gave the leaf's frame: no conversion of its address);
	 * an entry found 0 is the first fault on its page. */
	if (old == 0 && !gpt_run_in_use(pte->xp))
		gpt_mark_run(PAGE_XP(ppm_base2page(leaf_pa), owner_xp), gpt_run_bit(pte->xp));
	if (__builtin_expect(!(old & PTE_LOCKED) &&
			     hal_remote_atomic_cas64(pte->xp, old, old | PTE_LOCKED), 1))
		gpt_decode_inline(old, attr, ppn);
	else
		hal_gpt_pte_lock(pte, attr, ppn); /* held by another core, or changed: wait, again */
	return 0;
}

bool hal_gpt_lock_pte_if_present(xptr_t gpt_xp, vpn_t vpn, gpt_pte_t *pte, uint32_t *attr,
				 ppn_t *ppn)
{
	pte_t *leaf = NULL;

	if (vpn < GPT_USER_VPN_END)
		gpt_leaf_table(gpt_xp, vpn, false, &leaf);
	if (!leaf)
		return false;
	gpt_handle(pte, gpt_xp, leaf, vpn);
	if (hal_remote_l64(pte->xp) == 0) /* the handle's run is marked (gpt_note_run) */
		gpt_note_run(pte->xp);
	hal_gpt_pte_lock(pte, attr, ppn);
	return true;
}

gpt_try_t hal_gpt_try_lock_pte_if_present(xptr_t gpt_xp, vpn_t vpn, gpt_pte_t *pte,
					   uint32_t *attr, ppn_t *ppn)
{
	pte_t *leaf = NULL;
	pte_t old;

	if (vpn < GPT_USER_VPN_END)
		gpt_leaf_table(gpt_xp, vpn, false, &leaf);
	if (!leaf)
		return GPT_TRY_ABSENT;
	gpt_handle(pte, gpt_xp, leaf, vpn);
	if (hal_remote_l64(pte->xp) == 0) /* the handle's run is marked (gpt_note_run) */
		gpt_note_run(pte->xp);
	do { /* a failed cas on an unlocked PTE is a hardware walker's A/D update: again */
		old = hal_remote_l64(pte->xp);
		if (old & PTE_LOCKED)
			return GPT_TRY_BUSY;
	} while (!hal_remote_atomic_cas64(pte->xp, old, old | PTE_LOCKED));
	gpt_decode(old, attr, ppn);
	return GPT_TRY_LOCKED;
}

void hal_gpt_get_pte(xptr_t gpt_xp, vpn_t vpn, uint32_t *attr, ppn_t *ppn)
{
	pte_t *leaf = NULL;

	if (vpn < GPT_USER_VPN_END)
		gpt_leaf_table(gpt_xp, vpn, false, &leaf);
	gpt_decode(leaf ? hal_remote_l64(XPTR(GET_CXY(gpt_xp), leaf + gpt_index(vpn, 0))) : 0,
		   attr, ppn);
}

void hal_gpt_pte_lock(const gpt_pte_t *pte, uint32_t *attr, ppn_t *ppn)
{
	uint32_t rounds = 0;
	pte_t old;

	for (;;) {
		old = hal_remote_l64(pte->xp);
		if (old & PTE_LOCKED)
			kernel_lock_wait(++rounds);
		else if (hal_remote_atomic_cas64(pte->xp, old, old | PTE_LOCKED))
			break;
	}
	gpt_decode(old, attr, ppn);
}

static __attribute__((noinline, noreturn)) void gpt_not_locked(const gpt_pte_t *pte,
								 const char *caller)
{
	panic("%s: the PTE of vpn %lx (%lx) is not locked", caller, (unsigned long)pte->vpn,
	      (unsigned long)pte->xp);
}

/* The value of the locked @pte: panics (naming @caller) if it is not locked. */
static inline pte_t gpt_locked_value(const gpt_pte_t *pte, const char *caller)
{
	pte_t value = hal_remote_l64(pte->xp);

	if (__builtin_expect(!(value & PTE_LOCKED), 0))
		gpt_not_locked(pte, caller);
	return value;
}

void hal_gpt_pte_unlock(const gpt_pte_t *pte)
{
	pte_t old = gpt_locked_value(pte, __func__);

	/* Only A/D updates by a hardware walker may race with the holder: retry on them. */
	while (!hal_remote_atomic_cas64(pte->xp, old, old & ~PTE_LOCKED))
		old = hal_remote_l64(pte->xp);
}

void hal_gpt_pte_set(const gpt_pte_t *pte, uint32_t attr, ppn_t ppn)
{
	pte_t value = pte_leaf(attr, ppn) & ~PTE_LOCKED;

	kassert(pte_leaf_ppn(value) == ppn); /* the ppn fits the PTE */
	kassert(attr & GPT_MAPPED);
	gpt_locked_value(pte, __func__);
	/* What the caller wrote in the frame is visible before the mapping that reveals it. */
	hal_fence();
	hal_remote_s64(pte->xp, value);
}

void hal_gpt_pte_get(const gpt_pte_t *pte, uint32_t *attr, ppn_t *ppn)
{
	gpt_decode(hal_remote_l64(pte->xp), attr, ppn);
}

void hal_gpt_pte_update(const gpt_pte_t *pte, uint32_t attr, ppn_t ppn)
{
	pte_t old, value = gpt_encode(attr, ppn);

	kassert(attr & GPT_MAPPED);
	do {
		old = hal_remote_l64(pte->xp);
		if (!(old & PTE_MAPPED_BITS))
			return;
	} while (!hal_remote_atomic_cas64(pte->xp, old, value | (old & PTE_LOCKED)));
}

void hal_gpt_pte_store(const gpt_pte_t *pte, uint32_t attr, ppn_t ppn)
{
	pte_t old, value = gpt_encode(attr, ppn);

	kassert(attr & GPT_MAPPED);
	do
		old = hal_remote_l64(pte->xp);
	while (!hal_remote_atomic_cas64(pte->xp, old, value | (old & PTE_LOCKED)));
}

void hal_gpt_pte_reset(const gpt_pte_t *pte)
{
	pte_t old;

	do {
		old = hal_remote_l64(pte->xp);
		if (!(old & PTE_MAPPED_BITS))
			return;
	} while (!hal_remote_atomic_cas64(pte->xp, old, old & PTE_LOCKED));
}

bool hal_gpt_pte_clear(const gpt_pte_t *pte, ppn_t *ppn)
{
	uint32_t rounds = 0;
	pte_t old;

	for (;;) {
		old = hal_remote_l64(pte->xp);
		if (old & PTE_LOCKED) /* its holder may be changing the frame: wait for the result */
			kernel_lock_wait(++rounds);
		else if (!(old & PTE_MAPPED_BITS))
			return false;
		else if (hal_remote_atomic_cas64(pte->xp, old, 0))
			break;
	}
	*ppn = pte_leaf_ppn(old);
	return true;
}

bool hal_gpt_pte_protect(const gpt_pte_t *pte, uint32_t attr)
{
	uint32_t rounds = 0;
	pte_t old, value;

	kassert(attr & GPT_MAPPED);
	for (;;) {
		old = hal_remote_l64(pte->xp);
		if (old & PTE_LOCKED) { /* its holder may be changing it: ours comes after */
			kernel_lock_wait(++rounds);
			continue;
		}
		if (!(old & PTE_MAPPED_BITS))
			return false;
		if (old & PTE_COW) /* a frame shared with a fork stays so: writes still copy it */
			value = gpt_encode((attr & ~GPT_WRITABLE) | GPT_COW, pte_leaf_ppn(old));
		else
			value = gpt_encode(attr, pte_leaf_ppn(old));
		if (hal_remote_atomic_cas64(pte->xp, old, value))
			return true;
	}
}

/* ---- cursors and iterators ---- */

void hal_gpt_cursor_init(gpt_cursor_t *cursor, xptr_t gpt_xp)
{
	cursor->gpt_xp = gpt_xp;
	cursor->leaf = NULL;
	cursor->leaf_base = 0;
	cursor->leaf_runs = XPTR_NULL;
}

/* Make @leaf, which maps @vpn, the cursor's leaf table (its run map found when first needed). */
static void gpt_cursor_set(gpt_cursor_t *cursor, pte_t *leaf, vpn_t vpn)
{
	cursor->leaf = leaf;
	cursor->leaf_base = vpn & ~(vpn_t)(PTE_ENTRIES - 1);
	cursor->leaf_runs = XPTR_NULL;
}

/* The run map of the cursor's leaf table. */
static xptr_t gpt_cursor_runs(gpt_cursor_t *cursor)
{
	if (cursor->leaf_runs == XPTR_NULL)
		cursor->leaf_runs = gpt_runs_of(XPTR(GET_CXY(cursor->gpt_xp), cursor->leaf));
	return cursor->leaf_runs;
}

/* True if the cursor's cached leaf table maps @vpn. */
static bool gpt_cursor_hit(const gpt_cursor_t *cursor, vpn_t vpn)
{
	return cursor->leaf && vpn - cursor->leaf_base < PTE_ENTRIES;
}

error_t hal_gpt_cursor_pte(gpt_cursor_t *cursor, vpn_t vpn, gpt_pte_t *pte)
{
	if (vpn >= GPT_USER_VPN_END)
		return EINVAL;
	if (!gpt_cursor_hit(cursor, vpn)) {
		pte_t *leaf;
		error_t error = gpt_leaf_table(cursor->gpt_xp, vpn, true, &leaf);

		if (error)
			return error;
		gpt_cursor_set(cursor, leaf, vpn);
	}
	gpt_handle(pte, cursor->gpt_xp, cursor->leaf, vpn);
	gpt_mark_run(gpt_cursor_runs(cursor), gpt_run_bit(pte->xp)); /* the handle's run is marked */
	return 0;
}

/*
 * The index of the first of the @n (> 0) entries at @xp with a bit of @mask, @n if none, and in
 * *@value that entry read once more (it may have changed since the scan saw it): one load for a
 * single entry (the ranges of small mmaps), hal_remote_find64 and a load for a run.
 */
static size_t gpt_find(xptr_t xp, size_t n, pte_t mask, pte_t *value)
{
	size_t i;

	if (n == 1) {
		*value = hal_remote_l64(xp);
		return (*value & mask) ? 0 : 1;
	}
	i = hal_remote_find64(xp, n, mask);
	*value = i < n ? hal_remote_l64(xp + i * sizeof(pte_t)) : 0;
	return i;
}

/*
 * gpt_find over the @n entries from index @from of the cursor @c's leaf table, reading only the
 * runs its map names (gpt_note_run): the index of the first with a bit of @mask, relative to
 * @from, @n if none; *@value as gpt_find's. A range of a run or less is read as it is: the map
 * would cost more than it saves (an mprotect or munmap of a page or two).
 */
static size_t gpt_find_in_runs(gpt_cursor_t *c, size_t from, size_t n, pte_t mask, pte_t *value)
{
	xptr_t leaf_xp = XPTR(GET_CXY(c->gpt_xp), c->leaf);
	size_t i = from, end = from + n;
	uint64_t runs;

	if (n <= GPT_RUN)
		return gpt_find(leaf_xp + from * sizeof(pte_t), n, mask, value);
	runs = hal_remote_l64(gpt_cursor_runs(c));

	while (i < end) {
		size_t run = i / GPT_RUN, stop, k;

		if (!(runs >> run))
			break; /* no run from here on */
		run += (size_t)__builtin_ctzll(runs >> run);
		i = MAX(i, run * GPT_RUN);
		if (i >= end)
			break;
		stop = MIN(end, (run + 1) * GPT_RUN);
		k = gpt_find(leaf_xp + i * sizeof(pte_t), stop - i, mask, value);
		if (k < stop - i)
			return i + k - from;
		i = stop;
	}
	*value = 0;
	return n;
}

/*
 * The first existing leaf table that maps a vpn in [*@vpn, @end): returned, with *@vpn moved to the
 * first vpn of the range it maps (the range's start if that table maps it); NULL (and *@vpn = @end)
 * if none. Each level's table is scanned for an entry pointing somewhere, over the entries that meet
 * the range only, in one gpt_find; a level with none sends the search to the next entry of
 * the level above, from the root again.
 */
static pte_t *gpt_find_leaf(xptr_t gpt_xp, vpn_t *vpn, vpn_t end)
{
	cxy_t cxy = GET_CXY(gpt_xp);
	vpn_t v = *vpn;

	while (v < end) {
		pte_t *table = hal_remote_lpt(GPT_F(gpt_xp, root));
		int l;

		for (l = GPT_ROOT_LEVEL; l > 0; l--) {
			uint32_t shift = PTE_INDEX_BITS * l, idx = gpt_index(v, l);
			uint32_t limit = l == GPT_ROOT_LEVEL ? PTE_ROOT_USER_ENTRIES : PTE_ENTRIES;
			uint64_t meet = ((end - 1) >> shift) - (v >> shift) + 1;
			size_t n = MIN(meet, (uint64_t)(limit - idx));
			pte_t e;
			size_t i = gpt_find(XPTR(cxy, table + idx), n, PTE_TABLE_BITS, &e);

			if (i == n) /* (an entry that points at a table always will: no recheck) */
				break;
			if (i) /* a later entry: the levels below start at their first entry */
				v = ALIGN_DOWN(v, gpt_span(l)) + i * gpt_span(l);
			table = gpt_table_of(e, XPTR(cxy, table + idx + i));
		}
		if (l == 0) {
			*vpn = v;
			return table;
		}
		/* nothing below this level-l table from v on: on to the next entry of level l + 1 */
		v = ALIGN_DOWN(v, gpt_span(l + 1)) + gpt_span(l + 1);
	}
	*vpn = end;
	return NULL;
}

void hal_gpt_iter_range(gpt_iter_t *it, vpn_t start, vpn_t end)
{
	it->end = MIN(end, GPT_USER_VPN_END);
	it->next = start;
	it->vpn = start;
	it->attr = 0;
	it->ppn = 0;
}

void hal_gpt_iter_init(gpt_iter_t *it, xptr_t gpt_xp, vpn_t start, vpn_t end, uint32_t flags)
{
	hal_gpt_cursor_init(&it->cursor, gpt_xp);
	it->locked = flags & GPT_ITER_LOCKED;
	hal_gpt_iter_range(it, start, end);
}

/* What the iteration @it stops at: a mapped PTE, or with GPT_ITER_LOCKED a locked one too. */
static inline pte_t gpt_iter_mask(const gpt_iter_t *it)
{
	return PTE_MAPPED_BITS | (it->locked ? PTE_LOCKED : 0);
}

/* Stop the iteration @it at the PTE of @v, at @entry of its leaf table, whose value is @value. */
static bool gpt_iter_stop(gpt_iter_t *it, pte_t *entry, vpn_t v, pte_t value)
{
	gpt_decode_inline(value, &it->attr, &it->ppn);
	it->attr |= (value & PTE_LOCKED) ? GPT_LOCKED : 0;
	it->vpn = v;
	it->pte.xp = XPTR(GET_CXY(it->cursor.gpt_xp), entry);
	it->pte.vpn = v;
	it->next = v + 1;
	return true;
}

/* hal_gpt_iter_next's search from it->next: scans of leaf tables, walks to the next one. Out of
 * line, so that the step to the next entry of a run keeps a short frame. */
static __attribute__((noinline)) bool gpt_iter_scan(gpt_iter_t *it)
{
	gpt_cursor_t *c = &it->cursor;
	pte_t mask = gpt_iter_mask(it);
	vpn_t v = it->next;

	while (v < it->end) {
		size_t n, i;
		pte_t *entry, value;

		if (!gpt_cursor_hit(c, v)) {
			pte_t *leaf = gpt_find_leaf(c->gpt_xp, &v, it->end);

			if (!leaf) {
				c->leaf = NULL;
				break;
			}
			gpt_cursor_set(c, leaf, v);
		}
		entry = c->leaf + (v - c->leaf_base);
		n = MIN((vpn_t)PTE_ENTRIES - (v - c->leaf_base), it->end - v);
		i = gpt_find_in_runs(c, (size_t)(v - c->leaf_base), n, mask, &value);
		if (i == n || !(value & mask)) { /* none, or it changed since the scan saw it */
			v += i == n ? n : i + 1;
			continue;
		}
		return gpt_iter_stop(it, entry + i, v + i, value);
	}
	it->next = it->end;
	return false;
}

bool hal_gpt_iter_next(gpt_iter_t *it)
{
	gpt_cursor_t *c = &it->cursor;
	vpn_t v = it->next;

	if (v >= it->end)
		return false;
	/* The entry after the one last found, in the same leaf table: one load and no scan, since
	 * mapped pages come in runs (code, data, a buffer written through). */
	if (gpt_cursor_hit(c, v)) {
		pte_t *entry = c->leaf + (v - c->leaf_base);
		pte_t value = hal_remote_l64(XPTR(GET_CXY(c->gpt_xp), entry));

		if (value & gpt_iter_mask(it))
			return gpt_iter_stop(it, entry, v, value);
		it->next = v + 1;
	}
	return gpt_iter_scan(it);
}

/* ---- ranges ---- */

/* hal_gpt_set_cow and its try variant: a locked PTE is waited for if @wait, else skipped (the
 * result is then false). */
static bool set_cow(xptr_t gpt_xp, vpn_t vpn_base, vpn_t vpn_size, bool wait)
{
	vpn_t end = vpn_base + vpn_size;
	uint32_t rounds = 0;
	bool all = true;
	gpt_iter_t it;

	kassert(end >= vpn_base && end <= GPT_USER_VPN_END);
	if (end < vpn_base)
		end = GPT_USER_VPN_END;
	for (hal_gpt_iter_init(&it, gpt_xp, vpn_base, end, GPT_ITER_LOCKED); hal_gpt_iter_next(&it);) {
		for (;;) {
			pte_t old = hal_remote_l64(it.pte.xp);

			if (old & PTE_LOCKED) { /* a fault is filling it: let it finish, then mark it */
				if (!wait) {
					all = false;
					break;
				}
				kernel_lock_wait(++rounds);
				continue;
			}
			if ((old & PTE_MAPPED_BITS) == 0 || (old & PTE_WRITE) == 0 ||
			    hal_remote_atomic_cas64(it.pte.xp, old, (old & ~PTE_WRITE) | PTE_COW))
				break;
		}
	}
	return all;
}

void hal_gpt_set_cow(xptr_t gpt_xp, vpn_t vpn_base, vpn_t vpn_size)
{
	set_cow(gpt_xp, vpn_base, vpn_size, true);
}

bool hal_gpt_try_set_cow(xptr_t gpt_xp, vpn_t vpn_base, vpn_t vpn_size)
{
	return set_cow(gpt_xp, vpn_base, vpn_size, false);
}
