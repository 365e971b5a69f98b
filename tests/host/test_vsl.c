/*
 * test_vsl.c - vsegs (mm/vseg.c) and the VSL tree (mm/vsl.c) on the host.
 *
 * The VSL is checked against a reference model (the owner of each page of a small address range)
 * under thousands of random insertions, removals, lookups, walks and gap searches, with the tree
 * invariants (vsl_check) verified after every operation. Built twice (vsl.cmake): with the default
 * ANON placement policy (first touch) and with the creator policy (CONFIG_VMM_ANON_FIRST_TOUCH=0).
 */
#include <kern/printk.h>
#include <libk/bits.h>
#include <libk/errno.h>
#include <mm/kmem.h>
#include <mm/vseg.h>
#include <mm/vsl.h>

#include "htest.h"
#include "mm_fixture.h"

#include <stdlib.h>
#include <string.h>

#define PAGE   CONFIG_PAGE_SIZE
#define BASE   0x100000UL /* start of the model's address range (page aligned, in user space) */
#define PAGES  1024       /* pages in the model's range                                      */
#define POOL   PAGES      /* at most one vseg per page                                         */
#define A(pg)  (BASE + (vaddr_t)(pg) * PAGE)

/* ---- helpers ---- */

/* Initialise @v as an ANON vseg over pages [@first, @end) of the model range; asserts success. */
static void anon(vseg_t *v, vaddr_t min, vaddr_t max)
{
	memset(v, 0, sizeof(*v));
	if (vseg_init(v, VSEG_TYPE_ANON, min, max, VSEG_USER | VSEG_READ | VSEG_WRITE, 0, NULL) != 0)
		abort();
}

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

/* ---- the reference model ---- */

static vseg_t pool[POOL];
static bool   in_vsl[POOL];
static int    owner[PAGES]; /* index in pool of the vseg covering the page, or -1 */
static vsl_t  vsl;

static void model_reset(void)
{
	vsl_init(&vsl);
	memset(pool, 0, sizeof(pool));
	memset(in_vsl, 0, sizeof(in_vsl));
	for (int p = 0; p < PAGES; p++)
		owner[p] = -1;
}

static vseg_t *model_at(int page)
{
	return page >= 0 && page < PAGES && owner[page] >= 0 ? &pool[owner[page]] : NULL;
}

static uint32_t inserted, rejected, removed, max_count; /* coverage of the random test */

static void op_insert(void)
{
	int slot = (int)rnd(POOL);
	int first = (int)rnd(PAGES), len = 1 + (int)rnd(8);
	int end = MIN(first + len, PAGES);
	bool free_range = true;

	if (in_vsl[slot])
		return;
	for (int p = first; p < end; p++)
		free_range &= owner[p] < 0;
	anon(&pool[slot], A(first), A(end));
	error_t err = vsl_insert(&vsl, &pool[slot]);

	HT_CHECK(err == (free_range ? 0 : EEXIST));
	if (err == 0) {
		inserted++;
		max_count = MAX(max_count, vsl_count(&vsl));
		in_vsl[slot] = true;
		for (int p = first; p < end; p++)
			owner[p] = slot;
	} else {
		rejected++;
		HT_CHECK(pool[slot].node.height == 0);
	}
}

static void op_remove(void)
{
	int slot = (int)rnd(POOL);

	for (int i = 0; i < POOL && !in_vsl[slot]; i++)
		slot = (slot + 1) % POOL;
	if (!in_vsl[slot])
		return;
	vsl_remove(&vsl, &pool[slot]);
	removed++;
	in_vsl[slot] = false;
	HT_CHECK(pool[slot].node.height == 0);
	for (int p = 0; p < PAGES; p++)
		if (owner[p] == slot)
			owner[p] = -1;
}

static void op_lookup(void)
{
	int page = (int)rnd(PAGES + 2) - 1; /* one page outside on each side */
	vaddr_t addr = BASE + (vaddr_t)page * PAGE + rnd(PAGE);

	HT_CHECK(vsl_lookup(&vsl, addr) == model_at(page));
}

