/*
 * mm_fixture.h - simulated clusters for host tests of the PPM, kcm and kmem.
 *
 * Each simulated cluster has its own "physical memory" (an aligned_alloc'ed arena; physical addresses
 * are host addresses on the host), its own ppm_t and kcm_t array, initialised as the cluster's boot
 * core would (local_cxy set to the cluster during its init). The file defines the seams
 * cluster_ppm_xp, cluster_kcm_xp and cluster_of_paddr over these clusters.
 */
#ifndef MM_FIXTURE_H
#define MM_FIXTURE_H

#include <hal_boot.h>
#include <mm/kcm.h>
#include <mm/ppm.h>

#define FIX_MAX_CLUSTERS 4

typedef struct fix_cluster_s {
	void   *arena;                /* the allocation backing the cluster's memory      */
	paddr_t base;                 /* managed range [base, base + size) inside it      */
	paddr_t size;
	ppm_t   ppm;
	kcm_t   kcm[KCM_ORDERS_NR];
} fix_cluster_t;

extern fix_cluster_t fix_clusters[FIX_MAX_CLUSTERS];

/*
 * Give cluster @cxy a memory of @size bytes starting @skew bytes into an arena aligned on @align,
 * and run ppm_init (with the reserved ranges @rsvd, addresses relative to the range start, translated
 * by the fixture) and kcm_init there. Returns ppm_init's result.
 */
error_t fix_cluster_setup(cxy_t cxy, size_t size, size_t align, size_t skew,
			  const boot_rsvd_t *rsvd_rel, uint32_t rsvd_nr);

/* @n clusters of @size bytes each (aligned on 2 MiB, no skew, nothing reserved). */
void fix_setup(uint32_t n, size_t size);

/* Free every arena and forget the clusters; local_cxy back to 0. */
void fix_teardown(void);

/* Index of the page descriptor @page_xp in its cluster's array. */
uint64_t fix_page_index(xptr_t page_xp);

/* Allocate every free page of cluster @cxy but @leave, one by one (to provoke ENOMEM); returns
 * the array of the *nr pages taken, which fix_unhoard gives back and frees. */
xptr_t *fix_hoard(cxy_t cxy, uint64_t leave, uint64_t *nr);
void fix_unhoard(xptr_t *pages, uint64_t nr);

/*
 * The allocators' fault-injection seam (mm/failnth.h) for these tests, in place of the kernel's
 * per-thread counters (kernel/mm/failnth.c, tested by test_failnth): after fix_fail_nth(@n) the
 * @n-th allocation to reach an injection point fails (@n 0: none), and fix_fail_points() tells
 * how many reached one since. One counter for the whole test: single-threaded tests only.
 */
void     fix_fail_nth(uint32_t n);
uint64_t fix_fail_points(void);

#endif /* MM_FIXTURE_H */
