/*
 * futex.c - futex waits and wakes (see futex.h).
 *
 * Lock legend of a bucket: [L] its lock (class LOCK_FUTEX). A waiter record is on its thread's
 * kernel stack (mapped in every cluster); its fields are [L] of the bucket named by its `bucket`
 * field, and the record is only read by others while they hold that lock.
 */
#include <hal_remote.h>
#include <hal_special.h>
#include <hal_uspace.h>
#include <kern/futex.h>
#include <kern/printk.h>
#include <kern/process.h>
#include <kern/sched.h>
#include <kern/thread.h>
#include <libk/errno.h>
#include <libk/xlist.h>

#define FUTEX_BUCKETS 64

typedef struct futex_bucket_s {
	busylock_t    lock;
	uint32_t      seq;   /* [L] wakes so far (read without the lock by waiters)  */
	xlist_entry_t root;  /* [L] waiters                                         */
} futex_bucket_t;

typedef struct futex_waiter_s {
	xlist_entry_t link;      /* [L] in the bucket's list                      */
	xptr_t        ref_xp;    /* [L] the key: process reference ...            */
	uintptr_t     uaddr;     /* [L] ... and user address                      */
	uint32_t      bitset;    /* [I]                                           */
	uint32_t      woken;     /* [L] 1 once a wake took it off the list        */
	xptr_t        bucket_xp; /* [L] the bucket it is in (requeue moves it)    */
	xptr_t        thread_xp; /* [I]                                           */
} futex_waiter_t;

static futex_bucket_t futex_table[FUTEX_BUCKETS]; /* used in the reference clusters */
static uint32_t futex_table_ready;                  /* [A] once per cluster          */

#define BF(b_xp, field) XPTR_FIELD(b_xp, futex_bucket_t, field)
#define WF(w_xp, field) XPTR_FIELD(w_xp, futex_waiter_t, field)

/* The bucket of (@ref_xp, @uaddr): in the reference cluster, initialised on first use there. */
static xptr_t bucket_of(xptr_t ref_xp, uintptr_t uaddr)
{
	cxy_t cxy = GET_CXY(ref_xp);
	uint64_t h = (uaddr >> 2) ^ ((uint64_t)(uintptr_t)GET_PTR(ref_xp) >> 6);
	xptr_t ready_xp = XPTR(cxy, &futex_table_ready);

	if (hal_remote_l32(ready_xp) != 2) {
		if (hal_remote_atomic_cas32(ready_xp, 0, 1)) {
			for (int i = 0; i < FUTEX_BUCKETS; i++) {
				xptr_t b = XPTR(cxy, &futex_table[i]);
				remote_busylock_init(BF(b, lock), "futex", LOCK_FUTEX);
				xlist_root_init(BF(b, root));
			}
			hal_fence();
			hal_remote_s32(ready_xp, 2);
		}
		while (hal_remote_l32(ready_xp) != 2)
			hal_cpu_relax();
	}
	return XPTR(cxy, &futex_table[(h ^ (h >> 7)) % FUTEX_BUCKETS]);
}

static xptr_t current_ref_xp(void)
{
	thread_t *self = thread_current();
	return self->process ? self->process->ref_xp : XPTR(local_cxy, self);
}

/* Read the user word at @uaddr (no lock held: it may fault). */
static error_t read_word(uintptr_t uaddr, uint32_t *val)
{
	return hal_copy_from_uspace(val, uaddr, sizeof(*val));
}

/*
 * Queue @w in bucket @b (locked) and block the caller for @causes. A caller already killed stays
 * runnable (settle then takes it off the queue): a kill sets thread_t.killed, then clears WAITQ
 * (process.c's kill_local), so either that clear comes after our block, or we see the flag here.
 * Without this look a kill landing just before the block was lost, and the thread slept for good
 * while its exit_group or execve waited for it.
 */
