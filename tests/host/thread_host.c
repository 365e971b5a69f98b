/*
 * thread_host.c - the few thread and scheduler functions that the blocking locks and wait queues
 * (kernel/kern/rwlock.c, queuelock.c, waitq.c) need, for host tests that link those files as they
 * are instead of imitating them.
 *
 * Each host thread is one kernel thread: thread_current() is a thread_t in the host thread's TLS.
 * Blocking is the kernel's: thread_block / thread_unblock flip bits of thread_t.blocked with atomics.
 * sched_yield() returns once the caller's bits are clear, sleeping a little between checks, and
 * plays the part of the tick for timed waits: it clears SLEEP and WAITQ once wakeup_ns has passed,
 * as sched_tick does. lockdep_current() is the thread's own state, so debug builds of the tests
 * check the lock order of the code under test as the debug kernel does.
 */
#include <hal_special.h>
#include <kern/rpc.h>
#include <kern/sched.h>
#include <kern/thread.h>
#include <libk/lockdep.h>

#include <time.h>

static __thread thread_t host_thread;
static __thread bool host_thread_ready;

thread_t *thread_current(void)
{
	if (!host_thread_ready) {
		host_thread.type = THREAD_KERNEL;
		xlist_entry_init(XPTR(local_cxy, &host_thread.wait_list));
		lockdep_state_init(&host_thread.lockdep);
		host_thread_ready = true;
	}
	return &host_thread;
}

#ifdef CONFIG_DEBUG
lockdep_state_t *lockdep_current(void)
{
	return &thread_current()->lockdep;
}
#endif

void thread_block(xptr_t thread_xp, uint32_t cause)
{
	thread_t *t = GET_PTR(thread_xp);

	__atomic_fetch_or(&t->blocked, cause, __ATOMIC_SEQ_CST);
}

void thread_unblock(xptr_t thread_xp, uint32_t cause)
{
	thread_t *t = GET_PTR(thread_xp);

	__atomic_fetch_and(&t->blocked, ~cause, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&t->wakeups, 1, __ATOMIC_RELAXED);
}

void sched_yield(void)
{
	thread_t *self = thread_current();
	struct timespec nap = { 0, 20000 };

	lockdep_may_block("sched_yield");
	for (;;) {
		uint32_t blocked = __atomic_load_n(&self->blocked, __ATOMIC_SEQ_CST);

		if (!blocked)
			return;
		if ((blocked & THREAD_BLOCKED_SLEEP) && hal_get_time_ns() >= self->wakeup_ns)
			thread_unblock(XPTR(local_cxy, self),
				       THREAD_BLOCKED_SLEEP | THREAD_BLOCKED_WAITQ);
		else
			nanosleep(&nap, NULL);
	}
}

/* Host threads serve no RPC: the blocking locks' slow paths have no pool to keep serving. */
bool rpc_server_away_begin(void)
{
	return false;
}

void rpc_server_away_end(void)
{
}

/* The waits a signal or a kill may end (kern/signal.h): host threads get neither, so a wait is
 * interrupted only by a test that sets thread_t.killed. */
void thread_wait_begin(thread_t *self, uint32_t mode)
{
	__atomic_store_n(&self->intr_wait, mode, __ATOMIC_SEQ_CST);
}

void thread_wait_end(thread_t *self)
{
	__atomic_store_n(&self->intr_wait, THREAD_WAIT_PLAIN, __ATOMIC_SEQ_CST);
}

bool thread_interrupted(thread_t *self, uint32_t mode)
{
	(void)mode;
	return __atomic_load_n(&self->killed, __ATOMIC_SEQ_CST) != 0;
}
