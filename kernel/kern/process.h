/*
 * process.h - user processes spread over clusters.
 *
 * A process has an *owner* cluster, which gave it its pid ((owner_cxy << 16) | lpid) and keeps the
 * list of its copies, and a *reference* cluster, whose copy holds the authoritative VMM (and, with
 * the files, its file table). Every cluster where one of its threads runs holds a *copy*: a
 * process_t with the same pid and its own VMM copy, created on demand by the first thread placed
 * there and destroyed when its last local thread is gone. Today owner = reference = the cluster
 * that created the process.
 *
 * Lock legend: [I] set at creation; [T] threads_lock (this copy's threads); [C] the owner's
 * copies_lock (owner fields and every copy's copies_link); [A] atomic; [P] the cluster's
 * processes_lock (list of copies present in the cluster); [E] the reference's exit_lock;
 * [F] the reference's files_lock; [X] set at creation, then changed only by an exec whose thread
 * is the only one left in the process (process_kill_others); [G] the owner's sig_lock (signal.c;
 * the set of pending signals is also read atomically without it); [L] the family lock
 * (process_life.c: one lock, in cluster 0, for every parent-child link of the machine).
 */
#ifndef KERN_PROCESS_H
#define KERN_PROCESS_H

#include <hal_context.h>
#include <hal_types.h>
#include <kern/acct.h>
#include <kern/queuelock.h>
#include <kern/signal.h>
#include <kern/waitq.h>
#include <libk/list.h>
#include <libk/xlist.h>
#include <mm/vmm.h>

struct thread_s;

typedef uint32_t pid_t;

/* A field of the process_t (a copy, the owner or the reference) at extended pointer @p_xp. */
#define PROC_XP(p_xp, field) XPTR_FIELD(p_xp, process_t, field)

#define PID_CXY(pid)  ((cxy_t)((pid) >> 16))
#define PID_LPID(pid) ((pid) & 0xffffu)
#define PROCESS_NAME_MAX 32

