/*
 * test_gpt_walks.c - the walks of the generic page table over ranges: the iterator (a leaf table at
 * a time, absent tables skipped at every level), cursors (one walk per leaf table), destroy, set_cow
 * and fork's table-at-a-time sharing, over the PTE format the executable was built for (gpt.cmake).
 * The expected answers come from the fixture's own walker and from sorted lists of what was mapped.
 * Tests named tsan_* run host threads as cores; gpt.tsan.cmake runs them under ThreadSanitizer.
 */
#include <hal_gpt.h>
#include <libk/bits.h>
#include <libk/errno.h>
#include <mm/ppm.h>

#include "gpt_fixture.h"
#include "htest.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

extern __thread lid_t host_lid; /* hal_host.c */

#define R (GPT_READABLE | GPT_USER | GPT_CACHABLE)
#define RW (R | GPT_WRITABLE)

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint64_t rng(void)
{
	return gfix_rng(&rng_state);
}

static int cmp_vpn(const void *a, const void *b)
{
	vpn_t x = *(const vpn_t *)a, y = *(const vpn_t *)b;

	return x < y ? -1 : x > y;
}

/* Sort @v and drop duplicates; the new count. */
static size_t sort_unique(vpn_t *v, size_t n)
{
	size_t k = 0;

	qsort(v, n, sizeof(*v), cmp_vpn);
	for (size_t i = 0; i < n; i++)
		if (k == 0 || v[i] != v[k - 1])
			v[k++] = v[i];
	return k;
}

/* vpns near every boundary the walk must get right: table edges of each level, both ends of user
 * space, several in one leaf table, and some anywhere. */
static size_t interesting_vpns(vpn_t *v, size_t max)
{
	size_t n = 0;

	v[n++] = 0;
	v[n++] = 1;
	v[n++] = VPN_END - 1;
	v[n++] = VPN_END - L0_SPAN;
	for (int l = 1; l < LEVELS; l++) {
		vpn_t span = (vpn_t)1 << (9 * l);
		v[n++] = span - 1;
		v[n++] = span;
		v[n++] = 3 * span + 17;
		v[n++] = 3 * span + 18;
	}
	while (n < max)
		v[n++] = rng() % VPN_END;
	return sort_unique(v, n);
}

/* The mapped vpns of @v (sorted) within [start, end): what an iteration must visit, in order. */
static size_t expected_in(const vpn_t *v, size_t n, vpn_t start, vpn_t end, vpn_t *out)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (v[i] >= start && v[i] < end)
			out[k++] = v[i];
	return k;
}

/* Iterate [start, end) of @xp and compare the visits with @want[0..n): vpns in order, attributes
 * and frames (ppn = vpn + 1, mapped R), handles. */
static bool iteration_is(xptr_t xp, const gpt_t *gpt, vpn_t start, vpn_t end, const vpn_t *want,
			 size_t n)
{
	gpt_iter_t it;
	size_t k = 0;
	bool ok = true;

	for (hal_gpt_iter_init(&it, xp, start, end, 0); hal_gpt_iter_next(&it); k++) {
		ok &= k < n && it.vpn == want[k] && it.ppn == it.vpn + 1 && it.attr == gfix_attr(R);
		ok &= it.pte.vpn == it.vpn && GET_PTR(it.pte.xp) == gfix_raw_leaf(gpt, it.vpn);
	}
	ok &= k == n && !hal_gpt_iter_next(&it); /* and it stays at the end */
	return ok;
}

