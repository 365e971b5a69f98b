/*
 * test_kcm.c - the slab caches (mm/kcm.c) and the kmem front end (mm/kmem.c) on simulated
 * clusters (mm_fixture.h).
 */
#include <libk/bits.h>
#include <libk/errno.h>
#include <mm/kcm.h>
#include <mm/kmem.h>
#include <mm/ppm.h>

#include "htest.h"
#include "mm_fixture.h"

#include <stdlib.h>
#include <string.h>

#define PAGE CONFIG_PAGE_SIZE

static page_t *page_of_ptr(const void *p)
{
	xptr_t xp = ppm_base2page((paddr_t)(uintptr_t)p);

	return xp == XPTR_NULL ? NULL : GET_PTR(xp);
}

static size_t class_of(size_t size)
{
	size_t c = 1u << CONFIG_KCM_MIN_ORDER;

	while (c < size)
		c <<= 1;
	return c;
}

static uint32_t order_of_class(size_t c)
{
	return ilog2_u64(c);
}

static bool in_cluster(cxy_t cxy, const void *p, size_t n)
{
	paddr_t pa = (paddr_t)(uintptr_t)p;

	return pa >= fix_clusters[cxy].base && pa + n <= fix_clusters[cxy].base + fix_clusters[cxy].size;
}

/* Every kcm of @cxy is unlocked, and its counters agree with its lists. */
static bool kcm_consistent(cxy_t cxy)
{
	for (uint32_t o = CONFIG_KCM_MIN_ORDER; o <= CONFIG_KCM_MAX_ORDER; o++) {
		kcm_t *k = &fix_clusters[cxy].kcm[o - CONFIG_KCM_MIN_ORDER];
		uint64_t busy = 0;

		if (k->lock.holder != 0 || k->pages_nr[KCM_EMPTY] > CONFIG_KCM_EMPTY_PAGES_MAX)
			return false;
		for (int l = 0; l < KCM_LISTS_NR; l++) {
			xptr_t root_xp = XPTR(cxy, &k->root[l]), iter_xp;
			uint32_t n = 0;

			XLIST_FOREACH(root_xp, iter_xp) {
				page_t *pg = page_of_ptr(GET_PTR(iter_xp));

				if (!pg || !(pg->flags & PG_KCM) || pg->owner_xp != XPTR(cxy, k))
					return false;
				const kcm_slab_t *slab = GET_PTR(XLIST_ELEMENT(iter_xp, kcm_slab_t, list));
				uint32_t free_nr = slab->free_nr;

				if ((l == KCM_FULL && free_nr != 0) || (l == KCM_EMPTY && free_nr != k->objs_per_page) ||
				    (l == KCM_ACTIVE && (free_nr == 0 || free_nr == k->objs_per_page)) ||
				    (uint32_t)(64 - __builtin_popcountll(slab->busy_map)) != free_nr)
					return false;
				busy += k->objs_per_page - free_nr;
				n++;
			}
			if (n != k->pages_nr[l])
				return false;
		}
		if (busy != k->objs_used)
			return false;
	}
	return true;
}

static uint64_t ppm_free(cxy_t cxy)
{
	ppm_stats_t s;

	ppm_stats(cxy, &s);
	return s.free_pages;
}

static void shrink_all(cxy_t cxy)
{
	for (uint32_t o = CONFIG_KCM_MIN_ORDER; o <= CONFIG_KCM_MAX_ORDER; o++)
		kcm_remote_shrink(cxy, o);
}

HT_TEST(every_size_class_is_served_aligned)
{
	static const size_t sizes[] = { 1, 8, 63, 64, 65, 127, 128, 129, 200, 256, 257, 511, 512,
					513, 1000, 1024, 1025, 2000, 2047, 2048 };
	kcm_stats_t ks;

	fix_setup(1, 4u << 20);
	uint64_t free0 = ppm_free(0);
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t c = class_of(sizes[i]);
		void *p = kmem_alloc(sizes[i], 0);

		HT_REQUIRE(p != NULL);
		HT_CHECK(IS_ALIGNED((uintptr_t)p, c) && in_cluster(0, p, c));
		HT_CHECK(page_of_ptr(p)->flags == (PG_ALLOCATED | PG_KCM));
		kcm_remote_stats(0, order_of_class(c), &ks);
		HT_CHECK(ks.objs_used == 1 && ks.objs_per_page == PAGE / c - 1 && ks.order == order_of_class(c));
		memset(p, 0xa5, c); /* the whole class is usable */
		kmem_free(p);
		kcm_remote_stats(0, order_of_class(c), &ks);
		HT_CHECK(ks.objs_used == 0 && ks.pages == 1 && ks.empty_pages == 1);
	}
	HT_CHECK(kcm_consistent(0));
	shrink_all(0);
	HT_CHECK(ppm_free(0) == free0);
	kcm_display(0);
	fix_teardown();
}

