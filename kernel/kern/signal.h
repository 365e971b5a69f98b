/*
 * signal.h - Linux signals: sending, pending sets, delivery to handlers, default actions, job
 * control (docs/signals.md).
 *
 * A signal is pending either for one thread (thread_t.sigpending: tgkill, tkill, a fault) or for
 * the whole process (process_t.sig_pending in the process's *owner* copy: kill). Standard signals
 * do not queue: one ksiginfo_t per pending signal number. A thread takes a signal on its way back
 * to user mode (signal_deliver, from kernel_user_return): the lowest pending one of the two sets
 * that its mask does not block. A process-directed signal wakes one thread that does not block it,
 * in whatever cluster it runs.
 *
 * Waits that a signal may end (futex, nanosleep, sigsuspend, waitq_wait_interruptible) follow one
 * protocol with the kills of process_kill: the waiter announces the wait (thread_wait_begin), sets
 * its blocked bits, then looks (thread_interrupted); a sender records the signal, then ends the
 * wait (thread_interrupt) only if the thread announced one. Both sides fence between their write
 * and their read, so either the waiter sees the signal or the sender sees the wait.
 *
 * The pure part (choice of the signal, masks, default actions) is signal_policy.c, host-tested.
 */
#ifndef KERN_SIGNAL_H
#define KERN_SIGNAL_H

#include <hal_types.h>

/* pids are process.h's pid_t (uint32_t), spelled uint32_t here: thread.h includes this header and
 * host tests compile thread.h next to the C library's own pid_t. */
#define SIGNAL_NSIG 64
#define SIGNAL_SIGSET_SIZE 8 /* the sigsetsize argument of the rt_sig* calls: 64 bits */

/* Linux signal numbers: asm-generic's, which x86 shares (the architectures that differ, such as
 * alpha, mips and sparc, would give theirs in <arch/uabi.h>). */
#define SIGHUP    1
#define SIGINT    2
#define SIGQUIT   3
#define SIGILL    4
#define SIGTRAP   5
#define SIGABRT   6
#define SIGBUS    7
#define SIGFPE    8
#define SIGKILL   9
#define SIGUSR1   10
#define SIGSEGV   11
#define SIGUSR2   12
#define SIGPIPE   13
#define SIGALRM   14
#define SIGTERM   15
#define SIGSTKFLT 16
#define SIGCHLD   17
#define SIGCONT   18
#define SIGSTOP   19
#define SIGTSTP   20
#define SIGTTIN   21
#define SIGTTOU   22
#define SIGURG    23
#define SIGXCPU   24
#define SIGXFSZ   25
#define SIGVTALRM 26
#define SIGPROF   27
#define SIGWINCH  28
#define SIGIO     29
#define SIGPWR    30
#define SIGSYS    31

#define SIG_BIT(sig) (1ULL << ((sig) - 1))
#define SIG_UNBLOCKABLE (SIG_BIT(SIGKILL) | SIG_BIT(SIGSTOP))
#define SIG_STOPS (SIG_BIT(SIGSTOP) | SIG_BIT(SIGTSTP) | SIG_BIT(SIGTTIN) | SIG_BIT(SIGTTOU))

/* sigaction handler values and flags, the same on riscv64 (asm-generic) and x86_64; SA_RESTORER,
 * which only some architectures have, is <arch/uabi.h>'s UABI_SA_RESTORER. */
#define SIG_DFL 0
#define SIG_IGN 1
#define SA_NOCLDSTOP 0x00000001ULL
#define SA_NOCLDWAIT 0x00000002ULL
#define SA_SIGINFO   0x00000004ULL
#define SA_ONSTACK   0x08000000ULL
#define SA_RESTART   0x10000000ULL
#define SA_NODEFER   0x40000000ULL
#define SA_RESETHAND 0x80000000ULL

/* si_code values. */
#define SI_USER      0
#define SI_KERNEL    0x80
#define SI_TKILL     (-6)
#define SI_TIMER     (-2) /* a POSIX timer's expiry (kern/ptimer.c) */
#define SEGV_MAPERR  1
#define SEGV_ACCERR  2
#define BUS_ADRALN   1
#define BUS_ADRERR   2
#define ILL_ILLOPC   1
#define TRAP_BRKPT   1
#define FPE_INTDIV   1
#define FPE_FLTDIV   3
#define FPE_FLTOVF   4
#define FPE_FLTUND   5
#define FPE_FLTRES   6
#define FPE_FLTINV   7