static void op_lookup_range(void)
{
	int first = (int)rnd(PAGES), end = first + (int)rnd(20);
	vseg_t *expect = NULL;

	for (int p = first; p < MIN(end, PAGES) && !expect; p++)
		expect = model_at(p);
	HT_CHECK(vsl_lookup_range(&vsl, A(first), A(end)) == expect);
}

/* Both walks, the local one and the remote one (vsl_remote_*, fork's), visit the model's vsegs in
 * address order. */
static void op_walk(void)
{
	const vseg_t *v = vsl_first(&vsl);
	xptr_t r = vsl_remote_first(XPTR(local_cxy, &vsl));
	uint32_t n = 0;

	for (int p = 0; p < PAGES; p++) {
		if (owner[p] < 0 || (p > 0 && owner[p - 1] == owner[p]))
			continue;
		HT_CHECK(v == &pool[owner[p]]);
		HT_CHECK(r == XPTR(local_cxy, &pool[owner[p]]));
		if (v == NULL || r == XPTR_NULL)
			return;
		v = vsl_next(v);
		r = vsl_remote_next(r);
		n++;
	}
	HT_CHECK(v == NULL && r == XPTR_NULL);
	HT_CHECK(n == vsl_count(&vsl));
}

static void op_find_gap(void)
{
	int zmin = (int)rnd(PAGES), zmax = zmin + (int)rnd(PAGES - zmin + 1);
	int size = 1 + (int)rnd(8), align = 1 << rnd(4);
	vaddr_t base = 0;
	int expect = -1;

	/* First fit, by brute force: lowest aligned page with size free pages inside the zone. */
	for (int p = zmin; p + size <= zmax && expect < 0; p++) {
		bool ok = A(p) % ((vaddr_t)align * PAGE) == 0;

		for (int q = p; q < p + size && ok; q++)
			ok = owner[q] < 0;
		if (ok)
			expect = p;
	}
	error_t err = vsl_find_gap(&vsl, A(zmin), A(zmax), (vaddr_t)size * PAGE, (vaddr_t)align * PAGE,
				   &base);
	HT_CHECK(err == (expect < 0 ? ENOMEM : 0));
	if (err == 0)
		HT_CHECK(base == A(expect));
}

HT_TEST(vsl_random_ops_match_the_model)
{
	model_reset();
	/* Phases of 5000 operations alternately favour insertions (the VSL fills up, inserts start to
	 * collide) and removals (it empties), so large trees are both built and torn down. */
	for (int i = 0; i < 40000; i++) {
		bool filling = (i / 5000) % 2 == 0;

		switch (rnd(10)) {
		case 0: case 1: op_insert(); break;
		case 2: filling ? op_insert() : op_remove(); break;
		case 3: case 4: filling && rnd(4) ? op_insert() : op_remove(); break;
		case 5: case 6: op_lookup(); break;
		case 7: op_lookup_range(); break;
		case 8: op_walk(); break;
		default: op_find_gap(); break;
		}
		if (!vsl_check(&vsl)) {
			HT_CHECK(!"vsl_check after an operation");
			return;
		}
		if (ht_current_failed())
			return;
	}
	HT_CHECK(inserted > 2000 && rejected > 2000 && removed > 2000 && max_count > 120);
	printk("random VSL: %u inserted, %u overlaps refused, %u removed, up to %u vsegs", inserted,
	       rejected, removed, max_count);
	/* Empty it completely: the tree must end empty. */
	for (int s = 0; s < POOL; s++)
		if (in_vsl[s])
			vsl_remove(&vsl, &pool[s]);
	HT_CHECK(vsl_count(&vsl) == 0 && vsl.root == NULL && vsl_first(&vsl) == NULL);
	HT_CHECK(vsl_remote_first(XPTR(local_cxy, &vsl)) == XPTR_NULL);
}

