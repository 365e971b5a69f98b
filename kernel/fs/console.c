/*
 * console.c - /dev/console (5:1): the machine's only terminal (docs/tty.md).
 *
 * The line discipline (tty.c) turns received bytes into echo, signals and input for readers. It
 * runs in a kernel thread of cluster 0, the *tty thread*, woken by the UART receive hook: so the
 * echo of a key shows when it is typed, whether or not a program reads, and the signal characters
 * (^C, ^\, ^Z) reach the foreground process group from a context that may send signals (the hook
 * runs in interrupt context, where the walk over the process tables cannot); the status
 * character (^T) has it print every core's threads.
 *
 * Where things live: `console` (below) in cluster 0, reached from every cluster by XPTR(0, ...).
 * Readers of any cluster copy the small tty_ldisc_t in and out under the lock; its input ring
 * stays in cluster 0, reached by extended pointer.
 *
 * Lock legend: [L] console.lock (busylock, class LOCK_TTY). It is also the guard of both wait
 * queues. It is taken by the UART hook (interrupt context: the interrupted thread holds no
 * busylock, and every blocking class ranks below LOCK_TTY), so the tty thread cannot miss a
 * wake-up: it looks at the UART ring and queues itself under the lock the hook takes before
 * waking it. Under it: wait queues, the UART ring, the console output (echo). Never under it: a
 * user copy (may fault) or a walk over the process tables (pgrp.h, class process_state).
 *
 * Pollers (vfs_poll.c) are told of new input and of termios changes under the lock
 * (vfs_poll_notify; LOCK_POLL ranks after LOCK_TTY).
 *
 * Readers take turns (console.reading): one reader at a time takes bytes, so a canonical line is
 * never split between two readers. Waits for input or for the turn are interruptible: a signal
 * ends them with -ERESTARTSYS (EINTR, or a restart under SA_RESTART), as Linux's n_tty.
 */
#include <fs/tty.h>
#include <fs/vfs_private.h>
#include <hal_console.h>
#include <hal_uspace.h>
#include <kern/cluster.h>
#include <kern/pgrp.h>
#include <kern/printk.h>
#include <kern/process.h>
#include <kern/sched.h>
#include <kern/thread.h>
#include <kern/waitq.h>
#include <libk/bits.h>
#include <libk/errno.h>
#include <libk/string.h>

#define CONSOLE_CHUNK 256 /* bytes moved per user copy (stack buffers) */

static struct {
	busylock_t         lock;      /* LOCK_TTY: see the legend                              */
	tty_ldisc_t        ld;        /* [L] the line discipline (its ring is ring[])          */
	uint32_t           sid;       /* [L] session it is the controlling terminal of (0: none) */
	uint32_t           pgrp;      /* [L] its foreground process group (0: none)            */
	uint32_t           reading;   /* [L] 1 while a reader has the turn                     */
	struct vfs_winsize winsize;   /* [L] TIOCGWINSZ / TIOCSWINSZ                            */
	waitq_t            rd_wq;     /* readers waiting for input or for the turn             */
	waitq_t            rx_wq;     /* the tty thread waiting for received bytes             */
	char               echo[128]; /* [L] echo not written yet (the tty thread only)        */
	uint32_t           echo_len;  /* [L]                                                   */
	uint8_t            ring[TTY_RING_BYTES]; /* [L] the input, through ld.ring_xp only     */
} console;                        /* cluster 0's copy is the one used                      */

#define CON_XP(f)     XPTR(0, &console.f)
#define LOCK          CON_XP(lock)
#define GET(f)        hal_remote_l32(CON_XP(f))    /* from any cluster */
#define SET(f, v)     hal_remote_s32(CON_XP(f), (v))

_Static_assert(sizeof(struct vfs_termios) == 36, "struct termios of riscv64");
_Static_assert(sizeof(struct vfs_winsize) == 8, "struct winsize");

