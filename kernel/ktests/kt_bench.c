/*
 * kt_bench.c - micro-benchmarks of the core mechanisms (`ktest=bench`, explicit). They print
 * figures as KTAP diagnostics, "# bench NAME: N ns/op (OPS ops)", and assert nothing about them:
 * run them under `-icount shift=0` (./archipel run --icount) for deterministic virtual time.
 * Cluster 0's lid 0 measures; the targets are the local cluster and the farthest one.
 */
#include <hal_pageops.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/cluster.h>
#include <kern/ktest.h>
#include <kern/printk.h>
#include <kern/rpc.h>
#include <kern/sched.h>
#include <kern/thread.h>
#include <libk/busylock.h>
#include <mm/ppm.h>

#define OPS 200

static void report(const char *name, uint64_t t0, uint64_t ops)
{
	uint64_t ns = hal_get_time_ns() - t0;

	printk_raw("# bench %s: %lu ns/op (%lu ops)\n", name, ns / ops, ops);
}

/* The cluster at the largest distance from cluster 0. */
static cxy_t farthest(void)
{
	cxy_t far = 0;

	for (cxy_t c = 1; c < cluster_count(); c++)
		if (boot_info.distance[0][c] >= boot_info.distance[0][far])
			far = c;
	return far;
}

static volatile uint32_t yield_stop;

static void yielder(void *arg)
{
	(void)arg;
	while (!yield_stop)
		sched_yield();
}

/* Two threads of one core yielding to each other: each yield is one context switch. */
static void bench_context_switch(void)
{
	thread_t *other;
	uint64_t t0;

	yield_stop = 0;
	if (thread_kernel_create(&other, THREAD_KERNEL, "yielder", hal_get_lid(), yielder, NULL))
		return;
	thread_start(other);
	sched_yield();
	t0 = hal_get_time_ns();
	for (int i = 0; i < OPS; i++)
		sched_yield();
	report("context_switch", t0, 2 * OPS);
	yield_stop = 1;
	thread_sleep_ns(1000000);
}

static void bench_rpc(const char *name, cxy_t to)
{
	uint64_t t0 = hal_get_time_ns();

	for (int i = 0; i < OPS; i++) {
		rpc_echo_args_t a = { 0 };
		rpc_desc_t desc = RPC_DESC(RPC_ECHO, &a);

		rpc_send(to, &desc);
	}
	report(name, t0, OPS);
}

/*
 * Wake-up round trip: a thread on the far core and the measuring thread take turns, each waking the
 * other (an unblock, hence an IPI, and a context switch on each side). Both sides block while
 * waiting, so no hart spins: under -icount a spinning hart would hold the only host thread for a
 * whole time slice while the hart it waits for cannot run.
 */
static struct {
	uint32_t turn;           /* 0: the measuring thread, 1: the echo thread (cluster 0's copy) */
	xptr_t   me_xp, echo_xp;
	uint32_t rounds;
} rt;

static void wait_for(uint32_t mine, xptr_t self_xp)
{
	while (hal_remote_l32(XPTR(0, &rt.turn)) != mine) {
		thread_block(self_xp, THREAD_BLOCKED_TEST);
		if (hal_remote_l32(XPTR(0, &rt.turn)) == mine) {
			thread_unblock(self_xp, THREAD_BLOCKED_TEST);
			break;
		}
		sched_yield();
	}
}

static void echo_thread(void *arg)
{
	xptr_t self_xp = XPTR(local_cxy, thread_current());

	(void)arg;
	hal_remote_sxp(XPTR(0, &rt.echo_xp), self_xp);
	for (uint32_t i = 0; i < hal_remote_l32(XPTR(0, &rt.rounds)); i++) {
		wait_for(1, self_xp);
		hal_remote_s32(XPTR(0, &rt.turn), 0);
		thread_unblock(hal_remote_lxp(XPTR(0, &rt.me_xp)), THREAD_BLOCKED_TEST);
	}
}