HT_TEST(iter_visits_exactly_the_mapped_ptes_in_order)
{
	static vpn_t v[256], want[256];
	gpt_t gpt;
	xptr_t xp = XPTR(0, &gpt);
	size_t n, k;

	gfix_setup(1);
	HT_REQUIRE(hal_gpt_create(&gpt) == 0);
	HT_CHECK(iteration_is(xp, &gpt, 0, VPN_END, NULL, 0)); /* an empty GPT, whole user space */
	n = interesting_vpns(v, 120);
	for (size_t i = 0; i < n; i++)
		HT_REQUIRE(gfix_map(xp, v[i], R, v[i] + 1) == 0);
	uint32_t tables = gpt.tables_nr;

	HT_CHECK(iteration_is(xp, &gpt, 0, VPN_END, v, n));
	HT_CHECK(iteration_is(xp, &gpt, 0, ~(vpn_t)0, v, n)); /* clipped to user space */
	/* windows starting and ending inside holes and tables of every level */
	for (size_t w = 0; w < 400; w++) {
		vpn_t a = rng() % 3 ? v[rng() % n] + rng() % 3 - 1 : rng() % VPN_END;
		vpn_t b = rng() % 3 ? v[rng() % n] + rng() % 3 - 1 : rng() % VPN_END;
		vpn_t lo = MIN(a, b), hi = MAX(a, b) + (rng() & 1);

		k = expected_in(v, n, lo, hi, want);
		if (!iteration_is(xp, &gpt, lo, hi, want, k)) {
			printf("# window [%lx, %lx) wrong\n", (unsigned long)lo, (unsigned long)hi);
			HT_CHECK(false);
			break;
		}
	}
	HT_CHECK(iteration_is(xp, &gpt, 5, 5, NULL, 0) && iteration_is(xp, &gpt, 9, 3, NULL, 0));
	HT_CHECK(gpt.tables_nr == tables); /* scans allocate nothing */
	hal_gpt_destroy(&gpt);
	fix_teardown();
}

HT_TEST(iter_stops_at_locked_ptes_only_when_asked)
{
	gpt_t gpt;
	xptr_t xp = XPTR(0, &gpt);
	gpt_pte_t held, mapped_held;
	gpt_iter_t it;
	uint32_t a;
	ppn_t p;

	gfix_setup(1);
	HT_REQUIRE(hal_gpt_create(&gpt) == 0);
	HT_REQUIRE(gfix_map(xp, 10, R, 11) == 0);
	HT_REQUIRE(hal_gpt_lock_pte(xp, 20, &held, &a, &p) == 0 && a == 0); /* a fault filling it */
	HT_REQUIRE(gfix_map(xp, 30, R, 31) == 0);
	HT_REQUIRE(hal_gpt_lock_pte(xp, 30, &mapped_held, &a, &p) == 0);
	hal_gpt_iter_init(&it, xp, 0, 100, 0);
	HT_CHECK(hal_gpt_iter_next(&it) && it.vpn == 10 && it.attr == gfix_attr(R));
	HT_CHECK(hal_gpt_iter_next(&it) && it.vpn == 30 && it.attr == (gfix_attr(R) | GPT_LOCKED));
	HT_CHECK(!hal_gpt_iter_next(&it));
	hal_gpt_iter_init(&it, xp, 0, 100, GPT_ITER_LOCKED);
	HT_CHECK(hal_gpt_iter_next(&it) && it.vpn == 10);
	HT_CHECK(hal_gpt_iter_next(&it) && it.vpn == 20 && it.attr == GPT_LOCKED && it.ppn == 0);
	HT_CHECK(it.pte.xp == held.xp);
	HT_CHECK(hal_gpt_iter_next(&it) && it.vpn == 30 && it.attr == (gfix_attr(R) | GPT_LOCKED));
	HT_CHECK(!hal_gpt_iter_next(&it));
	hal_gpt_pte_unlock(&held);
	hal_gpt_pte_unlock(&mapped_held);
	hal_gpt_destroy(&gpt);
	fix_teardown();
}

/* A leaf table's scans read only the runs its map names (hal_gpt.c, gpt_note_run): every way an
 * entry leaves 0 marks its run first, so each is found, at either end of a run and of the table;
 * an entry cleared again leaves a run that scans find empty. */