/* The line discipline's control part, copied in and out (lock held). */
static void ld_load(tty_ldisc_t *ld)
{
	kassert(remote_busylock_is_held_by_me(LOCK));
	hal_remote_memcpy(XPTR(local_cxy, ld), CON_XP(ld), sizeof(*ld));
}

static void ld_store(const tty_ldisc_t *ld)
{
	kassert(remote_busylock_is_held_by_me(LOCK));
	hal_remote_memcpy(CON_XP(ld), XPTR(local_cxy, ld), sizeof(*ld));
}

/* ---- the tty thread (cluster 0) ---- */

/* Write the echo gathered so far (tty thread, lock held). */
static void echo_flush(void)
{
	kassert(remote_busylock_is_held_by_me(LOCK));
	if (console.echo_len) {
		console_write_bytes(console.echo, console.echo_len);
		console.echo_len = 0;
	}
}

/* tty_emit_t of the console: gather echo, written in whole pieces (never torn by a log line). */
static void echo_emit(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	while (n > 0) {
		size_t room = sizeof(console.echo) - console.echo_len;
		size_t m = n < room ? n : room;

		memcpy(console.echo + console.echo_len, s, m);
		console.echo_len += (uint32_t)m;
		s += m;
		n -= m;
		if (console.echo_len == sizeof(console.echo))
			echo_flush();
	}
}

/* Send @sig to the foreground group @pgrp with the lock released for the walk (lock held on
 * entry and on return). */
static void signal_foreground(uint32_t pgrp, int sig)
{
	ksiginfo_t info = { .code = SI_KERNEL };

	remote_busylock_release(LOCK);
	if (pgrp)
		pgrp_signal(pgrp, 0, 0, sig, &info);
	remote_busylock_acquire(LOCK);
}

/* The status character (tty.h): a thread dump of every core of the machine, with the lock
 * released (lock held on entry and on return). */
static void status_report(void)
{
	remote_busylock_release(LOCK);
	printk("status: the threads of every core (^T)\n");
	for (cxy_t c = 0; c < cluster_count(); c++)
		for (lid_t l = 0; l < cluster_cores_of(c); l++)
			sched_display(c, l, true);
	remote_busylock_acquire(LOCK);
}

/* Feed every byte of the UART ring to the line discipline, then sleep until the hook wakes us. */
static void tty_thread_main(void *arg)
{
	(void)arg;
	kassert(local_cxy == 0);
	remote_busylock_acquire(LOCK);
	for (;;) {
		bool wake = false;
		int c;

		while ((c = hal_console_getc()) >= 0) {
			uint32_t r = tty_input(&console.ld, (uint8_t)c);

			wake |= (r & TTY_R_READABLE) != 0;
			if (r & TTY_R_SIGNAL_MASK) {
				echo_flush(); /* "^C" shows before what the signal makes happen */
				signal_foreground(console.pgrp, (int)(r & TTY_R_SIGNAL_MASK));
			}
			if (r & TTY_R_STATUS) {
				echo_flush();
				status_report();
			}
		}
		echo_flush();
		if (wake) {
			waitq_wake_all(CON_XP(rd_wq));
			vfs_poll_notify();
		}
		waitq_wait(CON_XP(rx_wq), LOCK); /* released while queued, held again on return */
	}
}

/* The UART's receive hook (interrupt context, cluster 0): wake the tty thread. */
static void console_rx_hook(void)
{
	remote_busylock_acquire(LOCK);
	waitq_wake_all(CON_XP(rx_wq));
	remote_busylock_release(LOCK);
}

void console_init(void)
{
	thread_t *t;

	kassert(local_cxy == 0);
	busylock_init(&console.lock, "console tty", LOCK_TTY);
	tty_init(&console.ld, CON_XP(ring), NULL, echo_emit, NULL);
	console.winsize = (struct vfs_winsize){ 24, 80, 0, 0 };
	waitq_init(CON_XP(rd_wq), "console readers");
	waitq_init(CON_XP(rx_wq), "console rx");
	/* on the core that takes the UART interrupt (hal_console_rx_init): its wake-ups stay local */
	if (thread_kernel_create(&t, THREAD_KERNEL, "tty", (lid_t)(LOCAL_CLUSTER->cores_nr - 1),
				 tty_thread_main, NULL))
		panic("%s: cannot create the tty thread", __func__);
	thread_start(t);
	hal_console_set_rx_hook(console_rx_hook);
}