/* ---- directed tests ---- */

HT_TEST(vsl_insert_rejects_every_overlap_and_accepts_touching)
{
	vseg_t mid, t[8];
	static const int ranges[][2] = {
		{ 9, 11 }, { 19, 21 }, { 10, 20 }, { 12, 13 }, { 5, 25 }, { 10, 11 }, { 19, 20 },
	};

	vsl_init(&vsl);
	anon(&mid, A(10), A(20));
	HT_REQUIRE(vsl_insert(&vsl, &mid) == 0);
	for (unsigned i = 0; i < ARRAY_SIZE(ranges); i++) {
		anon(&t[i], A(ranges[i][0]), A(ranges[i][1]));
		HT_CHECK(vsl_insert(&vsl, &t[i]) == EEXIST);
		HT_CHECK(t[i].node.height == 0);
	}
	HT_CHECK(vsl_count(&vsl) == 1 && vsl_check(&vsl));
	anon(&t[0], A(0), A(10));  /* touches mid from below */
	anon(&t[1], A(20), A(30)); /* touches mid from above */
	HT_CHECK(vsl_insert(&vsl, &t[0]) == 0);
	HT_CHECK(vsl_insert(&vsl, &t[1]) == 0);
	HT_CHECK(vsl_count(&vsl) == 3 && vsl_check(&vsl));
	/* A range strictly inside the hole between two vsegs, and one bridging two of them. */
	anon(&t[2], A(30), A(31));
	anon(&t[3], A(29), A(31));
	HT_CHECK(vsl_insert(&vsl, &t[3]) == EEXIST);
	HT_CHECK(vsl_insert(&vsl, &t[2]) == 0);
	anon(&t[4], A(9), A(21));
	HT_CHECK(vsl_insert(&vsl, &t[4]) == EEXIST);
	HT_CHECK(vsl_count(&vsl) == 4 && vsl_check(&vsl));
}

HT_TEST(vsl_lookup_at_the_boundaries_and_in_holes)
{
	vseg_t a, b;

	vsl_init(&vsl);
	HT_CHECK(vsl_lookup(&vsl, A(0)) == NULL);
	anon(&a, A(2), A(4));
	anon(&b, A(6), A(7));
	HT_REQUIRE(vsl_insert(&vsl, &a) == 0 && vsl_insert(&vsl, &b) == 0);
	HT_CHECK(vsl_lookup(&vsl, A(2)) == &a);       /* min   */
	HT_CHECK(vsl_lookup(&vsl, A(4) - 1) == &a);   /* max-1 */
	HT_CHECK(vsl_lookup(&vsl, A(4)) == NULL);     /* max   */
	HT_CHECK(vsl_lookup(&vsl, A(2) - 1) == NULL); /* min-1 */
	HT_CHECK(vsl_lookup(&vsl, A(5)) == NULL);     /* hole  */
	HT_CHECK(vsl_lookup(&vsl, A(6)) == &b);
	HT_CHECK(vsl_lookup(&vsl, A(7) - 1) == &b);
	HT_CHECK(vsl_lookup(&vsl, A(7)) == NULL);
	HT_CHECK(vsl_lookup(&vsl, 0) == NULL);
	HT_CHECK(vsl_lookup(&vsl, ~(vaddr_t)0) == NULL);

	HT_CHECK(vsl_lookup_range(&vsl, A(0), A(2)) == NULL);     /* touches a from below */
	HT_CHECK(vsl_lookup_range(&vsl, A(0), A(2) + 1) == &a);
	HT_CHECK(vsl_lookup_range(&vsl, A(4), A(6)) == NULL);     /* exactly the hole     */
	HT_CHECK(vsl_lookup_range(&vsl, A(4) - 1, A(6)) == &a);
	HT_CHECK(vsl_lookup_range(&vsl, A(4), A(100)) == &b);
	HT_CHECK(vsl_lookup_range(&vsl, A(0), A(100)) == &a);     /* the lowest one       */
	HT_CHECK(vsl_lookup_range(&vsl, A(3), A(3)) == NULL);     /* empty range          */
	HT_CHECK(vsl_lookup_range(&vsl, A(7), A(100)) == NULL);
}