HT_TEST(iter_finds_entries_made_by_every_path_in_any_run)
{
	const vpn_t base = 5 * L0_SPAN;
	const vpn_t want[] = { base, base + 7, base + 8, base + 100, base + 300, base + 447,
			       base + 448, base + 511 };
	gpt_t gpt;
	xptr_t xp = XPTR(0, &gpt);
	gpt_cursor_t cursor;
	gpt_pte_t pte;
	uint32_t a;
	ppn_t p;

	gfix_setup(1);
	HT_REQUIRE(hal_gpt_create(&gpt) == 0);
	HT_CHECK(iteration_is(xp, &gpt, base, base + L0_SPAN, NULL, 0));
	/* a fault's lock, which makes the leaf table */
	HT_REQUIRE(hal_gpt_lock_pte(xp, want[3], &pte, &a, &p) == 0 && a == 0);
	hal_gpt_pte_set(&pte, gfix_attr(R), want[3] + 1);
	/* the locks that need the table there */
	HT_REQUIRE(hal_gpt_lock_pte_if_present(xp, want[0], &pte, &a, &p) && a == 0);
	hal_gpt_pte_set(&pte, gfix_attr(R), want[0] + 1);
	HT_REQUIRE(hal_gpt_try_lock_pte_if_present(xp, want[7], &pte, &a, &p) == GPT_TRY_LOCKED);
	hal_gpt_pte_set(&pte, gfix_attr(R), want[7] + 1);
	/* a cursor's handles, stored without a lock (fork's child entries) */
	hal_gpt_cursor_init(&cursor, xp);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		if (i == 0 || i == 3 || i == 7)
			continue;
		HT_REQUIRE(hal_gpt_cursor_pte(&cursor, want[i], &pte) == 0);
		hal_gpt_pte_store(&pte, gfix_attr(R), want[i] + 1);
	}
	HT_CHECK(iteration_is(xp, &gpt, base, base + L0_SPAN, want, sizeof(want) / sizeof(want[0])));
	HT_CHECK(iteration_is(xp, &gpt, base + 1, base + 448, want + 1, 5));
	/* cleared again: their runs are still read, and found empty */
	for (size_t i = 1; i < 3; i++) {
		HT_REQUIRE(hal_gpt_cursor_pte(&cursor, want[i], &pte) == 0);
		HT_CHECK(hal_gpt_pte_clear(&pte, &p) && p == want[i] + 1);
	}
	HT_CHECK(iteration_is(xp, &gpt, base + 1, base + 100, NULL, 0));
	HT_CHECK(iteration_is(xp, &gpt, base, base + 101, (const vpn_t[]){ base, base + 100 }, 2));
	hal_gpt_destroy(&gpt);
	fix_teardown();
}

/* One iteration moved from range to range (hal_gpt_iter_range) visits what a new one would: ranges
 * in the leaf table it holds, after it, before it, in another cluster of tables, empty ones. */
HT_TEST(iter_range_moves_an_iteration_keeping_its_leaf_table)
{
	static vpn_t v[256], want[256];
	gpt_t gpt;
	xptr_t xp = XPTR(0, &gpt);
	gpt_iter_t it;
	size_t n;

	gfix_setup(1);
	HT_REQUIRE(hal_gpt_create(&gpt) == 0);
	n = interesting_vpns(v, 120);
	for (size_t i = 0; i < n; i++)
		HT_REQUIRE(gfix_map(xp, v[i], R, v[i] + 1) == 0);
	hal_gpt_iter_init(&it, xp, 0, 0, 0);
	HT_CHECK(!hal_gpt_iter_next(&it));
	for (size_t w = 0; w < 300; w++) {
		vpn_t a = rng() % 2 ? v[rng() % n] + rng() % 3 - 1 : rng() % VPN_END;
		vpn_t b = rng() % 2 ? a + rng() % 700 : v[rng() % n] + 1;
		vpn_t lo = MIN(a, b), hi = MAX(a, b);
		size_t k = expected_in(v, n, lo, hi, want), got = 0;
		bool ok = true;

		for (hal_gpt_iter_range(&it, lo, hi); hal_gpt_iter_next(&it); got++)
			ok &= got < k && it.vpn == want[got] && it.ppn == it.vpn + 1 &&
			      GET_PTR(it.pte.xp) == gfix_raw_leaf(&gpt, it.vpn);
		if (!ok || got != k) {
			printf("# range [%lx, %lx) wrong\n", (unsigned long)lo, (unsigned long)hi);
			HT_CHECK(false);
			break;
		}
	}
	hal_gpt_destroy(&gpt);
	fix_teardown();
}

/* The caller changes the PTEs through the handles as it goes: what it unmaps is gone, what it maps
 * ahead of the scan is visited, what it maps behind is not. */