/* ---- who asks ---- */

typedef struct caller_s {
	pid_t pid, pgid, sid; /* pid 0: a kernel thread */
} caller_t;

static caller_t caller(void)
{
	thread_t *self = thread_current();
	caller_t c = { 0, 0, 0 };

	if (self->type != THREAD_USER || !self->process)
		return c;
	c.pid = self->process->pid;
	c.pgid = hal_remote_l32(PROC_XP(self->process->owner_xp, pgid));
	c.sid = hal_remote_l32(PROC_XP(self->process->owner_xp, sid));
	return c;
}

/* True if the console is the controlling terminal of @c's session. */
static bool is_ctty_of(const caller_t *c)
{
	uint32_t sid;

	remote_busylock_acquire(LOCK);
	sid = GET(sid);
	remote_busylock_release(LOCK);
	return c->pid && sid == c->sid;
}

/*
 * Job control of a process using its controlling terminal from a background group: Linux's
 * job_control (@sig SIGTTIN, reads) and tty_check_change (SIGTTOU: writes under TOSTOP, termios
 * and foreground changes). Returns 0 to go on; -EIO if the signal is ignored or blocked (reads
 * only: others then go on) or the group is orphaned; -ERESTARTSYS once the signal went to the
 * caller's group (the call runs again when the group is continued).
 */
static int64_t job_control(int sig)
{
	caller_t c = caller();
	uint32_t sid, pgrp;
	ksiginfo_t info = { .code = SI_KERNEL };

	if (c.pid == 0)
		return 0;
	remote_busylock_acquire(LOCK);
	sid = GET(sid);
	pgrp = GET(pgrp);
	remote_busylock_release(LOCK);
	if (sid == 0 || c.sid != sid || pgrp == 0 || c.pgid == pgrp)
		return 0;
	if (signal_ignored_or_blocked(thread_current(), sig))
		return sig == SIGTTIN ? -EIO : 0;
	if (pgrp_orphaned(c.pgid))
		return -EIO;
	pgrp_signal(c.pgid, 0, 0, sig, &info);
	return -ERESTARTSYS;
}

/*
 * Make the console the controlling terminal of the session @sid with @pgid in the foreground,
 * if it has none, or the one it has is gone, or @steal. Returns 0 or EPERM.
 */
static error_t attach_session(uint32_t sid, uint32_t pgid, bool steal)
{
	uint32_t old;

	remote_busylock_acquire(LOCK);
	old = GET(sid);
	remote_busylock_release(LOCK);
	if (old == sid)
		return 0;
	if (old && !steal && pgrp_session_alive(old))
		return EPERM;
	remote_busylock_acquire(LOCK);
	if (GET(sid) != old) { /* someone else was quicker */
		remote_busylock_release(LOCK);
		return EPERM;
	}
	SET(sid, sid);
	SET(pgrp, pgid);
	remote_busylock_release(LOCK);
	return 0;
}

void vfs_console_attach(uint32_t sid, uint32_t pgid)
{
	attach_session(sid, pgid, true);
}

/* open(2) of the console: a session leader without a controlling terminal gets it (no
 * O_NOCTTY), as on Linux for a terminal that no live session holds. */
void console_dev_open(xptr_t file_xp, uint32_t flags)
{
	caller_t c = caller();

	(void)file_xp;
	if (c.pid && c.sid == c.pid && !(flags & O_NOCTTY))
		attach_session(c.sid, c.pgid, false);
}

/* ---- read ---- */

/* Take at most @max bytes into @chunk (lock held). */
static size_t take(uint8_t *chunk, size_t max, bool *line_done)
{
	tty_ldisc_t ld;
	size_t n;

	kassert(remote_busylock_is_held_by_me(LOCK));
	ld_load(&ld);
	n = tty_take(&ld, chunk, max, line_done);
	ld_store(&ld);
	return n;
}

