/*
 * kt_rpc.c - in-kernel tests of RPCs between clusters.
 */
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/cluster.h>
#include <kern/ipi.h>
#include <kern/ktest.h>
#include <kern/rpc.h>
#include <kern/rwlock.h>
#include <kern/sched.h>
#include <kern/thread.h>
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

/*
 * The lost wake-up of a blocking client, forced (docs/rpc.md, "no lost wake-up"): the client
 * found the counter above 0; the reply lands right then, before its block, so the server's
 * unblock finds no bit to clear; then an interrupt comes right after the block, before the
 * client looks again. Were IRQs on there, the interrupt would switch the client out blocked,
 * with nobody left to unblock it (the fuzzer once found such a client asleep for good). With
 * them off, the interrupt waits until the client has seen the reply and unblocked itself.
 */
static thread_t *lw_client;      /* the thread the hook acts on */
static uint32_t lw_done;         /* the client's rpc_send returned */
static uint32_t lw_sent;         /* the hook sent the interrupt after the block */
static uint64_t lw_ipis;         /* the core's reschedule IPIs before it */

static void lw_hook(uint32_t point, volatile uint32_t *rsp)
{
	if (thread_current() != __atomic_load_n(&lw_client, __ATOMIC_ACQUIRE))
		return;
	if (point == RPC_WAIT_LOOKED) { /* the reply, and the server past its unblock */
		/* asleep, not spinning: the server's unblock then finds no RPC bit to clear, as
		 * wanted, and the cores idle meanwhile. A spin of LW_SLEEP_NS under -icount, where
		 * each pause costs the host a switch between vCPUs for 1 ns of guest time, took
		 * minutes of a loaded host (qemu.ktest.icount.4x2 silent for 150 s). */
		while (__atomic_load_n(rsp, __ATOMIC_ACQUIRE) != 0 ||
		       __atomic_load_n(&thread_current()->rpc_servers, __ATOMIC_ACQUIRE) != 0)
			thread_sleep_ns(1000000);
		return;
	}
	/* A reschedule IPI to this core now: taken at once if IRQs are on here, else pending. The
	 * bounded wait only gives it time to arrive; with IRQs off it never does before the look. */
	lw_ipis = ipi_received(IPI_RESCHED);
	__atomic_store_n(&lw_sent, 1, __ATOMIC_RELEASE);
	ipi_send(local_cxy, hal_get_lid(), IPI_RESCHED);
	for (int i = 0; i < 100000 && ipi_received(IPI_RESCHED) == lw_ipis; i++)
		hal_cpu_relax();
}

/* The client: one RPC whose service sleeps LW_SLEEP_NS, so that the reply comes after the
 * client's first look (the hook then waits for it there). */
#define LW_SLEEP_NS 50000000ULL
#define LW_ATTEMPTS 5

static void lw_client_main(void *arg)
{
	rpc_sleep_args_t a = { .ns = LW_SLEEP_NS, .proof = 0x1234 };
	rpc_desc_t desc = RPC_DESC(RPC_SLEEP, &a);

	rpc_send(*(cxy_t *)arg, &desc);
	__atomic_store_n(&lw_done, a.proof == ~(uint64_t)0x1234 ? 1 : 2, __ATOMIC_RELEASE);
}

/* One client through the hook; false if it never came back by itself (released then). */
static bool lw_attempt(ktest_ctx_t *ctx, cxy_t *target)
{
	thread_t *t = NULL;
	bool done;

	lw_done = 0;
	lw_sent = 0;
	KT_EXPECT_EQ(ctx, thread_kernel_create(&t, THREAD_KERNEL, "lw_client", ctx->lid,
					       lw_client_main, target), 0);
	if (!t)
		return true;
	__atomic_store_n(&lw_client, t, __ATOMIC_RELEASE);
	rpc_wait_hook = lw_hook;
	thread_start(t);
	done = KTEST_WAIT_UNTIL(__atomic_load_n(&lw_done, __ATOMIC_ACQUIRE) != 0);
	if (!done) /* asleep for good: release it (the wait is over), so the run goes on */
		thread_unblock(XPTR(local_cxy, t), THREAD_BLOCKED_RPC);
	KTEST_WAIT_UNTIL(__atomic_load_n(&lw_done, __ATOMIC_ACQUIRE) != 0);
	rpc_wait_hook = NULL;
	__atomic_store_n(&lw_client, NULL, __ATOMIC_RELEASE);
	KT_EXPECT_EQ(ctx, lw_done, 1);
	return done;
}

/*
 * A client not yet at its first look when the reply came (a host that did not run its core for
 * LW_SLEEP_NS) never blocks: the case did not happen, and the attempt is made again.
 */
