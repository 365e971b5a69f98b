/*
 * races_vm.c - test_races' groups on address spaces and their copies in other clusters
 * (test_races.c says what each checks): cowdrop, cowshared, stalefetch, nbrstack, remapstack.
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

#define COWDROP_PAGES 64
#define COWDROP_ROUNDS 30
#define WORDS_PER_PAGE 512

enum { CD_IDLE, CD_READ, CD_READ_DONE, CD_WRITE, CD_WRITTEN, CD_QUIT };
static atomic_int cd_phase;
static volatile uint64_t *cd_region;
static atomic_int cd_written; /* pages the writer wrote this round */

static void cd_wait(int phase)
{
	wait_phase(&cd_phase, phase);
}

/* The other cluster's thread: maps every page in its copy (a read), then writes a word of each
 * (counted in cd_written). */
static void *cowdrop_writer(void *arg)
{
	uint64_t sum = 0;

	(void)arg;
	for (;;) {
		int phase;
		while ((phase = atomic_load(&cd_phase)) != CD_READ && phase != CD_WRITE &&
		       phase != CD_QUIT)
			sched_yield();
		if (phase == CD_QUIT)
			return (void *)(uintptr_t)sum;
		for (unsigned p = 0; p < COWDROP_PAGES; p++) {
			if (phase == CD_READ) {
				sum += cd_region[p * WORDS_PER_PAGE];
				continue;
			}
			cd_region[p * WORDS_PER_PAGE + 1] = 0xb000 + p;
			atomic_fetch_add(&cd_written, 1);
		}
		atomic_store(&cd_phase, phase == CD_READ ? CD_READ_DONE : CD_WRITTEN);
	}
}

/* One round; false if the region's content was wrong afterwards (-1: the round could not run). */
static int cowdrop_round(void)
{
	size_t len = (size_t)COWDROP_PAGES * WORDS_PER_PAGE * 8;
	uint64_t *r = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int status, ok = 1;
	pid_t pid;

	if (r == MAP_FAILED)
		return -1;
	for (size_t w = 0; w < len / 8; w++)
		r[w] = 0x5050505050505050ull;
	cd_region = r;
	atomic_store(&cd_phase, CD_READ);
	cd_wait(CD_READ_DONE);
	pid = fork(); /* every page becomes copy-on-write, in the other cluster's copy too */
	if (pid == 0)
		_exit(0);
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		munmap(r, len);
		return -1;
	}
	atomic_store(&cd_phase, CD_WRITE);
	if (madvise(r, len, MADV_DONTNEED) != 0)
		ok = 0;
	cd_wait(CD_WRITTEN);
	for (size_t w = 0; w < len / 8; w++)
		if (r[w] != 0 && !(w % WORDS_PER_PAGE == 1 && r[w] == 0xb000 + w / WORDS_PER_PAGE))
			ok = 0; /* the old content after the drop, or a word nobody wrote */
	atomic_store(&cd_phase, CD_IDLE);
	munmap(r, len);
	return ok;
}

/* @n rounds of @round with cowdrop's writer on another cluster, progress every 5 under @name:
 * the rounds that could run (*@bad: those that found the pages wrong). */
static int writer_rounds(const char *name, int n, int (*round)(void), int *bad)
{
	int rounds = 0;
	pthread_t t;

	*bad = 0;
	atomic_store(&cd_phase, CD_IDLE);
	place_next((int)(clusters - 1), cores > 1 ? 1 : PLACE_ANY_CORE);
	pthread_create(&t, NULL, cowdrop_writer, NULL);
	for (int i = 0; i < n; i++) {
		int ok = round();
		rounds += ok >= 0;
		*bad += ok == 0;
		if (progress_due(i, 5))
			progress("%s: %d rounds", name, i + 1);
	}
	atomic_store(&cd_phase, CD_QUIT);
	pthread_join(t, NULL);
	return rounds;
}

void group_cowdrop(void)
{
	int bad, rounds = writer_rounds("cowdrop", COWDROP_ROUNDS, cowdrop_round, &bad);

	check(rounds > 0, "cowdrop: %d rounds of writes to copy-on-write pages racing with "
	      "MADV_DONTNEED, the kernel alive", rounds);
	check(bad == 0, "cowdrop: every page zero but the writer's word afterwards (%d rounds "
	      "wrong)", bad);
}

#define CS_ROUNDS 30