typedef struct process_s {
	pid_t         pid;          /* [I]                                                   */
	xptr_t        ref_xp;       /* [I] the reference copy                                */
	xptr_t        owner_xp;     /* [I] the owner copy                                    */
	char          name[PROCESS_NAME_MAX]; /* [X]                                         */
	vmm_t         vmm;          /* this cluster's VMM copy (vmm.h legend)                */
	busylock_t    threads_lock; /* protects threads_nr                                   */
	uint32_t      threads_nr;   /* [T] threads of the process in this cluster            */
	uint32_t      holds;        /* [P] its threads, other holders, 1 for a reference     */
	list_entry_t  threads_root; /* [T] those threads (thread_t.process_link)             */
	xlist_entry_t local_link;   /* [P] in the cluster's list of process copies           */
	xlist_entry_t copies_link;  /* [C] in the owner's list of copies                     */
	/* owner only */
	busylock_t    copies_lock;  /* protects copies_root, copies_nr                       */
	xlist_entry_t copies_root;  /* [C] every copy, the owner's included                  */
	uint32_t      copies_nr;    /* [C]                                                   */
	uint32_t      threads_total;/* [A] live threads in all clusters                     */
	uint32_t      main_trdid;   /* [A] its main thread (the first; Linux's group leader) */
	uint32_t      main_exited;  /* [A] 1 once it exited alone (exit, not exit_group)      */
	int           main_status;  /* [A] its status then (set before main_exited)           */
	uint32_t      dying;        /* [A] 1 once process_kill ended the whole process        */
	int           dying_status; /* [A] its status, then (set before dying is read as 1)   */
	xptr_t        exec_thread_xp; /* [C] the thread whose exec is ending the others, or
				       XPTR_NULL (process_kill_others)                         */
	waitq_t       exec_wait;    /* that thread, until it is the only one left             */
	/* owner only: the family (process_life.c) */
	xptr_t        parent_xp;    /* [L] the parent's owner copy; XPTR_NULL: none (the kernel
				       waits for it, or nobody: see reap_self)                 */
	pid_t         ppid;         /* [L] the parent's pid (0: none)                          */
	uint32_t      reap_self;    /* [L] 1: an orphan nobody waits for, released at its end   */
	uint32_t      zombie;       /* [L] 1: ended, its status not yet taken by its parent     */
	uint32_t      reaped;       /* [L] 1: a wait took its status; it is being released      */
	uint32_t      notifying;    /* [L] 1: ended, posting its exit signal to its parent; a
				       zombie in a moment (wait4 waits for it, not for a signal) */
	uint32_t      vfork_waiting;/* [L] 1: its parent waits for its exec or end (vfork): the
				       parent's vfork_wait is woken then                          */
	uint32_t      exit_signal;  /* [L] signal sent to the parent at its end (clone's low byte;
				       SIGCHLD once an orphan is adopted)                         */
	xlist_entry_t children_root;/* [L] its children (children_link)                        */
	xlist_entry_t children_link;/* [L] in its parent's children_root                       */
	waitq_t       child_wait;   /* its threads in wait4, woken when a child ends           */
	waitq_t       vfork_wait;   /* its threads waiting for a vfork child's exec or end      */
	busylock_t    sig_lock;     /* protects the signal fields below (class signal)        */
	uint64_t      sig_pending;  /* [G] process-directed signals not taken yet (kill)      */
	ksiginfo_t    sig_info[SIGNAL_NSIG]; /* [G] the information of each pending one       */
	pid_t         pgid;         /* [G] process group                                      */
	pid_t         sid;          /* [G] session                                            */
	uint32_t      jobctl_stopped; /* [G] 1 while stopped by a stop signal                 */
	int           jobctl_status;/* [G] wait status of the last stop (0x7f | sig << 8) or
				       continue (0xffff)                                        */
	uint32_t      jobctl_pending; /* [G] 1 until a waiter consumed jobctl_status          */
	uint32_t      jobctl_cont_gen; /* [G] SIGCONTs so far: a stop taken under an older one is
				       void (signal.c, docs/signals.md "The SIGCONT race")       */
	acct_t        acct_dead;    /* [A] figures of its threads that ended (acct.h)         */
	acct_t        acct_children;/* [A] figures of its reaped children and theirs          */
	xptr_t        ptimers_xp;   /* [A] its timers (kern/ptimer.c), made at the first one  */
	/* ITIMER_VIRTUAL/PROF (acct.c): set and reloaded under sig_lock, charged atomically ([A]) */
	uint32_t      cpu_itimers;  /* [G][A] armed: bit 1 << which; 1 << ACCT_CPU_PTIMERS: a
				       POSIX timer on a CPU-time clock is (kern/ptimer.c)        */
	int64_t       cpu_itimer_left[3];     /* [G][A] ns of CPU time to the expiry, by which */
	uint64_t      cpu_itimer_interval[3]; /* [G] reload at expiry (0: disarm), by which     */
	/* reference only */
	busylock_t    files_lock;   /* protects files, cloexec, cwd_xp                       */
	xptr_t        files[CONFIG_MAX_FILES]; /* [F] open files by fd (XPTR_NULL: free)     */
	uint64_t      cloexec;      /* [F] close-on-exec bit of each fd                      */
	xptr_t        cwd_xp;       /* [F] current directory (an inode reference held)       */
	uint32_t      umask;        /* [A] file mode creation mask (umask(2); 022 at first)  */
	xptr_t        exec_inode_xp;/* [X] the executable (an inode reference held)          */
	uint32_t      mm_released;  /* [A] 1 once its address space, executable and directory
				       went (process_exit_mm): a zombie holds only this descriptor */
	k_sigaction_t sigactions[SIGNAL_NSIG]; /* [F] rt_sigaction's table                      */
	busylock_t    exit_lock;    /* protects exited against the waiters' sleep            */
	uint32_t      exited;       /* [E] 1 once the last thread is gone                    */
	int           exit_status;  /* [E] wait(2) status of the process                     */
	waitq_t       exit_wait;    /* kernel waiters of the end of the process             */
} process_t;

