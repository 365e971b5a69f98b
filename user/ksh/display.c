/*
 * display.c - `display WHAT ARGS`: ksh's front end to the ALMOS-MKH display() call (almos.h),
 * which prints a kernel structure on the kernel console (the console the shell writes to as well).
 * Arguments are checked here first (numbers, ranges from get_config()), so that a mistake gets a
 * usage line that names it; the kernel's own refusal is printed with its errno message.
 */
#include "ksh.h"

#include <almos.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum arg_kind { ARG_CXY, ARG_LID, ARG_PID };

struct display_cmd {
	const char *name;
	int type;               /* DISPLAY_*                                          */
	int nargs;              /* numbers required                                   */
	enum arg_kind kinds[2];
	const char *flag;       /* an optional flag setting the last argument to 1    */
	const char *args;       /* for usage and help                                 */
	const char *what;
};

static const struct display_cmd cmds[] = {
	{ "vmm", DISPLAY_VMM, 2, { ARG_CXY, ARG_PID }, "-m", "<cxy> <pid> [-m]",
	  "the VMM copy of process pid in cluster cxy; -m: with its PTEs" },
	{ "sched", DISPLAY_SCHED, 2, { ARG_CXY, ARG_LID }, NULL, "<cxy> <lid>",
	  "the scheduler of core lid of cluster cxy" },
	{ "process", DISPLAY_PROCESS, 1, { ARG_CXY }, "-o", "<cxy> [-o]",
	  "the process copies of cluster cxy; -o: those it owns" },
	{ "cluster", DISPLAY_CLUSTER, 1, { ARG_CXY }, NULL, "<cxy>",
	  "the cluster manager: cores, memory, counters" },
	{ "dqdt", DISPLAY_DQDT, 0, { 0 }, NULL, "", "the load tree of the machine" },
	{ "ppm", DISPLAY_PPM, 1, { ARG_CXY }, NULL, "<cxy>", "the physical page allocator of cxy" },
	{ "rpc", DISPLAY_RPC, 1, { ARG_CXY }, NULL, "<cxy>", "the RPC FIFOs and servers of cxy" },
	{ "vfs", DISPLAY_VFS, 0, { 0 }, NULL, "", "the file system tree" },
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

void display_help(void)
{
	printf("display commands (output on the kernel console; pids in decimal or 0x hex):\n");
	for (size_t i = 0; i < NCMDS; i++) {
		char head[64];

		snprintf(head, sizeof(head), "display %s %s", cmds[i].name, cmds[i].args);
		printf("  %-30s %s\n", head, cmds[i].what);
	}
}

static int usage(const struct display_cmd *c)
{
	if (c) {
		fprintf(stderr, "usage: display %s%s%s\n", c->name, *c->args ? " " : "", c->args);
		return 2;
	}
	fprintf(stderr, "usage: display");
	for (size_t i = 0; i < NCMDS; i++)
		fprintf(stderr, "%s%s", i ? " | " : " ", cmds[i].name);
	fprintf(stderr, " ... (help lists the arguments)\n");
	return 2;
}

/* @s as a decimal number or 0x hexadecimal, up to @max; false if it is not one. */
static bool parse_number(const char *s, unsigned long max, unsigned long *out)
{
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	char *end;
	unsigned long v;

	if (!(hex ? s[2] : s[0]) || s[0] == '-' || s[0] == '+')
		return false;
	errno = 0;
	v = strtoul(hex ? s + 2 : s, &end, hex ? 16 : 10);
	if (*end || errno || v > max)
		return false;
	*out = v;
	return true;
}

/* Check argument @s of kind @kind against the machine's shape; prints why not. */
static bool check_arg(const struct display_cmd *c, enum arg_kind kind, const char *s,
		      unsigned long *out)
{
	static const char *names[] = { "cxy", "lid", "pid" };
	unsigned int clusters = 0, cores = 0;
	unsigned long limit = 0x7fffffff;

	if (!parse_number(s, 0xffffffffUL, out)) {
		fprintf(stderr, "ksh: display %s: %s '%s' is not a number\n", c->name, names[kind], s);
		usage(c);
		return false;
	}
	if (kind != ARG_PID) {
		if (get_config(&clusters, &cores) < 0) {
			fprintf(stderr, "ksh: display: get_config: %s\n", strerror(errno));
			return false;
		}
		limit = (kind == ARG_CXY ? clusters : cores) - 1;
	}
	if (*out > limit) {
		fprintf(stderr, "ksh: display %s: %s %s out of range (0..%lu)\n", c->name,
			names[kind], s, limit);
		usage(c);
		return false;
	}
	return true;
}

int display_builtin(char **argv, int argc)
{
	const struct display_cmd *c = NULL;
	long args[3] = { 0, 0, 0 };
	int n;

	if (argc < 2)
		return usage(NULL);
	for (size_t i = 0; i < NCMDS; i++)
		if (!strcmp(argv[1], cmds[i].name))
			c = &cmds[i];
	if (!c) {
		fprintf(stderr, "ksh: display: unknown '%s'\n", argv[1]);
		return usage(NULL);
	}
	n = argc - 2;
	if (c->flag && n == c->nargs + 1 && !strcmp(argv[argc - 1], c->flag)) {
		args[c->nargs] = 1;
		n--;
	}
	if (n != c->nargs)
		return usage(c);
	for (int i = 0; i < n; i++) {
		unsigned long v;

		if (!check_arg(c, c->kinds[i], argv[2 + i], &v))
			return 2;
		args[i] = (long)v;
	}
	fflush(stdout);
	if (display(c->type, args[0], args[1], args[2]) < 0) {
		int error = errno;

		if (error == ESRCH && c->type == DISPLAY_VMM)
			fprintf(stderr, "ksh: display vmm: process %s has no copy in cluster %s\n",
				argv[3], argv[2]);
		else
			fprintf(stderr, "ksh: display %s: %s\n", c->name, strerror(error));
		return 1;
	}
	return 0;
}
