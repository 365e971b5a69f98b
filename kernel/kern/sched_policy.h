/*
 * sched_policy.h - which thread a core runs next: the scheduler's choice, without the scheduler.
 *
 * The policy is a pure function of a core's two lists, its running thread and its idle thread, so
 * that it can be unit-tested on the host (tests/host/test_sched_policy.c); sched.c owns the lists,
 * the lock and the context switch. The policy: kernel threads (THREAD_KERNEL, THREAD_RPC, in the
 * kernel list) always before user threads (the user list); round robin inside a class, the search
 * starting just after the running thread when it belongs to that class, else at the head of the
 * list; the idle thread when nothing is runnable. A thread is runnable when its `blocked` mask is 0
 * (read with an acquire load: another core may clear it concurrently, without the lock). The idle
 * thread is in neither list.
 */
#ifndef KERN_SCHED_POLICY_H
#define KERN_SCHED_POLICY_H

#include <kern/thread.h>
#include <libk/list.h>

/*
 * The thread to run next on a core whose kernel and user lists are @k_root and @u_root, whose
 * running thread is @current (in one of the lists, or @idle) and whose idle thread is @idle.
 * Returns @current again when it is the only runnable thread of the best class, @idle when no
 * thread is runnable. Caller holds that core's scheduler lock (the lists must not change).
 */
thread_t *sched_policy_pick(list_entry_t *k_root, list_entry_t *u_root, thread_t *current,
			    thread_t *idle);

#endif /* KERN_SCHED_POLICY_H */
