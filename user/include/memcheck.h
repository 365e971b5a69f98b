/*
 * memcheck.h - checking from a user program that the kernel gave its memory back (KTAP programs).
 *
 *     struct memcheck quiet, base, now;
 *     memcheck_snapshot(&quiet);                  before the program starts threads
 *     ... a warm-up round of the work ...
 *     memcheck_settled(&quiet, &base);            the baseline
 *     ... the same work again ...
 *     ktap_ok(memcheck_settled(&quiet, &now) && memcheck_same(&now, &base), "no_leak");
 *
 * The figures are get_cluster_info()'s leak figures (almos.h): per cluster, the pages outside the
 * kernel's caches (free + slab + kernel stack + page cache pages) and the bytes of slab objects,
 * which must come back exactly once the same threads run again; and, so that a difference says
 * what leaked, the page-table pages, the vsegs and the process copies of each cluster. A warm-up round first lets the caches of the kernel
 * and of glibc (its thread stacks, its heap) reach what the work needs.
 */
#ifndef ARCHIPEL_MEMCHECK_H
#define ARCHIPEL_MEMCHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "almos.h"
#include "ktap.h"

#define MEMCHECK_CLUSTERS_MAX 64

struct memcheck {
	unsigned int clusters;
	uint64_t pages[MEMCHECK_CLUSTERS_MAX];      /* free + slab + kernel stack + page cache pages */
	uint64_t slab_bytes[MEMCHECK_CLUSTERS_MAX];
	uint32_t threads[MEMCHECK_CLUSTERS_MAX];    /* threads of every kind           */
	uint64_t pt_pages[MEMCHECK_CLUSTERS_MAX];   /* user page-table pages           */
	uint32_t vsegs[MEMCHECK_CLUSTERS_MAX];
	uint32_t copies[MEMCHECK_CLUSTERS_MAX];     /* process copies                  */
	uint64_t self_pages;                        /* user pages the caller maps, but */
	                                            /* the page cache's                */
};

/* Take the figures of every cluster now; false if a call failed. */
static inline bool memcheck_snapshot(struct memcheck *m)
{
	unsigned int cores;

	memset(m, 0, sizeof(*m));
	if (get_config(&m->clusters, &cores) != 0 || m->clusters > MEMCHECK_CLUSTERS_MAX)
		return false;
	for (unsigned int c = 0; c < m->clusters; c++) {
		struct almos_cluster_info info;
		if (get_cluster_info(c, &info) != 0)
			return false;
		/* the page cache keeps what programs read (a code page first run late, say) */
		m->pages[c] = info.free_pages + info.slab_pages + info.kstack_pages + info.cache_pages;
		m->slab_bytes[c] = info.slab_bytes;
		m->threads[c] = info.threads;
		m->pt_pages[c] = info.pt_pages;
		m->vsegs[c] = info.vsegs;
		m->copies[c] = info.process_copies;
	}
	struct almos_process_info self;
	if (get_process_info(ALMOS_PID_SELF, &self) != 0)
		return false;
	/* not the page cache's pages it maps (FILE, and CODE in the page cache's cluster, vmm.md):
	 * those are in the caches, not outside them, whenever it first touched them */
	m->self_pages = self.total_pages - self.shared_pages;
	return true;
}

/* True if no cluster of @now runs more threads than in @quiet. */
static inline bool memcheck_threads_within(const struct memcheck *now, const struct memcheck *quiet)
{
	for (int c = 0; c < MEMCHECK_CLUSTERS_MAX; c++)
		if (now->threads[c] > quiet->threads[c])
			return false;
	return true;
}

/*
 * A snapshot once no cluster runs more threads than in @quiet and the figures hold still. The end
 * of a thread is finished by others after it can be joined (its core frees it when it next
 * switches; an RPC server may drop the last hold on its process copy), and a cluster may run an
 * extra RPC server for a moment: snapshots 10 ms apart, for up to 10 s (a loaded host runs the
 * guest slowly), until two in a row agree with each other and with @quiet's thread counts. Fewer
 * threads than @quiet is settled too: @quiet may have been taken while the threads of an earlier
 * process were still ending (a sweep's previous child, its copies in other clusters), and waiting
 * for them to come back would wait forever. False if they never settle.
 */
static inline bool memcheck_settled(const struct memcheck *quiet, struct memcheck *now)
{
	struct memcheck before;

	if (!memcheck_snapshot(&before))
		return false;
	for (int tries = 0; tries < 1000; tries++) {
		usleep(10000);
		if (!memcheck_snapshot(now))
			return false;
		if (!memcmp(now, &before, sizeof(*now)) && memcheck_threads_within(now, quiet))
			return true;
		before = *now;
	}
	ktap_diag("memcheck: the clusters never settled back to (at most) their quiet thread counts");
	return false;
}

/*
 * True if @now has @base's figures in every cluster; prints both as KTAP diagnostics. Pages the
 * caller itself mapped meanwhile (its heap or a stack reaching one page deeper in a later round:
 * glibc's and the ABI's choices, not the kernel's) are its own, not a leak: then the pages outside
 * the caches must have gone down by exactly that many, all clusters together.
 *
 * Per cluster, so a work must write each page of its own from one cluster, or keep it where its
 * page number says (the program's DATA, bss included): a stack or anonymous page that threads of
 * two clusters write while a fork's or vfork's child still shares it (until that child is reaped)
 * is copied into a frame of whichever writer's cluster comes first, and timing then moves it
 * between rounds (test_races vforkreap and vforkstop run their helper thread on a stack in bss).
 */
static inline bool memcheck_same(const struct memcheck *now, const struct memcheck *base)
{
	bool same = now->clusters == base->clusters;
	int64_t grown = (int64_t)now->self_pages - (int64_t)base->self_pages, gone = 0;

	for (unsigned int c = 0; c < now->clusters; c++) {
		bool ok = (grown != 0 || now->pages[c] == base->pages[c]) &&
			  now->slab_bytes[c] == base->slab_bytes[c] &&
			  now->pt_pages[c] == base->pt_pages[c] && now->vsegs[c] == base->vsegs[c] &&
			  now->copies[c] == base->copies[c];
		ktap_diag("cluster %u: pages outside the caches %lu, slab bytes %lu, page tables %lu, "
			  "vsegs %u, process copies %u; baseline %lu, %lu, %lu, %u, %u%s", c,
			  (unsigned long)now->pages[c], (unsigned long)now->slab_bytes[c],
			  (unsigned long)now->pt_pages[c], now->vsegs[c], now->copies[c],
			  (unsigned long)base->pages[c], (unsigned long)base->slab_bytes[c],
			  (unsigned long)base->pt_pages[c], base->vsegs[c], base->copies[c],
			  ok ? "" : "  <- differs");
		same &= ok;
		gone += (int64_t)base->pages[c] - (int64_t)now->pages[c];
	}
	ktap_diag("pages the caller maps %lu; baseline %lu%s", (unsigned long)now->self_pages,
		  (unsigned long)base->self_pages, gone == grown ? "" : "  <- not the pages gone");
	return same && gone == grown;
}

#endif /* ARCHIPEL_MEMCHECK_H */