HT_TEST(vsl_stays_balanced_under_sequential_inserts_and_removes)
{
	enum { N = 4096 };
	vseg_t *v = calloc(N, sizeof(*v));

	HT_REQUIRE(v != NULL);
	vsl_init(&vsl);
	for (int i = 0; i < N; i++) {
		anon(&v[i], A(2 * i), A(2 * i + 1));
		HT_REQUIRE(vsl_insert(&vsl, &v[i]) == 0);
	}
	HT_CHECK(vsl_check(&vsl) && vsl_count(&vsl) == N);
	/* AVL bound: height < 1.4405 log2(n + 2); log2(4098) ~ 12.0 -> at most 17. */
	HT_CHECK(vsl.root->height <= 17);
	for (int i = 0; i < N; i++)
		HT_CHECK(vsl_lookup(&vsl, A(2 * i) + 5) == &v[i] && vsl_lookup(&vsl, A(2 * i + 1)) == NULL);
	for (int i = 0; i < N; i += 2)
		vsl_remove(&vsl, &v[i]);
	HT_CHECK(vsl_check(&vsl) && vsl_count(&vsl) == N / 2);
	for (int i = N - 1; i >= 0; i -= 2)
		vsl_remove(&vsl, &v[i]);
	HT_CHECK(vsl_check(&vsl) && vsl_count(&vsl) == 0 && vsl.root == NULL);
	free(v);
}

HT_TEST(vsl_find_gap_first_fit_alignment_and_zone_edges)
{
	vseg_t a, b;
	vaddr_t base = 0;

	vsl_init(&vsl);
	HT_CHECK(vsl_find_gap(&vsl, A(0), A(8), 8 * PAGE, PAGE, &base) == 0 && base == A(0));
	HT_CHECK(vsl_find_gap(&vsl, A(0), A(8), 9 * PAGE, PAGE, &base) == ENOMEM);
	anon(&a, A(0), A(3));
	anon(&b, A(5), A(6));
	HT_REQUIRE(vsl_insert(&vsl, &a) == 0 && vsl_insert(&vsl, &b) == 0);
	HT_CHECK(vsl_find_gap(&vsl, A(0), A(16), 2 * PAGE, PAGE, &base) == 0 && base == A(3));
	HT_CHECK(vsl_find_gap(&vsl, A(0), A(16), 3 * PAGE, PAGE, &base) == 0 && base == A(6));
	HT_CHECK(vsl_find_gap(&vsl, A(0), A(9), 3 * PAGE, PAGE, &base) == 0 && base == A(6));
	HT_CHECK(vsl_find_gap(&vsl, A(0), A(8), 3 * PAGE, PAGE, &base) == ENOMEM);
	HT_CHECK(vsl_find_gap(&vsl, A(0), A(8), 3 * PAGE, 4 * PAGE, &base) == ENOMEM);
	HT_CHECK(vsl_find_gap(&vsl, A(0), A(12), PAGE, 8 * PAGE, &base) == 0 && base == A(8));
	/* A zone starting inside a vseg, and one ending at a vseg's min. */
	HT_CHECK(vsl_find_gap(&vsl, A(1), A(16), PAGE, PAGE, &base) == 0 && base == A(3));
	HT_CHECK(vsl_find_gap(&vsl, A(3), A(5), 2 * PAGE, PAGE, &base) == 0 && base == A(3));
	HT_CHECK(vsl_find_gap(&vsl, A(5), A(6), PAGE, PAGE, &base) == ENOMEM);
	HT_CHECK(vsl_find_gap(&vsl, A(6), A(6), PAGE, PAGE, &base) == ENOMEM);
}

