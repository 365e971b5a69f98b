/*
 * dqdt.h - the distributed quaternary decision tree: the load of the machine, for placement
 * (ALMOS-MKH's DQDT over NUMA clusters; docs/dqdt.md).
 *
 * The leaves are the clusters; each inner node groups up to 4 nodes of the level below, chosen by
 * the NUMA distances the boot code read from the platform (boot_info.distance): a node takes the
 * first node not yet grouped and the (up to) 3 nearest to it. With uniform distances this groups
 * clusters by index in fours. The *shape* is a pure function of boot_info, computed by every
 * cluster into its own replica (dqdt_init), so it is read locally; the *counters* of a node live in
 * the memory of its home cluster (the home of its first child: a leaf's is its cluster), reached by
 * extended pointer. A node counts, over its subtree: threads (of every kind), allocated pages and
 * free pages.
 *
 * Update protocol: a leaf's values are its cluster's own counters (cluster_t.threads_nr, the PPM's
 * page counts), so allocation paths pay nothing more. Each cluster remembers what it last reported
 * and adds the difference to every ancestor with remote atomic adds (no lock): at once for threads
 * (thread.c, on every creation and destruction: placement needs them exact), on the scheduler tick
 * every CONFIG_DQDT_PERIOD_TICKS of its lid 0 for pages (so an inner node's page counts may be
 * that period late), and on dqdt_update().
 */
#ifndef KERN_DQDT_H
#define KERN_DQDT_H

#include <hal_types.h>
#include <params.h>

#define DQDT_ARITY      4
#define DQDT_MAX_LEVELS 4   /* leaves + up to 3 levels: 64 clusters, more than CONFIG_MAX_CLUSTERS */

/* The counters of one node (a snapshot). */
typedef struct dqdt_load_s {
	uint64_t threads;
	uint64_t pages;       /* allocated */
	uint64_t free_pages;
} dqdt_load_t;

/* Each cluster's lid 0, once, after cluster_init (any order between clusters). */
void dqdt_init(void);

/*
 * Report cluster @cxy's current counters up the tree (any cluster may run it for any cluster).
 * Thread counts are reported by thread.c at each change; this also reports pages.
 */
void dqdt_update(cxy_t cxy);

/* The threads of the calling cluster changed (thread.c): report them now. */
void dqdt_threads_changed(void);

/* The scheduler tick of the calling core (sched.c): lid 0 reports pages every period. */
void dqdt_tick(lid_t lid, uint64_t ticks);

/*
 * Placement queries, descending the tree from the root; each returns a cluster.
 * - for a process: at each node the child with the fewest threads per core, then the fewest
 *   allocated pages, then the first;
 * - for a thread, near @near: the child with the fewest threads per core; the child holding @near
 *   wins a tie, else the first of the tied ones after it (in child order, wrapping), so that equal
 *   clusters fill in turn;
 * - for memory, near @near: the child with the most free pages; the child holding @near wins a tie.
 */
cxy_t dqdt_get_cluster_for_process(void);
cxy_t dqdt_get_cluster_for_thread(cxy_t near);
cxy_t dqdt_get_cluster_for_memory(cxy_t near);

/*
 * Add @threads and @free_pages to the leaf of @cxy and to its ancestors, outside the reports (which
 * keep it): an artificial load for tests, taken back by the opposite call.
 */
void dqdt_bias(cxy_t cxy, int64_t threads, int64_t free_pages);

/* Levels of the tree (1 for a single cluster: the root is the leaf). */
uint32_t dqdt_levels(void);

/* The counters of the leaf of @cxy, and of the root (snapshots). */
void dqdt_leaf_load(cxy_t cxy, dqdt_load_t *out);
void dqdt_root_load(dqdt_load_t *out);

/* Report every cluster (dqdt_update), then printk the tree, root first: per node its level, home,
 * clusters covered, cores and counters. */
void dqdt_display(void);

#endif /* KERN_DQDT_H */
