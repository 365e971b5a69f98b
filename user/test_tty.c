/*
 * test_tty.c - the console as a terminal (docs/tty.md), run as the first process with fds 0, 1, 2
 * on /dev/console, which is then its controlling terminal with its group in the foreground (KTAP).
 *
 * Input comes from the QEMU harness: each "# tty: type N" line makes it type one piece of text
 * (tests/qemu/CMakeLists.txt lists them, in order). By hand, type the same:
 *   1  "junk^Uhellp<DEL>o wurld^Wworld<CR>"   canonical editing: the read gets "hello world\n",
 *                                               and the echo shows the edits (checked by the
 *                                               harness on the console)
 *   2  "abc<CR>xy"                               FIONREAD counts the complete line only
 *   3  "q<DEL>^D"                                raw mode, VMIN 1: single bytes, nothing edited
 *   4  "^C"                                      SIGINT to a foreground child group only
 *   5  "^Z"                                      SIGTSTP stops the foreground child group
 * The rest needs no typing: termios round trips, VMIN/VTIME polls and timeouts, O_NONBLOCK, a
 * background reader stopped by SIGTTIN (or EIO when it ignores it), and the errors of Linux:
 * EFAULT, ENOTTY (unknown ioctl, tty ioctls on a pipe and /dev/null, no controlling terminal),
 * ESRCH / EPERM / EINVAL for TIOCSPGRP, EPERM for TIOCSCTTY.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <uarch.h>
#include "ktap.h"

#define PLAN 37
static char *volatile kernel_address = (char *)UARCH_KERNEL_ADDRESS;

static bool fails(long ret, int err)
{
	if (ret == -1 && errno == err)
		return true;
	ktap_diag("expected errno %d, got ret %ld errno %d", err, ret, errno);
	return false;
}

static void prompt(int n)
{
	printf("# tty: type %d\n", n);
	fflush(stdout);
}

/* The echo of a signal character or of an unfinished line leaves the cursor mid-line: end it, so
 * that the next KTAP line starts a line. */