HT_TEST(vsl_remove_of_a_vseg_in_no_vsl_panics)
{
	vseg_t v;

	vsl_init(&vsl);
	anon(&v, A(0), A(1));
	HT_EXPECT_PANIC(vsl_remove(&vsl, &v));
}

/* ---- vsegs ---- */

#define URW (VSEG_USER | VSEG_READ | VSEG_WRITE)

HT_TEST(vseg_init_validates_range_flags_and_file)
{
	vseg_t v;
	vseg_file_t f = { .mapper_xp = XPTR(1, (void *)0x1000), .offset = 2 * PAGE, .size = PAGE + 10 };
	vseg_file_t f_unaligned = f, f_big = f, f_nomapper = f;

	f_unaligned.offset = 10;
	f_big.size = 3 * PAGE;
	f_nomapper.mapper_xp = XPTR_NULL;
	memset(&v, 0, sizeof(v));
#define INIT(type, min, max, flags, cxy, file) vseg_init(&v, VSEG_TYPE_##type, min, max, flags, cxy, file)
	/* Ranges. */
	HT_CHECK(INIT(ANON, A(0) + 1, A(2), URW, 0, NULL) == EINVAL);
	HT_CHECK(INIT(ANON, A(0), A(2) - 1, URW, 0, NULL) == EINVAL);
	HT_CHECK(INIT(ANON, A(2), A(2), URW, 0, NULL) == EINVAL);
	HT_CHECK(INIT(ANON, A(3), A(2), URW, 0, NULL) == EINVAL);
	HT_CHECK(INIT(ANON, 0, PAGE, URW, 0, NULL) == EINVAL);
	HT_CHECK(INIT(ANON, CONFIG_VMM_USER_MIN - PAGE, CONFIG_VMM_USER_MIN + PAGE, URW, 0, NULL) == EINVAL);
	HT_CHECK(INIT(ANON, CONFIG_VMM_USER_END - PAGE, CONFIG_VMM_USER_END + PAGE, URW, 0, NULL) == EINVAL);
	HT_CHECK(INIT(ANON, CONFIG_VMM_USER_MIN, CONFIG_VMM_USER_END, URW, 0, NULL) == 0);
	HT_CHECK(INIT(KDATA, A(0), A(1), VSEG_READ | VSEG_WRITE, 0, NULL) == EINVAL);
	HT_CHECK(INIT(KDATA, 0xffffffc000000000UL, 0xffffffc000200000UL, VSEG_READ | VSEG_WRITE, 0, NULL) == 0);
	/* Flags. */
	HT_CHECK(INIT(ANON, A(0), A(1), VSEG_READ | VSEG_WRITE, 0, NULL) == EINVAL);            /* no USER    */
	HT_CHECK(INIT(ANON, A(0), A(1), VSEG_USER | VSEG_WRITE, 0, NULL) == EINVAL);            /* W without R */
	HT_CHECK(INIT(ANON, A(0), A(1), URW | VSEG_PRIVATE, 0, NULL) == EINVAL);                /* public type */
	HT_CHECK(INIT(ANON, A(0), A(1), URW | VSEG_DISTRIB, 0, NULL) == EINVAL);
	HT_CHECK(INIT(ANON, A(0), A(1), URW | 0x400, 0, NULL) == EINVAL);                      /* unknown bit */
	HT_CHECK(INIT(ANON, A(0), A(1), VSEG_USER, 0, NULL) == 0);                            /* PROT_NONE  */
	HT_CHECK(INIT(CODE, A(0), A(2), VSEG_USER | VSEG_READ | VSEG_EXEC, 0, &f) == EINVAL);   /* not PRIVATE */
	HT_CHECK(INIT(CODE, A(0), A(2), URW | VSEG_PRIVATE, 0, &f) == EINVAL);                  /* writable   */
	HT_CHECK(INIT(CODE, A(0), A(2), VSEG_USER | VSEG_READ | VSEG_EXEC | VSEG_PRIVATE, 0, &f) == 0);
	HT_CHECK(INIT(STACK, A(0), A(1), VSEG_USER | VSEG_READ, 0, NULL) == EINVAL);            /* read-only  */
	HT_CHECK(INIT(STACK, A(0), A(1), URW | VSEG_EXEC, 0, NULL) == EINVAL);
	HT_CHECK(INIT(STACK, A(0), A(1), URW | VSEG_PRIVATE, 0, NULL) == 0);
	HT_CHECK(INIT(STACK, A(0), A(1), URW, 0, NULL) == 0);
	HT_CHECK(INIT(DATA, A(0), A(2), URW | VSEG_DISTRIB, 0, &f) == 0);
	HT_CHECK(INIT(DATA, A(0), A(2), URW | VSEG_DISTRIB, 0, NULL) == 0);                     /* bss only   */
	HT_CHECK(INIT(KCODE, 0xffffffc000000000UL, 0xffffffc000001000UL, VSEG_USER | VSEG_EXEC, 0, NULL) == EINVAL);
	/* Cluster. */
	HT_CHECK(INIT(REMOTE, A(0), A(1), URW, CONFIG_MAX_CLUSTERS, NULL) == EINVAL);
	HT_CHECK(INIT(REMOTE, A(0), A(1), URW, CONFIG_MAX_CLUSTERS - 1, NULL) == 0);
	/* File. */
	HT_CHECK(INIT(CODE, A(0), A(2), VSEG_USER | VSEG_EXEC | VSEG_PRIVATE, 0, NULL) == EINVAL);
	HT_CHECK(INIT(FILE, A(0), A(2), URW, 0, NULL) == EINVAL);
	HT_CHECK(INIT(FILE, A(0), A(2), URW, 0, &f_unaligned) == EINVAL);
	HT_CHECK(INIT(FILE, A(0), A(2), URW, 0, &f_big) == EINVAL);
	HT_CHECK(INIT(FILE, A(0), A(2), URW, 0, &f_nomapper) == EINVAL);
	HT_CHECK(INIT(REMOTE, A(0), A(2), URW, 0, &f) == EINVAL);
	HT_CHECK(INIT(ANON, A(0), A(2), URW, 0, &f) == 0); /* a private file mapping */
	memset(&v, 0, sizeof(v));
	HT_CHECK(INIT(STACK, A(0), A(2), URW, 0, &f) == EINVAL);
	HT_CHECK(INIT(REMOTE, A(0), A(2), URW, 0, &f) == EINVAL);
	HT_CHECK(vseg_init(&v, VSEG_TYPES_NR, A(0), A(1), URW, 0, NULL) == EINVAL);
	/* A refused init leaves the vseg as it was. */
	HT_REQUIRE(INIT(FILE, A(4), A(6), URW, 2, &f) == 0);
	vseg_t saved = v;
	HT_CHECK(INIT(FILE, A(0), A(2), URW, 0, &f_big) == EINVAL);
	HT_CHECK(memcmp(&saved, &v, sizeof(v)) == 0);
	HT_CHECK(v.type == VSEG_TYPE_FILE && v.min == A(4) && v.max == A(6) && v.cxy == 2);
	HT_CHECK(v.vpn_base == A(4) / PAGE && v.vpn_size == 2);
	HT_CHECK(v.mapper_xp == f.mapper_xp && v.file_offset == f.offset && v.file_size == f.size);
	HT_CHECK(v.node.height == 0);
#undef INIT
}