/* sigaltstack. */
#define SS_ONSTACK     1
#define SS_DISABLE     2
#define SS_AUTODISARM  (1U << 31)

/* The kernel's record of one pending signal (its number is its index). */
typedef struct ksiginfo_s {
	int32_t  code;  /* si_code                                             */
	uint32_t pid;   /* sender (SI_USER, SI_TKILL)                          */
	uint64_t addr;  /* faulting address (SIGSEGV, SIGBUS, SIGILL, SIGTRAP) */
	int32_t  status;/* SIGCHLD: the child's exit code or signal (si_status) */
	int32_t  timerid; /* SI_TIMER: the timer (si_timerid)                   */
	int32_t  overrun; /* SI_TIMER: expiries merged into this one (si_overrun) */
	uint64_t value;   /* SI_TIMER: the sigevent's sigev_value (si_value)    */
} ksiginfo_t;

/* Linux's siginfo_t (asm-generic layout, 128 bytes), as a frame holds it. */
typedef struct linux_siginfo_s {
	int32_t signo;
	int32_t err;
	int32_t code;
	int32_t pad;
	union {
		struct { uint32_t pid, uid; uint64_t value; } kill; /* SI_USER, SI_TKILL */
		struct { int32_t tid, overrun; uint64_t value; } timer; /* SI_TIMER     */
		struct { uint32_t pid, uid; int32_t status; int32_t pad; int64_t utime, stime; }
			chld;                                       /* SIGCHLD          */
		uint64_t addr;                                      /* faults           */
		uint8_t  bytes[112];
	} u;
} linux_siginfo_t;
_Static_assert(sizeof(linux_siginfo_t) == 128, "siginfo_t is 128 bytes");

/* One entry of rt_sigaction's table: the kernel's record of a struct sigaction, whatever the
 * architecture's layout (syscalls/uabi.h converts). */
typedef struct k_sigaction_s {
	uint64_t handler;  /* SIG_DFL, SIG_IGN or the handler's address                        */
	uint64_t flags;    /* SA_*                                                             */
	uint64_t mask;     /* blocked while the handler runs                                   */
	uint64_t restorer; /* where the handler returns if flags has UABI_SA_RESTORER           */
} k_sigaction_t;

/* ---- the pure part (signal_policy.c) ---- */

/* What taking a signal does. */
typedef enum signal_action_e {
	SIGACT_HANDLER, /* run the user's handler                         */
	SIGACT_IGNORE,  /* nothing                                        */
	SIGACT_TERM,    /* end the process, status = sig                  */
	SIGACT_CORE,    /* end the process, status = sig | 0x80           */
	SIGACT_STOP,    /* stop every thread of the process               */
	SIGACT_CONT,    /* nothing more (the continue happened at sending) */
} signal_action_t;

/* True for 1..64. */
bool signal_valid(int sig);

/* Linux's default action of @sig (TERM, CORE, STOP, CONT or IGNORE). */
signal_action_t signal_default_action(int sig);

/* The action of @sig whose sigaction handler is @handler (SIG_DFL, SIG_IGN, or an address). */
signal_action_t signal_action_of(int sig, uint64_t handler);

/*
 * The signal to take among @thread_pending and @process_pending, neither blocked by @mask: the
 * lowest number; a number pending in both comes from the thread's set. 0 if none; *@from_process
 * tells which set it came from.
 */
int signal_pick(uint64_t thread_pending, uint64_t process_pending, uint64_t mask, bool *from_process);

/* The mask a handler of @sig runs with: @old | @act_mask | @sig unless SA_NODEFER in @flags, never
 * SIGKILL or SIGSTOP. */
uint64_t signal_handler_mask(uint64_t old, uint64_t act_mask, uint64_t flags, int sig);

/* True if @sp lies on the alternate stack [@ss_sp, @ss_sp + @ss_size] (Linux's on_sig_stack). */
bool signal_on_altstack(uintptr_t sp, uintptr_t ss_sp, size_t ss_size);

/* The signal bits a newly sent @sig discards from a pending set: stops discard SIGCONT, SIGCONT
 * discards the stops, others nothing. */
uint64_t signal_discards(int sig);

/* ---- sending ---- */

/*
 * Send @sig (1..64) to the thread @thread_xp (any cluster) with @info (NULL: SI_KERNEL). The
 * caller keeps the thread from going (holds its cluster's thread table lock). SIGKILL ends the
 * whole process; SIGCONT continues it; an ignored signal the thread does not block is dropped.
 * Returns 0 (also when dropped).
 */
