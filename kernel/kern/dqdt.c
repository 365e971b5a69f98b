/*
 * dqdt.c - the distributed quaternary decision tree (dqdt.h, docs/dqdt.md).
 *
 * Per cluster (each replica's own copy):
 *   dqdt_shape     [I] the tree's shape, computed by dqdt_init from boot_info (the same in every
 *                  cluster), then read-only;
 *   dqdt_counters  [A] the counters of the nodes this cluster is the home of, by level; updated by
 *                  any cluster with remote atomic adds, never reset (zero from the image's .bss);
 *   dqdt_reported  [A] what this cluster's leaf last reported (exchanged by compare-and-swap, so
 *                  concurrent reporters of one cluster add up to the right total).
 * Nothing takes a lock: a node's counters are sums of differences, each added once.
 */
#include <hal_remote.h>
#include <kern/cluster.h>
#include <kern/dqdt.h>
#include <kern/printk.h>
#include <libk/string.h>

#define DQDT_NONE      0xffffffffu
#define DQDT_NODES_MAX (2 * CONFIG_MAX_CLUSTERS)
#define THREAD_SCALE   1024  /* threads per core, in 1/1024ths */

_Static_assert(CONFIG_MAX_CLUSTERS <= 32, "cluster sets are 32-bit masks");
_Static_assert(CONFIG_MAX_CLUSTERS <= (1u << (2 * (DQDT_MAX_LEVELS - 1))),
	       "the levels of the tree hold every cluster");

typedef struct dqdt_snode_s {
	cxy_t    home;                /* cluster holding the counters                   */
	uint32_t level;               /* 0: a leaf                                      */
	uint32_t arity;               /* children (0 for a leaf)                        */
	uint32_t child[DQDT_ARITY];   /* indexes in dqdt_shape.node                     */
	uint32_t parent;              /* DQDT_NONE for the root                         */
	uint32_t mask;                /* clusters covered                               */
	uint32_t cores;               /* cores covered                                  */
} dqdt_snode_t;

static struct {
	uint32_t     ready;           /* 1 once built                                   */
	uint32_t     nodes_nr;
	uint32_t     levels;
	uint32_t     root;
	dqdt_snode_t node[DQDT_NODES_MAX]; /* leaves first: node[c] is the leaf of cluster c */
} dqdt_shape;

static dqdt_load_t dqdt_counters[DQDT_MAX_LEVELS];
static dqdt_load_t dqdt_reported;

/* ---- shape ---- */

static uint32_t distance(cxy_t a, cxy_t b)
{
	return boot_info.distance[a][b];
}

/* The nearest node of [first, end) not yet grouped to cluster @home; DQDT_NONE if none is left. */
static uint32_t nearest_free(uint32_t first, uint32_t end, const bool *grouped, cxy_t home)
{
	uint32_t best = DQDT_NONE;

	for (uint32_t j = first; j < end; j++)
		if (!grouped[j] && (best == DQDT_NONE ||
				    distance(home, dqdt_shape.node[j].home) <
				    distance(home, dqdt_shape.node[best].home)))
			best = j;
	return best;
}

/* Group the nodes [first, end) of one level into the nodes of the next. */
static void build_level(uint32_t first, uint32_t end, uint32_t level)
{
	bool grouped[DQDT_NODES_MAX] = { false };

	for (uint32_t i = first; i < end; i++) {
		dqdt_snode_t *p;
		uint32_t idx, j = i;

		if (grouped[i])
			continue;
		idx = dqdt_shape.nodes_nr++;
		p = &dqdt_shape.node[idx];
		*p = (dqdt_snode_t){ .home = dqdt_shape.node[i].home, .level = level,
				     .parent = DQDT_NONE };
		while (j != DQDT_NONE && p->arity < DQDT_ARITY) {
			grouped[j] = true;
			p->child[p->arity++] = j;
			p->mask |= dqdt_shape.node[j].mask;
			p->cores += dqdt_shape.node[j].cores;
			dqdt_shape.node[j].parent = idx;
			j = nearest_free(first, end, grouped, p->home);
		}
	}
}