HT_TEST(iter_follows_changes_made_through_it)
{
	gpt_t gpt;
	xptr_t xp = XPTR(0, &gpt);
	gpt_iter_t it;
	vpn_t seen[8];
	int n = 0;

	gfix_setup(1);
	HT_REQUIRE(hal_gpt_create(&gpt) == 0);
	HT_REQUIRE(gfix_map(xp, 100, R, 101) == 0);
	HT_REQUIRE(gfix_map(xp, 2 * L1_SPAN, R, 2 * L1_SPAN + 1) == 0);
	for (hal_gpt_iter_init(&it, xp, 0, VPN_END, 0); hal_gpt_iter_next(&it) && n < 8;) {
		seen[n++] = it.vpn;
		hal_gpt_pte_reset(&it.pte);
		if (it.vpn == 100) {
			HT_CHECK(gfix_map(xp, 50, R, 51) == 0);            /* behind      */
			HT_CHECK(gfix_map(xp, 101, R, 102) == 0);          /* same table  */
			HT_CHECK(gfix_map(xp, L1_SPAN + 5, R, 6) == 0);    /* a new table */
		}
	}
	HT_CHECK(n == 4 && seen[0] == 100 && seen[1] == 101 && seen[2] == L1_SPAN + 5);
	HT_CHECK(seen[3] == 2 * L1_SPAN);
	HT_CHECK(gfix_pte_is(xp, 50, gfix_attr(R), 51) && gfix_pte_is(xp, 101, 0, 0));
	hal_gpt_destroy(&gpt);
	fix_teardown();
}

HT_TEST(cursor_reaches_the_ptes_lock_reaches)
{
	static vpn_t v[200];
	gpt_t gpt;
	xptr_t xp = XPTR(0, &gpt);
	gpt_cursor_t cur;
	size_t n;

	gfix_setup(1);
	HT_REQUIRE(hal_gpt_create(&gpt) == 0);
	n = interesting_vpns(v, 150);
	hal_gpt_cursor_init(&cur, xp);
	for (size_t i = 0; i < n; i++) {
		gpt_pte_t c, l;
		uint32_t a;
		ppn_t p;

		HT_REQUIRE(hal_gpt_cursor_pte(&cur, v[i], &c) == 0); /* installs the tables */
		HT_CHECK(c.vpn == v[i] && GET_PTR(c.xp) == gfix_raw_leaf(&gpt, v[i]));
		HT_REQUIRE(hal_gpt_lock_pte(xp, v[i], &l, &a, &p) == 0 && a == 0);
		HT_CHECK(l.xp == c.xp);
		hal_gpt_pte_set(&l, R | GPT_MAPPED, v[i] + 1);
	}
	/* every table of the path was installed once, in the right cluster */
	HT_CHECK(gfix_tables_ok(&gpt, 0));
	/* the cached leaf table serves the PTEs next to the last one, backwards too */
	gpt_pte_t c;
	HT_REQUIRE(hal_gpt_cursor_pte(&cur, 3 * L1_SPAN + 17, &c) == 0);
	HT_REQUIRE(hal_gpt_cursor_pte(&cur, 3 * L1_SPAN + 5, &c) == 0);
	HT_CHECK(GET_PTR(c.xp) == gfix_raw_leaf(&gpt, 3 * L1_SPAN + 5));
	HT_CHECK(iteration_is(xp, &gpt, 0, VPN_END, v, n));
	hal_gpt_destroy(&gpt);
	fix_teardown();
}

HT_TEST(destroy_frees_every_table_of_every_level)
{
	static vpn_t v[300];
	gpt_t gpt;
	xptr_t xp = XPTR(1, &gpt);
	uint64_t base0, base1;
	size_t n;

	gfix_setup(2);
	base0 = gfix_free_pages(0);
	base1 = gfix_free_pages(1);
	HT_REQUIRE(gfix_create_in(1, &gpt) == 0);
	n = interesting_vpns(v, 300);
	for (size_t i = 0; i < n; i++)
		HT_REQUIRE(gfix_map(xp, v[i], R, v[i] + 1) == 0);
	HT_CHECK(gfix_tables_ok(&gpt, 1) && gfix_free_pages(1) == base1 - gpt.tables_nr);
	HT_CHECK(hal_gpt_cluster_tables(1) == gpt.tables_nr); /* the host has one counter: one GPT */
	gfix_destroy_in(1, &gpt);
	HT_CHECK(gpt.tables_nr == 0 && gpt.root == NULL && hal_gpt_cluster_tables(1) == 0);
	HT_CHECK(gfix_free_pages(1) == base1 && gfix_free_pages(0) == base0);
	fix_teardown();
}

