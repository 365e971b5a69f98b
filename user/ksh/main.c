/*
 * main.c - ksh, the shell of Archipel (docs/shell.md).
 *
 *   ksh              read commands from stdin: with the line editor and job control when stdin
 *                    is a terminal (tcgetattr works), else plain lines without prompt or echo
 *   ksh -c 'line'    run one line and exit with its status
 *
 * The shell ignores SIGINT, SIGQUIT, SIGTSTP, SIGTTIN and SIGTTOU; its children get the default
 * actions back before they exec. It exits at the end of input (^D on an empty line) or by `exit`.
 */
#include "ksh.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct shell sh;

void shell_signals(void (*action)(int))
{
	static const int sigs[] = { SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU };

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], action);
}

/* A line from a stdin that is not a terminal, one byte at a time (a child may read the rest). */
static char *plain_read_line(void)
{
	size_t len = 0, cap = 128;
	char *buf = malloc(cap);

	if (!buf)
		return NULL;
	for (;;) {
		char c;
		ssize_t n = read(0, &c, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (len == 0) {
				free(buf);
				return NULL;
			}
			break;
		}
		if (c == '\n')
			break;
		if (len + 2 > cap) {
			char *bigger = realloc(buf, cap * 2);

			if (!bigger)
				break;
			buf = bigger;
			cap *= 2;
		}
		buf[len++] = c;
	}
	buf[len] = 0;
	return buf;
}

static void run_line(const char *line)
{
	struct parsed parsed;

	if (parse_line(line, &parsed) < 0) {
		sh.last_status = 2;
		return;
	}
	for (int i = 0; i < parsed.npipes; i++)
		run_pipeline(&parsed.pipes[i]);
	parsed_free(&parsed);
}

/* The shell's own process group, with the terminal: a job-control shell. */
static void take_terminal(void)
{
	if (getpgrp() != getpid() && setpgid(0, 0) < 0 && errno != EPERM)
		fprintf(stderr, "ksh: setpgid: %s\n", strerror(errno));
	sh.pgid = getpgrp();
	tcsetpgrp(0, sh.pgid); /* ENOTTY on a console without job control: fine */
}

static void prompt(char *buf, size_t size)
{
	char dir[PATH_MAX];

	if (!getcwd(dir, sizeof(dir)))
		snprintf(dir, sizeof(dir), "?");
	snprintf(buf, size, "ksh:%s$ ", dir);
}

int main(int argc, char **argv)
{
	static char buf[PATH_MAX + 16];

	setvbuf(stdout, NULL, _IOLBF, 0);
	shell_signals(SIG_IGN);
	sh.pgid = getpgrp();
	if (argc == 3 && !strcmp(argv[1], "-c")) {
		run_line(argv[2]);
		return sh.last_status;
	}
	if (argc > 1) {
		fprintf(stderr, "usage: ksh [-c line]\n");
		return 2;
	}
	sh.interactive = isatty(0) && tcgetattr(0, &sh.tmodes) == 0;
	if (sh.interactive) {
		take_terminal();
		printf("ksh: the Archipel shell; 'help' lists the commands\n");
	}
	for (;;) {
		char *line;

		jobs_notify();
		if (sh.interactive) {
			prompt(buf, sizeof(buf));
			line = edit_read_line(buf);
		} else {
			line = plain_read_line();
		}
		if (!line)
			break;
		run_line(line);
		free(line);
	}
	if (sh.interactive)
		printf("exit\n");
	return sh.last_status;
}
