/*
 * sys_poll.c - ppoll and pselect6: which of a set of files are ready, waiting for one with a
 * timeout and a temporary signal mask (docs/poll.md). glibc's poll, select, pselect and pause
 * (ppoll with no fd and no timeout) are built on them where the architecture has nothing else
 * (riscv64); poll, select and pause themselves are here too, for the architectures that have them
 * (x86_64): the same work with a timeout in milliseconds or a struct timeval and no mask.
 *
 * Both calls look at every file (vfs_poll), and if none is ready sleep in the machine-wide poll
 * wait (vfs_poll_wait) until an event, a signal or the deadline, then look again. The event count
 * is read before the look, so a change during the look ends the sleep at once.
 *
 * The temporary mask (as rt_sigsuspend, sys_signal.c): installed after the arguments are checked,
 * with the caller's mask in sigmask_saved. A call that ends with EINTR leaves sigmask_restore set:
 * the signal that ended it is delivered under the temporary mask and the handler's frame holds the
 * caller's mask (signal_deliver puts it back if no handler runs). Any other result puts the
 * caller's mask back at once, so a signal only the temporary mask unblocks is not delivered
 * (Linux's restore_saved_sigmask_unless).
 */
#include <fs/vfs.h>
#include <hal_special.h>
#include <hal_uspace.h>
#include <kern/process.h>
#include <kern/signal.h>
#include <kern/thread.h>
#include <libk/errno.h>
#include <syscalls/syscall.h>

#define FOREVER      UABI_FOREVER /* a deadline: no timeout */
#define FD_BITS      64          /* bits of one fd_set word (a long of a 64-bit ABI) */

/* Linux's select sets in poll events (fs/select.c). */
#define POLLIN_SET  (POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR)
#define POLLOUT_SET (POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR)
#define POLLEX_SET  (POLLPRI)

_Static_assert(CONFIG_MAX_FILES <= FD_BITS, "one fd_set word covers the fd table");

/* struct pollfd. */
typedef struct k_pollfd {
	int32_t fd;
	int16_t events;
	int16_t revents;
} k_pollfd_t;

_Static_assert(sizeof(k_pollfd_t) == 8, "struct pollfd");

/* The deadline of the user timespec at @uts: FOREVER for NULL, 0 for a zero timeout (look once),
 * else the time since boot it ends at (uabi_deadline). EFAULT, or EINVAL when malformed. */
static error_t read_deadline(uintptr_t uts, uint64_t *deadline)
{
	int64_t ts[2];

	*deadline = FOREVER;
	if (!uts)
		return 0;
	if (hal_copy_from_uspace(ts, uts, sizeof(ts)))
		return EFAULT;
	return uabi_deadline(hal_get_time_ns(), ts[0], ts[1], deadline);
}

/* As Linux's poll_select_finish: a non-zero timeout at @utime gets the time left until @deadline,
 * as a timespec or (@timeval) a struct timeval (a write that fails is ignored, the result
 * stands). */
static void write_time_left(uintptr_t utime, uint64_t deadline, bool timeval)
{
	int64_t t[2];

	if (!utime || deadline == FOREVER || deadline == 0)
		return;
	if (timeval)
		uabi_time_left_timeval(hal_get_time_ns(), deadline, t);
	else
		uabi_time_left_timespec(hal_get_time_ns(), deadline, t);
	hal_copy_to_uspace(utime, t, sizeof(t));
}

/* Install the user mask at @umask (NULL: none) of @size bytes, as described at the top: EINVAL
 * (size), EFAULT; nothing changed on error. */
static error_t mask_install(uintptr_t umask, uint64_t size)
{
	thread_t *self = thread_current();
	uint64_t mask;

	if (!umask)
		return 0;
	if (size != SIGNAL_SIGSET_SIZE)
		return EINVAL;
	if (hal_copy_from_uspace(&mask, umask, sizeof(mask)))
		return EFAULT;
	self->sigmask_saved = self->sigmask;
	self->sigmask_restore = 1;
	self->sigmask = mask & ~SIG_UNBLOCKABLE;
	signal_recheck(self);
	return 0;
}

/* The call ends with @result: the caller's mask back unless a signal ended the wait. */
static void mask_settle(int64_t result)
{
	thread_t *self = thread_current();

	if (result != -EINTR && self->sigmask_restore) {
		self->sigmask = self->sigmask_saved;
		self->sigmask_restore = 0;
		signal_recheck(self);
	}
}