/* Copy @n bytes of @chunk to @buf at @done with the lock released (a user copy may fault). */
static error_t copy_out(vfs_buf_t buf, size_t done, const uint8_t *chunk, size_t n)
{
	error_t err;

	remote_busylock_release(LOCK);
	err = vfs_buf_to(buf, done, XPTR(local_cxy, chunk), n);
	remote_busylock_acquire(LOCK);
	return err;
}

/* Wait for input (lock held, released meanwhile): @timeout_ns 0 for no deadline. Returns 0,
 * ETIMEDOUT or EINTR. */
static error_t wait_input(uint64_t timeout_ns)
{
	kassert(remote_busylock_is_held_by_me(LOCK));
	if (timeout_ns)
		return waitq_wait_interruptible_timeout(CON_XP(rd_wq), LOCK, timeout_ns);
	return waitq_wait_interruptible(CON_XP(rd_wq), LOCK);
}

/*
 * The reader's part (the turn and the lock held): canonical mode, one line (or what fits); raw
 * mode, what VMIN and VTIME ask (Linux's n_tty_read: VMIN 0 VTIME 0 a poll, VMIN 0 VTIME t the
 * first byte or t tenths of a second, VMIN m VTIME 0 at least min(m, count) bytes, VMIN m VTIME t
 * then t as a timer between bytes). Returns the count or -errno.
 */
static int64_t read_input(vfs_buf_t buf, size_t count, bool nonblock)
{
	uint8_t chunk[CONSOLE_CHUNK];
	size_t done = 0;

	kassert(remote_busylock_is_held_by_me(LOCK));
	for (;;) {
		tty_ldisc_t ld;
		bool canon, line_done;
		uint32_t vmin, vtime;
		error_t err;

		ld_load(&ld);
		canon = ld.termios.c_lflag & TTY_ICANON;
		vmin = ld.termios.c_cc[TTY_VMIN];
		vtime = ld.termios.c_cc[TTY_VTIME];
		if (canon ? tty_readable(&ld, 1) : tty_inq(&ld) > 0) {
			size_t want = count - done < sizeof(chunk) ? count - done : sizeof(chunk);
			size_t n = take(chunk, want, &line_done);

			if (n && copy_out(buf, done, chunk, n))
				return done ? (int64_t)done : -EFAULT; /* taken bytes are lost, as on Linux */
			done += n;
			if (done == count || (canon && line_done))
				return (int64_t)done;
			continue;
		}
		if (canon && done > 0)
			return (int64_t)done; /* the rest of the line was flushed (^C) */
		if (!canon && (vmin == 0 ? (vtime == 0 || done > 0) : done >= MIN(vmin, count)))
			return (int64_t)done;
		if (nonblock)
			return done ? (int64_t)done : -EAGAIN;
		err = wait_input(!canon && vtime && (vmin == 0 || done > 0) ?
				 (uint64_t)vtime * 100000000ULL : 0);
		if (err == ETIMEDOUT)
			return (int64_t)done;
		if (err)
			return done ? (int64_t)done : -ERESTARTSYS;
	}
}

int64_t console_dev_read(xptr_t file_xp, vfs_buf_t buf, size_t count)
{
	bool nonblock = hal_remote_l32(FF(file_xp, flags)) & O_NONBLOCK;
	int64_t n = job_control(SIGTTIN);

	if (n)
		return n;
	if (count == 0)
		return 0;
	remote_busylock_acquire(LOCK);
	while (GET(reading)) {
		if (nonblock || wait_input(0)) {
			remote_busylock_release(LOCK);
			return nonblock ? -EAGAIN : -ERESTARTSYS;
		}
	}
	SET(reading, 1);
	n = read_input(buf, count, nonblock);
	SET(reading, 0);
	waitq_wake_all(CON_XP(rd_wq)); /* the next reader's turn */
	remote_busylock_release(LOCK);
	return n;
}