/*
 * Create a process whose owner and reference are the local cluster: a pid, an empty reference VMM.
 * ENOMEM or EAGAIN (no pid left) with nothing allocated.
 */
error_t process_create(const char *name, process_t **out);

/*
 * The copy of the process @ref_xp in the local cluster, created (empty VMM copy, linked in the
 * owner's list) if it does not exist, with a hold for the caller (process_put_local gives it back;
 * a new thread keeps it). ENOMEM. May block.
 */
error_t process_get_copy(xptr_t ref_xp, process_t **out);

/* What a new user thread starts with. */
typedef struct user_start_s {
	uintptr_t pc;        /* user address where it starts                         */
	uintptr_t sp;        /* its stack pointer                                    */
	uintptr_t tls;       /* its thread pointer                                   */
	uintptr_t arg;       /* its a0                                               */
	uintptr_t clear_tid; /* CLONE_CHILD_CLEARTID address (0: none)               */
	uintptr_t set_tid;   /* CLONE_CHILD_SETTID address, written by the new thread
				in its own address space before it starts (0: none) */
	uint64_t  sigmask;   /* its blocked signals (clone: the creator's)           */
	bool      has_regs;  /* true: the other registers are those of @regs (clone) */
	hal_user_regs_t regs;
} user_start_t;

/*
 * Create a user thread of the process @ref_xp on core (@cxy, @lid) ((lid_t)-1: the least loaded
 * core there), through an RPC when @cxy is another cluster. With @run it runs at once; otherwise
 * it waits for thread_unblock(*thread_xp, THREAD_BLOCKED_NEW) (so that its creator can publish its
 * tid first). Returns its trdid and extended pointer. ENOMEM, EINVAL (bad core).
 */
error_t process_thread_create(xptr_t ref_xp, cxy_t cxy, lid_t lid, const user_start_t *start,
			      bool run, uint32_t *trdid, xptr_t *thread_xp);

/*
 * The end of the user thread @thread (the caller) of the local copy @process with wait(2)-style
 * @status, or with @thread NULL the undoing of a thread creation that failed: the copy goes
 * when its last thread goes; the process ends (exit status recorded, waiters woken, reference
 * destroyed after every copy) when its last thread in any cluster goes.
 */
void process_thread_exited(process_t *process, struct thread_s *thread, int status);

/*
 * End the process @ref_xp (exit_group, a fatal signal) with wait(2)-style @status, which becomes
 * the process's exit status whatever its threads exit with: every thread but @except_trdid, in
 * every cluster, is marked killed, woken from any interruptible wait, and leaves at its next return
 * to user mode (kernel_user_return); a thread created meanwhile is born killed. Returns once every
 * copy was told; the threads end soon after. The first call wins: a later one does nothing.
 */
void process_kill(xptr_t ref_xp, int status, uint32_t except_trdid);

/*
 * A child event of the process whose owner is @owner_xp: it stopped or continued (jobctl_status
 * and jobctl_pending were just set by signal.c). Its parent's waiters and SIGCHLD are told
 * (process_notify.c). No lock held; may block.
 */
void process_child_event(xptr_t owner_xp);

/*
 * Make the calling user thread the only thread of its process @ref_xp, for exec: every other
 * thread, in every cluster, is killed as by process_kill (marked, woken from interruptible waits,
 * gone at its next return to user mode; one created meanwhile is born killed), but the process
 * does not end. Returns once they have all exited, each copy left without threads gone with its
 * last one; the caller sleeps meanwhile (exec_wait). EINTR, killing nothing, when the process is
 * ending (process_kill) or another thread's exec got there first; EINTR also when such a kill
 * reaches the caller while it waits. After EINTR the caller must leave (thread_user_exit): it is
 * one of the threads being ended. May block; no lock held.
 */
error_t process_kill_others(xptr_t ref_xp);

/* Wait until the process whose reference is @ref_xp has ended; returns its status. */
int process_wait_end(xptr_t ref_xp);