HT_TEST(vseg_type_names_and_visibility)
{
	vseg_t v;
	vseg_file_t f = { .mapper_xp = XPTR(0, (void *)0x1000), .offset = 0, .size = 0 };

	HT_CHECK(strcmp(vseg_type_name(VSEG_TYPE_CODE), "CODE") == 0);
	HT_CHECK(strcmp(vseg_type_name(VSEG_TYPE_REMOTE), "REMOTE") == 0);
	HT_CHECK(strcmp(vseg_type_name(VSEG_TYPE_KDEV), "KDEV") == 0);
	HT_CHECK(strcmp(vseg_type_name(VSEG_TYPES_NR), "?") == 0);
	memset(&v, 0, sizeof(v));
	HT_REQUIRE(vseg_init(&v, VSEG_TYPE_CODE, A(0), A(1), VSEG_USER | VSEG_EXEC | VSEG_PRIVATE, 0, &f) == 0);
	HT_CHECK(!vseg_is_public(&v));
	HT_REQUIRE(vseg_init(&v, VSEG_TYPE_STACK, A(0), A(1), URW, 0, NULL) == 0);
	HT_CHECK(vseg_is_public(&v));
	HT_REQUIRE(vseg_init(&v, VSEG_TYPE_STACK, A(0), A(1), URW | VSEG_PRIVATE, 0, NULL) == 0);
	HT_CHECK(!vseg_is_public(&v));
	HT_REQUIRE(vseg_init(&v, VSEG_TYPE_ANON, A(0), A(1), URW, 0, NULL) == 0);
	HT_CHECK(vseg_is_public(&v));
	HT_REQUIRE(vseg_init(&v, VSEG_TYPE_KDATA, 0xffffffc000000000UL, 0xffffffc000001000UL,
			     VSEG_READ | VSEG_WRITE, 0, NULL) == 0);
	HT_CHECK(!vseg_is_public(&v));
}