/* poll: input a read would take now without waiting (as Linux's n_tty_poll: canonical mode, a
 * complete line; raw mode, a byte); output never waits. */
uint32_t console_dev_poll(xptr_t file_xp)
{
	tty_ldisc_t ld;
	uint32_t mask = POLLOUT | POLLWRNORM;

	(void)file_xp;
	remote_busylock_acquire(LOCK);
	ld_load(&ld);
	if (tty_readable(&ld, 1))
		mask |= POLLIN | POLLRDNORM;
	remote_busylock_release(LOCK);
	return mask;
}

/* ---- write ---- */

/* Output processing (OPOST/ONLCR) as the termios says, then the console, in pieces that log
 * lines never tear. With TOSTOP a background process gets SIGTTOU. */
int64_t console_dev_write(xptr_t file_xp, vfs_buf_t buf, size_t count)
{
	char chunk[CONSOLE_CHUNK / 2], out[CONSOLE_CHUNK];
	size_t done = 0;

	(void)file_xp;
	if (hal_remote_l32(CON_XP(ld.termios.c_lflag)) & TTY_TOSTOP) {
		int64_t jc = job_control(SIGTTOU);

		if (jc)
			return jc;
	}
	while (done < count) {
		uint32_t oflag = hal_remote_l32(CON_XP(ld.termios.c_oflag));
		size_t n = vfs_buf_chunk(buf, done, MIN(count - done, sizeof(chunk)));
		size_t used, m;

		if (vfs_buf_from(XPTR(local_cxy, chunk), buf, done, n))
			return done ? (int64_t)done : -EFAULT;
		m = tty_output(oflag, chunk, n, out, sizeof(out), &used);
		kassert(used == n); /* out holds twice the chunk */
		console_write_bytes(out, m);
		done += n;
	}
	return (int64_t)done;
}

/* ---- ioctl ---- */

#define TCIFLUSH   0 /* TCFLSH's arguments */
#define TCIOFLUSH  2

static int64_t put_int(uintptr_t arg, int32_t v)
{
	return hal_copy_to_uspace(arg, &v, sizeof(v)) ? -EFAULT : 0;
}

/* TCSETS, TCSETSW (output is synchronous: nothing to drain), TCSETSF (flushes the input). */
static int64_t set_termios(uintptr_t arg, bool flush)
{
	struct vfs_termios t;
	tty_ldisc_t ld;
	int64_t jc;

	if (hal_copy_from_uspace(&t, arg, sizeof(t)))
		return -EFAULT;
	jc = job_control(SIGTTOU);
	if (jc)
		return jc;
	remote_busylock_acquire(LOCK);
	ld_load(&ld);
	if (flush)
		tty_flush_input(&ld);
	tty_set_termios(&ld, &t);
	ld_store(&ld);
	waitq_wake_all(CON_XP(rd_wq)); /* what a reader waits for may have changed */
	vfs_poll_notify();             /* and what a poller does */
	remote_busylock_release(LOCK);
	return 0;
}

/* TIOCSPGRP, as Linux's tiocspgrp: ENOTTY unless the console is the caller's controlling
 * terminal, EINVAL for a negative group, ESRCH for a group nobody is in, EPERM for a group of
 * another session. */
static int64_t set_foreground(uintptr_t arg)
{
	caller_t c = caller();
	int32_t pgrp;
	uint32_t sid;
	int64_t jc;

	if (!is_ctty_of(&c))
		return -ENOTTY;
	jc = job_control(SIGTTOU);
	if (jc)
		return jc;
	if (hal_copy_from_uspace(&pgrp, arg, sizeof(pgrp)))
		return -EFAULT;
	if (pgrp < 0)
		return -EINVAL;
	if (pgrp_session_of((uint32_t)pgrp, &sid))
		return -ESRCH;
	if (sid != c.sid)
		return -EPERM;
	remote_busylock_acquire(LOCK);
	if (GET(sid) != c.sid) { /* the session lost the terminal meanwhile */
		remote_busylock_release(LOCK);
		return -ENOTTY;
	}
	SET(pgrp, (uint32_t)pgrp);
	remote_busylock_release(LOCK);
	return 0;
}