/* set_cow over the whole user space of a sparse GPT: every writable PTE and only those. */
/* Destroy reads each intermediate table's summary of children (lowest, highest, count): one child,
 * two at the ends of a table, several in one table, at every level; nothing leaks. */
HT_TEST(destroy_frees_tables_named_by_the_summaries)
{
	const vpn_t l1 = (vpn_t)1 << 9;
	const vpn_t sets[][4] = {
		{ 0 }, { VPN_END - 1 }, { 0, VPN_END - 1 }, { 5 * L0_SPAN },
		{ 0, 2 * l1, 3 * l1 + 7, VPN_END - L0_SPAN }, { l1 - 1, l1, 2 * l1 - 1, 511 * l1 },
	};
	const size_t sizes[] = { 1, 1, 2, 1, 4, 4 };
	gpt_t gpt;
	xptr_t xp = XPTR(1, &gpt);
	uint64_t base1;

	gfix_setup(2);
	base1 = gfix_free_pages(1);
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		HT_REQUIRE(gfix_create_in(1, &gpt) == 0);
		for (size_t i = 0; i < sizes[k]; i++)
			HT_REQUIRE(sets[k][i] < VPN_END && gfix_map(xp, sets[k][i], R, 7) == 0);
		HT_CHECK(gfix_tables_ok(&gpt, 1) && gfix_free_pages(1) == base1 - gpt.tables_nr);
		gfix_destroy_in(1, &gpt);
		HT_CHECK(gpt.tables_nr == 0 && hal_gpt_cluster_tables(1) == 0);
		HT_CHECK(gfix_free_pages(1) == base1);
	}
	fix_teardown();
}

HT_TEST(set_cow_marks_every_writable_pte_of_a_sparse_gpt)
{
	static vpn_t v[200];
	gpt_t gpt;
	xptr_t xp = XPTR(0, &gpt);
	const uint32_t cow_rw = (gfix_attr(RW) & ~GPT_WRITABLE) | GPT_COW;
	gpt_iter_t it;
	size_t n, k = 0;

	gfix_setup(1);
	HT_REQUIRE(hal_gpt_create(&gpt) == 0);
	n = interesting_vpns(v, 150);
	for (size_t i = 0; i < n; i++)
		HT_REQUIRE(gfix_map(xp, v[i], i % 2 ? RW : R, v[i] + 1) == 0);
	hal_gpt_set_cow(xp, 0, VPN_END);
	for (hal_gpt_iter_init(&it, xp, 0, VPN_END, 0); hal_gpt_iter_next(&it); k++)
		HT_CHECK(k < n && it.vpn == v[k] && it.attr == (k % 2 ? cow_rw : gfix_attr(R)));
	HT_CHECK(k == n);
	hal_gpt_destroy(&gpt);
	fix_teardown();
}

/*
 * Fork's sharing (vmm_fork.c's share_vseg): the parent's PTEs of a range, from one scan, each
 * locked while it is copied into the child's GPT of another cluster through a cursor, then marked
 * copy-on-write in both. The child gets the tables it needs only, in its own cluster.
 */