static void shape_build(void)
{
	uint32_t n = cluster_count(), first = 0, level = 0;

	for (cxy_t c = 0; c < n; c++)
		dqdt_shape.node[c] = (dqdt_snode_t){ .home = c, .parent = DQDT_NONE,
						     .mask = 1u << c, .cores = cluster_cores_of(c) };
	dqdt_shape.nodes_nr = n;
	while (dqdt_shape.nodes_nr - first > 1) {
		uint32_t end = dqdt_shape.nodes_nr;

		build_level(first, end, ++level);
		first = end;
	}
	if (level >= DQDT_MAX_LEVELS)
		panic("%s: %u clusters need %u levels", __func__, n, level + 1);
	dqdt_shape.root = first;
	dqdt_shape.levels = level + 1;
}

void dqdt_init(void)
{
	shape_build();
	__atomic_store_n(&dqdt_shape.ready, 1, __ATOMIC_RELEASE);
	dqdt_update(local_cxy);
}

uint32_t dqdt_levels(void)
{
	return dqdt_shape.levels;
}

/* ---- counters ---- */

static xptr_t node_xp(uint32_t idx)
{
	const dqdt_snode_t *s = &dqdt_shape.node[idx];

	return XPTR(s->home, &dqdt_counters[s->level]);
}

static void node_load(uint32_t idx, dqdt_load_t *out)
{
	xptr_t xp = node_xp(idx);

	out->threads = hal_remote_l64(XPTR_FIELD(xp, dqdt_load_t, threads));
	out->pages = hal_remote_l64(XPTR_FIELD(xp, dqdt_load_t, pages));
	out->free_pages = hal_remote_l64(XPTR_FIELD(xp, dqdt_load_t, free_pages));
}

/* Add @delta to the counter at @field of the leaf of @cxy and of each of its ancestors. */
static void add_up(cxy_t cxy, size_t field, int64_t delta)
{
	for (uint32_t idx = cxy; delta && idx != DQDT_NONE; idx = dqdt_shape.node[idx].parent)
		hal_remote_atomic_add64(node_xp(idx) + field, delta);
}

/* Report @now for @field of @cxy's leaf: the difference with what it reported before. */
static void report(cxy_t cxy, size_t field, uint64_t now)
{
	xptr_t xp = XPTR(cxy, &dqdt_reported) + field;
	uint64_t old;

	do
		old = hal_remote_l64(xp);
	while (!hal_remote_atomic_cas64(xp, old, now));
	add_up(cxy, field, (int64_t)(now - old));
}

void dqdt_update(cxy_t cxy)
{
	xptr_t cl_xp = XPTR(cxy, &cluster_manager);
	uint64_t alloc_pages, free_pages;

	if (!__atomic_load_n(&dqdt_shape.ready, __ATOMIC_ACQUIRE))
		return;
	report(cxy, offsetof(dqdt_load_t, threads),
	       hal_remote_l32(XPTR_FIELD(cl_xp, cluster_t, threads_nr)));
	ppm_counts(cxy, &alloc_pages, &free_pages); /* the cores' stacks of free pages counted */
	report(cxy, offsetof(dqdt_load_t, pages), alloc_pages);
	report(cxy, offsetof(dqdt_load_t, free_pages), free_pages);
}

void dqdt_threads_changed(void)
{
	if (!__atomic_load_n(&dqdt_shape.ready, __ATOMIC_ACQUIRE))
		return; /* dqdt_init reports them */
	report(local_cxy, offsetof(dqdt_load_t, threads),
	       __atomic_load_n(&LOCAL_CLUSTER->threads_nr, __ATOMIC_RELAXED));
}

void dqdt_tick(lid_t lid, uint64_t ticks)
{
	if (lid == 0 && ticks % CONFIG_DQDT_PERIOD_TICKS == 0)
		dqdt_update(local_cxy);
}

void dqdt_bias(cxy_t cxy, int64_t threads, int64_t free_pages)
{
	add_up(cxy, offsetof(dqdt_load_t, threads), threads);
	add_up(cxy, offsetof(dqdt_load_t, free_pages), free_pages);
}

void dqdt_leaf_load(cxy_t cxy, dqdt_load_t *out)
{
	node_load(cxy, out);
}

