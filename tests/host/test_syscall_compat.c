/*
 * test_syscall_compat.c - the calls other architectures have and riscv64 lacks (kernel/syscalls/
 * sys_compat.c; poll, select and pause of sys_poll.c), built with x86_64's ABI headers, whose
 * table lists them. No riscv64 program can reach them, so they are tested here, directly:
 *  - the wrappers of sys_compat.c against recording stand-ins of the calls they wrap: the exact
 *    arguments each passes (AT_FDCWD, flags, unsigned ints cut to 32 bits) and what it does
 *    itself (dup2 of an fd onto itself, time, arch_prctl, fork and vfork's clone request);
 *  - sys_poll.c as it is, over stand-in files (fd_get, vfs_poll, vfs_poll_wait) and a clock the
 *    test moves (hal_get_time_ns is renamed fake_time_ns for this test): the timeouts in
 *    milliseconds and struct timeval, the time left written back, errors, and ppoll/pselect6.
 */
#include "htest.h"

#include <fs/vfs.h>
#include <hal_context.h>
#include <kern/process.h>
#include <kern/thread.h>
#include <libk/errno.h>
#include <syscalls/syscall.h>

#include <string.h>

void host_uspace_set_fault(uintptr_t start, uintptr_t end);

/* ---- the clock ---- */

static uint64_t now_ns = 1000000000ULL;

uint64_t fake_time_ns(void)
{
	return now_ns;
}

/* ---- recording stand-ins of the wrapped calls ---- */

static struct {
	const char *name;
	uint64_t    args[6];
	int         count;
	int64_t     result; /* what the next call returns */
} rec;

static int64_t record(const char *name, const uint64_t args[6])
{
	rec.name = name;
	memcpy(rec.args, args, sizeof(rec.args));
	rec.count++;
	return rec.result;
}

static void rec_reset(int64_t result)
{
	memset(&rec, 0, sizeof(rec));
	rec.result = result;
}

#define STAND_IN(call) int64_t sys_##call(const uint64_t args[6]) { return record(#call, args); }
STAND_IN(openat) STAND_IN(newfstatat) STAND_IN(faccessat) STAND_IN(readlinkat) STAND_IN(mkdirat)
STAND_IN(unlinkat) STAND_IN(pipe2) STAND_IN(dup3) STAND_IN(fcntl) STAND_IN(getpgid)

static clone_req_t clone_seen;

int64_t syscall_clone(const clone_req_t *req)
{
	const uint64_t none[6] = { 0 };

	clone_seen = *req;
	return record("clone", none);
}

static uintptr_t tls_register = 0xdead;

void hal_user_set_tls(uintptr_t tls)
{
	tls_register = tls;
}

#define CWD ((uint64_t)(int64_t)AT_FDCWD)

/* @call(@in) reached @name once, with exactly @expect, and returned its result. */
static bool wraps(int64_t (*call)(const uint64_t *), const uint64_t in[6], const char *name,
		  const uint64_t expect[6])
{
	int64_t r;

	rec_reset(42);
	r = call(in);
	return r == 42 && rec.count == 1 && !strcmp(rec.name, name) &&
	       !memcmp(rec.args, expect, sizeof(rec.args));
}

