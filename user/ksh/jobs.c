/*
 * jobs.c - the job table: every pipeline is a job (one process group); a job stays in the table
 * while it runs in the background or is stopped. The shell waits for any child (wait4 -1) and
 * files each report under the job of that pid, so that a pipeline whose first process ended before
 * the next one joined the group is still waited for properly.
 *
 * The current job (`+`, what fg and bg take by default) is the last one stopped or put in the
 * background; the previous one is `-`.
 */
#include "ksh.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static struct job **table;  /* the jobs by slot; NULL: free */
static int table_size;
static int current_id, previous_id;

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		fprintf(stderr, "ksh: out of memory\n");
	return p;
}

struct job *job_new(int nprocs, const char *text)
{
	struct job *j = xcalloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->pids = xcalloc((size_t)nprocs, sizeof(pid_t));
	j->status = xcalloc((size_t)nprocs, sizeof(int));
	j->ended = xcalloc((size_t)nprocs, sizeof(bool));
	j->text = strdup(text);
	if (!j->pids || !j->status || !j->ended || !j->text) {
		job_free(j);
		return NULL;
	}
	return j;
}

void job_free(struct job *j)
{
	free(j->pids);
	free(j->status);
	free(j->ended);
	free(j->text);
	free(j);
}

int status_code(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	if (WIFSTOPPED(wstatus))
		return 128 + WSTOPSIG(wstatus);
	return 1;
}

/* Give @j a number and a slot; it becomes the current job. Returns false if out of memory. */
static bool job_add(struct job *j)
{
	int slot = -1, max_id = 0;

	for (int i = 0; i < table_size; i++) {
		if (!table[i] && slot < 0)
			slot = i;
		if (table[i] && table[i]->id > max_id)
			max_id = table[i]->id;
	}
	if (slot < 0) {
		struct job **bigger = realloc(table, (size_t)(table_size + 8) * sizeof(*table));

		if (!bigger) {
			fprintf(stderr, "ksh: out of memory\n");
			return false;
		}
		memset(bigger + table_size, 0, 8 * sizeof(*table));
		table = bigger;
		slot = table_size;
		table_size += 8;
	}
	j->id = max_id + 1;
	table[slot] = j;
	previous_id = current_id;
	current_id = j->id;
	return true;
}

/* Take @j out of the table (it stays allocated). */
static void job_forget(struct job *j)
{
	for (int i = 0; i < table_size; i++)
		if (table[i] == j)
			table[i] = NULL;
	if (current_id == j->id) {
		current_id = previous_id;
		previous_id = 0;
	}
	if (previous_id == j->id)
		previous_id = 0;
	if (current_id == 0) /* the highest job left */
		for (int i = 0; i < table_size; i++)
			if (table[i] && table[i]->id > current_id && table[i]->id != previous_id)
				current_id = table[i]->id;
	j->id = 0;
}

static bool job_done(const struct job *j)
{
	for (int i = 0; i < j->nprocs; i++)
		if (!j->ended[i])
			return false;
	return true;
}

static char job_mark(const struct job *j)
{
	return j->id == current_id ? '+' : j->id == previous_id ? '-' : ' ';
}

/* File the wait report of @pid under its job (@fg first, then the table). */
static void record(struct job *fg, pid_t pid, int wstatus)
{
	for (int t = -1; t < table_size; t++) {
		struct job *j = t < 0 ? fg : table[t];

		if (!j)
			continue;
		for (int i = 0; i < j->nprocs; i++) {
			if (j->pids[i] != pid)
				continue;
			if (WIFSTOPPED(wstatus)) {
				j->stop_news = j != fg && j->state != JOB_STOPPED;
				j->state = JOB_STOPPED;
			} else if (WIFCONTINUED(wstatus)) {
				j->state = JOB_RUNNING;
			} else {
				j->ended[i] = true;
				j->status[i] = wstatus;
				if (job_done(j))
					j->state = JOB_DONE;
			}
			return;
		}
	}
	/* not a job's: a child of a builtin's subshell already gone, nothing to do */
}

/* What happened to an ended job, as "Done", "Exit 3", "Terminated"... */
static void describe(const struct job *j, char *buf, size_t size)
{
	int last = j->status[j->nprocs - 1];

	if (WIFSIGNALED(last))
		snprintf(buf, size, "%s", strsignal(WTERMSIG(last)));
	else if (WEXITSTATUS(last))
		snprintf(buf, size, "Exit %d", WEXITSTATUS(last));
	else
		snprintf(buf, size, "Done");
}

