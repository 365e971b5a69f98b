/*
 * kt_rpc.c - in-kernel tests of RPCs between clusters.
 */
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/cluster.h>
#include <kern/ktest.h>
#include <kern/rpc.h>
#include <kern/sched.h>
#include <kern/thread.h>
#include <libk/errno.h>
#include <mm/kmem.h>

static uint64_t payload(cxy_t from, lid_t lid, cxy_t to, int i)
{
	return ((uint64_t)from << 48) | ((uint64_t)lid << 40) | ((uint64_t)to << 32) | (uint64_t)(i * 77);
}

/* From every core to every cluster (its own included), payload checked both ways. */
KTEST(rpc, echo_all_pairs)
{
	for (cxy_t to = 0; to < cluster_count(); to++) {
		rpc_echo_args_t a;
		rpc_desc_t desc = RPC_DESC(RPC_ECHO, &a);

		for (int i = 0; i < RPC_ECHO_WORDS; i++)
			a.words[i] = payload(ctx->cxy, ctx->lid, to, i);
		rpc_send(to, &desc);
		for (int i = 0; i < RPC_ECHO_WORDS; i++)
			KT_EXPECT_EQ(ctx, a.words[i], ~payload(ctx->cxy, ctx->lid, to, i));
		KT_EXPECT_EQ(ctx, (uint32_t)desc.error, (uint32_t)payload(ctx->cxy, ctx->lid, to, 7));
	}
}

/* One request to every cluster at once, one shared response counter. */
KTEST(rpc, parallel_to_all_clusters)
{
	rpc_desc_t desc[CONFIG_MAX_CLUSTERS];
	rpc_echo_args_t a[CONFIG_MAX_CLUSTERS] = { 0 };
	cxy_t to[CONFIG_MAX_CLUSTERS] = { 0 };
	uint32_t n = cluster_count();

	for (cxy_t c = 0; c < n; c++) {
		to[c] = c;
		desc[c] = RPC_DESC(RPC_ECHO, &a[c]);
		a[c].words[0] = payload(ctx->cxy, ctx->lid, c, 1);
	}
	rpc_send_parallel(n, to, desc);
	for (cxy_t c = 0; c < n; c++)
		KT_EXPECT_EQ(ctx, a[c].words[0], ~payload(ctx->cxy, ctx->lid, c, 1));
}

/* Requests whose service blocks: the server pool grows so the FIFO keeps being served. */
KTEST(rpc, blocking_services_grow_the_pool)
{
	enum { N = 4 };
	rpc_desc_t desc[N];
	rpc_sleep_args_t a[N];
	cxy_t to[N];
	cxy_t target = (cxy_t)(cluster_count() - 1);
	lid_t server = hal_get_lid() % cluster_cores_of(target);
	xptr_t created_xp = XPTR(target, &cluster_manager.core[server].rpc.created);
	uint64_t before;

	if (ctx->cxy != 0 || ctx->lid != 0)
		return;
	before = hal_remote_l64(created_xp);
	for (int i = 0; i < N; i++) {
		to[i] = target;
		a[i] = (rpc_sleep_args_t){ .ns = 20000000 }; /* 20 ms */
		desc[i] = RPC_DESC(RPC_SLEEP, &a[i]);
	}
	rpc_send_parallel(N, to, desc);
	for (int i = 0; i < N; i++)
		KT_EXPECT_EQ(ctx, desc[i].error, 0);
	KT_EXPECT(ctx, hal_remote_l64(created_xp) > before);
	rpc_display(target);
}

/*
 * A server that sends an RPC to its own core's FIFO needs a spare server to serve it (server_nested):
 * the spare is one of the two each core keeps, not created again for each one (a fork to another
 * cluster makes two nested RPCs).
 */
KTEST(rpc, nested_rpcs_keep_their_spare_server)
{
	enum { ROUNDS = 8 };
	cxy_t target = (cxy_t)(cluster_count() - 1);
	lid_t server = hal_get_lid() % cluster_cores_of(target);
	xptr_t created_xp = XPTR(target, &cluster_manager.core[server].rpc.created);
	uint64_t before;

	if (ctx->cxy != 0 || ctx->lid != 0)
		return;
	before = hal_remote_l64(created_xp);
	for (int r = 0; r < ROUNDS; r++) {
		rpc_nested_args_t a = { .to = target };
		rpc_desc_t desc = RPC_DESC(RPC_NESTED_ECHO, &a);

		for (int i = 0; i < RPC_ECHO_WORDS; i++)
			a.echo.words[i] = payload(ctx->cxy, ctx->lid, target, r + i);
		a.echo.words[RPC_ECHO_WORDS - 1] = 0; /* the echo's error: none */
		rpc_send(target, &desc);
		KT_EXPECT_EQ(ctx, desc.error, 0);
		for (int i = 0; i < RPC_ECHO_WORDS - 1; i++)
			KT_EXPECT_EQ(ctx, a.echo.words[i], ~payload(ctx->cxy, ctx->lid, target, r + i));
	}
	/* the spare was there: none created (one per round before) */
	KT_EXPECT_EQ(ctx, hal_remote_l64(created_xp) - before, 0);
	/* a bad target is EINVAL, from the service */
	{
		rpc_nested_args_t a = { .to = CONFIG_MAX_CLUSTERS };
		rpc_desc_t desc = RPC_DESC(RPC_NESTED_ECHO, &a);
		rpc_send(target, &desc);
		KT_EXPECT_EQ(ctx, desc.error, EINVAL);
	}
}

