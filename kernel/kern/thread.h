/*
 * thread.h - kernel and user threads.
 *
 * A thread belongs to one cluster for its whole life (threads do not migrate between clusters): its
 * descriptor is allocated in that cluster's memory, its kernel stack in that cluster's part of the
 * kernel stack area. It stays in one core's scheduler lists, that of `lid`, unless it moves itself
 * to another core of its cluster (sched_migrate_self, for sched_setaffinity). A
 * thread runs when its `blocked` mask is 0; any core of any cluster may block or unblock it with an
 * atomic operation on that mask (plus an IPI to the thread's core when it becomes runnable).
 *
 * Thread id: trdid = (cxy << 16) | ltid, ltid being an index in the cluster's thread table.
 *
 * Lock legend:
 *   [I] set at creation, read-only afterwards      [A] atomic (hal_remote_atomic_*)
 *   [S] the scheduler lock of the thread's core    [O] only the thread itself (or its core while
 *                                                       it is switched out)
 *   [W] the lock of the wait queue the thread is in
 */
#ifndef KERN_THREAD_H
#define KERN_THREAD_H

#include <hal_context.h>
#include <hal_types.h>
#include <kern/acct.h>
#include <kern/signal.h>
#include <libk/busylock.h>
#include <libk/list.h>
#include <libk/lockdep.h>
#include <libk/xlist.h>
#include <params.h>

typedef uint32_t trdid_t;

/* A field of the thread_t at extended pointer @t_xp. */
#define THREAD_XP(t_xp, field) XPTR_FIELD(t_xp, thread_t, field)

typedef enum thread_type_e {
	THREAD_IDLE = 0, /* one per core, runs when nothing else can; never blocks */
	THREAD_KERNEL,   /* kernel service thread                                  */
	THREAD_RPC,      /* RPC server thread                                      */
	THREAD_USER,     /* runs a user program (threads.md)                       */
} thread_type_t;

/* Causes of blocking: a thread runs when none is set. */
#define THREAD_BLOCKED_NEW    0x0001u /* created, not started yet                       */
#define THREAD_BLOCKED_SLEEP  0x0002u /* sleeping until wakeup_ns                       */
#define THREAD_BLOCKED_WAITQ  0x0004u /* in a wait queue (condition, lock)              */
#define THREAD_BLOCKED_RPC    0x0008u /* waiting for the response of an RPC             */
#define THREAD_BLOCKED_IDLE   0x0010u /* RPC server without work                        */
#define THREAD_BLOCKED_EXIT   0x0020u /* exited, waiting to be destroyed by its core    */
#define THREAD_BLOCKED_TEST   0x0040u /* blocked on purpose by a test                   */
#define THREAD_BLOCKED_STOPPED 0x0080u /* its process is stopped (SIGSTOP...: signal.c) */
#define THREAD_BLOCKED_MIGRATE 0x0100u /* moving to another core of its cluster (sched.c) */

/*
 * thread_t.work: what a thread must do before it returns to user mode. Whoever makes such work
 * posts its bit (thread_post_work) *after* recording the work itself; the thread clears the word
 * and then looks at what is recorded (kernel_user_return), so a bit posted meanwhile makes it look
 * again. The common return to user mode tests this one word (kernel_user_work). A bit is a hint:
 * posting one without work only costs the return a look.
 */
#define THREAD_WORK_RESCHED 0x1u /* its core's scheduler wants a switch (need_resched)      */
#define THREAD_WORK_SIGNAL  0x2u /* signals to look at: one sent, a kill (exit_group, exec),
                                    a stop or continue, a mask, restart or restore to settle */
#define THREAD_WORK_MIGRATE 0x8u /* sched_setaffinity moves it to another core (migrate_to) */
#define THREAD_WORK_STICKY  0x80000000u /* never cleared: every return does the work (the
                                    precise accounting of acct=precise)                     */

/* thread_t.intr_wait: whether the thread is in a wait that a signal or a kill may end. */
#define THREAD_WAIT_PLAIN     0u /* not in an interruptible wait                          */
#define THREAD_WAIT_SIGNAL    1u /* interruptible: a deliverable signal or a kill ends it  */
#define THREAD_WAIT_BUSY      2u /* an interrupter is unblocking it right now              */
#define THREAD_WAIT_KILL      3u /* killable: only a kill ends it                         */

#define THREAD_NAME_MAX 16