/* The events of fd @fd now, or POLLNVAL if it is not open. */
static uint32_t fd_events(xptr_t ref, int fd)
{
	xptr_t file;
	uint32_t mask;

	if (fd_get(ref, fd, &file))
		return POLLNVAL;
	mask = vfs_poll(file);
	vfs_close(file);
	return mask;
}

/* A look at every file: the count of ready ones (> 0), 0, or -errno. */
typedef int64_t (*scan_fn_t)(xptr_t ref, void *ctx);

/* Look with @scan until something is ready, a signal comes, or the deadline passes (0). */
static int64_t poll_loop(scan_fn_t scan, void *ctx, uint64_t deadline)
{
	thread_t *self = thread_current();
	xptr_t ref = current_ref();

	for (;;) {
		uint64_t seen = vfs_poll_events(), now;
		int64_t count = scan(ref, ctx);
		error_t err;

		if (count != 0)
			return count;
		/* as Linux's do_poll: a pending signal wins over an expired timeout */
		if (thread_interrupted(self, THREAD_WAIT_SIGNAL))
			return -EINTR;
		now = hal_get_time_ns();
		if (deadline != FOREVER && now >= deadline)
			return 0;
		err = vfs_poll_wait(seen, deadline == FOREVER ? 0 : deadline - now);
		if (err == EINTR)
			return -EINTR;
		/* an event, or ETIMEDOUT: look again (the deadline check ends the loop) */
	}
}

/* ---- ppoll ---- */

typedef struct poll_set {
	k_pollfd_t fds[CONFIG_MAX_FILES];
	uint32_t   nfds;
} poll_set_t;

static int64_t scan_pollfds(xptr_t ref, void *ctx)
{
	poll_set_t *set = ctx;
	int64_t count = 0;

	for (uint32_t i = 0; i < set->nfds; i++) {
		k_pollfd_t *p = &set->fds[i];
		uint32_t ev = 0;

		if (p->fd >= 0)
			ev = fd_events(ref, p->fd) & ((uint16_t)p->events | POLLERR | POLLHUP | POLLNVAL);
		p->revents = (int16_t)ev;
		count += ev != 0;
	}
	return count;
}

/* The @nfds pollfds at @ufds into @set: EINVAL (more than RLIMIT_NOFILE), EFAULT. */
static error_t poll_read(poll_set_t *set, uintptr_t ufds, uint64_t nfds)
{
	if (nfds > CONFIG_MAX_FILES)
		return EINVAL;
	set->nfds = (uint32_t)nfds;
	if (set->nfds && hal_copy_from_uspace(set->fds, ufds, set->nfds * sizeof(k_pollfd_t)))
		return EFAULT;
	return 0;
}

/* Wait as poll_loop, then write each revents back to @ufds. */
static int64_t poll_run(poll_set_t *set, uintptr_t ufds, uint64_t deadline)
{
	int64_t result = poll_loop(scan_pollfds, set, deadline);

	for (uint32_t i = 0; result >= 0 && i < set->nfds; i++)
		if (hal_copy_to_uspace(ufds + i * sizeof(k_pollfd_t) + offsetof(k_pollfd_t, revents),
				       &set->fds[i].revents, sizeof(set->fds[i].revents)))
			result = -EFAULT;
	return result;
}

/* ppoll(fds, nfds, tmo_p, sigmask, sigsetsize). */
int64_t sys_ppoll(const uint64_t args[6])
{
	poll_set_t set;
	uint64_t deadline;
	int64_t result;
	error_t err;

	err = read_deadline(args[2], &deadline);
	if (!err)
		err = poll_read(&set, args[0], args[1]);
	if (!err)
		err = mask_install(args[3], args[4]);
	if (err)
		return -(int64_t)err;
	result = poll_run(&set, args[0], deadline);
	write_time_left(args[2], deadline, false);
	mask_settle(result);
	return result;
}

/* poll(fds, nfds, timeout): milliseconds, a negative one for ever (Linux's sys_poll); nfds is an
 * unsigned int. */
int64_t sys_poll(const uint64_t args[6])
{
	int32_t timeout = (int32_t)args[2];
	uint64_t deadline = FOREVER;
	poll_set_t set;
	error_t err;

	if (timeout >= 0) /* always valid: ms / 1000 seconds, the rest in ns */
		uabi_deadline(hal_get_time_ns(), timeout / 1000, (int64_t)(timeout % 1000) * 1000000,
			      &deadline);
	err = poll_read(&set, args[0], (uint32_t)args[1]);
	if (err)
		return -(int64_t)err;
	return poll_run(&set, args[0], deadline);
}

