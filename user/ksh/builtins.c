/*
 * builtins.c - the commands ksh runs itself. A builtin alone in the foreground runs in the shell
 * (its redirections undone afterwards); in a pipeline or in the background it runs in a child.
 * A wrong argument prints a usage line and gives status 2; a failing call prints its errno message.
 */
#include "ksh.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/reboot.h>
#include <unistd.h>

struct builtin {
	const char *name;
	const char *args;
	const char *what;
	int (*run)(char **argv, int argc);
};

static const struct builtin *find(const char *name);

static int usage(const char *name)
{
	const struct builtin *b = find(name);

	fprintf(stderr, "usage: %s%s%s\n", name, *b->args ? " " : "", b->args);
	return 2;
}

static int bi_cd(char **argv, int argc)
{
	const char *dir = argc > 1 ? argv[1] : getenv("HOME");

	if (argc > 2)
		return usage("cd");
	if (!dir || !*dir)
		dir = "/";
	if (chdir(dir) < 0) {
		fprintf(stderr, "ksh: cd: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	return 0;
}

static int bi_pwd(char **argv, int argc)
{
	char dir[PATH_MAX];

	(void)argv;
	if (argc > 1)
		return usage("pwd");
	if (!getcwd(dir, sizeof(dir))) {
		fprintf(stderr, "ksh: pwd: %s\n", strerror(errno));
		return 1;
	}
	printf("%s\n", dir);
	return 0;
}

/* A whole decimal number in [min, max] from @s, or false. */
static bool parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static int bi_exit(char **argv, int argc)
{
	static bool warned;
	long code = sh.last_status;

	if (argc > 2 || (argc == 2 && !parse_int(argv[1], 0, 255, &code)))
		return usage("exit");
	if (jobs_count() > 0 && !warned && sh.interactive) {
		warned = true;
		fprintf(stderr, "ksh: there are jobs left; exit again to leave them\n");
		return 1;
	}
	fflush(stdout);
	exit((int)code);
}

static int bi_jobs(char **argv, int argc)
{
	(void)argv;
	if (argc > 1)
		return usage("jobs");
	jobs_list();
	return 0;
}

static int bi_fg(char **argv, int argc)
{
	struct job *j;

	if (argc > 2)
		return usage("fg");
	j = job_find(argc > 1 ? argv[1] : NULL, "fg");
	return j ? job_fg(j) : 1;
}

static int bi_bg(char **argv, int argc)
{
	struct job *j;

	if (argc > 2)
		return usage("bg");
	j = job_find(argc > 1 ? argv[1] : NULL, "bg");
	return j ? job_bg(j) : 1;
}

static const struct { const char *name; int sig; } signal_names[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "ILL", SIGILL },
	{ "ABRT", SIGABRT }, { "FPE", SIGFPE }, { "KILL", SIGKILL }, { "SEGV", SIGSEGV },
	{ "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM }, { "USR1", SIGUSR1 },
	{ "USR2", SIGUSR2 }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT }, { "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP }, { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU }, { "WINCH", SIGWINCH },
};

/* A signal given as a number, NAME or SIGNAME; -1 if none. */
static int parse_signal(const char *s)
{
	long n;

	if (parse_int(s, 0, NSIG - 1, &n))
		return (int)n;
	if (!strncmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < sizeof(signal_names) / sizeof(signal_names[0]); i++)
		if (!strcasecmp(s, signal_names[i].name))
			return signal_names[i].sig;
	return -1;
}

static int bi_kill(char **argv, int argc)
{
	int sig = SIGTERM, status = 0, i = 1;

	if (argc == 2 && !strcmp(argv[1], "-l")) {
		for (size_t k = 0; k < sizeof(signal_names) / sizeof(signal_names[0]); k++)
			printf("%2d %s\n", signal_names[k].sig, signal_names[k].name);
		return 0;
	}
	if (i < argc && argv[i][0] == '-' && argv[i][1]) {
		sig = parse_signal(!strcmp(argv[i], "-s") && i + 1 < argc ? argv[++i] : argv[i] + 1);
		if (sig < 0) {
			fprintf(stderr, "ksh: kill: %s: unknown signal\n", argv[i]);
			return usage("kill");
		}
		i++;
	}
	if (i >= argc)
		return usage("kill");
	for (; i < argc; i++) {
		pid_t target;
		long n;

		if (argv[i][0] == '%') {
			struct job *j = job_find(argv[i], "kill");

			if (!j) {
				status = 1;
				continue;
			}
			target = -j->pgid;
			if (kill(target, sig) == 0 && j->state == JOB_STOPPED &&
			    sig != SIGKILL && sig != SIGCONT)
				kill(target, SIGCONT); /* a stopped job must run to act on it */
			continue;
		}
		if (!parse_int(argv[i], LONG_MIN, LONG_MAX, &n) || n != (pid_t)n) {
			fprintf(stderr, "ksh: kill: %s: not a pid or %%job\n", argv[i]);
			status = usage("kill");
			continue;
		}
		target = (pid_t)n;
		if (kill(target, sig) < 0) {
			fprintf(stderr, "ksh: kill: %s: %s\n", argv[i], strerror(errno));
			status = 1;
		}
	}
	return status;
}

static int bi_echo(char **argv, int argc)
{
	bool newline = true;
	int i = 1;

	if (i < argc && !strcmp(argv[i], "-n")) {
		newline = false;
		i++;
	}
	for (; i < argc; i++)
		printf("%s%s", argv[i], i + 1 < argc ? " " : "");
	if (newline)
		printf("\n");
	return fflush(stdout) == 0 ? 0 : 1;
}

static int bi_poweroff(char **argv, int argc)
{
	(void)argv;
	if (argc > 1)
		return usage("poweroff");
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF); /* returns only on failure */
	fprintf(stderr, "ksh: poweroff: %s\n", strerror(errno));
	return 1;
}

static int bi_display(char **argv, int argc)
{
	return display_builtin(argv, argc);
}

static int bi_help(char **argv, int argc);

static const struct builtin builtins[] = {
	{ "cd", "[dir]", "change directory ($HOME, else /)", bi_cd },
	{ "pwd", "", "print the current directory", bi_pwd },
	{ "echo", "[-n] [word...]", "print the words", bi_echo },
	{ "exit", "[n]", "leave the shell with status n (default $?)", bi_exit },
	{ "jobs", "", "list the background and stopped jobs", bi_jobs },
	{ "fg", "[%n]", "continue job n in the foreground", bi_fg },
	{ "bg", "[%n]", "continue stopped job n in the background", bi_bg },
	{ "kill", "[-SIG | -s SIG] pid|%n... | -l", "send a signal (default TERM)", bi_kill },
	{ "display", "what [args]", "print a kernel structure (below)", bi_display },
	{ "help", "", "this list", bi_help },
	{ "poweroff", "", "power the machine off", bi_poweroff },
	{ NULL, NULL, NULL, NULL },
};

static int bi_help(char **argv, int argc)
{
	(void)argv;
	if (argc > 1)
		return usage("help");
	printf("ksh builtins:\n");
	for (const struct builtin *b = builtins; b->name; b++) {
		char head[64];

		if (!strcmp(b->name, "display"))
			continue;
		snprintf(head, sizeof(head), "%s %s", b->name, b->args);
		printf("  %-30s %s\n", head, b->what);
	}
	display_help();
	printf("Other commands are programs of $PATH (/bin): ls cat sleep ps top free ...\n"
	       "cmd1 | cmd2, cmd &, cmd ; cmd, < file, > file, >> file, 2> file, 2>&1, '...', \"...\", $?\n");
	return 0;
}

static const struct builtin *find(const char *name)
{
	for (const struct builtin *b = builtins; b->name; b++)
		if (!strcmp(b->name, name))
			return b;
	return NULL;
}

bool builtin_is(const char *name)
{
	return find(name) != NULL;
}

bool builtin_run(char **argv, int argc, int *status)
{
	const struct builtin *b = find(argv[0]);

	if (!b)
		return false;
	*status = b->run(argv, argc);
	fflush(stdout);
	return true;
}