error_t signal_send_thread(xptr_t thread_xp, int sig, const ksiginfo_t *info);

/*
 * Send @sig to the process @pid: pending in its owner, then one thread that does not block it is
 * woken from an interruptible wait (if all block it, it stays pending). @sig 0 only checks that
 * the process exists. ESRCH (no such process, or it is ending), EINVAL (bad signal).
 */
error_t signal_send_process(uint32_t pid, int sig, const ksiginfo_t *info);

/*
 * A POSIX timer's expiry meets its previous signal still pending (Linux does not queue it twice):
 * if @sig with SI_TIMER from timer @timerid is pending at the thread @thread_xp (XPTR_NULL: at the
 * process @pid), its overrun grows by @expiries and true is returned; else false (the caller sends
 * a new one). Any cluster; the caller keeps @thread_xp from going (its table lock) if not NULL.
 */
bool signal_timer_overrun(uint32_t pid, xptr_t thread_xp, int sig, int32_t timerid, int32_t expiries);

/*
 * The calling thread @self changed what it may take: its mask, a mask to restore (sigmask_restore)
 * or a call to restart (sig_restart). It then looks at its signals on its way back to user mode
 * (THREAD_WORK_SIGNAL): every such change by the thread itself calls this (debug builds check it
 * at the end of each system call).
 */
struct thread_s;
void signal_recheck(struct thread_s *self);

/* True if the calling user thread @self blocks @sig or its process ignores it (SIG_IGN): the
 * terminal's job control then answers EIO instead of stopping the caller (docs/tty.md). */
struct thread_s;
bool signal_ignored_or_blocked(struct thread_s *self, int sig);

/* ---- taking ---- */

/*
 * Called by kernel_user_return (IRQs off, returns with IRQs off): take the deliverable signals of
 * the calling thread: run a handler (the frame is built on the user stack and the return goes to
 * the handler), end the process, stop until continued, or ignore. Settles a system call that
 * asked to be restarted (thread_t.sig_restart). May not return.
 */
void signal_deliver(void);

/*
 * A synchronous signal of an exception of the calling thread (kernel_user_exception): @sig with
 * @si_code, @addr the faulting address (the pc for SIGILL). Blocked or ignored: the process ends
 * as by the default action (Linux's force_sig). Otherwise the handler runs when the thread
 * returns to user mode. Returns if the thread may go on.
 */
void signal_fault(int sig, int si_code, uintptr_t addr);

/* rt_sigreturn: restore the context saved in the frame at the user stack pointer. Returns the
 * value of the user's result register (the call returns it as is); a bad frame kills the process
 * with SIGSEGV. */
int64_t signal_sigreturn(void);

/* ---- waits ---- */

struct thread_s;

/* The calling thread @self enters a wait a signal (@mode THREAD_WAIT_SIGNAL) or only a kill
 * (THREAD_WAIT_KILL) may end; before it sets its blocked bits. */
void thread_wait_begin(struct thread_s *self, uint32_t mode);
/* ... and leaves it, once running again (before any other wait); waits for an interrupter that
 * claimed the wait to be done with it. */
void thread_wait_end(struct thread_s *self);
/* True if the wait of @self in @mode must end: killed, or (SIGNAL) a deliverable signal pending.
 * Called after the blocked bits are set (it fences first). */
bool thread_interrupted(struct thread_s *self, uint32_t mode);
/* End the interruptible wait of @thread_xp, if it is in one of a kind @kill allows (true: any). */
void thread_interrupt(xptr_t thread_xp, bool kill);

/* ---- process bookkeeping ---- */

struct process_s;

/* A new owner @p (process_create): no pending signal, pgid = sid = its pid, running. */
void signal_owner_init(struct process_s *p);

/* fork: the child's owner @child_owner gets the parent's (@parent_owner_xp) pgid, sid and signal
 * actions (the new thread's mask is the forking thread's: fork's business). */
void signal_fork_copy(xptr_t parent_owner_xp, struct process_s *child_owner);

/* exec: a fresh start for the caller's alternate stack (handlers: signal_reset_on_exec). */
void signal_exec_thread(struct thread_s *self);

/* The owner copy of @pid, with its cluster's processes_lock held (*@lock_xp): release it with
 * remote_busylock_release. XPTR_NULL (nothing held) if there is no such (user) process. */
xptr_t signal_owner_lock(uint32_t pid, xptr_t *lock_xp);

#endif /* KERN_SIGNAL_H */