static void enqueue(xptr_t b, futex_waiter_t *w, uint32_t causes)
{
	w->bucket_xp = b;
	xlist_add_last(BF(b, root), XPTR(local_cxy, &w->link));
	thread_block(w->thread_xp, causes);
	if (thread_interrupted(thread_current(), THREAD_WAIT_SIGNAL))
		thread_unblock(w->thread_xp, causes);
}

/* After waking up: leave the bucket if nobody took us off it. Returns true if a wake did. */
static bool settle(futex_waiter_t *w)
{
	xptr_t b;
	bool woken;

	for (;;) { /* a requeue may move us between reading bucket_xp and locking it */
		b = __atomic_load_n(&w->bucket_xp, __ATOMIC_ACQUIRE);
		remote_busylock_acquire(BF(b, lock));
		if (w->bucket_xp == b)
			break;
		remote_busylock_release(BF(b, lock));
	}
	woken = w->woken;
	if (!woken)
		xlist_unlink(XPTR(local_cxy, &w->link));
	remote_busylock_release(BF(b, lock));
	thread_unblock(w->thread_xp, THREAD_BLOCKED_WAITQ | THREAD_BLOCKED_SLEEP);
	return woken;
}

error_t futex_wait(uintptr_t uaddr, uint32_t val, uint64_t time_ns, bool absolute, uint32_t bitset)
{
	thread_t *self = thread_current();
	xptr_t ref_xp = current_ref_xp(), b = bucket_of(ref_xp, uaddr);
	futex_waiter_t w = { .ref_xp = ref_xp, .uaddr = uaddr, .bitset = bitset,
			     .thread_xp = XPTR(local_cxy, self) };
	uint64_t deadline = 0;
	uint32_t seq, cur;

	if ((uaddr & 3) || bitset == 0)
		return EINVAL;
	if (time_ns)
		deadline = absolute ? time_ns : hal_get_time_ns() + time_ns;
	for (;;) {
		seq = hal_remote_l32(BF(b, seq));
		hal_fence();
		if (read_word(uaddr, &cur))
			return EFAULT;
		if (cur != val)
			return EAGAIN;
		if (time_ns && hal_get_time_ns() >= deadline)
			return ETIMEDOUT;
		remote_busylock_acquire(BF(b, lock));
		if (hal_remote_l32(BF(b, seq)) == seq)
			break;
		remote_busylock_release(BF(b, lock)); /* a wake came between: look again */
	}
	self->wakeup_ns = deadline;
	thread_wait_begin(self, THREAD_WAIT_SIGNAL);
	enqueue(b, &w, THREAD_BLOCKED_WAITQ | (time_ns ? THREAD_BLOCKED_SLEEP : 0));
	remote_busylock_release(BF(b, lock));
	sched_yield();
	thread_wait_end(self);
	if (settle(&w))
		return 0;
	if (time_ns && hal_get_time_ns() >= deadline)
		return ETIMEDOUT;
	return EINTR; /* a kill or a signal (or, rarely, another early wake: the caller restarts) */
}

/* Take up to @count matching waiters off bucket @b (locked): wake them. Returns how many. */
static uint32_t wake_locked(xptr_t b, xptr_t ref_xp, uintptr_t uaddr, uint32_t count, uint32_t bitset)
{
	xptr_t e, next;
	uint32_t n = 0;

	for (e = xlist_first(BF(b, root)); e != XPTR_NULL && n < count; e = next) {
		xptr_t w = XLIST_ELEMENT(e, futex_waiter_t, link);
		next = xlist_next(BF(b, root), e);
		if (hal_remote_lxp(WF(w, ref_xp)) != ref_xp || hal_remote_l64(WF(w, uaddr)) != uaddr ||
		    !(hal_remote_l32(WF(w, bitset)) & bitset))
			continue;
		xlist_unlink(e);
		hal_remote_s32(WF(w, woken), 1);
		thread_unblock(hal_remote_lxp(WF(w, thread_xp)),
			       THREAD_BLOCKED_WAITQ | THREAD_BLOCKED_SLEEP);
		n++;
	}
	return n;
}

