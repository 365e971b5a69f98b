/*
 * rwlock.c - blocking readers-writer locks with direct hand-off (see rwlock.h).
 *
 * While RWLOCK_WAITERS is clear, every transition is one compare-and-swap of the state word. The
 * slow paths take the guard and set RWLOCK_WAITERS first, which freezes the word for the fast
 * paths (their compare-and-swap expects it clear); they then decide exactly as a lock with every
 * field under the guard would, and publish the new state in one store, RWLOCK_WAITERS cleared if
 * no thread is left in the queues. A blocked thread waits until the releaser has let it in:
 * readers until they are no longer linked in rd_root (the releaser unlinks them after counting
 * them in), writers until writer_xp names them.
 */
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/printk.h>
#include <kern/rpc.h>
#include <kern/rwlock.h>
#include <kern/sched.h>
#include <kern/thread.h>

#define RW(xp, field) XPTR_FIELD(xp, rwlock_t, field)

void remote_rwlock_init(xptr_t lock_xp, const char *name, lock_class_t cls)
{
	remote_busylock_init(RW(lock_xp, guard), name, LOCK_WAITQ);
	hal_remote_s32(RW(lock_xp, state), 0);
	hal_remote_sxp(RW(lock_xp, writer_xp), XPTR_NULL);
	xlist_root_init(RW(lock_xp, rd_root));
	xlist_root_init(RW(lock_xp, wr_root));
	hal_remote_s32(RW(lock_xp, cls), cls);
	hal_remote_spt(RW(lock_xp, name), (void *)name);
}

static const char *rw_name(xptr_t lock_xp)
{
	return hal_remote_lpt(RW(lock_xp, name));
}

/* Take the guard and freeze the state (RWLOCK_WAITERS set); returns the state. */
static uint32_t guard_enter(xptr_t lock_xp)
{
	remote_busylock_acquire(RW(lock_xp, guard));
	return hal_remote_atomic_or32(RW(lock_xp, state), RWLOCK_WAITERS) | RWLOCK_WAITERS;
}

/* Publish @state (RWLOCK_WAITERS recomputed from the queues) and release the guard. */
static void guard_leave(xptr_t lock_xp, uint32_t state)
{
	state &= ~RWLOCK_WAITERS;
	if (!xlist_is_empty(RW(lock_xp, rd_root)) || !xlist_is_empty(RW(lock_xp, wr_root)))
		state |= RWLOCK_WAITERS;
	hal_fence(); /* the queues and writer_xp are up to date before the state says so */
	hal_remote_s32(RW(lock_xp, state), state);
	remote_busylock_release(RW(lock_xp, guard));
}

/* Queue the caller on @root and block; caller holds the guard, released here with @state. */
static void wait_in(xptr_t lock_xp, xptr_t root_xp, thread_t *self, uint32_t state)
{
	kassert(remote_busylock_is_held_by_me(RW(lock_xp, guard)));
	xlist_add_last(root_xp, XPTR(local_cxy, &self->wait_list));
	thread_block(XPTR(local_cxy, self), THREAD_BLOCKED_WAITQ);
	guard_leave(lock_xp, state);
}

static __attribute__((noinline)) void rd_acquire_slow(xptr_t lock_xp)
{
	thread_t *self = thread_current();
	bool away = rpc_server_away_begin(); /* before the guard: it may create a thread */
	uint32_t state = guard_enter(lock_xp);

	if (!(state & RWLOCK_WRITER) && xlist_is_empty(RW(lock_xp, wr_root))) {
		guard_leave(lock_xp, state + 1);
	} else {
		wait_in(lock_xp, RW(lock_xp, rd_root), self, state);
		do
			sched_yield();
		while (xlist_is_linked(XPTR(local_cxy, &self->wait_list)));
	}
	if (away)
		rpc_server_away_end();
}

void remote_rwlock_rd_acquire(xptr_t lock_xp)
{
	if (!lockdep_acquire(lock_xp, rw_name(lock_xp), (lock_class_t)hal_remote_l32(RW(lock_xp, cls)),
			     false))
		return; /* a violation a test expected */

	uint32_t state = hal_remote_l32(RW(lock_xp, state));
	if (!(state & (RWLOCK_WRITER | RWLOCK_WAITERS)) &&
	    hal_remote_atomic_cas32(RW(lock_xp, state), state, state + 1))
		return;
	rd_acquire_slow(lock_xp);
}

static __attribute__((noinline)) void wr_acquire_slow(xptr_t lock_xp)
{
	thread_t *self = thread_current();
	xptr_t self_xp = XPTR(local_cxy, self);
	bool away = rpc_server_away_begin();
	uint32_t state = guard_enter(lock_xp);

	if (!(state & RWLOCK_WRITER) && (state & RWLOCK_READERS_MASK) == 0) {
		hal_remote_sxp(RW(lock_xp, writer_xp), self_xp);
		guard_leave(lock_xp, state | RWLOCK_WRITER);
	} else {
		if (hal_remote_lxp(RW(lock_xp, writer_xp)) == self_xp)
			panic("%s: thread %x takes rwlock '%s' it holds as writer", __func__,
			      self->trdid, rw_name(lock_xp));
		wait_in(lock_xp, RW(lock_xp, wr_root), self, state);
		do
			sched_yield();
		while (hal_remote_lxp(RW(lock_xp, writer_xp)) != self_xp);
	}
	if (away)
		rpc_server_away_end();
}