/* TIOCSCTTY, as Linux's tiocsctty: a session leader takes the console as its controlling
 * terminal (0 if it has it already); EPERM for another process, or when another live session
 * has it, unless @arg is 1 (stealing, which root may do). */
static int64_t set_ctty(uintptr_t arg)
{
	caller_t c = caller();

	if (c.pid && c.sid == c.pid && is_ctty_of(&c))
		return 0;
	if (c.pid == 0 || c.sid != c.pid)
		return -EPERM;
	return -(int64_t)attach_session(c.sid, c.pgid, arg == 1);
}

static int64_t winsize_ioctl(uintptr_t arg, bool set)
{
	struct vfs_winsize ws, old;
	bool changed;
	uint32_t pgrp;

	if (!set) {
		remote_busylock_acquire(LOCK);
		hal_remote_memcpy(XPTR(local_cxy, &ws), CON_XP(winsize), sizeof(ws));
		remote_busylock_release(LOCK);
		return hal_copy_to_uspace(arg, &ws, sizeof(ws)) ? -EFAULT : 0;
	}
	if (hal_copy_from_uspace(&ws, arg, sizeof(ws)))
		return -EFAULT;
	remote_busylock_acquire(LOCK);
	hal_remote_memcpy(XPTR(local_cxy, &old), CON_XP(winsize), sizeof(old));
	changed = memcmp(&old, &ws, sizeof(ws)) != 0;
	hal_remote_memcpy(CON_XP(winsize), XPTR(local_cxy, &ws), sizeof(ws));
	pgrp = GET(pgrp);
	remote_busylock_release(LOCK);
	if (changed && pgrp) { /* as Linux: the foreground group learns it */
		ksiginfo_t info = { .code = SI_KERNEL };

		pgrp_signal(pgrp, 0, 0, SIGWINCH, &info);
	}
	return 0;
}

int64_t console_dev_ioctl(xptr_t file_xp, uint32_t cmd, uintptr_t arg)
{
	struct vfs_termios t;
	caller_t c;
	tty_ldisc_t ld;
	uint32_t v;

	(void)file_xp;
	switch (cmd) {
	case TCGETS:
		remote_busylock_acquire(LOCK);
		hal_remote_memcpy(XPTR(local_cxy, &t), CON_XP(ld.termios), sizeof(t));
		remote_busylock_release(LOCK);
		return hal_copy_to_uspace(arg, &t, sizeof(t)) ? -EFAULT : 0;
	case TCSETS:
	case TCSETSW:
		return set_termios(arg, false);
	case TCSETSF:
		return set_termios(arg, true);
	case TCSBRK: /* tcdrain(): the output is already out */
		return 0;
	case TCFLSH:
		if (arg > TCIOFLUSH)
			return -EINVAL;
		if (arg == TCIFLUSH || arg == TCIOFLUSH) {
			remote_busylock_acquire(LOCK);
			ld_load(&ld);
			tty_flush_input(&ld);
			ld_store(&ld);
			remote_busylock_release(LOCK);
		}
		return 0;
	case FIONREAD:
		remote_busylock_acquire(LOCK);
		ld_load(&ld);
		v = tty_inq(&ld);
		remote_busylock_release(LOCK);
		return put_int(arg, (int32_t)v);
	case TIOCOUTQ:
		return put_int(arg, 0);
	case TIOCGWINSZ:
		return winsize_ioctl(arg, false);
	case TIOCSWINSZ:
		return winsize_ioctl(arg, true);
	case TIOCGPGRP:
	case TIOCGSID:
		c = caller();
		if (!is_ctty_of(&c))
			return -ENOTTY;
		return put_int(arg, (int32_t)(cmd == TIOCGSID ? c.sid : GET(pgrp)));
	case TIOCSPGRP:
		return set_foreground(arg);
	case TIOCSCTTY:
		return set_ctty(arg);
	default:
		return -ENOTTY;
	}
}
