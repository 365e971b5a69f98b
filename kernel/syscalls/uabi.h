/*
 * uabi.h - the Linux user ABI as generic code sees it (docs/user.md, "One ABI per architecture").
 *
 * Two halves:
 *  - the constants Linux gives the same value on every architecture (include/uapi/linux/sched.h,
 *    auxvec.h, fcntl.h), defined here once; signal numbers and SA_* flags are kern/signal.h's;
 *  - the conversions, at the user boundary, between the kernel's own records (struct vfs_stat,
 *    k_sigaction_t, the arguments of clone) and the architecture's layouts of <arch/uabi.h>
 *    (hal_uabi.h). System calls fill the kernel's record, then convert it here: nothing else
 *    knows an architecture's struct stat or the order of clone's arguments.
 * The conversions are pure (no lock, no user access), host-tested with every architecture's
 * header (tests/host/uabi.cmake).
 */
#ifndef SYSCALLS_UABI_H
#define SYSCALLS_UABI_H

#include <hal_types.h>
#include <hal_uabi.h>
#include <syscalls/uabi_linux.h>

/* clone(2) flags (include/uapi/linux/sched.h); the low byte is the exit signal. */
#define CLONE_EXIT_SIGNAL    0x000000ffULL
#define CLONE_VM             0x00000100ULL
#define CLONE_FS             0x00000200ULL
#define CLONE_FILES          0x00000400ULL
#define CLONE_SIGHAND        0x00000800ULL
#define CLONE_VFORK          0x00004000ULL
#define CLONE_THREAD         0x00010000ULL
#define CLONE_SYSVSEM        0x00040000ULL
#define CLONE_SETTLS         0x00080000ULL
#define CLONE_PARENT_SETTID  0x00100000ULL
#define CLONE_CHILD_CLEARTID 0x00200000ULL
#define CLONE_CHILD_SETTID   0x01000000ULL

/* Types of the auxiliary vector (include/uapi/linux/auxvec.h). */
#define AT_NULL     0
#define AT_PHDR     3
#define AT_PHENT    4
#define AT_PHNUM    5
#define AT_PAGESZ   6
#define AT_BASE     7
#define AT_FLAGS    8
#define AT_ENTRY    9
#define AT_UID      11
#define AT_EUID     12
#define AT_GID      13
#define AT_EGID     14
#define AT_PLATFORM 15
#define AT_HWCAP    16
#define AT_CLKTCK   17
#define AT_SECURE   23
#define AT_RANDOM   25
#define AT_EXECFN   31

/* The *at calls (include/uapi/linux/fcntl.h); AT_REMOVEDIR is fs/vfs.h's (vfs_unlink's flag). */
#define AT_FDCWD            (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_EMPTY_PATH       0x1000

/* fcntl(2) commands and fd flags (include/uapi/asm-generic/fcntl.h, x86's too). */
#define F_DUPFD         0
#define F_GETFD         1
#define F_SETFD         2
#define F_GETFL         3
#define F_SETFL         4
#define F_DUPFD_CLOEXEC 1030
#define FD_CLOEXEC      1

/* ---- time ---- */

#define UABI_NSEC_PER_SEC 1000000000ULL
#define UABI_FOREVER      UINT64_MAX /* a deadline: no timeout */

/*
 * The deadline, in ns since boot, of a timeout of @sec seconds and @nsec nanoseconds starting at
 * @now (as Linux's poll_select_set_timeout): 0 for a zero timeout (look once), UABI_FOREVER when
 * it ends beyond any uptime. EINVAL (nothing written) if @sec < 0 or @nsec is not in [0, 1e9).
 */
error_t uabi_deadline(uint64_t now, int64_t sec, int64_t nsec, uint64_t *deadline);

/* select(2)'s struct timeval {tv_sec, tv_usec} as the seconds and nanoseconds of a timeout:
 * microseconds of a second or more carry into the seconds, as Linux's kern_select does (a
 * negative field stays negative: uabi_deadline refuses it). */
void uabi_timeval_split(const int64_t tv[2], int64_t *sec, int64_t *nsec);

/* The time left from @now until @deadline (0 once passed), as a timespec {sec, nsec} or a
 * timeval {sec, usec} (nanoseconds truncated, as Linux's poll_select_finish). */
void uabi_time_left_timespec(uint64_t now, uint64_t deadline, int64_t ts[2]);
void uabi_time_left_timeval(uint64_t now, uint64_t deadline, int64_t tv[2]);

/* ---- clone ---- */

/* What clone(2) asks, whatever the architecture's order of its arguments. */
typedef struct clone_req_s {
	uint64_t  flags; /* CLONE_* | exit signal                           */
	uintptr_t sp;    /* the new thread's stack pointer (0: the caller's) */
	uintptr_t ptid;  /* CLONE_PARENT_SETTID: the new tid is written here */
	uintptr_t ctid;  /* CLONE_CHILD_SETTID / CLONE_CHILD_CLEARTID      */
	uintptr_t tls;   /* CLONE_SETTLS: the new thread pointer             */
} clone_req_t;

/* clone's six argument registers @args, in the architecture's order, as a request. */
void uabi_clone_decode(const uint64_t args[6], clone_req_t *req);

/* ---- stat ---- */

struct vfs_stat;

/* The architecture's struct stat of the kernel's @k, padding zeroed. EOVERFLOW (as Linux's
 * cp_new_stat) if the device, inode or link count does not fit its field: *@u is then not to be
 * used. */
error_t uabi_stat_from(struct uabi_stat *u, const struct vfs_stat *k);

/* ---- sigaction ---- */

struct k_sigaction_s;

/* rt_sigaction's user struct @u as the kernel's action *@k (no restorer where the architecture has
 * none), and back. */
void uabi_sigaction_to_kernel(const struct uabi_sigaction *u, struct k_sigaction_s *k);
void uabi_sigaction_from_kernel(const struct k_sigaction_s *k, struct uabi_sigaction *u);

#endif /* SYSCALLS_UABI_H */
