/*
 * test_races.c - regression tests of the races the fuzzer found (docs/testing.md, "Bugs found by
 * the fuzzer"): each group repeats the race a fixed number of times and checks that the kernel
 * survives with everything reaped and every cluster back at its baseline (ktap_groups.h).
 *
 *     test_races [killfork] [vforkreap] ...
 *
 * killfork   a process forks children into the last cluster while another process SIGKILLs every
 *            pid of that cluster's first lpids, over and over: a kill reaches each child at every
 *            step of its making (a pid just taken, a thread not yet started, a thread starting).
 *            The kernel once took locks of a process not yet initialised (lockdep: class none),
 *            read a freed process after its table's lock, and read a child thread freed by the
 *            time the parent's thread_unblock finished with it.
 * vforkreap  a thread vforks children that end at once while another thread of the process
 *            reaps them: the vfork parent once waited on a queue inside the child, which the
 *            other thread's wait4 freed before the parent left the queue.
 * slayinit   (as init, the first process) a child clones a grandchild whose exit signal is
 *            SIGUSR1, then ends: the orphan, adopted by init, must tell init of its end with
 *            SIGCHLD, as Linux does. It once sent its own exit signal and, when that was a
 *            fatal one, killed init (the fuzzer's parent died of a SIGXFSZ).
 * tgkill     tgkill and tkill reach a thread of another process (Linux allows it; they were
 *            refused with ESRCH, so the fuzzer's watchdog never ended a wait of a worker).
 * pipeintr   a read of an empty pipe and a write to a full one, in a thread of another cluster,
 *            end with EINTR when a signal's handler runs, and go on under SA_RESTART (they were
 *            kill-only: a worker's read stayed blocked under the watchdog's signals).
 * cowdrop    a thread of another cluster writes to pages its cluster's copy maps copy-on-write
 *            (after a fork) while the main thread drops them (MADV_DONTNEED): a write fault
 *            between the reference's drop and the copy's invalidation found the reference's PTE
 *            empty and took its frame number 0 for a frame (a panic in cluster_of_paddr, the
 *            fuzzer on 4x2). Every page must then read zero but the thread's own word.
 * cowshared  the same with the fork's child alive, holding the pages: the drop read a PTE's frame
 *            before the PTE's lock, which the copy-on-write fault held while it swapped the frame
 *            for its copy and gave up the process's share of it; the drop then gave up that
 *            share a second time and freed the frame the child still mapped (a double free when
 *            the child ended, its pages overwritten before; the fuzzer, 4x2). The child's pages
 *            must keep their content.
 * stalefetch a thread of another cluster makes the kernel read a fresh read-only mapping (a
 *            write to a pipe from it) while the main thread unmaps it and maps the same range
 *            read-write again: the copy's fault fetched the old vseg, the unmap's invalidation
 *            passed before the fetch inserted it, and the copy kept it for good (a later fault
 *            fetched the new one for ever, a killed thread that never left: the fuzzer, 2x2).
 *            The new mapping must take the thread's reads into it.
 * nbrstack   a thread of one cluster maps a stack as posix_spawn does and stores at its top at
 *            once, while a thread of another maps, makes read-write and unmaps the mapping
 *            next to it: the mprotect's join made the copies forget the stack between a
 *            fault's fetch of it and its lookup, and the store was a SIGSEGV (the fuzzer, 4x2).
 * remapstack a thread of the last cluster reads a read-only mapping (its copy fetches the vseg),
 *            then, while the main thread unmaps it, maps a read-write stack over the same range
 *            as soon as it is free and stores at its top: the reference was free again after the
 *            unmap's first step, before its invalidation reached that copy, whose old read-only
 *            vseg answered the store with SIGSEGV (seed 49, the fuzzer, 4x2).
 * vforkstop  another thread SIGSTOPs a vfork child as soon as its pid exists (before its first
 *            instruction), then SIGCONTs it once, when it is seen stopped or at once: the
 *            child must end with its status and the vfork come back (seed 29's suspect).
 * tstop      tgkill SIGSTOP to one thread of a process whose threads spin in every cluster, then
 *            SIGCONT to the process at once (from cluster 0; the process lives in the last one):
 *            the process must run on. A thread took the stop from its own set and stopped the
 *            process in two lock holds; a SIGCONT between the two was lost and the process stayed
 *            stopped until the next one (docs/signals.md, "The SIGCONT race").
 * exittid    timer_create aimed (SIGEV_THREAD_ID) at the thread of a child process while the
 *            child ends: that thread had left its process, and the lookup of whose it was read
 *            address 0 (seed 91, the fuzzer, 4x2, once timers were in its calls).
 * vforkign   vforks of a process whose children reap themselves (SIGCHLD ignored, then
 *            SA_NOCLDWAIT): the child's end woke only a parent that would reap it, and the
 *            vfork parent slept for good (seed 29, the fuzzer, 4x2).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "almos.h"
#include "ktap_groups.h"
#include "races.h"
#include <uarch.h>

long long last_line_ms;
unsigned clusters = 1, cores = 1;

long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool progress_due(int i, int every)
{
	return i % every == every - 1 || now_ms() - last_line_ms > 10000;
}

void wait_phase(atomic_int *at, int phase)
{
	while (atomic_load(at) != phase)
		sched_yield();
}

static const struct ktap_group groups[] = {
	{ "killfork", group_killfork, 2 },
	{ "vforkreap", group_vforkreap, 2 },
	{ "slayinit", group_slayinit, 2 },
	{ "tgkill", group_tgkill, 2 },
	{ "pipeintr", group_pipeintr, 2 },
	{ "cowdrop", group_cowdrop, 2 },
	{ "cowshared", group_cowshared, 2 },
	{ "stalefetch", group_stalefetch, 3 },
	{ "nbrstack", group_nbrstack, 1 },
	{ "remapstack", group_remapstack, 3 },
	{ "vforkstop", group_vforkstop, 4 },
	{ "vforkign", group_vforkign, 3 },
	{ "tstop", group_tstop, 2 },
	{ "exittid", group_exittid, 2 },
};

int main(int argc, char **argv)
{
	get_config(&clusters, &cores);
	return ktap_groups_main(groups, sizeof(groups) / sizeof(groups[0]), argc, argv);
}