HT_TEST(path_calls_are_their_at_versions)
{
	const uint64_t path = 0x1000, buf = 0x2000;

	HT_CHECK(wraps(sys_open, (uint64_t[6]){ path, 0101, 0644 }, "openat",
		       (uint64_t[6]){ CWD, path, 0101, 0644 }));
	HT_CHECK(wraps(sys_stat, (uint64_t[6]){ path, buf }, "newfstatat",
		       (uint64_t[6]){ CWD, path, buf, 0 }));
	HT_CHECK(wraps(sys_lstat, (uint64_t[6]){ path, buf }, "newfstatat",
		       (uint64_t[6]){ CWD, path, buf, AT_SYMLINK_NOFOLLOW }));
	HT_CHECK(wraps(sys_access, (uint64_t[6]){ path, 4 }, "faccessat",
		       (uint64_t[6]){ CWD, path, 4 }));
	HT_CHECK(wraps(sys_readlink, (uint64_t[6]){ path, buf, 99 }, "readlinkat",
		       (uint64_t[6]){ CWD, path, buf, 99 }));
	HT_CHECK(wraps(sys_mkdir, (uint64_t[6]){ path, 0755 }, "mkdirat",
		       (uint64_t[6]){ CWD, path, 0755 }));
	HT_CHECK(wraps(sys_rmdir, (uint64_t[6]){ path }, "unlinkat",
		       (uint64_t[6]){ CWD, path, AT_REMOVEDIR }));
	HT_CHECK(wraps(sys_unlink, (uint64_t[6]){ path }, "unlinkat", (uint64_t[6]){ CWD, path, 0 }));
	HT_CHECK(wraps(sys_pipe, (uint64_t[6]){ buf }, "pipe2", (uint64_t[6]){ buf, 0 }));
	HT_CHECK(wraps(sys_getpgrp, (uint64_t[6]){ 7, 8 }, "getpgid", (uint64_t[6]){ 0 }));
	/* the successor's answer comes back as it is, errors included */
	rec_reset(-ENOENT);
	HT_CHECK(sys_open((uint64_t[6]){ path }) == -ENOENT);
}

HT_TEST(dup2_is_dup3_but_onto_itself)
{
	/* the fds are unsigned ints: the upper halves of the registers are not theirs */
	HT_CHECK(wraps(sys_dup2, (uint64_t[6]){ (1ULL << 32) | 3, (7ULL << 32) | 9 }, "dup3",
		       (uint64_t[6]){ 3, 9, 0 }));
	/* onto itself: newfd if oldfd is open, EBADF if not; dup3 (EINVAL there) is not called */
	rec_reset(0);
	HT_CHECK(sys_dup2((uint64_t[6]){ 5, 5 }) == 5 && rec.count == 1 && !strcmp(rec.name, "fcntl") &&
		 rec.args[0] == 5 && rec.args[1] == F_GETFD);
	rec_reset(-EBADF);
	HT_CHECK(sys_dup2((uint64_t[6]){ 5, (1ULL << 32) | 5 }) == -EBADF && rec.count == 1);
}

HT_TEST(fork_and_vfork_are_clones)
{
	rec_reset(0x10002);
	memset(&clone_seen, 0xa5, sizeof(clone_seen));
	HT_CHECK(sys_fork((uint64_t[6]){ 1, 2, 3, 4, 5, 6 }) == 0x10002);
	HT_CHECK(clone_seen.flags == SIGCHLD && clone_seen.sp == 0 && clone_seen.ptid == 0 &&
		 clone_seen.ctid == 0 && clone_seen.tls == 0);
	rec_reset(0x10003);
	HT_CHECK(sys_vfork((uint64_t[6]){ 1, 2, 3, 4, 5, 6 }) == 0x10003);
	HT_CHECK(clone_seen.flags == (CLONE_VM | CLONE_VFORK | SIGCHLD) && clone_seen.sp == 0 &&
		 clone_seen.tls == 0);
}

HT_TEST(time_seconds_and_tloc)
{
	int64_t t = -1;

	now_ns = 5 * UABI_NSEC_PER_SEC + 700000000;
	HT_CHECK(sys_time((uint64_t[6]){ 0 }) == 5);
	HT_CHECK(sys_time((uint64_t[6]){ (uintptr_t)&t }) == 5 && t == 5);
	host_uspace_set_fault((uintptr_t)&t, (uintptr_t)&t + sizeof(t));
	HT_CHECK(sys_time((uint64_t[6]){ (uintptr_t)&t }) == -EFAULT);
	host_uspace_set_fault(0, 0);
}

