/*
 * kt_sched.c - in-kernel tests of the tick, the scheduler and blocking across clusters.
 */
#include <hal_remote.h>
#include <hal_special.h>
#include <hal_timer.h>
#include <kern/cluster.h>
#include <kern/ipi.h>
#include <kern/ktest.h>
#include <kern/rpc.h>
#include <kern/sched.h>
#include <kern/thread.h>

#define PINGPONG_ROUNDS 10000

/*
 * Every core takes ticks: a sleep of 50 ms returns at all (only a tick can end it) and sees the
 * core's tick count grow. How many ticks is not checked: QEMU's virtual cores may be descheduled by
 * a busy host, and the timer then collapses the missed periods into one tick.
 */
KTEST(sched, ticks_on_every_core)
{
	sched_t *s = &cluster_current_core()->sched;
	uint64_t before = s->ticks, t0 = hal_get_time_ns();

	thread_sleep_ns(50000000);
	KT_EXPECT(ctx, hal_get_time_ns() - t0 >= 50000000);
	KT_EXPECT(ctx, s->ticks > before);
	/* Every machine tested has the direct path (RISC-V: QEMU virt has Sstc); firmware is a fallback */
	KT_EXPECT(ctx, hal_timer_is_direct());
}

static struct spinner {
	volatile uint64_t count;
	volatile uint32_t stop;
	volatile uint32_t done;
} spinners[CONFIG_MAX_CORES_PER_CLUSTER][2];

static void spin(void *arg)
{
	struct spinner *sp = arg;

	while (!sp->stop)
		sp->count++;
	sp->done = 1;
}

/*
 * Two CPU-bound threads on one core both progress: only the tick can switch between them. Judged
 * by the core's own ticks, not by time: a vCPU the host runs little takes few ticks in 100 ms
 * (the timer collapses missed periods), and once one of 64 saw its second spinner not yet run
 * after 100 ms (x86_64 16x4 on a loaded host). Each tick may switch; PREEMPT_TICKS ticks with
 * both spinners ready and one never run is a scheduler that does not preempt.
 */
#define PREEMPT_TICKS 20

KTEST(sched, preemption)
{
	sched_t *s = &cluster_current_core()->sched;
	struct spinner *sp = spinners[ctx->lid];
	thread_t *t[2];
	uint64_t start;

	for (int i = 0; i < 2; i++) {
		sp[i] = (struct spinner){ 0, 0, 0 };
		KT_EXPECT_EQ(ctx, thread_kernel_create(&t[i], THREAD_KERNEL, "spin", ctx->lid, spin,
						       &sp[i]), 0);
	}
	thread_start(t[0]);
	thread_start(t[1]);
	start = __atomic_load_n(&s->ticks, __ATOMIC_RELAXED);
	while ((sp[0].count == 0 || sp[1].count == 0) &&
	       __atomic_load_n(&s->ticks, __ATOMIC_RELAXED) - start < PREEMPT_TICKS)
		thread_sleep_ns(1000000);
	KT_EXPECT(ctx, sp[0].count > 0);
	KT_EXPECT(ctx, sp[1].count > 0);
	sp[0].stop = sp[1].stop = 1;
	while (!sp[0].done || !sp[1].done)
		thread_sleep_ns(1000000);
}

/* Block / unblock ping-pong between a thread of cluster 0 and one of the last cluster. */
static struct {
	uint32_t turn;        /* 0: ping's turn, 1: pong's turn (in cluster 0) */
	xptr_t   ping_xp, pong_xp;
	uint32_t pong_done;
} pp;

/* Wait until pp.turn == @mine, blocking between looks; @self_xp is the caller. */
static void wait_turn(uint32_t mine, xptr_t self_xp)
{
	xptr_t turn_xp = XPTR(0, &pp.turn);

	while (hal_remote_l32(turn_xp) != mine) {
		thread_block(self_xp, THREAD_BLOCKED_TEST);
		if (hal_remote_l32(turn_xp) == mine) { /* the other side was faster */
			thread_unblock(self_xp, THREAD_BLOCKED_TEST);
			break;
		}
		sched_yield();
	}
}

static void pong(void *arg)
{
	xptr_t self_xp = XPTR(local_cxy, thread_current());

	(void)arg;
	hal_remote_sxp(XPTR(0, &pp.pong_xp), self_xp);
	for (int i = 0; i < PINGPONG_ROUNDS; i++) {
		wait_turn(1, self_xp);
		hal_remote_s32(XPTR(0, &pp.turn), 0);
		thread_unblock(hal_remote_lxp(XPTR(0, &pp.ping_xp)), THREAD_BLOCKED_TEST);
	}
	hal_remote_s32(XPTR(0, &pp.pong_done), 1);
}