HT_TEST(fork_style_copy_a_table_at_a_time)
{
	static vpn_t v[200];
	gpt_t parent, child;
	xptr_t pxp = XPTR(0, &parent), cxp = XPTR(1, &child);
	const uint32_t cow_rw = (gfix_attr(RW) & ~GPT_WRITABLE) | GPT_COW;
	gpt_cursor_t cur;
	gpt_iter_t it;
	size_t n, k = 0;

	gfix_setup(2);
	HT_REQUIRE(gfix_create_in(0, &parent) == 0 && gfix_create_in(1, &child) == 0);
	n = interesting_vpns(v, 150);
	for (size_t i = 0; i < n; i++)
		HT_REQUIRE(gfix_map(pxp, v[i], RW, v[i] + 1) == 0);
	hal_gpt_cursor_init(&cur, cxp);
	for (hal_gpt_iter_init(&it, pxp, 0, VPN_END, GPT_ITER_LOCKED); hal_gpt_iter_next(&it); k++) {
		gpt_pte_t dst;
		uint32_t attr, cow;
		ppn_t ppn;

		hal_gpt_pte_lock(&it.pte, &attr, &ppn);
		HT_REQUIRE(attr == gfix_attr(RW) && ppn == it.vpn + 1);
		HT_REQUIRE(hal_gpt_cursor_pte(&cur, it.vpn, &dst) == 0);
		cow = (attr & ~GPT_WRITABLE) | GPT_COW;
		hal_gpt_pte_store(&dst, cow, ppn);
		hal_gpt_pte_set(&it.pte, cow, ppn);
	}
	HT_CHECK(k == n);
	for (size_t i = 0; i < n; i++) {
		HT_CHECK(gfix_pte_is(pxp, v[i], cow_rw, v[i] + 1));
		HT_CHECK(gfix_pte_is(cxp, v[i], cow_rw, v[i] + 1));
		HT_CHECK(gfix_raw(&parent, v[i]) == gfix_raw(&child, v[i]));
	}
	HT_CHECK(child.tables_nr == parent.tables_nr); /* the same shape, no more */
	HT_CHECK(gfix_tables_ok(&parent, 0) && gfix_tables_ok(&child, 1));
	gfix_destroy_in(0, &parent);
	gfix_destroy_in(1, &child);
	fix_teardown();
}

/* ---- concurrency: host threads are cores ---- */

#define MAPPERS    2
#define CHURN_VPNS 64

static struct {
	xptr_t gpt_xp;
	vpn_t  stable[8];   /* mapped before and never touched: every scan must see them */
	vpn_t  churn[CHURN_VPNS]; /* mapped and unmapped over and over by the mappers      */
	int    stop;
	int    errors;
} scan;

/* True if @vpn is one of the vpns the scan may visit. */
static bool scan_known(vpn_t vpn)
{
	for (int i = 0; i < 8; i++)
		if (scan.stable[i] == vpn)
			return true;
	for (int i = 0; i < CHURN_VPNS; i++)
		if (scan.churn[i] == vpn)
			return true;
	return false;
}

static void *mapper(void *arg)
{
	uintptr_t id = (uintptr_t)arg;
	uint64_t state = 0x9e3779b97f4a7c15ull * (id + 1);

	host_lid = (lid_t)id + 1;
	while (!__atomic_load_n(&scan.stop, __ATOMIC_ACQUIRE)) {
		vpn_t vpn;
		gpt_pte_t pte;
		uint32_t a;
		ppn_t p;

		state ^= state << 13, state ^= state >> 7, state ^= state << 17;
		vpn = scan.churn[(state >> 8) % CHURN_VPNS];
		if (hal_gpt_lock_pte(scan.gpt_xp, vpn, &pte, &a, &p) != 0) {
			__atomic_add_fetch(&scan.errors, 1, __ATOMIC_SEQ_CST);
			break;
		}
		if (a) {
			hal_gpt_pte_reset(&pte);
			hal_gpt_pte_unlock(&pte);
		} else {
			hal_gpt_pte_set(&pte, R | GPT_MAPPED, vpn + 1);
		}
	}
	return NULL;
}

/* Scans race with cores that map (installing tables) and unmap: every scan visits the stable PTEs,
 * visits only known vpns, in increasing order, each mapped or locked when reached. */