/*
 * The end of the process whose reference is @ref_xp, before its parent is told (Linux's exit_mm
 * and exit_fs before exit_notify): its VMM is destroyed in the reference cluster (vmm_exit: frames,
 * tables, vsegs), then its executable and current directory are given back. Frees only: it cannot
 * fail. Caller: the process has no thread left (its last thread's end, or the release of a process
 * that never had one), and calls it once.
 */
void process_exit_mm(xptr_t ref_xp);

/*
 * Destroy the reference @ref_xp of a process that ended (its waiter read the status; its memory
 * went at its end, process_exit_mm) or that never had a thread (a failed exec or fork: its files
 * and memory go first): its links, its pid, its descriptor. From any cluster, without an RPC:
 * the reference's cluster table, pid table and kmem are reached under their own locks through
 * the HAL. Frees only: it cannot fail. Waits (sleeps) while a display or a kill still holds a
 * copy. Caller: no thread of the process is left, and nobody else releases it.
 */
void process_release(xptr_t ref_xp);

/*
 * A hold on the owner copy @owner_xp of a process found in its cluster's owned[] table, whose
 * processes_lock the caller holds: the process stays allocated (process_release waits) after the
 * lock is released, until process_put_owner, although it may end meanwhile. The owner is the
 * reference (today's rule; asserted).
 */
void process_hold_owner_locked(xptr_t owner_xp);
void process_put_owner(xptr_t owner_xp);

/*
 * The local copy of @pid with a hold on it (it stays until process_put_local), or NULL. Each
 * thread of a copy holds it too; the copy (unless it is the reference) goes with its last hold.
 */
process_t *process_hold_local(pid_t pid);
void process_put_local(process_t *copy);

/*
 * The kernel process of the local cluster: pid (cxy << 16) | 0, named "kernel", owner and
 * reference in the cluster; its VSL lists the kernel's ranges (KCODE, KDATA, KDEV vsegs) and its
 * threads are the cluster's kernel threads (idle, RPC servers, kernel workers). Created at boot,
 * before the first thread; never ends.
 */
void process_kernel_init(void);
/* A kernel thread of the local cluster joins it (creation) or leaves it (destruction). */
void process_kernel_attach(struct thread_s *thread);
void process_kernel_detach(struct thread_s *thread);

/* Processes owned by this cluster, copies present in it, the kernel process included (for leak
 * checks and displays). */
uint32_t process_owned_count(void);
uint32_t process_copies_count(void);

/*
 * The file table of the process whose reference is @ref_xp (any cluster may call these):
 * fd_install puts @file_xp (whose reference the table takes over) in the lowest free fd at or above
 * @min_fd and returns it, or -EMFILE; fd_get returns in *file_xp the file of @fd with a new
 * reference (give it back with vfs_close), or EBADF; fd_close closes @fd, or EBADF; fd_dup_to makes
 * @newfd name @oldfd's file (closing what @newfd named), EBADF. Close-on-exec bits ride along.
 */
int     fd_install(xptr_t ref_xp, xptr_t file_xp, int min_fd, bool cloexec);
/* pipe2: install two files in the two lowest free fds (fds[0] < fds[1]) at once, or neither:
 * 0 or -EMFILE. */
int     fd_install_pair(xptr_t ref_xp, xptr_t file0_xp, xptr_t file1_xp, bool cloexec, int fds[2]);
error_t fd_get(xptr_t ref_xp, int fd, xptr_t *file_xp);
error_t fd_close(xptr_t ref_xp, int fd);
error_t fd_dup_to(xptr_t ref_xp, int oldfd, int newfd, bool cloexec);
bool    fd_cloexec(xptr_t ref_xp, int fd);
void    fd_set_cloexec(xptr_t ref_xp, int fd, bool on);
/* exec: close every fd marked close-on-exec (caller: the only thread of the process). */
void    fd_close_on_exec(xptr_t ref_xp);
/* The current directory of @ref_xp (with a new inode reference: vfs_inode_put it). */
xptr_t  process_cwd(xptr_t ref_xp);
/* Make @inode_xp (whose reference the process takes over) the current directory of @ref_xp. */
void    process_set_cwd(xptr_t ref_xp, xptr_t inode_xp);