int64_t futex_wake(uintptr_t uaddr, uint32_t count, uint32_t bitset)
{
	xptr_t ref_xp = current_ref_xp(), b = bucket_of(ref_xp, uaddr);
	uint32_t n;

	if ((uaddr & 3) || bitset == 0)
		return -EINVAL;
	remote_busylock_acquire(BF(b, lock));
	hal_remote_s32(BF(b, seq), hal_remote_l32(BF(b, seq)) + 1);
	n = wake_locked(b, ref_xp, uaddr, count, bitset);
	remote_busylock_release(BF(b, lock));
	return n;
}

/* Lock two buckets in address order (one lock if they are the same). */
static void lock_pair(xptr_t b1, xptr_t b2)
{
	if (b1 == b2) {
		remote_busylock_acquire(BF(b1, lock));
	} else if (b1 < b2) {
		remote_busylock_acquire(BF(b1, lock));
		remote_busylock_acquire(BF(b2, lock));
	} else {
		remote_busylock_acquire(BF(b2, lock));
		remote_busylock_acquire(BF(b1, lock));
	}
}

/* Release in the reverse order of lock_pair: the first busylock taken restores the interrupts. */
static void unlock_pair(xptr_t b1, xptr_t b2)
{
	if (b1 == b2) {
		remote_busylock_release(BF(b1, lock));
	} else if (b1 < b2) {
		remote_busylock_release(BF(b2, lock));
		remote_busylock_release(BF(b1, lock));
	} else {
		remote_busylock_release(BF(b1, lock));
		remote_busylock_release(BF(b2, lock));
	}
}

/* Move up to @count waiters of (@ref_xp, @uaddr) from @b1 to (@uaddr2, @b2); both locked. */
static uint32_t move_locked(xptr_t b1, xptr_t ref_xp, uintptr_t uaddr, xptr_t b2, uintptr_t uaddr2,
			    uint32_t count)
{
	xptr_t e, next;
	uint32_t n = 0;

	for (e = xlist_first(BF(b1, root)); e != XPTR_NULL && n < count; e = next) {
		xptr_t w = XLIST_ELEMENT(e, futex_waiter_t, link);
		next = xlist_next(BF(b1, root), e);
		if (hal_remote_lxp(WF(w, ref_xp)) != ref_xp || hal_remote_l64(WF(w, uaddr)) != uaddr)
			continue;
		xlist_unlink(e);
		hal_remote_s64(WF(w, uaddr), uaddr2);
		hal_remote_sxp(WF(w, bucket_xp), b2);
		xlist_add_last(BF(b2, root), e);
		n++;
	}
	return n;
}

int64_t futex_requeue(uintptr_t uaddr, uint32_t wake, uintptr_t uaddr2, uint32_t requeue, bool cmp,
		      uint32_t val)
{
	xptr_t ref_xp = current_ref_xp();
	xptr_t b1 = bucket_of(ref_xp, uaddr), b2 = bucket_of(ref_xp, uaddr2);
	uint32_t seq, cur, n;

	if ((uaddr & 3) || (uaddr2 & 3))
		return -EINVAL;
	for (;;) {
		seq = hal_remote_l32(BF(b1, seq));
		hal_fence();
		if (cmp && read_word(uaddr, &cur))
			return -EFAULT;
		if (cmp && cur != val)
			return -EAGAIN;
		lock_pair(b1, b2);
		if (hal_remote_l32(BF(b1, seq)) == seq)
			break;
		unlock_pair(b1, b2); /* a wake on the first futex came between: look again */
	}
	hal_remote_s32(BF(b1, seq), seq + 1);
	n = wake_locked(b1, ref_xp, uaddr, wake, ~0u);
	n += move_locked(b1, ref_xp, uaddr, b2, uaddr2, requeue);
	unlock_pair(b1, b2);
	return n;
}