/* Many objects of each order: aligned, distinct, and filling one never touches another. */
HT_TEST(objects_do_not_overlap_and_keep_their_content)
{
	enum { N = 300 };
	static uint8_t *obj[N];

	fix_setup(1, 8u << 20);
	uint64_t free0 = ppm_free(0);
	srand(99);
	for (uint32_t o = CONFIG_KCM_MIN_ORDER; o <= CONFIG_KCM_MAX_ORDER; o++) {
		size_t sz = (size_t)1 << o;

		for (int i = 0; i < N; i++) {
			obj[i] = kcm_alloc(o);
			HT_REQUIRE(obj[i] != NULL && IS_ALIGNED((uintptr_t)obj[i], sz));
			HT_REQUIRE(in_cluster(0, obj[i], sz));
			memset(obj[i], (int)(i * 7 + o), sz);
		}
		HT_CHECK(kcm_consistent(0));
		for (int i = 0; i < N; i++) {
			for (size_t b = 0; b < sz; b++)
				if (obj[i][b] != (uint8_t)(i * 7 + o)) {
					HT_CHECK(!"object content corrupted");
					break;
				}
			if ((uintptr_t)obj[i] % PAGE == 0)
				HT_CHECK(!"object over a slab header");
		}
		for (int i = N - 1; i > 0; i--) { /* free in random order */
			int j = rand() % (i + 1);
			uint8_t *t = obj[i];
			obj[i] = obj[j];
			obj[j] = t;
		}
		for (int i = 0; i < N; i++) {
			kcm_free(obj[i]);
			if (i % 50 == 0)
				HT_CHECK(kcm_consistent(0));
		}
	}
	HT_CHECK(kcm_consistent(0));
	shrink_all(0);
	HT_CHECK(ppm_free(0) == free0);
	fix_teardown();
}

HT_TEST(exhaustion_then_everything_back_to_the_ppm)
{
	const size_t max_objs = 64 * 1024;
	void **objs = calloc(max_objs, sizeof(void *));
	kcm_stats_t ks;
	size_t n = 0;

	fix_setup(1, 1u << 20);
	uint64_t free0 = ppm_free(0);
	while (n < max_objs && (objs[n] = kmem_alloc(64, 0)) != NULL)
		n++;
	kcm_remote_stats(0, 6, &ks);
	HT_CHECK(n == free0 * ks.objs_per_page && ks.full_pages == free0 && ks.objs_used == n);
	HT_CHECK(ppm_free(0) == 0);
	HT_CHECK(kmem_alloc(128, 0) == NULL && kmem_alloc(3 * PAGE, 0) == NULL);
	HT_CHECK(kcm_consistent(0));

	for (size_t i = 0; i < n; i++)
		kmem_free(objs[i]);
	kcm_remote_stats(0, 6, &ks);
	HT_CHECK(ks.objs_used == 0 && ks.pages == CONFIG_KCM_EMPTY_PAGES_MAX && ks.empty_pages == CONFIG_KCM_EMPTY_PAGES_MAX);
	HT_CHECK(ppm_free(0) == free0 - CONFIG_KCM_EMPTY_PAGES_MAX);
	HT_CHECK(kcm_remote_shrink(0, 6) == CONFIG_KCM_EMPTY_PAGES_MAX);
	HT_CHECK(ppm_free(0) == free0 && kcm_consistent(0));
	kcm_remote_stats(0, 6, &ks);
	HT_CHECK(ks.pages == 0 && ks.alloc_calls == n && ks.free_calls == n);
	free(objs);
	fix_teardown();
}