KTEST(sched, block_unblock_across_clusters)
{
	cxy_t far = (cxy_t)(cluster_count() - 1);
	xptr_t self_xp = XPTR(local_cxy, thread_current());
	static const char name[] = "pong";
	rpc_thread_create_args_t a = { .entry = pong, .lid = cluster_cores_of(far) - 1,
				       .type = THREAD_KERNEL, .name_xp = XPTR(local_cxy, name) };
	rpc_desc_t desc = RPC_DESC(RPC_THREAD_CREATE, &a);

	if (ctx->cxy != 0 || ctx->lid != 0)
		return;
	pp.turn = 0;
	pp.pong_done = 0;
	pp.pong_xp = XPTR_NULL;
	pp.ping_xp = self_xp;
	rpc_send(far, &desc);
	KT_EXPECT_EQ(ctx, desc.error, 0);
	if (desc.error)
		return;
	while (pp.pong_xp == XPTR_NULL)
		sched_yield();
	for (int i = 0; i < PINGPONG_ROUNDS; i++) {
		wait_turn(0, self_xp);
		pp.turn = 1;
		thread_unblock(pp.pong_xp, THREAD_BLOCKED_TEST);
	}
	wait_turn(0, self_xp);
	while (!pp.pong_done)
		sched_yield();
	KT_EXPECT_EQ(ctx, pp.turn, 0);
}

/*
 * A move between cores made inside an interrupt: the thread is blocked for its move when IRQs come
 * back, and the interrupt then taken switches it out before its own sched_yield does (the hook
 * makes a reschedule IPI pending right there, as a tick or a wake-up does by chance). The thread
 * resumes on its new core inside that interrupt's handler and returns to the kernel through the
 * trap's exit: from then on it must run as the new core (its lid, its scheduler). RISC-V took tp,
 * the core's pointer, back from the trap frame, which held the core the thread had left: two harts
 * then ran on one core's scheduler (riscv64 test_usage silent in CI, eighth round).
 */
static struct {
	lid_t    from, to;
	uint64_t ipis;       /* reschedule IPIs the old core had taken before the move */
	uint32_t lid_seen;   /* hal_get_lid() after the move */
	uint32_t lid_moved;  /* the thread's lid after the move */
	uint32_t self_ok;    /* thread_current() is the mover after the move */
	uint32_t done;
} mv;

static void mv_hook(void)
{
	ipi_send(local_cxy, hal_get_lid(), IPI_RESCHED); /* pending: IRQs are masked here */
}

static void mover(void *arg)
{
	thread_t *self = thread_current();

	(void)arg;
	sched_migrate_hook = mv_hook;
	sched_migrate_self(mv.to);
	sched_migrate_hook = NULL;
	mv.lid_seen = hal_get_lid();
	mv.lid_moved = self->lid;
	mv.self_ok = thread_current() == self;
	__atomic_store_n(&mv.done, 1, __ATOMIC_RELEASE);
}

KTEST(sched, move_inside_an_interrupt_runs_as_the_new_core)
{
	thread_t *t = NULL;

	if (ctx->cxy != 0 || ctx->lid != 0 || cluster_manager.cores_nr < 2)
		return;
	mv = (typeof(mv)){ .from = 0, .to = 1 };
	mv.ipis = __atomic_load_n(&cluster_manager.core[mv.from].ipi_resched, __ATOMIC_RELAXED);
	KT_EXPECT_EQ(ctx, thread_kernel_create(&t, THREAD_KERNEL, "mover", mv.from, mover, NULL), 0);
	if (!t)
		return;
	thread_start(t);
	KT_EXPECT(ctx, KTEST_WAIT_UNTIL(__atomic_load_n(&mv.done, __ATOMIC_ACQUIRE)));
	KT_EXPECT_EQ(ctx, mv.lid_moved, mv.to);
	KT_EXPECT_EQ(ctx, mv.lid_seen, mv.to);
	KT_EXPECT(ctx, mv.self_ok);
	/* the move did go through the interrupt: the old core took the IPI the hook sent */
	KT_EXPECT(ctx, __atomic_load_n(&cluster_manager.core[mv.from].ipi_resched,
				       __ATOMIC_RELAXED) > mv.ipis);
}
