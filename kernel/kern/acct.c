/*
 * acct.c - CPU time and resource accounting (see acct.h).
 */
#include <hal_remote.h>
#include <hal_special.h>
#include <hal_upcalls.h>
#include <kern/acct.h>
#include <kern/process.h>
#include <kern/thread.h>

void acct_user_enter(thread_t *self)
{
	uint64_t now = hal_get_time_ns();

	self->acct.utime_ns += now - self->acct_stamp;
	self->acct_stamp = now;
}

void kernel_user_enter(void)
{
	thread_t *self = thread_current();

	if (self)
		acct_user_enter(self);
}

void acct_user_exit(thread_t *self)
{
	uint64_t now = hal_get_time_ns();

	self->acct.stime_ns += now - self->acct_stamp;
	self->acct_stamp = now;
}

void acct_switch(thread_t *prev, thread_t *next, bool prev_blocked)
{
	uint64_t now = hal_get_time_ns();

	prev->acct.stime_ns += now - prev->acct_stamp;
	if (prev_blocked)
		prev->acct.nvcsw++;
	else
		prev->acct.nivcsw++;
	next->acct_stamp = now;
}

void acct_self(thread_t *self, acct_t *out)
{
	uint64_t now = hal_get_time_ns();

	self->acct.stime_ns += now - self->acct_stamp; /* the system call that asks */
	self->acct_stamp = now;
	*out = self->acct;
}

void acct_fault(thread_t *self)
{
	self->acct.minflt++; /* the RAM file system never waits for a device: no major fault */
}

void acct_add(acct_t *a, const acct_t *b)
{
	a->utime_ns += b->utime_ns;
	a->stime_ns += b->stime_ns;
	a->minflt += b->minflt;
	a->majflt += b->majflt;
	a->nvcsw += b->nvcsw;
	a->nivcsw += b->nivcsw;
	if (b->maxrss_kb > a->maxrss_kb)
		a->maxrss_kb = b->maxrss_kb;
}

void acct_remote_add(xptr_t xp, const acct_t *b)
{
	uint64_t old;

	hal_remote_atomic_add64(xp + offsetof(acct_t, utime_ns), (int64_t)b->utime_ns);
	hal_remote_atomic_add64(xp + offsetof(acct_t, stime_ns), (int64_t)b->stime_ns);
	hal_remote_atomic_add64(xp + offsetof(acct_t, minflt), (int64_t)b->minflt);
	hal_remote_atomic_add64(xp + offsetof(acct_t, majflt), (int64_t)b->majflt);
	hal_remote_atomic_add64(xp + offsetof(acct_t, nvcsw), (int64_t)b->nvcsw);
	hal_remote_atomic_add64(xp + offsetof(acct_t, nivcsw), (int64_t)b->nivcsw);
	do
		old = hal_remote_l64(xp + offsetof(acct_t, maxrss_kb));
	while (b->maxrss_kb > old &&
	       !hal_remote_atomic_cas64(xp + offsetof(acct_t, maxrss_kb), old, b->maxrss_kb));
}

void acct_remote_read(xptr_t xp, acct_t *out)
{
	out->utime_ns = hal_remote_l64(xp + offsetof(acct_t, utime_ns));
	out->stime_ns = hal_remote_l64(xp + offsetof(acct_t, stime_ns));
	out->minflt = hal_remote_l64(xp + offsetof(acct_t, minflt));
	out->majflt = hal_remote_l64(xp + offsetof(acct_t, majflt));
	out->nvcsw = hal_remote_l64(xp + offsetof(acct_t, nvcsw));
	out->nivcsw = hal_remote_l64(xp + offsetof(acct_t, nivcsw));
	out->maxrss_kb = hal_remote_l64(xp + offsetof(acct_t, maxrss_kb));
}

void acct_thread_exit(thread_t *self)
{
	acct_t mine;

	if (!self->process)
		return;
	acct_self(self, &mine);
	mine.maxrss_kb = 0; /* a process figure */
	acct_remote_add(self->process->owner_xp + offsetof(process_t, acct_dead), &mine);
}

void acct_reap(xptr_t parent_owner, xptr_t child_owner)
{
	acct_t child, grand;

	acct_remote_read(child_owner + offsetof(process_t, acct_dead), &child);
	acct_remote_read(child_owner + offsetof(process_t, acct_children), &grand);
	acct_add(&child, &grand);
	acct_remote_add(parent_owner + offsetof(process_t, acct_children), &child);
}