HT_TEST(large_allocations_go_to_the_ppm)
{
	static const size_t sizes[] = { 2049, PAGE, PAGE + 1, 5 * PAGE, 64 * PAGE, 100 * PAGE + 3 };
	ppm_stats_t s;

	fix_setup(1, 4u << 20);
	uint64_t free0 = ppm_free(0);
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t pages = DIV_ROUND_UP(sizes[i], PAGE), block = 1;
		while (block < pages)
			block <<= 1;
		uint8_t *p = kmem_alloc(sizes[i], KMEM_ZERO);

		HT_REQUIRE(p != NULL);
		HT_CHECK(IS_ALIGNED((uintptr_t)p, block * PAGE) && in_cluster(0, p, block * PAGE));
		HT_CHECK(page_of_ptr(p)->flags == (PG_ALLOCATED | PG_KMEM));
		HT_CHECK(page_of_ptr(p)->order == ilog2_u64(block));
		ppm_stats(0, &s);
		HT_CHECK(s.alloc_pages == block);
		HT_CHECK(p[0] == 0 && p[sizes[i] - 1] == 0);
		memset(p, 0x3c, sizes[i]);
		kmem_free(p);
		HT_CHECK(ppm_free(0) == free0);
	}
	HT_CHECK(kmem_alloc(0, 0) == NULL);
	HT_CHECK(kmem_alloc(KMEM_MAX_SIZE + 1, 0) == NULL);
	HT_CHECK(kmem_alloc((size_t)-1, 0) == NULL);
	HT_CHECK(kmem_alloc(KMEM_MAX_SIZE, 0) == NULL); /* valid size, but 4 MiB cannot hold 64 MiB */
	kmem_free(NULL);
	HT_CHECK(ppm_free(0) == free0);
	fix_teardown();
}

HT_TEST(kmem_zero_clears_reused_objects)
{
	fix_setup(1, 1u << 20);
	for (size_t size = 40; size <= 2048; size *= 2) {
		uint8_t *p = kmem_alloc(size, 0);
		HT_REQUIRE(p != NULL);
		memset(p, 0xff, size);
		kmem_free(p);
		uint8_t *q = kmem_alloc(size, KMEM_ZERO);
		HT_REQUIRE(q != NULL);
		HT_CHECK(q == p); /* the slot just freed is reused */
		for (size_t b = 0; b < size; b++)
			if (q[b] != 0) {
				HT_CHECK(!"KMEM_ZERO left data");
				break;
			}
		kmem_free(q);
	}
	fix_teardown();
}

HT_TEST(bad_frees_panic_with_a_clear_message)
{
	char on_stack[128];
	char *heap = malloc(256);

	fix_setup(2, 1u << 20);
	char *a = kmem_alloc(100, 0), *b = kmem_alloc(100, 0), *big = kmem_alloc(3 * PAGE, 0);
	HT_REQUIRE(a && b && big);

	kmem_free(a);
	HT_EXPECT_PANIC(kmem_free(a));
	HT_CHECK(strstr(ht_panic_msg, "double free") != NULL);
	HT_EXPECT_PANIC(kcm_free(a));
	HT_CHECK(strstr(ht_panic_msg, "double free") != NULL);
	HT_EXPECT_PANIC(kmem_free(b + 8));
	HT_CHECK(strstr(ht_panic_msg, "object boundary") != NULL);
	HT_EXPECT_PANIC(kmem_free((char *)ALIGN_DOWN((uintptr_t)b, PAGE)));
	HT_CHECK(strstr(ht_panic_msg, "slab header") != NULL);
	HT_EXPECT_PANIC(kmem_free(on_stack));
	HT_CHECK(strstr(ht_panic_msg, "foreign pointer") != NULL);
	HT_EXPECT_PANIC(kmem_free(heap));
	HT_CHECK(strstr(ht_panic_msg, "foreign pointer") != NULL);
	HT_EXPECT_PANIC(kmem_free(big + PAGE));
	HT_CHECK(strstr(ht_panic_msg, "not a live kmem object") != NULL);
	HT_EXPECT_PANIC(kmem_remote_free(1, b)); /* an object of cluster 0 given to cluster 1 */
	HT_CHECK(strstr(ht_panic_msg, "cluster 1") != NULL);
	HT_EXPECT_PANIC(kcm_free(big));
	HT_CHECK(strstr(ht_panic_msg, "not in a slab page") != NULL);
	kmem_free(big);
	HT_EXPECT_PANIC(kmem_free(big));
	HT_CHECK(strstr(ht_panic_msg, "not a live kmem object") != NULL);

	/* a free page that was a slab: freeing into it again is caught too */
	kmem_free(b);
	shrink_all(0);
	HT_EXPECT_PANIC(kmem_free(b));
	HT_CHECK(strstr(ht_panic_msg, "not a live kmem object") != NULL);

	HT_CHECK(kcm_consistent(0) && kcm_consistent(1)); /* locks released by the panics */
	char *c = kmem_alloc(100, 0);
	HT_CHECK(c != NULL);
	kmem_free(c);
	hal_enable_irq();
	free(heap);
	fix_teardown();
}

