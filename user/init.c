/*
 * init.c - /bin/init, the first user process when the kernel command line names no program
 * (kernel/kern/launch.h; docs/shell.md).
 *
 * It leads a new session with the console as its controlling terminal, starts /bin/ksh in a
 * process group of its own that has the terminal's foreground, starts it again when it ends, and
 * reaps every process that ends without a parent (orphans become init's children). It never
 * exits: the machine ends with `poweroff` (reboot(2)), and the kernel would power off if init
 * ended.
 *
 * Nothing is mounted: the root file system is the initramfs, unpacked by the kernel into its RAM
 * file system, /dev is the kernel's (console, null, zero) and /tmp is a directory of the archive.
 * There is no /proc or /sys to mount.
 *
 * The terminal calls (TIOCSCTTY, tcsetpgrp) are Linux's; a console without them answers ENOTTY or
 * EINVAL, which is tolerated: the shell then runs without a controlling terminal.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SHELL           "/bin/ksh"
#define QUICK_DEATH_S   5   /* a shell ending this soon after its start ended "quickly"     */
#define QUICK_DEATHS    5   /* so many quick ends in a row: stop starting it                */

/* Signals a job-control parent ignores; its children get the default actions back. */
static const int ignored_signals[] = { SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU, SIGHUP };

static void set_ignored(void (*action)(int))
{
	for (size_t i = 0; i < sizeof(ignored_signals) / sizeof(ignored_signals[0]); i++)
		signal(ignored_signals[i], action);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A terminal call that a console without job control may refuse. */
static void tty_call_failed(const char *what)
{
	if (errno != ENOTTY && errno != EINVAL)
		fprintf(stderr, "init: %s: %s\n", what, strerror(errno));
}

/* Start the shell in a new process group given the terminal. Returns its pid, or -1. */
static pid_t start_shell(void)
{
	pid_t pid = fork();

	if (pid < 0) {
		fprintf(stderr, "init: fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		char *const argv[] = { "-ksh", NULL };

		setpgid(0, 0);
		if (tcsetpgrp(0, getpid()) < 0) /* SIGTTOU is still ignored here */
			tty_call_failed("tcsetpgrp");
		set_ignored(SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		execv(SHELL, argv);
		fprintf(stderr, "init: cannot run %s: %s\n", SHELL, strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid); /* either side may run first: both set it */
	if (tcsetpgrp(0, pid) < 0 && errno != ESRCH && errno != EPERM)
		tty_call_failed("tcsetpgrp");
	return pid;
}

static void describe_end(int status)
{
	if (WIFEXITED(status))
		printf("init: %s exited with status %d\n", SHELL, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		printf("init: %s was killed by signal %d (%s)\n", SHELL, WTERMSIG(status),
		       strsignal(WTERMSIG(status)));
	fflush(stdout);
}

static void on_sigchld(int sig)
{
	(void)sig; /* only ends sigsuspend */
}

int main(void)
{
	sigset_t chld, waiting;
	unsigned int quick = 0;
	double started = 0;
	pid_t shell = -1;

	if (setsid() < 0 && errno != EPERM) /* EPERM: the first process already leads its session */
		fprintf(stderr, "init: setsid: %s\n", strerror(errno));
	if (ioctl(0, TIOCSCTTY, 0) < 0)
		tty_call_failed("TIOCSCTTY");
	set_ignored(SIG_IGN);
	/* SIGCHLD blocked but for sigsuspend: an orphan arriving while we have no child wakes us. */
	signal(SIGCHLD, on_sigchld);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &waiting);
	sigdelset(&waiting, SIGCHLD);

	for (;;) {
		int status;
		pid_t pid;

		if (shell < 0 && quick < QUICK_DEATHS) {
			started = now_s();
			shell = start_shell();
			if (shell < 0)
				quick++;
		}
		pid = waitpid(-1, &status, 0);
		if (pid < 0) {
			if (errno == ECHILD)
				sigsuspend(&waiting);
			else if (errno != EINTR)
				fprintf(stderr, "init: wait: %s\n", strerror(errno));
			continue;
		}
		if (pid != shell)
			continue; /* an orphan, reaped */
		shell = -1;
		describe_end(status);
		quick = now_s() - started < QUICK_DEATH_S ? quick + 1 : 0;
		if (quick >= QUICK_DEATHS)
			printf("init: %s ended %u times in a row within %d s of its start: not starting "
			       "it again\n", SHELL, quick, QUICK_DEATH_S);
		else
			printf("init: starting %s again\n", SHELL);
		fflush(stdout);
	}
}
