/*
 * sched.h - one scheduler per core.
 *
 * Each core schedules the threads attached to it, round robin inside two classes: kernel threads
 * (kernel services, RPC servers) always before user threads; the idle thread runs when no thread is
 * runnable and waits for an interrupt. Threads stay in their core's lists whether blocked or not,
 * so blocking and unblocking never touch a list (they flip bits of thread_t.blocked, possibly from
 * another cluster). A periodic tick preempts: when the running thread has used its quantum and
 * another thread is runnable, the core switches at the end of the interrupt.
 *
 * Lock legend: [L] sched.lock (a busylock of this core, taken with IRQs off; also held across the
 * context switch and released by the thread that runs next); [C] only this core; [A] atomic.
 */
#ifndef KERN_SCHED_H
#define KERN_SCHED_H

#include <hal_types.h>
#include <kern/acct.h>
#include <libk/busylock.h>
#include <libk/list.h>

struct thread_s;

typedef struct sched_s {
	busylock_t        lock;        /* protects the lists                                  */
	list_entry_t      k_root;      /* [L] kernel and RPC threads of this core               */
	list_entry_t      u_root;      /* [L] user threads of this core                         */
	uint32_t          k_threads_nr;/* [L]                                                   */
	uint32_t          u_threads_nr;/* [L]                                                   */
	struct thread_s  *idle;        /* [C] the idle thread                                   */
	struct thread_s  *current;     /* [C] the running thread                                */
	struct thread_s  *dead;        /* [C] exited thread to destroy after the next switch    */
	struct thread_s  *migrating;   /* [C] thread to hand to another core after the next switch */
	acct_owed_t       acct_owed;   /* [C] CPU itimer expiry of the last switch (acct_switch_tail) */
	const struct gpt_s *active_gpt;/* [C] user address space loaded (NULL: kernel table only) */
	uint32_t          need_resched;/* [A] set by the tick or an IPI: switch at the next chance */
	uint32_t          quantum_left;/* [C] ticks left to the current thread                  */
	uint64_t          ticks;       /* [C] timer ticks taken by this core                    */
	uint64_t          switches;    /* [C] context switches                                  */
	uint64_t          idle_ticks;  /* [C] ticks that found the idle thread running          */
} sched_t;

/* Initialise the scheduler of the calling core, its boot context becoming its idle thread. */
void sched_init(void);

/* Attach a new thread to the scheduler of core @lid of the local cluster. */
void sched_attach(struct thread_s *thread, lid_t lid);

/*
 * Give the core to another runnable thread, if any (the caller runs again later if it is still
 * runnable). A thread that blocked itself calls this to stop running. Must not be called with a
 * busylock held (lockdep checks it in debug builds) nor from the idle thread's own blocking paths.
 */
void sched_yield(void);

/*
 * The caller found a lock that a thread holds while it may be preempted (a PTE lock: gpt.md), and
 * lets the holder run in case it is a thread of this core: a user thread yields (the holder, if a
 * user thread of this core, is in the same round); a kernel thread, which the scheduler would pick
 * again first, sleeps until the next tick. Nothing if the caller cannot block (IRQs masked, the
 * idle thread): kernel_lock_wait calls it every 256 rounds of a spin.
 */
void sched_let_holders_run(void);

/* Timer tick of the calling core (interrupt context), which interrupted user code if @from_user:
 * wake sleepers, account the quantum and the CPU time (acct_tick). */
void sched_tick(bool from_user);

/* End of an interrupt: switch if a reschedule is pending and the interrupted code allows it. */
void sched_irq_exit(bool interrupted_irq_enabled);

/* Ask the calling core to reschedule at its next chance: need_resched, and THREAD_WORK_RESCHED
 * posted to its running thread (interrupt context or not). */
void sched_resched_local(void);

/* Ask core (@cxy, @lid) to reschedule (an IPI if it is not the calling core). */
void sched_kick(cxy_t cxy, lid_t lid);

/*
 * True if the calling core was asked to reschedule (need_resched) and has not picked since: the
 * idle loop's look. Every thread made runnable asks its core (thread_unblock's sched_kick), and
 * sched_yield clears the flag before its pick, so a core whose pick chose idle and whose flag is
 * still clear has nothing to run.
 */
bool sched_resched_pending(void);

/* Print the scheduler of core (@cxy, @lid): threads with state and blocking causes, current; with
 * @stacks, the kernel backtrace of each thread not running (a thread dump: where each waits). */
void sched_display(cxy_t cxy, lid_t lid, bool stacks);

/*
 * The calling thread gives up its user address space for good (it is exiting): the core loads the
 * kernel table alone, so the thread's page tables may be freed while it finishes in the kernel.
 */
void sched_leave_user_space(void);

/*
 * Move the calling user thread to core @lid of its cluster: it blocks (THREAD_BLOCKED_MIGRATE),
 * switches out, and the thread that runs next on this core moves it from this core's list to
 * @lid's and unblocks it there (sched_switch_tail), so it never runs on two cores at once. Returns
 * running on @lid. No lock held; IRQs on. Threads never move between clusters.
 */
void sched_migrate_self(lid_t lid);

/*
 * Test hook (ktests only, NULL otherwise): sched_migrate_self calls it with IRQs masked, once the
 * caller is blocked for its move and before IRQs come back. A ktest makes an interrupt pending
 * there, so that the move happens inside that interrupt (kt_sched.c).
 */
extern void (*sched_migrate_hook)(void);

/* The core of the local cluster with the fewest threads. */
lid_t sched_least_loaded_core(void);

/* Internal to thread.c: end of a context switch, in the thread that now runs. */
void sched_switch_tail(void);

#endif /* KERN_SCHED_H */
