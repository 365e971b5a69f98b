/*
 * kt_remote.c - in-kernel tests of replication, extended pointers and remote access.
 */
#include <hal_boot.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/cluster.h>
#include <kern/ktest.h>
#include <libk/busylock.h>
#include <libk/string.h>

#define ATOMIC_ROUNDS 2000
/*
 * Acquisitions per core of the contended busylock test. A ticket lock hands the lock to one given
 * core; under QEMU with more virtual cores than host cores that core may not be running, so each
 * handoff can cost a host time slice: keep this small enough for CI.
 */
#define LOCK_ROUNDS 200

/* Per-cluster globals: each replica of the image holds its own copy. */
static uint32_t replica_probe;
static uint32_t atomic_counter;
static uint64_t locked_counter;
static busylock_t counter_lock = BUSYLOCK_INITIALIZER("ktest.counter", LOCK_TEST_A);
static char message[64];

static uint32_t probe_value(cxy_t cxy)
{
	return 0xa5000000u | ((uint32_t)cxy << 8) | 0x42;
}

/* Each cluster writes its own value into its own replica; everyone sees every cluster's value. */
KTEST(replica, globals_are_per_cluster)
{
	if (ctx->lid == 0)
		replica_probe = probe_value(local_cxy);
	ktest_barrier(ctx);
	for (cxy_t c = 0; c < cluster_count(); c++) {
		KT_EXPECT_EQ(ctx, hal_remote_l32(XPTR(c, &replica_probe)), probe_value(c));
		cxy_t theirs;
		hal_remote_memcpy(XPTR(local_cxy, &theirs), XPTR(c, &local_cxy), sizeof(theirs));
		KT_EXPECT_EQ(ctx, theirs, c);
	}
	KT_EXPECT_EQ(ctx, replica_probe, probe_value(local_cxy));
}

/* The image window of each cluster maps that cluster's own memory. */
KTEST(replica, image_in_own_memory)
{
	paddr_t pa = hal_kva_to_paddr(&replica_probe);
	const boot_cluster_t *bc = &boot_info.cluster[local_cxy];

	KT_EXPECT(ctx, pa >= bc->mem_base && pa < bc->mem_base + bc->mem_size);
	KT_EXPECT(ctx, pa >= bc->image_pa && pa < bc->kernel_end_pa);
	for (cxy_t c = 0; c < cluster_count(); c++)
		if (c != local_cxy)
			KT_EXPECT(ctx, boot_info.cluster[c].image_pa != bc->image_pa);
}

/* All cores add to one counter in every cluster at once: exact totals. */
KTEST(remote, atomics_exact_counts)
{
	uint32_t n = cluster_count();

	if (ctx->lid == 0)
		atomic_counter = 0;
	ktest_barrier(ctx);
	for (int i = 0; i < ATOMIC_ROUNDS; i++)
		hal_remote_atomic_add32(XPTR((cxy_t)(i % n), &atomic_counter), 1);
	for (int i = 0; i < ATOMIC_ROUNDS / 4; i++) { /* cas-based increments on cluster 0 */
		xptr_t xp = XPTR(0, &atomic_counter);
		uint32_t old;
		do {
			old = hal_remote_l32(xp);
		} while (!hal_remote_atomic_cas32(xp, old, old + 1));
	}
	ktest_barrier(ctx);
	if (ctx->lid == 0) {
		uint32_t per_cluster = ctx->cores_nr * (ATOMIC_ROUNDS / n);
		uint32_t expect = per_cluster + (local_cxy < ATOMIC_ROUNDS % n ? ctx->cores_nr : 0);
		if (local_cxy == 0)
			expect += ctx->cores_nr * (ATOMIC_ROUNDS / 4);
		KT_EXPECT_EQ(ctx, atomic_counter, expect);
	}
}

/* A plain read-modify-write of a cluster-0 counter under a remote busylock loses nothing. */
KTEST(remote, busylock_mutual_exclusion)
{
	xptr_t lock_xp = XPTR(0, &counter_lock), counter_xp = XPTR(0, &locked_counter);

	if (local_cxy == 0 && ctx->lid == 0)
		locked_counter = 0;
	ktest_barrier(ctx);
	for (int i = 0; i < LOCK_ROUNDS; i++) {
		remote_busylock_acquire(lock_xp);
		hal_remote_s64(counter_xp, hal_remote_l64(counter_xp) + 1);
		remote_busylock_release(lock_xp);
	}
	ktest_barrier(ctx);
	KT_EXPECT_EQ(ctx, hal_remote_l64(counter_xp), (uint64_t)ctx->cores_nr * LOCK_ROUNDS);
}

/* memcpy, memset and strcpy between every pair of clusters. */
KTEST(remote, copies_between_clusters)
{
	char local[64], back[64];

	if (ctx->lid == 0)
		snprintf(message, sizeof(message), "hello from cluster %u", local_cxy);
	ktest_barrier(ctx);
	for (cxy_t c = 0; c < cluster_count(); c++) {
		snprintf(local, sizeof(local), "hello from cluster %u", c);
		hal_remote_strcpy(XPTR(local_cxy, back), XPTR(c, message), sizeof(back));
		KT_EXPECT(ctx, !strcmp(back, local));
		memset(back, 0, sizeof(back));
		hal_remote_memcpy(XPTR(local_cxy, back), XPTR(c, message), sizeof(back));
		KT_EXPECT(ctx, !strcmp(back, local));
	}
	ktest_barrier(ctx);
	/* Each cluster clears the next one's message, then checks its own was cleared. */
	if (ctx->lid == 0)
		hal_remote_memset(XPTR((cxy_t)((local_cxy + 1) % cluster_count()), message), 0,
				  sizeof(message));
	ktest_barrier(ctx);
	KT_EXPECT_EQ(ctx, message[0], 0);
}

/* Debug builds count the accesses each cluster makes to other clusters; local ones do not count. */
KTEST(remote, access_counter)
{
	uint64_t before, after;

	ktest_barrier(ctx);
	before = hal_remote_count();
	for (int i = 0; i < 100; i++)
		(void)hal_remote_l32(XPTR(local_cxy, &replica_probe));
	after = hal_remote_count();
#ifdef CONFIG_DEBUG
	cxy_t other = (cxy_t)((local_cxy + 1) % cluster_count());

	KT_EXPECT(ctx, after >= before); /* other cores of the cluster may add, never remove */
	if (other != local_cxy) {
		before = hal_remote_count();
		for (int i = 0; i < 100; i++)
			(void)hal_remote_l32(XPTR(other, &replica_probe));
		after = hal_remote_count();
		KT_EXPECT(ctx, after - before >= 100);
	}
#else
	KT_EXPECT_EQ(ctx, after, 0);
	KT_EXPECT_EQ(ctx, before, 0);
#endif
	ktest_barrier(ctx);
}