static void bench_wakeup(cxy_t to)
{
	static const char name[] = "echo";
	rpc_thread_create_args_t a = { .entry = echo_thread, .lid = cluster_cores_of(to) - 1,
				       .type = THREAD_KERNEL, .name_xp = XPTR(local_cxy, name) };
	rpc_desc_t desc = RPC_DESC(RPC_THREAD_CREATE, &a);
	uint64_t t0;

	rt.turn = 0;
	rt.rounds = OPS;
	rt.echo_xp = XPTR_NULL;
	rt.me_xp = XPTR(local_cxy, thread_current());
	rpc_send(to, &desc);
	if (desc.error)
		return;
	while (rt.echo_xp == XPTR_NULL)
		thread_sleep_ns(100000);
	t0 = hal_get_time_ns();
	for (int i = 0; i < OPS; i++) {
		rt.turn = 1;
		thread_unblock(rt.echo_xp, THREAD_BLOCKED_TEST);
		wait_for(0, rt.me_xp);
	}
	report("wakeup_round_trip", t0, OPS);
}

static busylock_t bench_lock = BUSYLOCK_INITIALIZER("bench", LOCK_TEST_A);

static void bench_lock_uncontended(cxy_t where)
{
	xptr_t lock = XPTR(where, &bench_lock);
	uint64_t t0 = hal_get_time_ns();

	for (int i = 0; i < OPS; i++) {
		remote_busylock_acquire(lock);
		remote_busylock_release(lock);
	}
	report(where == local_cxy ? "lock_local_uncontended" : "lock_remote_uncontended", t0, OPS);
}

/*
 * One page zeroed and copied: through hal_remote_memset/memcpy (the page ops' path of this core:
 * V's vector stores on a RISC-V core that has it) and through the word loop (memory.md, "Page ops").
 */
static void bench_pages(void)
{
	xptr_t block = ppm_alloc_pages(1);
	uint8_t *p;
	uint64_t t0;

	if (block == XPTR_NULL)
		return;
	p = ppm_page2kva(block);
	t0 = hal_get_time_ns();
	for (int i = 0; i < OPS; i++)
		hal_remote_memset(XPTR(local_cxy, p), 0, CONFIG_PAGE_SIZE);
	report("page_zero", t0, OPS);
	t0 = hal_get_time_ns();
	for (int i = 0; i < OPS; i++)
		hal_remote_memcpy(XPTR(local_cxy, p), XPTR(local_cxy, p + CONFIG_PAGE_SIZE),
				  CONFIG_PAGE_SIZE);
	report("page_copy", t0, OPS);
	t0 = hal_get_time_ns();
	for (int i = 0; i < OPS; i++)
		hal_pages_word_set(p, 0, CONFIG_PAGE_SIZE);
	report("page_zero_word", t0, OPS);
	t0 = hal_get_time_ns();
	for (int i = 0; i < OPS; i++)
		hal_pages_word_copy(p, p + CONFIG_PAGE_SIZE, CONFIG_PAGE_SIZE);
	report("page_copy_word", t0, OPS);
	ppm_remote_free_pages(block);
}

KTEST_FLAGS(bench, core_mechanisms, KTEST_EXPLICIT)
{
	cxy_t far = farthest();
	xptr_t lock = XPTR(0, &bench_lock);
	uint64_t t0;

	if (ctx->cxy == 0 && ctx->lid == 0) {
		printk_raw("# bench: %u clusters, farthest from 0 is %u (distance %u)\n", cluster_count(),
			   far, boot_info.distance[0][far]);
		bench_context_switch();
		bench_rpc("rpc_local", 0);
		bench_rpc("rpc_remote", far);
		bench_wakeup(far);
		bench_lock_uncontended(0);
		bench_lock_uncontended(far);
		bench_pages();
	}
	/* Contended: every core of every cluster takes cluster 0's lock at once. */
	ktest_barrier(ctx);
	t0 = hal_get_time_ns();
	for (int i = 0; i < OPS; i++) {
		remote_busylock_acquire(lock);
		remote_busylock_release(lock);
	}
	ktest_barrier(ctx);
	if (ctx->cxy == 0 && ctx->lid == 0)
		report("lock_contended_all_cores", t0, (uint64_t)OPS * ctx->cores_nr);
}