static void end_echo_line(void)
{
	if (write(1, "\n", 1) != 1)
		ktap_diag("newline not written");
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void set_raw(int vmin, int vtime)
{
	struct termios t;

	tcgetattr(0, &t);
	t.c_lflag &= ~(ICANON | ECHO);
	t.c_cc[VMIN] = (cc_t)vmin;
	t.c_cc[VTIME] = (cc_t)vtime;
	tcsetattr(0, TCSANOW, &t);
}

static struct termios saved;

static void termios_cases(void)
{
	struct termios t, back;
	struct winsize ws = { 0 }, ws2 = { 50, 132, 0, 0 };

	ktap_ok(tcgetattr(0, &saved) == 0 && (saved.c_lflag & (ICANON | ECHO | ISIG | ECHOCTL)) ==
		(ICANON | ECHO | ISIG | ECHOCTL) && (saved.c_iflag & ICRNL) &&
		(saved.c_oflag & (OPOST | ONLCR)) == (OPOST | ONLCR) && saved.c_cc[VINTR] == 3 &&
		saved.c_cc[VERASE] == 0x7f && saved.c_cc[VMIN] == 1, "TCGETS: Linux's defaults");
	t = saved;
	t.c_cc[VEOL] = ';';
	t.c_lflag &= ~ECHOKE;
	ktap_ok(tcsetattr(0, TCSADRAIN, &t) == 0 && tcgetattr(0, &back) == 0 &&
		back.c_cc[VEOL] == ';' && !(back.c_lflag & ECHOKE) && back.c_iflag == t.c_iflag,
		"TCSETSW then TCGETS: the same termios");
	ktap_ok(tcsetattr(0, TCSAFLUSH, &saved) == 0 && tcgetattr(0, &back) == 0 &&
		back.c_lflag == saved.c_lflag && back.c_cc[VEOL] == 0, "TCSETSF restores it");
	ktap_ok(ioctl(0, TIOCGWINSZ, &ws) == 0 && ws.ws_row == 24 && ws.ws_col == 80,
		"TIOCGWINSZ: 24 x 80");
	ktap_ok(ioctl(0, TIOCSWINSZ, &ws2) == 0 && ioctl(0, TIOCGWINSZ, &ws) == 0 &&
		ws.ws_row == 50 && ws.ws_col == 132 && ioctl(0, TIOCSWINSZ, &(struct winsize){ 24, 80, 0, 0 })
		== 0, "TIOCSWINSZ round trip");
	ktap_ok(isatty(0) && isatty(1) && isatty(2), "fds 0, 1, 2 are terminals");
	ktap_ok(tcgetpgrp(0) == getpgrp() && tcgetsid(0) == getsid(0),
		"controlling terminal of the first process, its group in the foreground");
	ktap_ok(ioctl(0, TIOCSCTTY, 0) == 0, "TIOCSCTTY by its session leader: 0, it has it already");
}

static void canonical_cases(void)
{
	char buf[256];
	ssize_t n;
	int avail = -1, fl;
	uint64_t t0;

	prompt(1);
	n = read(0, buf, sizeof(buf));
	ktap_ok(n == 12 && !memcmp(buf, "hello world\n", 12),
		"canonical read: erase, word erase and kill applied (%zd bytes)", n);

	prompt(2);
	for (t0 = now_ms(); now_ms() - t0 < 10000; usleep(10000))
		if (ioctl(0, FIONREAD, &avail) == 0 && avail >= 4)
			break;
	usleep(100000);
	end_echo_line(); /* after the echo of "xy" */
	ktap_ok(avail == 4, "FIONREAD: the complete line only (%d)", avail);
	ioctl(0, FIONREAD, &avail);
	n = read(0, buf, sizeof(buf));
	ktap_ok(avail == 4 && n == 4 && !memcmp(buf, "abc\n", 4), "one line per read (%zd)", n);
	ktap_ok(tcflush(0, TCIFLUSH) == 0 && ioctl(0, FIONREAD, &avail) == 0 && avail == 0,
		"TCFLSH forgets the line being edited");
	fl = fcntl(0, F_GETFL);
	fcntl(0, F_SETFL, fl | O_NONBLOCK);
	ktap_ok(fails(read(0, buf, sizeof(buf)), EAGAIN), "O_NONBLOCK without a line: EAGAIN");
	fcntl(0, F_SETFL, fl);
}

static void raw_cases(void)
{
	char buf[16];
	ssize_t n, got = 0;
	uint64_t t0;

	set_raw(1, 0);
	prompt(3);
	n = read(0, buf, 1);
	ktap_ok(n == 1 && buf[0] == 'q', "raw, VMIN 1: one byte");
	while (got < 2 && (n = read(0, buf + 1 + got, 2 - got)) > 0)
		got += n;
	ktap_ok(got == 2 && buf[1] == 0x7f && buf[2] == 0x04, "raw: DEL and ^D are plain bytes");
	set_raw(0, 0);
	ktap_ok(read(0, buf, sizeof(buf)) == 0, "raw, VMIN 0 VTIME 0: a poll, 0 bytes");
	set_raw(0, 3);
	t0 = now_ms();
	n = read(0, buf, sizeof(buf));
	ktap_ok(n == 0 && now_ms() - t0 >= 250, "raw, VMIN 0 VTIME 3: 0 bytes after 0.3 s (%lu ms)",
		(unsigned long)(now_ms() - t0));
	tcsetattr(0, TCSAFLUSH, &saved);
}

/* A child in its own group: pgid = pid, as a shell makes it. */
static pid_t child_in_group(void (*body)(void))
{
	pid_t pid = fork();

	if (pid == 0) {
		setpgid(0, 0);
		body();
		_exit(0);
	}
	if (pid > 0)
		setpgid(pid, pid); /* both sides, as shells do: no race with tcsetpgrp */
	return pid;
}

/* A foreground reader: it makes its group the foreground itself too (SIGTTOU is blocked, as the
 * parent's mask), as shells do in both processes, so it never reads from the background. */
static void reader_body(void)
{
	char buf[64];

	tcsetpgrp(0, getpgrp());

	for (;;)
		if (read(0, buf, sizeof(buf)) < 0 && errno != EINTR)
			_exit(3);
}

static void background_reader_body(void)
{
	char buf[8];

	if (read(0, buf, sizeof(buf)) >= 0 || errno != EINTR)
		_exit(9);
	_exit(10);
}

static void ignoring_reader_body(void)
{
	char buf[8];

	signal(SIGTTIN, SIG_IGN);
	_exit(read(0, buf, sizeof(buf)) == -1 && errno == EIO ? 0 : 4);
}

static void other_session_body(void)
{
	pid_t pgrp;

	if (setsid() < 0)
		_exit(5);
	/* no controlling terminal any more: ENOTTY; and TIOCSCTTY is refused (a live session has
	 * the console) */
	if (ioctl(0, TIOCGPGRP, &pgrp) != -1 || errno != ENOTTY)
		_exit(6);
	if (ioctl(0, TIOCSCTTY, 0) != -1 || errno != EPERM)
		_exit(7);
	for (;;)
		sleep(100); /* glibc's pause() is ppoll, which Archipel does not have */
}

static void job_control_cases(void)
{
	sigset_t ttou;
	pid_t child, me = getpgrp();
	int status = 0;

	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, NULL); /* as a shell: tcsetpgrp from the background */

	child = child_in_group(reader_body);
	ktap_ok(tcsetpgrp(0, child) == 0 && tcgetpgrp(0) == child, "TIOCSPGRP: a child's group");
	prompt(4);
	waitpid(child, &status, 0);
	end_echo_line();
	ktap_ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT,
		"^C: SIGINT ends the foreground group's reader (status %#x)", status);
	ktap_ok(tcsetpgrp(0, me) == 0 && tcgetpgrp(0) == me,
		"back in the foreground (SIGTTOU blocked: allowed)");

	child = child_in_group(reader_body);
	tcsetpgrp(0, child);
	prompt(5);
	waitpid(child, &status, WUNTRACED);
	end_echo_line();
	ktap_ok(WIFSTOPPED(status) && WSTOPSIG(status) == SIGTSTP, "^Z: SIGTSTP stops it (status %#x)",
		status);
	tcsetpgrp(0, me);
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	ktap_ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "the stopped child killed");

	child = child_in_group(background_reader_body);
	waitpid(child, &status, WUNTRACED);
	ktap_ok(WIFSTOPPED(status) && WSTOPSIG(status) == SIGTTIN,
		"a background reader is stopped by SIGTTIN (status %#x)", status);
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	child = child_in_group(ignoring_reader_body);
	waitpid(child, &status, 0);
	ktap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		"a background reader ignoring SIGTTIN gets EIO (status %#x)", status);
	ktap_ok(tcgetpgrp(0) == me, "the foreground group is the test's");

	child = fork();
	if (child == 0)
		other_session_body();
	usleep(200000); /* its setsid */
	errno = 0;
	ktap_ok(fails(tcsetpgrp(0, child), EPERM), "TIOCSPGRP with a group of another session: EPERM");
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	ktap_ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		"after setsid: no controlling terminal (ENOTTY), TIOCSCTTY refused (status %#x)", status);
	ktap_ok(fails(tcsetpgrp(0, 0x7ffe), ESRCH), "TIOCSPGRP with a group nobody is in: ESRCH");
	ktap_ok(fails(ioctl(0, TIOCSPGRP, &(pid_t){ -3 }), EINVAL), "TIOCSPGRP negative: EINVAL");
	child = fork();
	if (child == 0)
		_exit(ioctl(0, TIOCSCTTY, 0) == -1 && errno == EPERM ? 0 : 8);
	waitpid(child, &status, 0);
	ktap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		"TIOCSCTTY by a process that leads no session: EPERM");
	sigprocmask(SIG_UNBLOCK, &ttou, NULL);
}