HT_TEST(remote_allocation_uses_the_target_cluster)
{
	kcm_stats_t ks;

	fix_setup(3, 2u << 20);
	uint64_t free1 = ppm_free(1), free0 = ppm_free(0);
	local_cxy = 0;
	void *p = kmem_remote_alloc(1, 100, KMEM_ZERO);
	void *big = kmem_remote_alloc(1, 10 * PAGE, 0);
	HT_REQUIRE(p && big);
	HT_CHECK(in_cluster(1, p, 128) && in_cluster(1, big, 16 * PAGE));
	HT_CHECK(cluster_of_paddr((paddr_t)(uintptr_t)p) == 1);
	kcm_remote_stats(1, 7, &ks);
	HT_CHECK(ks.objs_used == 1);
	kcm_remote_stats(0, 7, &ks);
	HT_CHECK(ks.objs_used == 0 && ks.pages == 0);
	HT_CHECK(ppm_free(1) == free1 - 17 && ppm_free(0) == free0);
	HT_EXPECT_PANIC(kmem_free(p)); /* the local wrapper is for local objects */
	HT_CHECK(strstr(ht_panic_msg, "not in the memory of cluster 0") != NULL);

	local_cxy = 2; /* freed by a core of a third cluster */
	kmem_remote_free(1, p);
	kmem_remote_free(1, big);
	HT_CHECK(ppm_free(1) == free1 - 1); /* the cached empty slab */
	local_cxy = 1;
	void *q = kmem_alloc(100, 0); /* local wrappers act on local_cxy */
	HT_CHECK(q == p);
	kmem_free(q);
	shrink_all(1);
	HT_CHECK(ppm_free(1) == free1);
	for (cxy_t c = 0; c < 3; c++)
		HT_CHECK(kcm_consistent(c));
	local_cxy = 0;
	fix_teardown();
}

/* Random mixed-size allocations over two clusters; every object holds a pattern checked on free. */
HT_TEST(random_mixed_sizes_keep_their_content)
{
	enum { SLOTS = 500 };
	static struct {
		uint8_t *p;
		size_t   size;
		cxy_t    cxy;
		uint8_t  tag;
	} h[SLOTS];
	uint64_t free0[2];

	fix_setup(2, 4u << 20);
	for (cxy_t c = 0; c < 2; c++)
		free0[c] = ppm_free(c);
	srand(31337);
	for (int step = 0; step < 40000; step++) {
		int k = rand() % SLOTS;

		if (h[k].p) {
			for (size_t b = 0; b < h[k].size; b += 1 + b / 8)
				HT_REQUIRE(h[k].p[b] == h[k].tag);
			local_cxy = (cxy_t)(rand() % 2);
			kmem_remote_free(h[k].cxy, h[k].p);
			h[k].p = NULL;
		} else {
			size_t size = rand() % 10 ? 1 + (size_t)rand() % 2048 : 1 + (size_t)rand() % (6 * PAGE);
			cxy_t c = (cxy_t)(rand() % 2);

			h[k].p = kmem_remote_alloc(c, size, 0);
			if (!h[k].p)
				continue;
			HT_REQUIRE(in_cluster(c, h[k].p, size));
			h[k].size = size;
			h[k].cxy = c;
			h[k].tag = (uint8_t)rand();
			memset(h[k].p, h[k].tag, size);
		}
		if (step % 2000 == 0)
			HT_REQUIRE(kcm_consistent(0) && kcm_consistent(1));
	}
	for (int k = 0; k < SLOTS; k++)
		if (h[k].p) {
			kmem_remote_free(h[k].cxy, h[k].p);
			h[k].p = NULL;
		}
	for (cxy_t c = 0; c < 2; c++) {
		HT_CHECK(kcm_consistent(c));
		shrink_all(c);
		HT_CHECK(ppm_free(c) == free0[c]);
	}
	local_cxy = 0;
	fix_teardown();
}