HT_TEST(arch_prctl_thread_pointer)
{
	thread_t *self = thread_current();
	uint64_t got = 0;

	self->user_tls = 0;
	HT_CHECK(sys_arch_prctl((uint64_t[6]){ UABI_ARCH_SET_FS, 0x7f0000001000 }) == 0);
	HT_CHECK(self->user_tls == 0x7f0000001000 && tls_register == 0x7f0000001000);
	HT_CHECK(sys_arch_prctl((uint64_t[6]){ UABI_ARCH_GET_FS, (uintptr_t)&got }) == 0 &&
		 got == 0x7f0000001000);
	host_uspace_set_fault((uintptr_t)&got, (uintptr_t)&got + 1);
	HT_CHECK(sys_arch_prctl((uint64_t[6]){ UABI_ARCH_GET_FS, (uintptr_t)&got }) == -EFAULT);
	host_uspace_set_fault(0, 0);
	/* beyond user space: EPERM, nothing changed */
	HT_CHECK(sys_arch_prctl((uint64_t[6]){ UABI_ARCH_SET_FS, CONFIG_VMM_USER_END }) == -EPERM);
	HT_CHECK(self->user_tls == 0x7f0000001000 && tls_register == 0x7f0000001000);
	HT_CHECK(sys_arch_prctl((uint64_t[6]){ UABI_ARCH_SET_FS, CONFIG_VMM_USER_END - 1 }) == 0 &&
		 tls_register == CONFIG_VMM_USER_END - 1);
	/* the GS base is not kept; unknown codes */
	HT_CHECK(sys_arch_prctl((uint64_t[6]){ UABI_ARCH_SET_GS, 0x1000 }) == -EINVAL);
	HT_CHECK(sys_arch_prctl((uint64_t[6]){ UABI_ARCH_GET_GS, (uintptr_t)&got }) == -EINVAL);
	HT_CHECK(sys_arch_prctl((uint64_t[6]){ 0x9999, 0 }) == -EINVAL);
	self->user_tls = 0;
}

/* signal.c's: a thread that changed its mask looks at its signals on its way back to user mode */
void signal_recheck(thread_t *self)
{
	__atomic_fetch_or(&self->work, THREAD_WORK_SIGNAL, __ATOMIC_RELAXED);
}

/* ---- stand-in files for sys_poll.c: fds 0..7 are open, each with a readiness mask ---- */

#define OPEN_FDS 8
static uint32_t ready[OPEN_FDS];
static int open_refs;

xptr_t current_ref(void)
{
	return XPTR(0, &ready); /* any non-null reference */
}

error_t fd_get(xptr_t ref_xp, int fd, xptr_t *file_xp)
{
	(void)ref_xp;
	if (fd < 0 || fd >= OPEN_FDS)
		return EBADF;
	*file_xp = (xptr_t)(fd + 1);
	open_refs++;
	return 0;
}

void vfs_close(xptr_t file_xp)
{
	(void)file_xp;
	open_refs--;
}

uint32_t vfs_poll(xptr_t file_xp)
{
	return ready[file_xp - 1];
}

uint64_t vfs_poll_events(void)
{
	return 0;
}

/* What each wait does, in order: the clock moves by @advance, then fd @fd gets @mask (an event,
 * 0 returned), or a signal comes (@signal: EINTR). Without a step left, the wait sleeps its whole
 * timeout (ETIMEDOUT); a wait for ever without a step is a test error, ended as a signal. */
typedef struct { uint64_t advance; int fd; uint32_t mask; bool signal; } step_t;
static step_t steps[4];
static int steps_nr, steps_done;
static uint64_t first_timeout, waits;

error_t vfs_poll_wait(uint64_t seen, uint64_t timeout_ns)
{
	thread_t *self = thread_current();

	(void)seen;
	if (waits++ == 0)
		first_timeout = timeout_ns;
	if (steps_done < steps_nr) {
		const step_t *s = &steps[steps_done++];
		now_ns += s->advance;
		if (s->signal) {
			self->killed = 1;
			return EINTR;
		}
		ready[s->fd] |= s->mask;
		return 0;
	}
	if (timeout_ns == 0) {
		printf("# a wait for ever with nothing to end it\n");
		self->killed = 1;
		return EINTR;
	}
	now_ns += timeout_ns;
	return ETIMEDOUT;
}