static void error_cases(void)
{
	int p[2], null, avail;
	struct termios t;

	ktap_ok(fails(ioctl(0, TCGETS, kernel_address), EFAULT), "TCGETS to a kernel address: EFAULT");
	ktap_ok(fails(ioctl(0, TCSETS, (void *)16), EFAULT), "TCSETS from a bad pointer: EFAULT");
	ktap_ok(fails(ioctl(0, FIONREAD, kernel_address), EFAULT), "FIONREAD to a bad pointer: EFAULT");
	ktap_ok(fails(read(0, kernel_address, 10), EFAULT), "read into a kernel address: EFAULT");
	ktap_ok(fails(ioctl(0, 0x5499, &t), ENOTTY), "an unknown ioctl on the console: ENOTTY");
	if (pipe(p) == 0) {
		ktap_ok(fails(ioctl(p[0], TCGETS, &t), ENOTTY) && fails(ioctl(p[1], TIOCGPGRP, &avail),
			ENOTTY) && !isatty(p[0]), "tty ioctls on a pipe: ENOTTY");
		close(p[0]);
		close(p[1]);
	} else {
		ktap_ok(false, "pipe");
	}
	null = open("/dev/null", O_RDWR);
	ktap_ok(null >= 0 && fails(ioctl(null, TCGETS, &t), ENOTTY) &&
		fails(ioctl(null, TIOCSPGRP, &avail), ENOTTY), "tty ioctls on /dev/null: ENOTTY");
	close(null);
}

int main(void)
{
	ktap_plan(PLAN);
	termios_cases();
	canonical_cases();
	raw_cases();
	job_control_cases();
	error_cases();
	return ktap_exit();
}