/* The array forms: the same objects and counters as single calls, all or nothing on exhaustion
 * (everything taken so far given back), one injection point, and the same checks on free. */
HT_TEST(arrays_allocate_all_or_nothing_and_free_in_runs)
{
	enum { N = 200, MORE = 1024 };
	static void *objs[N], *more[MORE];
	kcm_stats_t ks;

	fix_setup(2, 1u << 20);
	uint64_t free0 = ppm_free(0);
	HT_REQUIRE(kcm_remote_alloc_array(0, 7, objs, N) == 0);
	kcm_remote_stats(0, 7, &ks);
	HT_CHECK(ks.objs_used == N && ks.alloc_calls == N && kcm_consistent(0));
	for (int i = 0; i < N; i++) {
		HT_CHECK(IS_ALIGNED((uintptr_t)objs[i], 128) && in_cluster(0, objs[i], 128));
		memset(objs[i], i, 128);
	}
	for (int i = 0; i < N; i++) /* distinct: each kept its own bytes */
		HT_CHECK(((uint8_t *)objs[i])[0] == (uint8_t)i && ((uint8_t *)objs[i])[127] == (uint8_t)i);
	kcm_remote_free_array(0, objs, N);
	kcm_remote_stats(0, 7, &ks);
	HT_CHECK(ks.objs_used == 0 && ks.free_calls == N && kcm_consistent(0));

	/* mixed kcms in one array: a run per kcm */
	HT_REQUIRE(kmem_alloc_array(100, objs, 3) == 0 && kmem_alloc_array(40, objs + 3, 3) == 0);
	objs[6] = kmem_alloc(120, 0);
	HT_REQUIRE(objs[6] != NULL);
	kmem_free_array(objs, 7);
	kcm_remote_stats(0, 7, &ks);
	HT_CHECK(ks.objs_used == 0 && kcm_consistent(0));
	HT_CHECK(kmem_alloc_array(0, objs, 1) == EINVAL && kmem_alloc_array(4096, objs, 1) == EINVAL);
	HT_CHECK(kcm_remote_alloc_array(0, 7, objs, 0) == 0);

	/* one injection point per array */
	fix_fail_nth(1);
	HT_CHECK(kcm_remote_alloc_array(0, 7, objs, 5) == ENOMEM && fix_fail_points() == 1);
	fix_fail_nth(0);
	kcm_remote_stats(0, 7, &ks);
	HT_CHECK(ks.objs_used == 0 && ks.alloc_calls == N + 4 && kcm_consistent(0));

	/* exhaustion midway: nothing kept, counters as before */
	size_t n = 0;
	while (n < MORE && kcm_remote_alloc_array(0, 11, &more[n], 1) == 0)
		n++;
	HT_REQUIRE(n < MORE && ppm_free(0) == 0);
	kcm_remote_free(0, more[--n]);
	kcm_remote_stats(0, 11, &ks);
	uint64_t used = ks.objs_used, calls = ks.alloc_calls, frees = ks.free_calls;
	HT_CHECK(kcm_remote_alloc_array(0, 11, objs, 2) == ENOMEM);
	kcm_remote_stats(0, 11, &ks);
	HT_CHECK(ks.objs_used == used && ks.alloc_calls == calls && ks.free_calls == frees);
	HT_CHECK(kcm_consistent(0));
	kcm_remote_free_array(0, more, (uint32_t)n);

	/* the checks of a single free: a double free in an array panics, its lock released */
	HT_REQUIRE(kcm_remote_alloc_array(0, 7, objs, 2) == 0);
	objs[2] = objs[0];
	HT_EXPECT_PANIC(kcm_remote_free_array(0, objs, 3));
	HT_CHECK(strstr(ht_panic_msg, "double free") != NULL && kcm_consistent(0));
	HT_EXPECT_PANIC(kcm_remote_free_array(1, objs, 1)); /* an object of cluster 0 */
	HT_CHECK(strstr(ht_panic_msg, "cluster 1") != NULL);
	hal_enable_irq();
	shrink_all(0);
	HT_CHECK(ppm_free(0) == free0 && kcm_consistent(0));
	fix_teardown();
}
