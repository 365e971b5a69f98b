/*
 * launch.c - running the program named on the kernel command line (see launch.h).
 */
#include <fs/vfs.h>
#include <hal_remote.h>
#include <kern/cluster.h>
#include <kern/exec.h>
#include <kern/launch.h>
#include <kern/printk.h>
#include <kern/process.h>
#include <kern/thread.h>
#include <libk/cmdline.h>
#include <libk/errno.h>
#include <libk/string.h>

#define LAUNCH_ARGS_MAX 32

static const char *program_part(const char *cmdline)
{
	const char *p = cmdline;

	while ((p = strchr(p, '-')) != NULL) {
		bool starts = p == cmdline || p[-1] == ' ';
		if (starts && p[1] == '-' && (p[2] == ' ' || p[2] == 0))
			return p[2] ? p + 3 : p + 2;
		p++;
	}
	return NULL;
}

bool launch_requested(const char *cmdline)
{
	const char *prog = program_part(cmdline);

	while (prog && *prog == ' ')
		prog++;
	return prog && *prog;
}

/*
 * The words to run, into @line: what follows `--`, else `init=PATH`, else LAUNCH_DEFAULT_INIT.
 * A program named after `--` keeps its arguments; init gets none (as Linux's init=).
 */
static void launch_words(const char *cmdline, char *line, size_t size)
{
	if (launch_requested(cmdline))
		strlcpy(line, program_part(cmdline), size);
	else if (!cmdline_get(cmdline, "init", line, size) || !*line)
		strlcpy(line, LAUNCH_DEFAULT_INIT, size);
}

cxy_t launch_cluster(const char *cmdline)
{
	unsigned long cxy;

	if (!cmdline_get_uint(cmdline, "launch_cluster", &cxy))
		return 0;
	if (cxy >= cluster_count()) {
		if (local_cxy == 0) /* once, not once per cluster asking */
				pr_warn("launch: launch_cluster=%lu is not a cluster: launching in cluster 0",
				cxy);
		return 0;
	}
	return (cxy_t)cxy;
}

/* Split @line (modified) at spaces into @argv (NULL-terminated); returns argc. */
static int split_args(char *line, char *argv[LAUNCH_ARGS_MAX + 1])
{
	int argc = 0;

	for (char *tok = line; *tok && argc < LAUNCH_ARGS_MAX;) {
		while (*tok == ' ')
			tok++;
		if (!*tok)
			break;
		argv[argc++] = tok;
		while (*tok && *tok != ' ')
			tok++;
		if (*tok)
			*tok++ = 0;
	}
	argv[argc] = NULL;
	return argc;
}

/* fds 0, 1, 2 on the console. */
static error_t open_console(process_t *p)
{
	for (int fd = 0; fd < 3; fd++) {
		xptr_t file_xp;
		error_t error = vfs_open(local_cxy, p->cwd_xp, "/dev/console", O_RDWR, 0, &file_xp);
		if (error)
			return error;
		if (fd_install(XPTR(local_cxy, p), file_xp, fd, false) != fd)
			return EMFILE;
	}
	return 0;
}

static unsigned exit_code(int status)
{
	if (status & 0x7f)
		return 128 + (unsigned)(status & 0x7f);
	return (unsigned)(status >> 8) & 0xff;
}

unsigned launch_program(const char *cmdline)
{
	static char line[CONFIG_CMDLINE_MAX];
	static char *const envp[] = { "PATH=/bin", "HOME=/", "TERM=vt100", NULL };
	char *argv[LAUNCH_ARGS_MAX + 1];
	process_t *p = NULL;
	uintptr_t entry, sp;
	uint32_t trdid;
	error_t error;
	int status;

	launch_words(cmdline, line, sizeof(line));
	split_args(line, argv);
	error = process_create(argv[0], &p);
	if (!error)
		error = open_console(p);
	if (!error) /* its controlling terminal, its group in the foreground: a shell's job control */
		vfs_console_attach(p->pid, p->pid);
	if (!error)
		error = exec_load(p, argv[0], argv, envp, &entry, &sp);
	if (!error) {
		user_start_t start = { .pc = entry, .sp = sp };
		xptr_t thread_xp;
		error = process_thread_create(XPTR(local_cxy, p), local_cxy, (lid_t)-1, &start, false,
					      &trdid, &thread_xp);
		if (!error) { /* known as the main thread before it can exit */
			p->main_trdid = trdid;
			process_set_init(XPTR(local_cxy, p)); /* orphans become its children */
			thread_unblock(thread_xp, THREAD_BLOCKED_NEW);
		}
	}
	if (error) {
		pr_err("launch: cannot run %s: error %d", argv[0], error);
		if (p)
			process_release(XPTR(local_cxy, p)); /* it never had a thread */
		return error == ENOENT || error == ENOTDIR ? 127 : 126;
	}
	pr_info("launch: %s is process %x, thread %x", argv[0], p->pid, trdid);
	status = process_wait_end(XPTR(local_cxy, p));
	process_release(XPTR(local_cxy, p));
	pr_info("launch: %s ended with status %x", argv[0], status);
	return exit_code(status);
}