void remote_rwlock_wr_acquire(xptr_t lock_xp)
{
	if (!lockdep_acquire(lock_xp, rw_name(lock_xp), (lock_class_t)hal_remote_l32(RW(lock_xp, cls)),
			     false))
		return;
	if (hal_remote_atomic_cas32(RW(lock_xp, state), 0, RWLOCK_WRITER)) {
		hal_remote_sxp(RW(lock_xp, writer_xp), XPTR(local_cxy, thread_current()));
		return;
	}
	wr_acquire_slow(lock_xp);
}

/* Let the oldest waiting writer in: returns the new state (unchanged if none waits). Caller holds
 * the guard, and neither a writer nor a reader is inside. */
static uint32_t admit_writer(xptr_t lock_xp, uint32_t state)
{
	xptr_t entry = xlist_first(RW(lock_xp, wr_root));
	xptr_t thread_xp;

	kassert(remote_busylock_is_held_by_me(RW(lock_xp, guard)));
	if (entry == XPTR_NULL)
		return state;
	thread_xp = XLIST_ELEMENT(entry, thread_t, wait_list);
	xlist_unlink(entry);
	hal_remote_sxp(RW(lock_xp, writer_xp), thread_xp);
	thread_unblock(thread_xp, THREAD_BLOCKED_WAITQ);
	return state | RWLOCK_WRITER;
}

/* Let every waiting reader in: returns the new state. Caller holds the guard, no writer inside. */
static uint32_t admit_readers(xptr_t lock_xp, uint32_t state)
{
	xptr_t entry;

	kassert(remote_busylock_is_held_by_me(RW(lock_xp, guard)));
	while ((entry = xlist_first(RW(lock_xp, rd_root))) != XPTR_NULL) {
		xptr_t thread_xp = XLIST_ELEMENT(entry, thread_t, wait_list);

		state++;
		xlist_unlink(entry);
		thread_unblock(thread_xp, THREAD_BLOCKED_WAITQ);
	}
	return state;
}

static __attribute__((noinline, cold, noreturn)) void bad_release(xptr_t lock_xp, const char *who)
{
	panic("%s: rwlock '%s' released by %s", __func__, rw_name(lock_xp), who);
}

static __attribute__((noinline)) void rd_release_slow(xptr_t lock_xp)
{
	uint32_t state = guard_enter(lock_xp);

	if ((state & RWLOCK_READERS_MASK) == 0) {
		remote_busylock_release(RW(lock_xp, guard));
		bad_release(lock_xp, "a reader while no reader holds it");
	}
	state--;
	if ((state & RWLOCK_READERS_MASK) == 0)
		state = admit_writer(lock_xp, state);
	guard_leave(lock_xp, state);
}

void remote_rwlock_rd_release(xptr_t lock_xp)
{
	if (!lockdep_release(lock_xp, rw_name(lock_xp)))
		return;

	uint32_t state = hal_remote_l32(RW(lock_xp, state));
	if (!(state & (RWLOCK_WRITER | RWLOCK_WAITERS)) && (state & RWLOCK_READERS_MASK) &&
	    hal_remote_atomic_cas32(RW(lock_xp, state), state, state - 1))
		return;
	rd_release_slow(lock_xp);
}

static __attribute__((noinline)) void wr_release_slow(xptr_t lock_xp)
{
	uint32_t state = guard_enter(lock_xp);

	state &= ~RWLOCK_WRITER;
	hal_remote_sxp(RW(lock_xp, writer_xp), XPTR_NULL);
	if (!xlist_is_empty(RW(lock_xp, rd_root)))
		state = admit_readers(lock_xp, state);
	else
		state = admit_writer(lock_xp, state);
	guard_leave(lock_xp, state);
}

void remote_rwlock_wr_release(xptr_t lock_xp)
{
	if (!lockdep_release(lock_xp, rw_name(lock_xp)))
		return;
	/* Only writer_xp says who the writer is: a writer let in by another thread's release may run
	 * (and release) before that thread has published the state, which the guard orders. */
	if (hal_remote_lxp(RW(lock_xp, writer_xp)) != XPTR(local_cxy, thread_current()))
		bad_release(lock_xp, "a thread that is not its writer");

	hal_remote_sxp(RW(lock_xp, writer_xp), XPTR_NULL);
	if (hal_remote_atomic_cas32(RW(lock_xp, state), RWLOCK_WRITER, 0))
		return;
	wr_release_slow(lock_xp);
}

/*
 * Only writer_xp says it: a writer handed the lock by another thread's release runs before that
 * thread publishes the state word with RWLOCK_WRITER (see the release), and nobody but the holder
 * or the releaser handing it the lock writes its name there.
 */
bool remote_rwlock_is_write_held_by_me(xptr_t lock_xp)
{
	return hal_remote_lxp(RW(lock_xp, writer_xp)) == XPTR(local_cxy, thread_current());
}
