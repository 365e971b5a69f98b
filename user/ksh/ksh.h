/*
 * ksh.h - the shell of Archipel (/bin/ksh, docs/shell.md): what its files share.
 *
 *   main.c     the loop: read a line, parse it, run it; the shell's own signals and terminal
 *   parse.c    words, quotes, expansions ($? $$ $! $NAME) and the grammar: lists of pipelines
 *   exec.c     running a pipeline: processes, groups, pipes, redirections, PATH lookup
 *   jobs.c     the job table, waiting, the terminal's foreground, notices
 *   edit.c     the line editor (raw mode) and its history
 *   builtins.c cd pwd exit jobs fg bg kill echo help poweroff
 *   display.c  the display commands over the ALMOS-MKH display() call
 */
#ifndef KSH_H
#define KSH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <termios.h>

/* ---- parse.c ---- */

enum redir_kind { REDIR_IN, REDIR_OUT, REDIR_APPEND, REDIR_DUP };

struct redir {
	enum redir_kind kind;
	int fd;                 /* the fd redirected: 0 for <, 1 for > and >>, or the digit before */
	char *target;           /* the file (REDIR_DUP: NULL)                                      */
	int dup_fd;             /* REDIR_DUP (n>&m): m                                             */
};

struct command {
	char **argv;            /* NULL-terminated, argc >= 1                                      */
	int argc;
	struct redir *redirs;
	int nredirs;
};

struct pipeline {
	struct command *cmds;
	int ncmds;
	bool background;        /* ended by &                                                      */
	char *text;             /* its source text, for jobs and notices                           */
};

struct parsed {
	struct pipeline *pipes;
	int npipes;
};

/*
 * Parse @line into @out (allocated; parsed_free() releases it). Returns 0, or -1 after printing
 * "ksh: syntax error: ..." (nothing is left allocated then). An empty line gives npipes 0.
 */
int parse_line(const char *line, struct parsed *out);
void parsed_free(struct parsed *p);

/* ---- main.c ---- */

struct shell {
	bool interactive;       /* stdin is a terminal (tcgetattr works): line editing, job control */
	pid_t pgid;             /* the shell's process group                                       */
	struct termios tmodes;  /* the terminal's modes outside the line editor                    */
	int last_status;        /* $?                                                              */
	pid_t last_bg_pid;      /* $!                                                              */
};

extern struct shell sh;

/* The signals the shell ignores and its children get back (SIGINT SIGQUIT SIGTSTP SIGTTIN SIGTTOU). */
void shell_signals(void (*action)(int));

/* ---- exec.c ---- */

/* Run @p (in the foreground, or in the background when p->background). Sets sh.last_status. */
void run_pipeline(struct pipeline *p);

/* ---- jobs.c ---- */

enum job_state { JOB_RUNNING, JOB_STOPPED, JOB_DONE };

struct job {
	int id;                 /* [n]; 0: free slot                                               */
	pid_t pgid;
	pid_t *pids;            /* its processes, in pipeline order                                */
	int *status;            /* wait status of each, once ended                                 */
	bool *ended;
	int nprocs;
	enum job_state state;
	bool stop_news;         /* stopped in the background, not reported yet                    */
	char *text;
	struct termios tmodes;  /* the terminal's modes when it stopped (restored by fg)           */
	bool have_tmodes;
};

/* A new job for @nprocs processes (filled by the caller), or NULL (out of memory, printed). */
struct job *job_new(int nprocs, const char *text);
void job_free(struct job *j);

/*
 * Wait for foreground job @j until it ends or stops, with the terminal given to it (when
 * interactive) and taken back afterwards with the shell's modes. A stopped job is reported
 * ("[n]+  Stopped  text") and kept; an ended one is freed. Returns the status for $?.
 */
int job_wait_foreground(struct job *j, bool continued);

/* Keep @j in the table as a background job and print "[n] pid". */
void job_background(struct job *j);

/* Collect the ends and stops of background jobs without waiting; print "[n]  Done  text"... */
void jobs_notify(void);

/* The job named by @spec (%n, %%, %+, %-, or NULL for the current one), or NULL (printed as @who). */
struct job *job_find(const char *spec, const char *who);

/* fg and bg of a job of the table; they return the status for $?. */
int job_fg(struct job *j);
int job_bg(struct job *j);

/* The jobs builtin's listing; the number of jobs with processes left (exit warns about them). */
void jobs_list(void);
int jobs_count(void);

/* The status for $? of a wait status: the exit code, 128 + signal. */
int status_code(int wstatus);

/* ---- edit.c ---- */

/*
 * Read one line with the editor (terminal in raw mode meanwhile, restored before returning).
 * Returns a malloc'ed line without its newline, or NULL at the end of input (^D on an empty line).
 */
char *edit_read_line(const char *prompt);

/* ---- builtins.c and display.c ---- */

/* If argv[0] is a builtin: run it, return true and set *status. */
bool builtin_run(char **argv, int argc, int *status);
bool builtin_is(const char *name);

/* display SUBCOMMAND ARGS (display.c); returns the status. */
int display_builtin(char **argv, int argc);
/* The lines of help for the display commands. */
void display_help(void);

#endif /* KSH_H */