typedef struct thread_s {
	hal_context_t   ctx;        /* [O] saved kernel context (switched out)             */
	trdid_t         trdid;      /* [I] (cxy << 16) | ltid                             */
	thread_type_t   type;       /* [I]                                                */
	lid_t           lid;        /* [S] core of the thread (changed by sched_migrate_self only,
	                               while the thread is switched out and in no list)   */
	uint32_t        blocked;    /* [A] THREAD_BLOCKED_* causes                        */
	uint32_t        work;       /* [A] THREAD_WORK_*: set by posters, cleared by itself */
	uint32_t        exiting;    /* [O] set by thread_exit                             */
	char            name[THREAD_NAME_MAX]; /* [I]; [O] when its exec renames it       */
	void          (*entry)(void *); /* [I] kernel function of the thread              */
	void           *arg;        /* [I]                                                */
	void           *kstack;     /* [I] lowest address of the kernel stack             */
	list_entry_t    sched_list; /* [S] in its core's kernel or user list              */
	xlist_entry_t   wait_list;  /* [W] in a wait queue while BLOCKED_WAITQ            */
	uint64_t        wakeup_ns;  /* [S] end of a sleep (BLOCKED_SLEEP)                 */
	uint32_t        wait_timed_out; /* [A] 1 if a timed wait ended by its deadline    */
	uint64_t        switches;   /* [O] times it was switched in                       */
	acct_t          acct;       /* [O] its CPU times, faults, switches (acct.h)       */
	uint64_t        affinity;   /* [A] lids of its cluster it may run on (0: every one) */
	uint32_t        migrate_to; /* [A] 1 + the lid to move to at its next return to user
	                               mode (sched_setaffinity by another thread); 0: none */
	lid_t           migrate_lid;/* [O] the core sched_migrate_self moves it to        */
	uint64_t        acct_stamp; /* [O] start of the interval not yet in acct          */
	uint64_t        acct_seen[2]; /* [O] ns seen in each mode, user and system: one tick
	                               per tick that sampled it, or each crossing's interval
	                               under acct=precise; acct's split follows their ratio */
	uint64_t        wakeups;    /* [A] times it was unblocked                         */
	uint32_t        rpc_servers;/* [A] RPC servers still touching this client thread  */
	struct gpt_s   *gpt;        /* [I] user address space (NULL: kernel thread)       */
	struct process_s *process;  /* [I] its process: a user thread's copy, the cluster's kernel
	                               process for a kernel thread (NULL: a bare test thread)    */
	uintptr_t       user_pc;    /* [I] where a new user thread enters user mode ...  */
	uintptr_t       user_sp;    /* [I] ... with this stack pointer,                  */
	uintptr_t       user_tls;   /* [O] thread pointer (set at creation, arch_prctl)  */
	uintptr_t       user_arg;   /* [I] and first argument                            */
	hal_user_regs_t *user_regs; /* [O] other registers at the start (kmem; NULL: zero) */
	uintptr_t       clear_child_tid; /* [O] set_tid_address: cleared and woken at exit */
	uintptr_t       set_child_tid; /* [O] CLONE_CHILD_SETTID: its tid written there at start */
	uintptr_t       robust_list;/* [O] set_robust_list: the user's robust futex list   */
	cxy_t           place_cxy;  /* [O] place_next: cluster of the next thread ...      */
	lid_t           place_lid;  /* [O] ... and core ((lid_t)-1: any)                   */
	uint32_t        place_valid;/* [O] 1 while the hint is set                         */
	uint64_t        sigmask;    /* [O] blocked signals (bit n-1: signal n); read by senders */
	busylock_t      sig_lock;   /* protects sigpending (writes) and siginfo            */
	uint64_t        sigpending; /* [G] signals sent to the thread, not delivered yet;
	                               read atomically without the lock                     */
	ksiginfo_t      siginfo[SIGNAL_NSIG]; /* [G] the information of each pending one    */
	uint64_t        sigmask_saved;   /* [O] mask to restore after sigsuspend's handler  */
	uint32_t        sigmask_restore; /* [O] 1: sigmask_saved is to be restored          */
	uint32_t        sig_restart;     /* [O] 1: the current system call may be restarted */
	uint64_t        sig_restart_arg0; /* [O] ... with this first argument              */
	uintptr_t       altstack_sp;     /* [O] sigaltstack: base (0 with size 0: none)     */
	size_t          altstack_size;   /* [O]                                             */
	uint32_t        intr_wait;  /* [A] THREAD_WAIT_*: see thread_interrupt (signal.c)  */
	uint32_t        killed;     /* [A] 1: leave at the next return to user mode (exit_group) */
	int             kill_status;/* [A] the wait(2) status to leave with                */
	uint32_t        fault_error;/* [T] the last page fault's answer (ENXIO: SIGBUS, else SIGSEGV) */
	uint32_t        failnth_armed; /* [O] fail-nth (mm/failnth.h): the next call's allocation
	                               that fails (0: none)                                   */
	int32_t         failnth_left;  /* [A] allocations before that failure, once the call runs;
	                               0: it fired                                            */
	xptr_t          failnth_xp; /* [O] the counter its allocations count on: its own during
	                               the armed call, an RPC client's while serving it; or XPTR_NULL */
	list_entry_t    process_link; /* [process copy's threads_lock] its copy's threads  */
	void          (*on_exit)(struct thread_s *thread, int status); /* [I] exit notice */
	lockdep_state_t lockdep;    /* [O] locks held (debug checks)                      */
} thread_t;