/* pause(): until a signal is taken (as ppoll with no fd and no timeout). */
int64_t sys_pause(const uint64_t args[6])
{
	poll_set_t set = { .nfds = 0 };

	(void)args;
	return poll_loop(scan_pollfds, &set, FOREVER);
}

/* ---- pselect6 ---- */

typedef struct select_set {
	uint64_t in[3];   /* read, write, except: what was asked (bits below nfds) */
	uint64_t out[3];  /* what is ready                                          */
	uint32_t nfds;
} select_set_t;

static int64_t scan_fdsets(xptr_t ref, void *ctx)
{
	static const uint32_t wanted[3] = { POLLIN_SET, POLLOUT_SET, POLLEX_SET };
	select_set_t *s = ctx;
	int64_t count = 0;

	for (uint32_t fd = 0; fd < s->nfds; fd++) {
		uint64_t bit = 1ULL << fd;
		uint32_t ev;

		if (!((s->in[0] | s->in[1] | s->in[2]) & bit))
			continue;
		ev = fd_events(ref, (int)fd);
		if (ev & POLLNVAL)
			return -EBADF;
		for (int k = 0; k < 3; k++) {
			if ((s->in[k] & bit) && (ev & wanted[k])) {
				s->out[k] |= bit;
				count++;
			} else {
				s->out[k] &= ~bit;
			}
		}
	}
	return count;
}

/* The three sets of @nfds fds at @usets[0..2] (0: none) into @s: EINVAL (nfds < 0), EFAULT. */
static error_t select_read(select_set_t *s, int32_t nfds, const uint64_t usets[3])
{
	if (nfds < 0)
		return EINVAL;
	/* Linux reads and writes whole longs up to nfds, and ignores fds beyond its table */
	s->nfds = nfds > CONFIG_MAX_FILES ? CONFIG_MAX_FILES : (uint32_t)nfds;
	for (int k = 0; k < 3 && nfds > 0; k++) {
		if (usets[k] && hal_copy_from_uspace(&s->in[k], usets[k], sizeof(uint64_t)))
			return EFAULT;
		if (s->nfds < FD_BITS)
			s->in[k] &= (1ULL << s->nfds) - 1;
	}
	return 0;
}

/* Wait as poll_loop, then write the sets back to @usets. */
static int64_t select_run(select_set_t *s, int32_t nfds, const uint64_t usets[3], uint64_t deadline)
{
	int64_t result = poll_loop(scan_fdsets, s, deadline);

	for (int k = 0; k < 3 && result >= 0 && nfds > 0; k++)
		if (usets[k] && hal_copy_to_uspace(usets[k], &s->out[k], sizeof(uint64_t)))
			result = -EFAULT;
	return result;
}

/* pselect6(nfds, readfds, writefds, exceptfds, timeout, {sigmask, sigsetsize}). */
int64_t sys_pselect6(const uint64_t args[6])
{
	select_set_t s = { 0 };
	uint64_t deadline, sig[2] = { 0, 0 };
	int64_t result;
	error_t err;

	err = select_read(&s, (int32_t)args[0], &args[1]);
	if (!err)
		err = read_deadline(args[4], &deadline);
	if (!err && args[5] && hal_copy_from_uspace(sig, args[5], sizeof(sig)))
		err = EFAULT;
	if (!err)
		err = mask_install(sig[0], sig[1]);
	if (err)
		return -(int64_t)err;
	result = select_run(&s, (int32_t)args[0], &args[1], deadline);
	write_time_left(args[4], deadline, false);
	mask_settle(result);
	return result;
}

/*
 * select(nfds, readfds, writefds, exceptfds, timeout): a struct timeval, whose microseconds of a
 * second or more carry into the seconds and which gets the time left, as Linux's kern_select
 * (the timeout is read before the sets, as there).
 */
int64_t sys_select(const uint64_t args[6])
{
	select_set_t s = { 0 };
	uint64_t deadline = FOREVER;
	int64_t tv[2], sec, nsec, result;
	error_t err = 0;

	if (args[4]) {
		if (hal_copy_from_uspace(tv, args[4], sizeof(tv)))
			return -EFAULT;
		uabi_timeval_split(tv, &sec, &nsec);
		err = uabi_deadline(hal_get_time_ns(), sec, nsec, &deadline);
	}
	if (!err)
		err = select_read(&s, (int32_t)args[0], &args[1]);
	if (err)
		return -(int64_t)err;
	result = select_run(&s, (int32_t)args[0], &args[1], deadline);
	write_time_left(args[4], deadline, true);
	return result;
}