static void files_reset(void)
{
	memset(ready, 0, sizeof(ready));
	memset(steps, 0, sizeof(steps));
	steps_nr = steps_done = 0;
	waits = first_timeout = 0;
	thread_current()->killed = 0;
	now_ns = 1000 * UABI_NSEC_PER_SEC;
}

static void step(uint64_t advance, int fd, uint32_t mask, bool signal)
{
	steps[steps_nr++] = (step_t){ advance, fd, mask, signal };
}

typedef struct { int32_t fd; int16_t events, revents; } pollfd_t;

HT_TEST(poll_ready_files_and_nvals)
{
	pollfd_t fds[3] = { { 0, POLLIN, 0x5a }, { 9, POLLIN, 0 }, { -1, POLLIN, 0x5a } };

	files_reset();
	ready[0] = POLLIN | POLLOUT;
	HT_CHECK(sys_poll((uint64_t[6]){ (uintptr_t)fds, 3, 1000 }) == 2);
	HT_CHECK(fds[0].revents == POLLIN && fds[1].revents == POLLNVAL && fds[2].revents == 0);
	HT_CHECK(waits == 0 && open_refs == 0);
	/* nfds is an unsigned int: the upper half of the register is not its */
	HT_CHECK(sys_poll((uint64_t[6]){ (uintptr_t)fds, (1ULL << 32) | 1, 0 }) == 1);
	HT_CHECK(sys_poll((uint64_t[6]){ (uintptr_t)fds, CONFIG_MAX_FILES + 1, 0 }) == -EINVAL);
	host_uspace_set_fault((uintptr_t)fds, (uintptr_t)fds + 1);
	HT_CHECK(sys_poll((uint64_t[6]){ (uintptr_t)fds, 1, 0 }) == -EFAULT);
	host_uspace_set_fault(0, 0);
}

HT_TEST(poll_timeout_in_milliseconds)
{
	pollfd_t fd = { 1, POLLIN, 0 };

	files_reset(); /* zero: one look, no wait */
	HT_CHECK(sys_poll((uint64_t[6]){ (uintptr_t)&fd, 1, 0 }) == 0 && waits == 0);
	files_reset(); /* 1.5 s, nothing comes: one wait of exactly that, then 0 */
	HT_CHECK(sys_poll((uint64_t[6]){ (uintptr_t)&fd, 1, 1500 }) == 0);
	HT_CHECK(first_timeout == 1500000000ULL && now_ns == 1000 * UABI_NSEC_PER_SEC + 1500000000ULL);
	files_reset(); /* negative (the int of the register): for ever, until an event */
	step(7 * UABI_NSEC_PER_SEC, 1, POLLIN, false);
	HT_CHECK(sys_poll((uint64_t[6]){ (uintptr_t)&fd, 1, 0xffffffffULL }) == 1);
	HT_CHECK(first_timeout == 0 && fd.revents == POLLIN);
	files_reset(); /* a signal ends the wait: EINTR */
	step(0, 0, 0, true);
	HT_CHECK(sys_poll((uint64_t[6]){ (uintptr_t)&fd, 1, -1 }) == -EINTR);
	thread_current()->killed = 0;
}

HT_TEST(pause_waits_for_a_signal)
{
	files_reset();
	step(3 * UABI_NSEC_PER_SEC, 0, 0, true);
	HT_CHECK(sys_pause((uint64_t[6]){ 0 }) == -EINTR && first_timeout == 0 && waits == 1);
	thread_current()->killed = 0;
}

