/*
 * failnth.c - fault injection in the allocators (see failnth.h).
 *
 * The counter of an armed call lives in its thread (failnth_left), counted down by a remote
 * compare-and-swap from any cluster; it stops at 0, the value of the allocation that fails. The
 * per-cluster count failnth_counting only lets the allocators skip all this when no thread of
 * their cluster counts: it is raised by a thread whose armed call starts and by a server that
 * adopts a client's counter, and lowered when they stop.
 */
#include <hal_debug.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/printk.h>
#include <kern/ksyms.h>
#include <kern/thread.h>
#include <libk/errno.h>
#include <mm/failnth.h>

uint32_t failnth_counting;

/* One frame of the trace of an injected failure (loglevel 7). */
static bool trace_frame(void *arg, const hal_frame_t *frame)
{
	uintptr_t offset;
	const char *name = ksyms_lookup(frame->pc, &offset);

	(void)arg;
	pr_debug("failnth:   %s+%lx", name ? name : "?", offset);
	return true;
}

/* With loglevel=7, say where each injected failure happened: a sweep's step is then readable. */
static void trace(const thread_t *self)
{
	if (printk_loglevel < LOG_DEBUG)
		return;
	pr_debug("failnth: an allocation of thread %x fails, injected", self->trdid);
	hal_backtrace_calls((uintptr_t)__builtin_frame_address(0), 8, trace_frame, NULL);
}

bool failnth_hit(void)
{
	thread_t *self = thread_current();
	xptr_t counter_xp;
	uint32_t left;

	if (!self || (counter_xp = self->failnth_xp) == XPTR_NULL)
		return false;
	/* (int32_t) 0 or less: fired already, or disarmed; only the n-th fails */
	while ((int32_t)(left = hal_remote_l32(counter_xp)) > 0)
		if (hal_remote_atomic_cas32(counter_xp, left, left - 1)) {
			if (left == 1)
				trace(self);
			return left == 1;
		}
	return false;
}

/* Start counting on @counter_xp (the caller's own counter, or a client's). */
static void count_on(thread_t *self, xptr_t counter_xp)
{
	kassert(self->failnth_xp == XPTR_NULL);
	self->failnth_xp = counter_xp;
	__atomic_fetch_add(&failnth_counting, 1, __ATOMIC_SEQ_CST);
}

static void stop_counting(thread_t *self)
{
	self->failnth_xp = XPTR_NULL;
	__atomic_fetch_sub(&failnth_counting, 1, __ATOMIC_SEQ_CST);
}

bool failnth_begin(void)
{
	thread_t *self = thread_current();
	uint32_t n = self->failnth_armed;

	if (__builtin_expect(n == 0, 1))
		return false;
	self->failnth_armed = 0;
	__atomic_store_n(&self->failnth_left, (int32_t)n, __ATOMIC_SEQ_CST);
	count_on(self, XPTR(local_cxy, &self->failnth_left));
	return true;
}

void failnth_end(void)
{
	thread_t *self = thread_current();

	kassert(self->failnth_xp == XPTR(local_cxy, &self->failnth_left));
	stop_counting(self);
}

int32_t failnth_mark(void)
{
	thread_t *self = thread_current();

	return self->failnth_xp == XPTR_NULL ? -1 : (int32_t)hal_remote_l32(self->failnth_xp);
}

bool failnth_fired_since(int32_t mark)
{
	return mark > 0 && failnth_mark() == 0;
}

xptr_t failnth_current(void)
{
	thread_t *self = thread_current();

	return self ? self->failnth_xp : XPTR_NULL;
}

xptr_t failnth_adopt(xptr_t counter_xp)
{
	thread_t *self = thread_current();
	xptr_t previous = self->failnth_xp;

	if (__builtin_expect(counter_xp == XPTR_NULL, 1))
		return previous;
	/* a server serves one request at a time and counts only while it serves it */
	kassert(previous == XPTR_NULL);
	count_on(self, counter_xp);
	return previous;
}

void failnth_restore(xptr_t previous)
{
	thread_t *self = thread_current();

	if (__builtin_expect(self->failnth_xp == previous, 1))
		return;
	kassert(previous == XPTR_NULL);
	stop_counting(self);
}

error_t failnth_arm(uint64_t n)
{
	if (n > INT32_MAX)
		return EINVAL;
	thread_current()->failnth_armed = (uint32_t)n;
	return 0;
}

int64_t failnth_read(void)
{
	thread_t *self = thread_current();

	if (self->failnth_armed)
		return self->failnth_armed;
	return __atomic_load_n(&self->failnth_left, __ATOMIC_SEQ_CST);
}

void failnth_thread_exit(thread_t *thread)
{
	if (thread->failnth_xp != XPTR_NULL)
		stop_counting(thread);
}
