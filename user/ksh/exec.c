/*
 * exec.c - running a pipeline: one process per command, all in one new process group (the job),
 * joined by pipes, each with its redirections; a lone builtin in the foreground runs in the shell.
 */
#include "ksh.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SAVED_FD_MIN 10 /* where the shell keeps its own fds while a builtin is redirected */

struct saved_fd {
	int fd;                 /* the fd redirected                           */
	int copy;               /* its previous file, or -1 if it was closed   */
};

/* Open @r's file and put it on r->fd. Returns 0, or -1 after printing why. */
static int apply_redir(const struct redir *r)
{
	int fd, flags = 0;

	if (r->kind == REDIR_DUP) {
		if (dup2(r->dup_fd, r->fd) < 0) {
			fprintf(stderr, "ksh: %d: %s\n", r->dup_fd, strerror(errno));
			return -1;
		}
		return 0;
	}
	switch (r->kind) {
	case REDIR_IN:     flags = O_RDONLY; break;
	case REDIR_OUT:    flags = O_WRONLY | O_CREAT | O_TRUNC; break;
	case REDIR_APPEND: flags = O_WRONLY | O_CREAT | O_APPEND; break;
	case REDIR_DUP:    break;
	}
	fd = open(r->target, flags | O_CLOEXEC, 0666);
	if (fd < 0) {
		fprintf(stderr, "ksh: %s: %s\n", r->target, strerror(errno));
		return -1;
	}
	if (fd != r->fd) {
		int error = dup2(fd, r->fd) < 0 ? errno : 0;

		close(fd);
		if (error) {
			fprintf(stderr, "ksh: %s: %s\n", r->target, strerror(error));
			return -1;
		}
	} else {
		fcntl(fd, F_SETFD, 0);
	}
	return 0;
}

/* Put back the fds saved by run_builtin_here, last first. */
static void restore_fds(struct saved_fd *saved, int n)
{
	while (n-- > 0) {
		if (saved[n].copy >= 0) {
			dup2(saved[n].copy, saved[n].fd);
			close(saved[n].copy);
		} else {
			close(saved[n].fd);
		}
	}
}

/* A builtin in the shell itself (cd must change the shell's directory): redirect, run, restore. */
static void run_builtin_here(struct command *c)
{
	struct saved_fd *saved = calloc((size_t)c->nredirs + 1, sizeof(*saved));
	int n = 0, status = 1;

	if (!saved) {
		fprintf(stderr, "ksh: out of memory\n");
		sh.last_status = 1;
		return;
	}
	fflush(stdout);
	for (; n < c->nredirs; n++) {
		saved[n].fd = c->redirs[n].fd;
		saved[n].copy = fcntl(saved[n].fd, F_DUPFD_CLOEXEC, SAVED_FD_MIN);
		if (apply_redir(&c->redirs[n]) < 0) {
			n++;
			goto out;
		}
	}
	builtin_run(c->argv, c->argc, &status);
out:
	fflush(stdout);
	fflush(stderr);
	restore_fds(saved, n);
	free(saved);
	sh.last_status = status;
}

/* execve through $PATH (a name with a '/' as is). Never returns: 127 not found, 126 not runnable. */
static _Noreturn void exec_command(char **argv)
{
	const char *name = argv[0], *path = getenv("PATH");
	int error = ENOENT;

	if (strchr(name, '/')) {
		execv(name, argv);
		error = errno;
	} else {
		if (!path || !*path)
			path = "/bin";
		while (*path) {
			size_t dirlen = strcspn(path, ":");
			size_t size = dirlen + strlen(name) + 3;
			char *file = malloc(size);

			if (file) { /* an empty element is the current directory */
				snprintf(file, size, "%.*s/%s", dirlen ? (int)dirlen : 1,
					 dirlen ? path : ".", name);
				execv(file, argv);
				if (errno != ENOENT && errno != ENOTDIR)
					error = errno; /* found but not runnable: say why */
				free(file);
			}
			path += dirlen;
			if (*path == ':')
				path++;
		}
	}
	if (error == ENOENT) {
		fprintf(stderr, "ksh: %s: not found\n", name);
		_exit(127);
	}
	fprintf(stderr, "ksh: %s: %s\n", name, strerror(error));
	_exit(error == ENOTDIR ? 127 : 126);
}

/* In a child: join the job's group, take the terminal if foreground, plumb, redirect, run. */
static _Noreturn void child(struct command *c, pid_t pgid, bool foreground, int in, int out)
{
	int status;

	if (pgid == 0)
		pgid = getpid();
	setpgid(0, pgid);
	if (foreground && sh.interactive)
		tcsetpgrp(0, pgid); /* the parent does it too; SIGTTOU is still ignored here */
	shell_signals(SIG_DFL);
	if (in >= 0 && in != 0) {
		dup2(in, 0);
		close(in);
	}
	if (out >= 0 && out != 1) {
		dup2(out, 1);
		close(out);
	}
	for (int i = 0; i < c->nredirs; i++)
		if (apply_redir(&c->redirs[i]) < 0)
			_exit(1);
	if (builtin_run(c->argv, c->argc, &status)) {
		fflush(stdout);
		_exit(status);
	}
	exec_command(c->argv);
}

void run_pipeline(struct pipeline *p)
{
	struct job *j;
	int in = -1;

	if (p->ncmds == 1 && !p->background && builtin_is(p->cmds[0].argv[0])) {
		run_builtin_here(&p->cmds[0]);
		return;
	}
	j = job_new(p->ncmds, p->text);
	if (!j) {
		sh.last_status = 1;
		return;
	}
	fflush(stdout);
	fflush(stderr);
	for (int i = 0; i < p->ncmds; i++) {
		int fds[2] = { -1, -1 };
		pid_t pid;

		if (i < p->ncmds - 1 && pipe2(fds, O_CLOEXEC) < 0) {
			fprintf(stderr, "ksh: pipe: %s\n", strerror(errno));
			break;
		}
		pid = fork();
		if (pid == 0)
			child(&p->cmds[i], j->pgid, !p->background, in, fds[1]);
		if (pid < 0) {
			fprintf(stderr, "ksh: fork: %s\n", strerror(errno));
			close(fds[0]);
			close(fds[1]);
			break;
		}
		if (j->pgid == 0)
			j->pgid = pid;
		setpgid(pid, j->pgid); /* both sides set it: whichever runs first */
		j->pids[j->nprocs++] = pid;
		if (in >= 0)
			close(in);
		if (fds[1] >= 0)
			close(fds[1]);
		in = fds[0];
	}
	if (in >= 0)
		close(in);
	if (j->nprocs == 0) {
		job_free(j);
		sh.last_status = 1;
		return;
	}
	if (p->background) {
		sh.last_bg_pid = j->pids[j->nprocs - 1];
		job_background(j);
		sh.last_status = 0;
	} else {
		sh.last_status = job_wait_foreground(j, false);
	}
}
