/*
 * ops_process.c - the sweep's process and file operations (sweep.h): fork, execve, clone of a
 * thread in another cluster, pipe2, openat creating a file of the RAM file system.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "almos.h"
#include "sweep.h"

#define NEW_PATH   "/tmp/failnth.new"
#define CHILD_EXIT 7

#define EXEC_FAILED_UNFIRED 100 /* added to the errno of a failed exec that was not injected */
#define EXEC_KILLED         1000 /* answer: killed by SIGSEGV past exec's point of no return */

static pid_t child;
static int fds[2] = { -1, -1 };
static int new_fd = -1;

/* ---- fork ----------------------------------------------------------------------------------- */

/* The raw call (glibc's fork() could make others first): the child exits at once. */
static int call_fork(unsigned long n, bool *fired)
{
	int status = 0;

	sweep_arm(n);
	child = (pid_t)syscall(SYS_clone, SIGCHLD, 0, NULL, NULL, 0);
	if (child == 0)
		syscall(SYS_exit_group, CHILD_EXIT);
	int err = child < 0 ? errno : 0;
	*fired = sweep_fired(n);
	if (err)
		return err;
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != CHILD_EXIT)
		return SWEEP_WRONG;
	return 0;
}

/* The child made in another cluster: the parent's side asks that cluster by RPC to make it. */
static bool setup_fork_other(void)
{
	return place_next((int)sweep_other_cluster(), PLACE_ANY_CORE) == 0;
}

static bool undo_fork_other(int result)
{
	(void)result;
	return place_next(PLACE_DEFAULT, PLACE_ANY_CORE) == 0; /* a failed fork leaves the hint */
}

static bool undo_nothing(int result)
{
	(void)result;
	return true;
}

/* ---- execve --------------------------------------------------------------------------------- */

/*
 * A child arms and execs this program in its --report mode, which exits with whether the exec's
 * failure fired; a failed exec exits with its errno (plus EXEC_FAILED_UNFIRED if not injected).
 * Past the point of no return a failure kills the process with SIGSEGV, as Linux.
 */
static int call_execve(unsigned long n, bool *fired)
{
	char *const argv[] = { (char *)sweep_self_path, "--report", NULL };
	char *const envp[] = { NULL };
	int status = 0;

	child = fork();
	if (child == 0) {
		sweep_arm(n);
		execve(sweep_self_path, argv, envp);
		int err = errno;
		_exit(err + (sweep_fired(n) ? 0 : EXEC_FAILED_UNFIRED));
	}
	if (child < 0 || waitpid(child, &status, 0) != child)
		return SWEEP_WRONG;
	*fired = true;
	if (WIFSIGNALED(status))
		return WTERMSIG(status) == SIGSEGV ? EXEC_KILLED : SWEEP_WRONG;
	if (!WIFEXITED(status))
		return SWEEP_WRONG;
	status = WEXITSTATUS(status);
	if (status == SWEEP_EXEC_FIRED || status == SWEEP_EXEC_UNFIRED) {
		*fired = n > 0 && status == SWEEP_EXEC_FIRED;
		return 0;
	}
	if (status > EXEC_FAILED_UNFIRED) {
		*fired = false;
		status -= EXEC_FAILED_UNFIRED;
	}
	return status;
}

/* ---- clone: a thread in another cluster ----------------------------------------------------- */

static char thread_stack[64 * 1024] __attribute__((aligned(16)));
static volatile pid_t thread_tid;   /* the kernel writes the tid, then 0 at the thread's end */
static volatile int thread_ran;

/* The thread runs on our stack area without its own TLS: it touches nothing of glibc's. */
static int thread_fn(void *arg)
{
	(void)arg;
	thread_ran = 1;
	return 0; /* glibc's clone() then makes the exit system call */
}

static bool setup_clone(void)
{
	memset(thread_stack, 0, sizeof(thread_stack)); /* mapped before the call */
	thread_ran = 0;
	return place_next((int)sweep_other_cluster(), PLACE_ANY_CORE) == 0;
}

static int call_clone(unsigned long n, bool *fired)
{
	int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
		    CLONE_SYSVSEM | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
	pid_t tid;

	sweep_arm(n);
	tid = clone(thread_fn, thread_stack + sizeof(thread_stack), flags, NULL,
		    (pid_t *)&thread_tid, NULL, (pid_t *)&thread_tid);
	int err = tid < 0 ? errno : 0;
	*fired = sweep_fired(n);
	if (err)
		return err;
	for (pid_t t; (t = thread_tid) != 0;)
		syscall(SYS_futex, &thread_tid, FUTEX_WAIT, t, NULL, NULL, 0);
	return thread_ran ? 0 : SWEEP_WRONG;
}

static bool undo_clone(int result)
{
	(void)result;
	return place_next(PLACE_DEFAULT, PLACE_ANY_CORE) == 0; /* a failed clone leaves the hint */
}

/* ---- pipe2 ---------------------------------------------------------------------------------- */

static int call_pipe2(unsigned long n, bool *fired)
{
	char c = 0;

	sweep_arm(n);
	int err = pipe2(fds, O_CLOEXEC) ? errno : 0;
	*fired = sweep_fired(n);
	if (err)
		return err;
	return write(fds[1], "p", 1) == 1 && read(fds[0], &c, 1) == 1 && c == 'p' ? 0 : SWEEP_WRONG;
}

static bool undo_pipe2(int result)
{
	bool ok = result || (close(fds[0]) == 0 && close(fds[1]) == 0);

	fds[0] = fds[1] = -1;
	return ok;
}

/* ---- openat: a new file of the RAM file system ---------------------------------------------- */

static int call_open_creat(unsigned long n, bool *fired)
{
	struct stat st;

	sweep_arm(n);
	new_fd = open(NEW_PATH, O_RDWR | O_CREAT | O_EXCL, 0600);
	int err = new_fd < 0 ? errno : 0;
	*fired = sweep_fired(n);
	if (err)
		return err;
	return write(new_fd, "hello", 5) == 5 && fstat(new_fd, &st) == 0 && st.st_size == 5 ?
	       0 : SWEEP_WRONG;
}

/* After a success the file goes; after a failure there must be no file. */
static bool undo_open_creat(int result)
{
	if (result)
		return access(NEW_PATH, F_OK) != 0 && errno == ENOENT;
	return close(new_fd) == 0 && unlink(NEW_PATH) == 0;
}

const struct sweep_op sweep_process_ops[] = {
	{ "fork", NULL, call_fork, undo_nothing, { ENOMEM, EAGAIN } },
	{ "fork_other_cluster", setup_fork_other, call_fork, undo_fork_other, { ENOMEM, EAGAIN } },
	{ "execve", NULL, call_execve, undo_nothing, { ENOMEM, EXEC_KILLED } },
	{ "clone_thread_other_cluster", setup_clone, call_clone, undo_clone, { ENOMEM, EAGAIN } },
	{ "pipe2", NULL, call_pipe2, undo_pipe2, { ENOMEM, ENFILE } },
	{ "openat_creat", NULL, call_open_creat, undo_open_creat, { ENOMEM } },
	{ NULL, NULL, NULL, NULL, { 0 } },
};