/*
 * Fork (process_life.c): a new process, child of the caller's, made in cluster @cxy (the caller
 * chose it: placement hint or DQDT), by an RPC when remote: its pid from @cxy, the parent's file
 * table, current directory, signal actions and address space (vmm_fork: copy on write), and one
 * thread, blocked until thread_unblock(*thread_xp, THREAD_BLOCKED_NEW), which resumes at @start
 * (the caller's registers, a0 = 0). @exit_signal is sent to the parent at the child's end.
 * Returns the child's pid. EAGAIN (no pid left in @cxy), ENOMEM, with nothing left behind.
 */
error_t process_fork(cxy_t cxy, const user_start_t *start, uint32_t exit_signal, bool vfork,
		     pid_t *pid, xptr_t *thread_xp);

/* vfork: the caller waits until its child @pid has exec'd or ended. EINTR if killed meanwhile. */
error_t process_vfork_wait(pid_t pid);

/* True if @pid is a child of the caller's process (alive or zombie, not yet reaped). */
bool process_is_child(pid_t pid);

/* True if the process whose owner is @owner_xp is in process group @pgid (0: the caller's). */
bool process_in_group(xptr_t owner_xp, pid_t pgid);

/*
 * wait4 with Linux semantics: a child of the caller's process matching @pid (-1 any, > 0 that
 * pid, 0 or < -1 a process group) that ended; its status in *@status, its pid returned, and the
 * child released. 0 with WNOHANG when none ended yet; -ECHILD when no child matches; -EINTR when
 * the caller is killed meanwhile; -EINVAL for unknown @options. With a pid returned, *@usage holds
 * the figures of the child's ended threads and of its reaped children (acct_process_ended): a
 * reaped child's totals; a stopped or continued child's live threads are not in them.
 */
struct acct_s;
int64_t process_wait_child(int64_t pid, int *status, uint32_t options, struct acct_s *usage);

/* The exec of the calling process reached its point of no return: a vfork parent goes on. */
void process_exec_done(xptr_t owner_xp);

/* The first user process, whose parentless orphans become children (the kernel waits for it). */
void process_set_init(xptr_t owner_xp);

/* Internal (process.c): the process whose owner is @owner_xp ended (its status recorded): its
 * children go to init, its parent is told, or it is released if nobody will wait for it. The
 * process may be gone when this returns. */
void process_family_exit(xptr_t owner_xp);

/* Internal: the process @ref_xp ended; wake the kernel's waiters (process_wait_end). */
void process_mark_exited(xptr_t ref_xp);

/* Boot, cluster 0: the family lock. */
void process_family_init(void);

/* The parent's pid of the process whose owner is @owner_xp (0: none). */
pid_t process_ppid(xptr_t owner_xp);

/* RPC services (rpc.c's table) and their arguments (rpc.h). */

/* RPC_PROCESS_THREAD_CREATE: process_thread_create's work in the target cluster. */
typedef struct rpc_process_thread_create_args_s {
	xptr_t       ref_xp;
	uint32_t     lid;       /* or (lid_t)-1 */
	uint32_t     run;
	user_start_t start;
	uint32_t     trdid;     /* [out] */
	xptr_t       thread_xp; /* [out] */
} rpc_process_thread_create_args_t;

/* RPC_PROCESS_DISPLAY: print the process copies of the target cluster, or only those it owns. */
typedef struct rpc_process_display_args_s {
	uint32_t owned_only;
} rpc_process_display_args_t;

/* RPC_PROCESS_KILL: kill_local's work on the target cluster's copy of @pid. */
typedef struct rpc_process_kill_args_s {
	pid_t    pid;
	int32_t  status;
	uint32_t except;        /* trdid of the thread spared, or 0 */
} rpc_process_kill_args_t;

void process_rpc_thread_create(xptr_t desc_xp);
void process_rpc_display(xptr_t desc_xp);
void process_rpc_kill(xptr_t desc_xp);
void process_rpc_fork(xptr_t desc_xp);

#endif /* KERN_PROCESS_H */