int job_wait_foreground(struct job *j, bool continued)
{
	int code;

	if (sh.interactive)
		tcsetpgrp(0, j->pgid);
	if (continued) {
		if (j->have_tmodes)
			tcsetattr(0, TCSADRAIN, &j->tmodes);
		j->state = JOB_RUNNING;
		kill(-j->pgid, SIGCONT);
	}
	while (j->state == JOB_RUNNING) {
		int wstatus;
		pid_t pid = waitpid(-1, &wstatus, WUNTRACED);

		if (pid < 0) {
			if (errno == EINTR)
				continue;
			for (int i = 0; i < j->nprocs; i++) /* ECHILD: nothing left to wait for */
				j->ended[i] = true;
			j->state = JOB_DONE;
			break;
		}
		record(j, pid, wstatus);
	}
	if (sh.interactive) {
		tcsetpgrp(0, sh.pgid);
		if (j->state == JOB_STOPPED)
			j->have_tmodes = tcgetattr(0, &j->tmodes) == 0;
		tcsetattr(0, TCSADRAIN, &sh.tmodes);
	}
	if (j->state == JOB_STOPPED) {
		if (j->id == 0 && !job_add(j)) {
			kill(-j->pgid, SIGCONT); /* cannot keep it: let it go on alone */
			job_free(j);
			return 1;
		}
		previous_id = current_id != j->id ? current_id : previous_id;
		current_id = j->id;
		printf("\n[%d]%c  %-22s%s\n", j->id, job_mark(j), "Stopped", j->text);
		fflush(stdout);
		return 128 + SIGTSTP;
	}
	code = status_code(j->status[j->nprocs - 1]);
	if (WIFSIGNALED(j->status[j->nprocs - 1])) {
		int sig = WTERMSIG(j->status[j->nprocs - 1]);

		if (sig != SIGINT && sig != SIGPIPE) /* as sh: say why, but not for ^C */
			printf("%s\n", strsignal(sig));
		else if (sig == SIGINT)
			printf("\n");
		fflush(stdout);
	}
	if (j->id)
		job_forget(j);
	job_free(j);
	return code;
}

void job_background(struct job *j)
{
	if (!job_add(j)) { /* it runs anyway; it will be reaped as an unknown child */
		job_free(j);
		return;
	}
	printf("[%d] %d\n", j->id, (int)j->pids[j->nprocs - 1]);
	fflush(stdout);
}

void jobs_notify(void)
{
	int wstatus;
	pid_t pid;

	while ((pid = waitpid(-1, &wstatus, WNOHANG | WUNTRACED | WCONTINUED)) > 0)
		record(NULL, pid, wstatus);
	for (int i = 0; i < table_size; i++) {
		struct job *j = table[i];
		char what[64];

		if (j && j->stop_news) {
			j->stop_news = false;
			printf("[%d]%c  %-22s%s\n", j->id, job_mark(j), "Stopped", j->text);
		}
		if (!j || j->state != JOB_DONE)
			continue;
		describe(j, what, sizeof(what));
		printf("[%d]%c  %-22s%s\n", j->id, job_mark(j), what, j->text);
		job_forget(j);
		job_free(j);
	}
	fflush(stdout);
}

struct job *job_find(const char *spec, const char *who)
{
	int id = current_id;

	if (spec) {
		char *end;

		if (spec[0] == '%')
			spec++;
		if (!strcmp(spec, "%") || !strcmp(spec, "+") || !*spec) {
			id = current_id;
		} else if (!strcmp(spec, "-")) {
			id = previous_id;
		} else {
			long n = strtol(spec, &end, 10);

			if (*end || n <= 0) {
				fprintf(stderr, "ksh: %s: %s: no such job\n", who, spec);
				return NULL;
			}
			id = (int)n;
		}
	}
	for (int i = 0; i < table_size; i++)
		if (table[i] && table[i]->id == id && id)
			return table[i];
	if (spec)
		fprintf(stderr, "ksh: %s: %s: no such job\n", who, spec);
	else
		fprintf(stderr, "ksh: %s: no current job\n", who);
	return NULL;
}

void jobs_list(void)
{
	jobs_notify(); /* ended ones are reported (and dropped) first, as sh does */
	for (int id = 1, left = jobs_count(); left > 0; id++) {
		for (int i = 0; i < table_size; i++) {
			struct job *j = table[i];

			if (!j || j->id != id)
				continue;
			printf("[%d]%c  %-22s%s%s\n", j->id, job_mark(j),
			       j->state == JOB_STOPPED ? "Stopped" : "Running", j->text,
			       j->state == JOB_RUNNING ? " &" : "");
			left--;
		}
	}
	fflush(stdout);
}

int jobs_count(void)
{
	int n = 0;

	for (int i = 0; i < table_size; i++)
		n += table[i] != NULL;
	return n;
}

/* fg: the job to the foreground, continued. */
int job_fg(struct job *j)
{
	printf("%s\n", j->text);
	fflush(stdout);
	return job_wait_foreground(j, true);
}

/* bg: a stopped job continues in the background. */
int job_bg(struct job *j)
{
	if (j->state == JOB_RUNNING) {
		fprintf(stderr, "ksh: bg: job %d already in background\n", j->id);
		return 0;
	}
	j->state = JOB_RUNNING;
	printf("[%d]%c %s &\n", j->id, job_mark(j), j->text);
	fflush(stdout);
	if (kill(-j->pgid, SIGCONT) < 0) {
		fprintf(stderr, "ksh: bg: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