void dqdt_root_load(dqdt_load_t *out)
{
	node_load(dqdt_shape.root, out);
}

/* ---- queries ---- */

/* Threads per core of node @idx (in 1/THREAD_SCALE). */
static uint64_t thread_load(uint32_t idx, const dqdt_load_t *l)
{
	return l->threads * THREAD_SCALE / dqdt_shape.node[idx].cores;
}

/* The child of @idx holding cluster @near (its position), 0 if none does. */
static uint32_t child_of(uint32_t idx, cxy_t near)
{
	const dqdt_snode_t *s = &dqdt_shape.node[idx];

	for (uint32_t k = 0; k < s->arity; k++)
		if (near < 32 && (dqdt_shape.node[s->child[k]].mask >> near) & 1)
			return k;
	return 0;
}

typedef enum { FOR_PROCESS, FOR_THREAD, FOR_MEMORY } dqdt_query_t;

/* True if child @a (load @la) beats the best so far @b (load @lb), visited in preference order. */
static bool better(dqdt_query_t q, uint32_t a, const dqdt_load_t *la, uint32_t b,
		   const dqdt_load_t *lb)
{
	switch (q) {
	case FOR_MEMORY:
		return la->free_pages > lb->free_pages;
	case FOR_THREAD:
		return thread_load(a, la) < thread_load(b, lb);
	default:
		return thread_load(a, la) < thread_load(b, lb) ||
		       (thread_load(a, la) == thread_load(b, lb) && la->pages < lb->pages);
	}
}

/* Descend from the root, at each node to the best child visited from @near's on (ties: first). */
static cxy_t descend(dqdt_query_t q, cxy_t near)
{
	uint32_t idx = dqdt_shape.root;

	while (dqdt_shape.node[idx].level > 0) {
		const dqdt_snode_t *s = &dqdt_shape.node[idx];
		uint32_t start = q == FOR_PROCESS ? 0 : child_of(idx, near), best = DQDT_NONE;
		dqdt_load_t lbest = { 0 };

		for (uint32_t t = 0; t < s->arity; t++) {
			uint32_t c = s->child[(start + t) % s->arity];
			dqdt_load_t l;

			node_load(c, &l);
			if (best == DQDT_NONE || better(q, c, &l, best, &lbest)) {
				best = c;
				lbest = l;
			}
		}
		idx = best;
	}
	return dqdt_shape.node[idx].home;
}

cxy_t dqdt_get_cluster_for_process(void)
{
	return descend(FOR_PROCESS, 0);
}

cxy_t dqdt_get_cluster_for_thread(cxy_t near)
{
	return descend(FOR_THREAD, near);
}

cxy_t dqdt_get_cluster_for_memory(cxy_t near)
{
	return descend(FOR_MEMORY, near);
}

/* ---- display ---- */

static void display_node(uint32_t idx, uint32_t depth)
{
	const dqdt_snode_t *s = &dqdt_shape.node[idx];
	dqdt_load_t l;
	char set[3 * CONFIG_MAX_CLUSTERS + 1];
	size_t n = 0;

	node_load(idx, &l);
	for (cxy_t c = 0; c < CONFIG_MAX_CLUSTERS; c++)
		if ((s->mask >> c) & 1)
			n += (size_t)snprintf(set + n, sizeof(set) - n, n ? ",%u" : "%u", c);
	set[n] = 0;
	printk_raw("%*slevel %u node in cluster %u: clusters {%s}, %u cores, threads %lu, pages %lu "
		   "allocated %lu free\n", (int)(2 * depth), "", s->level, s->home, set, s->cores,
		   (unsigned long)l.threads, (unsigned long)l.pages, (unsigned long)l.free_pages);
	for (uint32_t k = 0; k < s->arity; k++)
		display_node(s->child[k], depth + 1);
}

void dqdt_display(void)
{
	for (cxy_t c = 0; c < cluster_count(); c++)
		dqdt_update(c); /* a fresh picture, whatever the period */
	printk_raw("DQDT: %u clusters, %u levels (pages reported every %u ticks)\n", cluster_count(),
		   dqdt_shape.levels, CONFIG_DQDT_PERIOD_TICKS);
	display_node(dqdt_shape.root, 0);
}