/* The fork's child: waits for the parent's word, then checks that its pages kept the pattern. */
static _Noreturn void cowshared_child(const uint64_t *r, size_t words, int fd)
{
	char c;

	while (read(fd, &c, 1) < 0 && errno == EINTR)
		;
	for (size_t w = 0; w < words; w++)
		if (r[w] != 0x5050505050505050ull)
			_exit(1);
	_exit(0);
}

/* One round; false if the parent's or the child's pages were wrong (-1: it could not run). */
static int cowshared_round(void)
{
	size_t len = (size_t)COWDROP_PAGES * WORDS_PER_PAGE * 8;
	uint64_t *r = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int status = -1, ok = 1, fds[2];
	pid_t pid;

	if (r == MAP_FAILED)
		return -1;
	if (pipe(fds) != 0) {
		munmap(r, len);
		return -1;
	}
	for (size_t w = 0; w < len / 8; w++)
		r[w] = 0x5050505050505050ull;
	cd_region = r;
	atomic_store(&cd_phase, CD_READ);
	cd_wait(CD_READ_DONE);
	pid = fork(); /* the child keeps every frame shared until it has checked its pages */
	if (pid == 0)
		cowshared_child(r, len / 8, fds[0]);
	atomic_store(&cd_written, 0);
	if (pid > 0) {
		atomic_store(&cd_phase, CD_WRITE);
		while (atomic_load(&cd_written) < COWDROP_PAGES / 8)
			sched_yield(); /* the writer is in its copy-on-write faults: drop under it */
		if (madvise(r, len, MADV_DONTNEED) != 0)
			ok = 0;
		cd_wait(CD_WRITTEN);
		for (size_t w = 0; w < len / 8; w++)
			if (r[w] != 0 && !(w % WORDS_PER_PAGE == 1 && r[w] == 0xb000 + w / WORDS_PER_PAGE))
				ok = 0;
		atomic_store(&cd_phase, CD_IDLE);
	}
	close(fds[0]);
	if (write(fds[1], "x", 1) != 1)
		ok = 0;
	close(fds[1]);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		ok = -1;
	else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		ok = 0; /* the child's pages were overwritten: a frame it mapped was freed */
	munmap(r, len);
	return ok;
}

void group_cowshared(void)
{
	int bad, rounds = writer_rounds("cowshared", CS_ROUNDS, cowshared_round, &bad);

	check(rounds > 0, "cowshared: %d rounds of copy-on-write faults racing with MADV_DONTNEED "
	      "while the fork's child holds the pages, the kernel alive", rounds);
	check(bad == 0, "cowshared: the parent's pages zero but the writer's word, the child's "
	      "intact (%d rounds wrong)", bad);
}

#define SF_ROUNDS 200
enum { SF_IDLE, SF_FETCH, SF_FETCHING, SF_FETCHED, SF_CHECK, SF_CHECKED, SF_QUIT };
static atomic_int sf_phase;
static atomic_long sf_bad;
static char *volatile sf_addr;
static int sf_pipe[2];

/* The other cluster's thread: the kernel reads the mapping (SF_FETCH, whatever the answer), then
 * writes into it (SF_CHECK: it must, the mapping being read-write by then). */
static void *stalefetch_reader(void *arg)
{
	char c;

	(void)arg;
	for (;;) {
		int phase;
		while ((phase = atomic_load(&sf_phase)) != SF_FETCH && phase != SF_CHECK &&
		       phase != SF_QUIT)
			sched_yield();
		if (phase == SF_QUIT)
			return NULL;
		if (phase == SF_FETCH) {
			atomic_store(&sf_phase, SF_FETCHING);
			if (write(sf_pipe[1], sf_addr + 4096, 1) == 1) /* gone already: EFAULT */
				while (read(sf_pipe[0], &c, 1) < 0 && errno == EINTR)
					;
			atomic_store(&sf_phase, SF_FETCHED);
			continue;
		}
		c = 'k';
		if (write(sf_pipe[1], &c, 1) != 1 || read(sf_pipe[0], sf_addr + 4096, 1) != 1)
			atomic_fetch_add(&sf_bad, 1); /* the copy's vseg said read-only */
		atomic_store(&sf_phase, SF_CHECKED);
	}
}

