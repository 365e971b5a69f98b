/*
 * launch.h - the first user program: named on the kernel command line, or init.
 *
 * Everything after a bare `--` on the command line is the program and its arguments:
 * `... -- /bin/hello a b`. Without `--`, the program is `init=PATH` (one word, no arguments, as
 * Linux's init=), else /bin/init (user/init.c: it starts the shell and never ends; `poweroff`
 * stops the machine). The kernel runs it as the first user process (pid (C << 16) | 1 in cluster C,
 * the launch cluster below), with fds 0, 1 and 2 open on /dev/console; orphans become its children.
 * The machine powers off when it ends: exit status n gives QEMU exit status n; death by signal s
 * gives 128 + s (as a shell reports it).
 */
#ifndef KERN_LAUNCH_H
#define KERN_LAUNCH_H

#include <hal_types.h>

#define LAUNCH_DEFAULT_INIT "/bin/init"

/* True if the command line names a program to run after `--`. */
bool launch_requested(const char *cmdline);

/*
 * The cluster where the program is launched, which becomes its owner and reference cluster:
 * `launch_cluster=N` on the command line, 0 by default (or if N is not a cluster, with a warning).
 */
cxy_t launch_cluster(const char *cmdline);

/*
 * Run the program of @cmdline (after `--`, else init as above) and return the exit code for
 * hal_poweroff (0..255). An error before the program runs (no such file, not an executable...) is
 * printed and gives 127 (126 when the file exists but cannot be executed), as a shell would.
 */
unsigned launch_program(const char *cmdline);

#endif /* KERN_LAUNCH_H */
