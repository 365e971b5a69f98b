/*
 * nap.c - /bin/nap [-v] SECONDS [CLUSTERS]: a process that sleeps with a thread in each of the
 * clusters 0..CLUSTERS-1 (all by default) besides its main thread's, each placed with place_next():
 * a quiet process with a VMM copy in several clusters, to look at with ksh's `display vmm`
 * (docs/shell.md). -v: one line once every thread is there ("nap: N threads asleep for S s"), so a
 * script knows it runs (and, in the foreground, that the terminal is its). Ends with status 0 after
 * SECONDS; a wrong argument prints a usage line, status 2.
 */
#include <almos.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct timespec nap_time;

static void *sleeper(void *arg)
{
	struct timespec left = nap_time;

	(void)arg;
	while (nanosleep(&left, &left) < 0 && errno == EINTR)
		;
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned int clusters = 1, cores = 1, self = 0, lid;
	pthread_t *threads;
	unsigned long want;
	bool verbose = argc > 1 && !strcmp(argv[1], "-v");
	char *end;
	long seconds;

	if (verbose) {
		argv++;
		argc--;
	}
	if (argc < 2 || argc > 3)
		goto usage;
	seconds = strtol(argv[1], &end, 10);
	if (*end || end == argv[1] || seconds < 0)
		goto usage;
	if (get_config(&clusters, &cores) < 0 || get_core_id(&self, &lid) < 0)
		clusters = 1; /* not Archipel: one thread */
	want = clusters;
	if (argc == 3) {
		want = strtoul(argv[2], &end, 10);
		if (*end || end == argv[2] || want < 1 || want > clusters)
			goto usage;
	}
	nap_time.tv_sec = seconds;
	threads = calloc(want, sizeof(*threads));
	if (!threads)
		return 1;
	for (unsigned long cxy = 0; cxy < want; cxy++) {
		if (cxy == self)
			continue;
		place_next((int)cxy, PLACE_ANY_CORE);
		if (pthread_create(&threads[cxy], NULL, sleeper, NULL)) {
			fprintf(stderr, "nap: no thread in cluster %lu\n", cxy);
			return 1;
		}
	}
	if (verbose) {
		printf("nap: %lu threads asleep for %ld s\n", want, seconds);
		fflush(stdout);
	}
	sleeper(NULL);
	for (unsigned long cxy = 0; cxy < want; cxy++)
		if (cxy != self)
			pthread_join(threads[cxy], NULL);
	return 0;
usage:
	fprintf(stderr, "usage: nap [-v] SECONDS [CLUSTERS]\n");
	return 2;
}