HT_TEST(vseg_placement_follows_the_type)
{
	vseg_t v;
	vseg_file_t f = { .mapper_xp = XPTR(3, (void *)0x1000), .offset = 0, .size = 0 };
	const uint32_t n = 4;
	vpn_t vpn0 = A(0) / PAGE;

	memset(&v, 0, sizeof(v));
	HT_REQUIRE(vseg_init(&v, VSEG_TYPE_CODE, A(0), A(8), VSEG_USER | VSEG_EXEC | VSEG_PRIVATE, 2, &f) == 0);
	for (cxy_t c = 0; c < n; c++)
		HT_CHECK(vseg_placement(&v, vpn0 + 5, c, n) == c);
	HT_REQUIRE(vseg_init(&v, VSEG_TYPE_DATA, A(0), A(8), URW | VSEG_DISTRIB, 2, &f) == 0);
	for (vpn_t vpn = vpn0; vpn < vpn0 + 8; vpn++)
		HT_CHECK(vseg_placement(&v, vpn, 1, n) == vpn % n && vseg_placement(&v, vpn, 3, n) == vpn % n);
	HT_CHECK(vseg_placement(&v, vpn0, 0, 1) == 0);
	HT_REQUIRE(vseg_init(&v, VSEG_TYPE_DATA, A(0), A(8), URW, 2, &f) == 0);
	HT_CHECK(vseg_placement(&v, vpn0 + 1, 3, n) == 3);
	HT_REQUIRE(vseg_init(&v, VSEG_TYPE_STACK, A(0), A(8), URW, 2, NULL) == 0);
	HT_CHECK(vseg_placement(&v, vpn0, 1, n) == 1 && vseg_placement(&v, vpn0 + 7, 3, n) == 3);
	HT_REQUIRE(vseg_init(&v, VSEG_TYPE_STACK, A(0), A(8), URW | VSEG_PRIVATE, 2, NULL) == 0);
	HT_CHECK(vseg_placement(&v, vpn0, 1, n) == 1);
	HT_REQUIRE(vseg_init(&v, VSEG_TYPE_ANON, A(0), A(8), URW, 2, NULL) == 0);
	HT_CHECK(vseg_placement(&v, vpn0 + 3, 1, n) == (CONFIG_VMM_ANON_FIRST_TOUCH ? 1 : 2));
	HT_CHECK(vseg_placement(&v, vpn0 + 3, 0, n) == (CONFIG_VMM_ANON_FIRST_TOUCH ? 0 : 2));
	HT_REQUIRE(vseg_init(&v, VSEG_TYPE_REMOTE, A(0), A(8), URW, 2, NULL) == 0);
	HT_CHECK(vseg_placement(&v, vpn0, 0, n) == 2 && vseg_placement(&v, vpn0 + 7, 3, n) == 2);
	HT_REQUIRE(vseg_init(&v, VSEG_TYPE_FILE, A(0), A(8), URW, 2, &f) == 0);
	HT_CHECK(vseg_placement(&v, vpn0, 0, n) == 3);
	HT_REQUIRE(vseg_init(&v, VSEG_TYPE_KDEV, 0xffffffc000000000UL, 0xffffffc000001000UL,
			     VSEG_READ | VSEG_WRITE, 0, NULL) == 0);
	HT_CHECK(vseg_placement(&v, 0xffffffc000000000UL / PAGE, 0, n) == VSEG_PLACEMENT_NONE);
	/* A vpn outside the vseg is a caller's bug. */
	HT_REQUIRE(vseg_init(&v, VSEG_TYPE_ANON, A(0), A(8), URW, 2, NULL) == 0);
	HT_EXPECT_PANIC(vseg_placement(&v, vpn0 + 8, 0, n));
	HT_EXPECT_PANIC(vseg_placement(&v, vpn0 - 1, 0, n));
}