KTEST(rpc, no_lost_wakeup_between_look_and_block)
{
	static cxy_t target;
	bool happened = false;

	if (ctx->cxy != 0 || ctx->lid != 0)
		return;
	target = (cxy_t)(cluster_count() - 1);
	for (int i = 0; i < LW_ATTEMPTS && !happened; i++) {
		KT_EXPECT(ctx, lw_attempt(ctx, &target)); /* else the wake-up was lost */
		happened = __atomic_load_n(&lw_sent, __ATOMIC_ACQUIRE) != 0;
	}
	/* the case happened: the interrupt was sent after the block, and taken (on this core) */
	KT_EXPECT(ctx, happened);
	KT_EXPECT(ctx, ipi_received(IPI_RESCHED) > lw_ipis);
}

/*
 * A server asleep on a blocking lock leaves a server to its core (rpc_server_away_begin): the
 * holder of the lock may need an answer from that core before it lets go. Here the test holds an
 * rwlock as writer; a first client's SLEEP request makes the target core's server wait for it (for
 * reading); then a second client's ECHO to the same core must be answered while the lock is still
 * held. Without the spare it waited behind the sleeping server: a fork sharing a parent's address
 * space from the child's cluster slept on the parent's VSL lock, whose holder (a munmap) waited
 * for an invalidation on that core (the fuzzer, 4x2).
 */
static rwlock_t al_lock;
static uint32_t al_sleep_done; /* 1: the SLEEP request came back with its proof; 2: without */
static uint32_t al_echo_done;

static void al_sleep_client(void *arg)
{
	rpc_sleep_args_t a = { .proof = 0x5678, .lock_xp = XPTR(local_cxy, &al_lock) };
	rpc_desc_t desc = RPC_DESC(RPC_SLEEP, &a);

	rpc_send(*(cxy_t *)arg, &desc);
	__atomic_store_n(&al_sleep_done, a.proof == ~(uint64_t)0x5678 ? 1 : 2, __ATOMIC_RELEASE);
}

static void al_echo_client(void *arg)
{
	rpc_echo_args_t a = { .words = { 42 } };
	rpc_desc_t desc = RPC_DESC(RPC_ECHO, &a);

	rpc_send(*(cxy_t *)arg, &desc);
	__atomic_store_n(&al_echo_done, a.words[0] == ~(uint64_t)42 ? 1 : 2, __ATOMIC_RELEASE);
}

KTEST(rpc, server_asleep_on_a_lock_leaves_a_server)
{
	static cxy_t target;
	lid_t server;
	xptr_t pool_xp;
	thread_t *sleeper = NULL, *echo = NULL;
	bool answered;

	if (ctx->cxy != 0 || ctx->lid != 0)
		return;
	target = (cxy_t)(cluster_count() - 1);
	server = hal_get_lid() % cluster_cores_of(target); /* both clients post to this core */
	pool_xp = XPTR(target, &cluster_manager.core[server].rpc);
	al_sleep_done = 0;
	al_echo_done = 0;
	remote_rwlock_init(XPTR(local_cxy, &al_lock), "ktest.al", LOCK_TEST_A);
	remote_rwlock_wr_acquire(XPTR(local_cxy, &al_lock));
	KT_EXPECT_EQ(ctx, thread_kernel_create(&sleeper, THREAD_KERNEL, "al_sleep", ctx->lid,
					       al_sleep_client, &target), 0);
	if (sleeper)
		thread_start(sleeper);
	/* the target's server is in the lock's queue of readers */
	KT_EXPECT(ctx, KTEST_WAIT_UNTIL(!xlist_is_empty(XPTR(local_cxy, &al_lock.rd_root))));
	KT_EXPECT_EQ(ctx, hal_remote_l32(XPTR_FIELD(pool_xp, rpc_server_pool_t, away)), 1);
	KT_EXPECT_EQ(ctx, thread_kernel_create(&echo, THREAD_KERNEL, "al_echo", ctx->lid,
					       al_echo_client, &target), 0);
	if (echo)
		thread_start(echo);
	answered = KTEST_WAIT_UNTIL(__atomic_load_n(&al_echo_done, __ATOMIC_ACQUIRE) != 0);
	KT_EXPECT(ctx, answered); /* else it waited behind the sleeping server */
	KT_EXPECT_EQ(ctx, __atomic_load_n(&al_sleep_done, __ATOMIC_ACQUIRE), 0); /* still asleep */
	remote_rwlock_wr_release(XPTR(local_cxy, &al_lock));
	KT_EXPECT(ctx, KTEST_WAIT_UNTIL(__atomic_load_n(&al_sleep_done, __ATOMIC_ACQUIRE) != 0 &&
					__atomic_load_n(&al_echo_done, __ATOMIC_ACQUIRE) != 0));
	KT_EXPECT_EQ(ctx, al_sleep_done, 1);
	KT_EXPECT_EQ(ctx, al_echo_done, 1);
	/* the spare goes once there is no work: one server again, none away */
	KT_EXPECT(ctx, KTEST_WAIT_UNTIL(
			       hal_remote_l32(XPTR_FIELD(pool_xp, rpc_server_pool_t, away)) == 0 &&
			       hal_remote_l32(XPTR_FIELD(pool_xp, rpc_server_pool_t, servers)) ==
				       CONFIG_RPC_SERVERS_MIN));
}