/* One round: false if it could not run (the range was not free again). */
static bool stalefetch_round(int i)
{
	char *r = mmap(NULL, 2 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *again;

	if (r == MAP_FAILED)
		return false;
	sf_addr = r;
	atomic_store(&sf_phase, SF_FETCH);
	while (atomic_load(&sf_phase) == SF_FETCH)
		; /* the other core is just entering its write */
	for (volatile int spin = 0; spin < (i % 32) * 64; spin++)
		; /* a little later each round: the unmap lands at each point of the fetch */
	munmap(r, 2 * 4096);
	again = mmap(r, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	wait_phase(&sf_phase, SF_FETCHED);
	if (again != r) {
		if (again != MAP_FAILED)
			munmap(again, 2 * 4096);
		atomic_store(&sf_phase, SF_IDLE);
		return false;
	}
	atomic_store(&sf_phase, SF_CHECK);
	wait_phase(&sf_phase, SF_CHECKED);
	atomic_store(&sf_phase, SF_IDLE);
	munmap(r, 2 * 4096);
	return true;
}

void group_stalefetch(void)
{
	int rounds = 0;
	pthread_t t;

	atomic_store(&sf_phase, SF_IDLE);
	atomic_store(&sf_bad, 0);
	if (!check(pipe(sf_pipe) == 0, "stalefetch: a pipe"))
		return;
	place_next((int)(clusters - 1), cores > 1 ? 1 : PLACE_ANY_CORE);
	pthread_create(&t, NULL, stalefetch_reader, NULL);
	for (int i = 0; i < SF_ROUNDS; i++) {
		rounds += stalefetch_round(i);
		if (i % 100 == 99)
			progress("stalefetch: %d rounds", i + 1);
	}
	atomic_store(&sf_phase, SF_QUIT);
	pthread_join(t, NULL);
	close(sf_pipe[0]);
	close(sf_pipe[1]);
	check(rounds > SF_ROUNDS / 2, "stalefetch: %d of %d rounds mapped the range again", rounds,
	      SF_ROUNDS);
	check(atomic_load(&sf_bad) == 0, "stalefetch: another cluster's copy sees the new mapping "
	      "read-write (%ld rounds it did not)", (long)atomic_load(&sf_bad));
}

#define NS_ROUNDS 1500
static atomic_int ns_stop;

/* Another cluster's thread maps, makes read-write and unmaps a region again and again. */
static void *ns_changer(void *arg)
{
	(void)arg;
	while (!atomic_load(&ns_stop)) {
		char *r = mmap(NULL, 0x1e000, PROT_READ | PROT_WRITE | PROT_EXEC,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_POPULATE | MAP_STACK,
			       -1, 0);
		if (r == MAP_FAILED)
			continue;
		mprotect(r, 0x1e000, PROT_READ | PROT_WRITE);
		munmap(r, 0x1e000);
	}
	return NULL;
}

/* A third cluster's thread maps a stack as posix_spawn does and stores at its top at once. */
static void *ns_stacker(void *arg)
{
	long bad = 0;

	(void)arg;
	for (int i = 0; i < NS_ROUNDS; i++) {
		char *st = mmap(NULL, 0x9000, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
		if (st == MAP_FAILED)
			continue;
		*(volatile uint64_t *)(st + 0x9000 - 16) = 0x5a;
		bad += *(volatile uint64_t *)(st + 0x9000 - 16) != 0x5a;
		munmap(st, 0x9000);
		if (i % 500 == 499)
			progress("nbrstack: %d stacks", i + 1);
	}
	return (void *)bad;
}

void group_nbrstack(void)
{
	pthread_t c, t;
	void *bad;

	atomic_store(&ns_stop, 0);
	place_next((int)(clusters > 1 ? 1 : 0), PLACE_ANY_CORE);
	pthread_create(&c, NULL, ns_changer, NULL);
	place_next((int)(clusters > 2 ? 2 : clusters - 1), PLACE_ANY_CORE);
	pthread_create(&t, NULL, ns_stacker, NULL);
	pthread_join(t, &bad);
	atomic_store(&ns_stop, 1);
	pthread_join(c, NULL);
	check(bad == NULL, "nbrstack: a fresh stack next to a mapping another cluster changes takes "
	      "its stores (%ld wrong)", (long)bad);
}

#define RS_ROUNDS 200
#define RS_LEN 0x9000
#define RS_HOLDERS_MAX 64
enum { RS_IDLE, RS_READ, RS_READY, RS_GO, RS_DONE, RS_QUIT };
static atomic_int rs_phase;
static atomic_long rs_faults, rs_missed;
static char *volatile rs_addr;
static sigjmp_buf rs_jump;

static void rs_on_segv(int sig)
{
	(void)sig;
	siglongjmp(rs_jump, 1);
}

/* A new stack over the range the main thread is unmapping, mapped as soon as the range is free
 * (MAP_FIXED_NOREPLACE fails while the old mapping is there), and a store at its top at once. */
static void rs_map_and_store(void)
{
	char *volatile st = MAP_FAILED; /* read again after a siglongjmp */

	for (int tries = 0; st == MAP_FAILED && tries < 100000; tries++)
		st = mmap(rs_addr, RS_LEN, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_FIXED_NOREPLACE, -1, 0);
	if (st != rs_addr) {
		if (st != MAP_FAILED)
			munmap(st, RS_LEN);
		atomic_fetch_add(&rs_missed, 1);
		return;
	}
	if (sigsetjmp(rs_jump, 1) == 0)
		*(volatile uint64_t *)(st + RS_LEN - 16) = 0x5a;
	else
		atomic_fetch_add(&rs_faults, 1); /* the copy's old read-only vseg said no */
	munmap(st, RS_LEN);
}

/* The last cluster's thread: reads the read-only mapping (its copy fetches the vseg and maps the
 * pages), then maps the new stack while the main thread unmaps the old one. */
static void *rs_stacker(void *arg)
{
	(void)arg;
	for (;;) {
		int phase;
		while ((phase = atomic_load(&rs_phase)) != RS_READ && phase != RS_QUIT)
			sched_yield();
		if (phase == RS_QUIT)
			return NULL;
		for (size_t off = 0; off < RS_LEN; off += 4096)
			(void)*(volatile char *)(rs_addr + off);
		atomic_store(&rs_phase, RS_READY);
		wait_phase(&rs_phase, RS_GO);
		rs_map_and_store();
		atomic_store(&rs_phase, RS_DONE);
	}
}

/* Threads of the clusters in between only hold their copies, which the unmap's invalidation
 * visits before the stacker's (copies are listed in the order they were made). */
static void *rs_holder(void *arg)
{
	char c;

	while (read((int)(long)arg, &c, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

void group_remapstack(void)
{
	pthread_t holders[RS_HOLDERS_MAX], t;
	unsigned nholders = 0;
	struct sigaction sa = { .sa_handler = rs_on_segv }, old;
	int fds[2];

	atomic_store(&rs_phase, RS_IDLE);
	atomic_store(&rs_faults, 0);
	atomic_store(&rs_missed, 0);
	if (!check(pipe(fds) == 0, "remapstack: a pipe"))
		return;
	for (unsigned c = 1; c + 1 < clusters && nholders < RS_HOLDERS_MAX; c++) {
		place_next((int)c, PLACE_ANY_CORE);
		pthread_create(&holders[nholders++], NULL, rs_holder, (void *)(long)fds[0]);
	}
	sigaction(SIGSEGV, &sa, &old);
	place_next((int)(clusters - 1), cores > 1 ? 1 : PLACE_ANY_CORE);
	pthread_create(&t, NULL, rs_stacker, NULL);
	for (int i = 0; i < RS_ROUNDS; i++) {
		char *r = mmap(NULL, RS_LEN, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (r == MAP_FAILED) {
			atomic_fetch_add(&rs_missed, 1);
			continue;
		}
		rs_addr = r;
		atomic_store(&rs_phase, RS_READ);
		wait_phase(&rs_phase, RS_READY);
		atomic_store(&rs_phase, RS_GO);
		munmap(r, RS_LEN);
		wait_phase(&rs_phase, RS_DONE);
		atomic_store(&rs_phase, RS_IDLE);
		if (i % 25 == 24) /* a loaded host runs a debug kernel's rounds slowly */
			progress("remapstack: %d rounds", i + 1);
	}
	atomic_store(&rs_phase, RS_QUIT);
	pthread_join(t, NULL);
	sigaction(SIGSEGV, &old, NULL);
	close(fds[1]);
	for (unsigned h = 0; h < nholders; h++)
		pthread_join(holders[h], NULL);
	close(fds[0]);
	check(atomic_load(&rs_missed) < RS_ROUNDS / 2, "remapstack: %ld of %d rounds mapped the "
	      "new stack over the unmapped range", RS_ROUNDS - (long)atomic_load(&rs_missed),
	      RS_ROUNDS);
	check(atomic_load(&rs_faults) == 0, "remapstack: a stack mapped over a range being unmapped "
	      "takes a store at once from a copy that held the old read-only vseg (%ld SIGSEGV)",
	      (long)atomic_load(&rs_faults));
}