HT_TEST(vseg_alloc_copy_from_ref_and_free)
{
	fix_setup(2, 4u << 20);
	local_cxy = 1;
	vseg_t *ref = vseg_alloc();
	vseg_file_t f = { .mapper_xp = XPTR(1, (void *)0x2000), .offset = PAGE, .size = 100 };

	HT_REQUIRE(ref != NULL);
	HT_REQUIRE(vseg_init(ref, VSEG_TYPE_DATA, A(0), A(4), URW | VSEG_DISTRIB, 1, &f) == 0);
	vsl_init(&vsl);
	HT_REQUIRE(vsl_insert(&vsl, ref) == 0);

	local_cxy = 0; /* a copy in another cluster */
	vseg_t *copy = vseg_alloc();
	vsl_t vsl0;

	HT_REQUIRE(copy != NULL);
	HT_CHECK(copy->node.height == 0 && copy->type == 0 && copy->min == 0);
	vseg_init_from_ref(copy, XPTR(1, ref));
	HT_CHECK(copy->node.height == 0 && copy->node.parent == NULL);
	HT_CHECK(copy->type == ref->type && copy->flags == ref->flags && copy->min == ref->min &&
		 copy->max == ref->max && copy->vpn_base == ref->vpn_base &&
		 copy->vpn_size == ref->vpn_size && copy->mapper_xp == ref->mapper_xp &&
		 copy->file_offset == ref->file_offset && copy->file_size == ref->file_size &&
		 copy->cxy == ref->cxy);
	vsl_init(&vsl0);
	HT_CHECK(vsl_insert(&vsl0, copy) == 0);
	HT_EXPECT_PANIC(vseg_free(copy)); /* still in a VSL */
	vsl_remove(&vsl0, copy);
	vseg_free(copy);
	vseg_free(NULL);

	local_cxy = 1;
	vsl_remove(&vsl, ref);
	vseg_free(ref);
	fix_teardown();
}

HT_TEST(vsl_display_walks_in_order)
{
	vseg_t a, b;

	vsl_init(&vsl);
	anon(&a, A(4), A(5));
	anon(&b, A(0), A(1));
	HT_REQUIRE(vsl_insert(&vsl, &a) == 0 && vsl_insert(&vsl, &b) == 0);
	vsl_display(&vsl);
	HT_CHECK(vsl_first(&vsl) == &b && vsl_next(&b) == &a && vsl_next(&a) == NULL);
}