HT_TEST(select_timeval_and_time_left)
{
	uint64_t rd = 0x3, none = 0;
	int64_t tv[2] = { 1, 2500000 }; /* 3.5 s: microseconds carry */

	files_reset();
	step(UABI_NSEC_PER_SEC, 1, POLLIN, false); /* fd 1 readable after 1 s */
	HT_CHECK(sys_select((uint64_t[6]){ 2, (uintptr_t)&rd, 0, (uintptr_t)&none, (uintptr_t)tv }) == 1);
	HT_CHECK(first_timeout == 3500000000ULL && rd == 0x2 && none == 0);
	HT_CHECK(tv[0] == 2 && tv[1] == 500000); /* the time left, as a timeval */
	/* a zero timeout: one look, nothing written back */
	files_reset();
	rd = 0x1;
	tv[0] = 0, tv[1] = 0;
	HT_CHECK(sys_select((uint64_t[6]){ 1, (uintptr_t)&rd, 0, 0, (uintptr_t)tv }) == 0 && waits == 0);
	HT_CHECK(rd == 0 && tv[0] == 0 && tv[1] == 0);
}

HT_TEST(select_errors)
{
	uint64_t rd = 0x1;
	int64_t tv[2] = { 0, -1 };

	files_reset();
	HT_CHECK(sys_select((uint64_t[6]){ 1, (uintptr_t)&rd, 0, 0, (uintptr_t)tv }) == -EINVAL);
	tv[0] = -1, tv[1] = 0;
	HT_CHECK(sys_select((uint64_t[6]){ 1, (uintptr_t)&rd, 0, 0, (uintptr_t)tv }) == -EINVAL);
	/* the timeout is read before the sets, as Linux's kern_select */
	host_uspace_set_fault((uintptr_t)tv, (uintptr_t)tv + 1);
	HT_CHECK(sys_select((uint64_t[6]){ (uint64_t)-1, (uintptr_t)&rd, 0, 0, (uintptr_t)tv }) == -EFAULT);
	host_uspace_set_fault(0, 0);
	HT_CHECK(sys_select((uint64_t[6]){ (uint64_t)-1, (uintptr_t)&rd, 0, 0, 0 }) == -EINVAL);
	rd = 1ULL << 9; /* a closed fd in a set */
	HT_CHECK(sys_select((uint64_t[6]){ 10, (uintptr_t)&rd, 0, 0, 0 }) == -EBADF);
	HT_CHECK(open_refs == 0);
}

HT_TEST(ppoll_and_pselect6_still_answer_as_before)
{
	pollfd_t fd = { 2, POLLOUT, 0 };
	int64_t ts[2] = { 1, 0 };
	uint64_t sigset = 0, wr = 0x4;
	uint64_t mask[2] = { (uintptr_t)&sigset, 4 }; /* a sigset of the wrong size */

	files_reset();
	step(250000000, 2, POLLOUT, false);
	HT_CHECK(sys_ppoll((uint64_t[6]){ (uintptr_t)&fd, 1, (uintptr_t)ts, 0, 8 }) == 1);
	HT_CHECK(fd.revents == POLLOUT && ts[0] == 0 && ts[1] == 750000000);
	ts[0] = 0, ts[1] = 1000000000;
	HT_CHECK(sys_ppoll((uint64_t[6]){ (uintptr_t)&fd, 1, (uintptr_t)ts, 0, 8 }) == -EINVAL);
	files_reset();
	ready[2] = POLLOUT;
	HT_CHECK(sys_pselect6((uint64_t[6]){ 3, 0, (uintptr_t)&wr, 0, 0, 0 }) == 1 && wr == 0x4);
	HT_CHECK(sys_pselect6((uint64_t[6]){ 3, 0, (uintptr_t)&wr, 0, 0, (uintptr_t)mask }) == -EINVAL);
	/* a mask installed for the call: the way back to user mode looks at the signals again */
	thread_current()->work = 0;
	mask[1] = 8;
	HT_CHECK(sys_pselect6((uint64_t[6]){ 3, 0, (uintptr_t)&wr, 0, 0, (uintptr_t)mask }) == 1);
	HT_CHECK(thread_current()->work & THREAD_WORK_SIGNAL);
	HT_CHECK(thread_current()->sigmask_restore == 0);
}