/* The running thread of the calling core. */
thread_t *thread_current(void);

/*
 * Create a kernel thread on core @lid of the local cluster, blocked (THREAD_BLOCKED_NEW) until
 * thread_start(). @entry(@arg) runs with IRQs enabled; when it returns the thread exits.
 * Returns ENOMEM (no descriptor, stack or thread id left) with nothing allocated, EINVAL for a bad
 * lid. May block (allocations). Use an RPC to create a thread in another cluster.
 */
error_t thread_kernel_create(thread_t **out, thread_type_t type, const char *name, lid_t lid,
			     void (*entry)(void *), void *arg);

/*
 * Post @bits (THREAD_WORK_*) to the thread @thread_xp of any cluster, after recording the work they
 * announce: it does it at its next return to user mode. An atomic or; any context. To have a
 * thread running user code on another core come into the kernel soon, kick its core too.
 */
void thread_post_work(xptr_t thread_xp, uint32_t bits);

/* Make a new thread runnable (clears THREAD_BLOCKED_NEW). */
void thread_start(thread_t *thread);

/* Terminate the calling thread; its core destroys it once switched out. Never returns. */
_Noreturn void thread_exit(void);

/*
 * Terminate the calling user thread with wait(2)-style @status (exit code << 8, or the number of
 * the signal that killed it): the thread's on_exit notice runs first (its process: threads.md),
 * then thread_exit().
 */
_Noreturn void thread_user_exit(int status);

/*
 * Block / unblock a thread of any cluster for @cause (thread_xp names it: XPTR(cxy, thread)).
 * thread_block only sets the cause: the thread stops running at its next pass in the scheduler
 * (the caller blocking itself then calls sched_yield). thread_unblock clears it and, if the thread
 * became runnable, kicks its core with an IPI. Both may run in any context, IRQs off included.
 * The caller keeps the thread alive until the call (the thread blocked by @cause cannot go); once
 * it is runnable thread_unblock touches it no more: it may exit and be freed at once.
 */
void thread_block(xptr_t thread_xp, uint32_t cause);
void thread_unblock(xptr_t thread_xp, uint32_t cause);

/*
 * Sleep for at least @ns nanoseconds (timer resolution: one tick), or until the thread is killed
 * or a signal it does not block is sent to it (thread_interrupted: then it does not sleep at all).
 * Must not hold a busylock.
 */
void thread_sleep_ns(uint64_t ns);

/* Thread of this cluster with local index @ltid, or NULL. */
thread_t *thread_by_ltid(uint32_t ltid);

/* Number of threads (of every type) in the local cluster. */
uint32_t thread_count(void);

/* Name of a thread type ("IDLE", "KERNEL", "RPC", "USER"). */
const char *thread_type_name(uint32_t type);

/*
 * The exiting user thread @thread (the caller) stops naming its process copy, under the cluster's
 * thread table lock: whoever looks a thread up in that table under that lock (tgkill) finds either
 * the thread with a live process copy or no process.
 */
void thread_leave_process(thread_t *thread);

/* Name of a blocking cause mask, e.g. "SLEEP|WAITQ", in @buf. */
const char *thread_blocked_names(uint32_t blocked, char *buf, size_t size);

/* Internal to the scheduler: first code run by a new thread, and its destruction. */
_Noreturn void thread_entry(void *thread);
void thread_destroy(thread_t *thread);
/* Make the boot context of the calling core its idle thread (kernel_init, once per core). */
thread_t *thread_idle_init(void);

#endif /* KERN_THREAD_H */