/* Threads created in every cluster by RPC run there and exit; thread counts return to baseline. */
static void note_cluster(void *arg)
{
	uint32_t *seen = arg; /* in the creator's cluster: reached remotely */

	hal_remote_atomic_or32(XPTR(0, seen), 1u << local_cxy);
}

static uint32_t clusters_seen;

KTEST(rpc, thread_create_in_every_cluster)
{
	static const char name[] = "note";

	if (ctx->cxy != 0 || ctx->lid != 0)
		return;
	clusters_seen = 0;
	for (cxy_t c = 0; c < cluster_count(); c++) {
		rpc_thread_create_args_t a = { .entry = note_cluster, .arg = &clusters_seen,
					       .lid = RPC_ANY_CORE, .type = THREAD_KERNEL,
					       .name_xp = XPTR(local_cxy, name) };
		rpc_desc_t desc = RPC_DESC(RPC_THREAD_CREATE, &a);

		rpc_send(c, &desc);
		KT_EXPECT_EQ(ctx, desc.error, 0);
		KT_EXPECT(ctx, a.thread != NULL);
	}
	KTEST_WAIT_UNTIL(clusters_seen == (1u << cluster_count()) - 1);
	KT_EXPECT_EQ(ctx, clusters_seen, (1u << cluster_count()) - 1);
}

/* Polling mode (what the idle thread and boot code use): same results, the client never blocks. */
KTEST(rpc, polling_client)
{
	thread_t *self = thread_current();
	uint64_t switches = self->switches;

	for (cxy_t to = 0; to < cluster_count(); to++) {
		rpc_echo_args_t a = { .words[3] = payload(ctx->cxy, ctx->lid, to, 3) };
		rpc_desc_t desc = RPC_DESC(RPC_ECHO, &a);

		rpc_send_polling(to, &desc);
		KT_EXPECT_EQ(ctx, a.words[3], ~payload(ctx->cxy, ctx->lid, to, 3));
	}
	/* A blocking client is switched out while it waits; a polling one only by the tick. */
	KT_EXPECT(ctx, self->switches - switches <= 2 * cluster_count());
}

/*
 * More requests than a FIFO holds, to one core at once: the client waits, nothing is dropped. The
 * service sleeps 1 ms, so the servers (at most CONFIG_RPC_SERVERS_MAX) drain the FIFO much more
 * slowly than the client fills it, on any topology.
 */
KTEST(rpc, full_fifo_waits)
{
	enum { N = 3 * CONFIG_REMOTE_FIFO_SLOTS };
	cxy_t target = (cxy_t)(cluster_count() - 1);
	rpc_desc_t *desc;
	rpc_sleep_args_t *a;
	cxy_t *to;
	uint64_t full_before;

	if (ctx->cxy != 0 || ctx->lid != 0)
		return;
	desc = kmem_alloc(N * sizeof(*desc), KMEM_ZERO);
	a = kmem_alloc(N * sizeof(*a), KMEM_ZERO);
	to = kmem_alloc(N * sizeof(*to), KMEM_ZERO);
	KT_EXPECT(ctx, desc && a && to);
	if (desc && a && to) {
		full_before = cluster_manager.rpc_stats.fifo_full;
		for (int i = 0; i < N; i++) {
			to[i] = target;
			a[i] = (rpc_sleep_args_t){ .ns = 1000000, .proof = (uint64_t)i };
			desc[i] = RPC_DESC(RPC_SLEEP, &a[i]);
		}
		rpc_send_parallel(N, to, desc);
		for (int i = 0; i < N; i++)
			KT_EXPECT_EQ(ctx, a[i].proof, ~(uint64_t)i);
		KT_EXPECT(ctx, cluster_manager.rpc_stats.fifo_full > full_before);
	}
	kmem_free(desc);
	kmem_free(a);
	kmem_free(to);
}