HT_TEST(tsan_scans_while_other_cores_map_and_unmap)
{
	gpt_t gpt;
	pthread_t t[MAPPERS];
	int bad = 0;

	gfix_setup(1);
	HT_REQUIRE(hal_gpt_create(&gpt) == 0);
	memset(&scan, 0, sizeof(scan));
	scan.gpt_xp = XPTR(0, &gpt);
	for (int i = 0; i < 8; i++) {
		scan.stable[i] = (vpn_t)i * (VPN_END / 8) + 1000;
		HT_REQUIRE(gfix_map(scan.gpt_xp, scan.stable[i], R, scan.stable[i] + 1) == 0);
	}
	for (int i = 0; i < CHURN_VPNS; i++) /* over fresh tables of every level */
		scan.churn[i] = (vpn_t)(i % 8) * (VPN_END / 8) + (vpn_t)(i / 8) * (L1_SPAN / 2) + 7;
	for (uintptr_t i = 0; i < MAPPERS; i++)
		HT_REQUIRE(pthread_create(&t[i], NULL, mapper, (void *)i) == 0);
	for (int round = 0; round < 300; round++) {
		int visits = 0, stable = 0;
		vpn_t last = 0;
		gpt_iter_t it;

		for (hal_gpt_iter_init(&it, scan.gpt_xp, 0, VPN_END, GPT_ITER_LOCKED);
		     hal_gpt_iter_next(&it); visits++) {
			bad += !scan_known(it.vpn) || (visits && it.vpn <= last);
			bad += !(it.attr & (GPT_MAPPED | GPT_LOCKED));
			bad += (it.attr & GPT_MAPPED) && it.ppn != it.vpn + 1;
			for (int i = 0; i < 8; i++)
				stable += scan.stable[i] == it.vpn;
			last = it.vpn;
		}
		bad += stable != 8;
	}
	__atomic_store_n(&scan.stop, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < MAPPERS; i++)
		pthread_join(t[i], NULL);
	host_lid = 0;
	HT_CHECK(bad == 0 && scan.errors == 0);
	HT_CHECK(gfix_tables_ok(&gpt, 0));
	hal_gpt_destroy(&gpt);
	fix_teardown();
}

#define STORERS 4

static struct {
	xptr_t gpt_xp;
	vpn_t  base;
	int    go;
	int    errors;
} store;

/* Each thread stores into its own PTEs of the same fresh tables through its own cursor. */
static void *storer(void *arg)
{
	uintptr_t id = (uintptr_t)arg;
	gpt_cursor_t cur;

	host_lid = (lid_t)id + 1;
	while (!__atomic_load_n(&store.go, __ATOMIC_ACQUIRE))
		sched_yield();
	hal_gpt_cursor_init(&cur, store.gpt_xp);
	for (vpn_t v = id; v < 4 * L0_SPAN; v += STORERS) {
		gpt_pte_t pte;

		if (hal_gpt_cursor_pte(&cur, store.base + v, &pte) != 0) {
			__atomic_add_fetch(&store.errors, 1, __ATOMIC_SEQ_CST);
			break;
		}
		hal_gpt_pte_store(&pte, R | GPT_MAPPED, store.base + v + 1);
	}
	return NULL;
}

HT_TEST(tsan_cursors_racing_to_install_the_same_tables)
{
	gpt_t gpt;
	pthread_t t[STORERS];
	uint64_t base;
	gpt_iter_t it;
	vpn_t expect;

	gfix_setup(1);
	base = gfix_free_pages(0);
	HT_REQUIRE(hal_gpt_create(&gpt) == 0);
	store.gpt_xp = XPTR(0, &gpt);
	store.base = 5 * ROOT_SPAN / 2; /* under an empty root entry: every level is missing */
	store.go = 0;
	store.errors = 0;
	for (uintptr_t i = 0; i < STORERS; i++)
		HT_REQUIRE(pthread_create(&t[i], NULL, storer, (void *)i) == 0);
	__atomic_store_n(&store.go, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < STORERS; i++)
		pthread_join(t[i], NULL);
	host_lid = 0;
	HT_CHECK(store.errors == 0);
	/* the root, the path above the leaves, four leaf tables; the losers' pages went back */
	HT_CHECK(gpt.tables_nr == 1 + (uint32_t)(LEVELS - 2) + 4 && gfix_tables_ok(&gpt, 0));
	HT_CHECK(gfix_free_pages(0) == base - gpt.tables_nr);
	expect = store.base;
	for (hal_gpt_iter_init(&it, store.gpt_xp, 0, VPN_END, 0); hal_gpt_iter_next(&it); expect++)
		HT_CHECK(it.vpn == expect && it.ppn == expect + 1);
	HT_CHECK(expect == store.base + 4 * L0_SPAN);
	hal_gpt_destroy(&gpt);
	HT_CHECK(gfix_free_pages(0) == base);
	fix_teardown();
}
