/*
 * top - the load of the machine, once (or -n N times, -d S seconds apart): per cluster its cores,
 * threads that are not blocked (RUN) and the load (RUN per core), user threads, processes, memory
 * in use; then the processes with the most runnable threads and mapped pages first.
 *
 * Usage: top [-n N] [-d SECONDS]. Exit status 0; 1 on an error; 2 on a usage error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "almos.h"

#define PIDS_MAX 1024
#define TOP_LINES 10

static int by_load(const void *a, const void *b)
{
	const struct almos_process_info *x = a, *y = b;

	if (x->runnable != y->runnable)
		return x->runnable < y->runnable ? 1 : -1;
	if (x->total_pages != y->total_pages)
		return x->total_pages < y->total_pages ? 1 : -1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static int once(unsigned int clusters)
{
	static unsigned int pids[PIDS_MAX];
	static struct almos_process_info procs[PIDS_MAX];
	unsigned int runnable = 0, cores = 0;
	int n, shown = 0;

	printf("%-7s %5s %4s %6s %7s %5s %6s %5s\n", "CLUSTER", "CORES", "RUN", "LOAD", "THREADS",
	       "USER", "PROCS", "MEM%");
	for (unsigned int c = 0; c < clusters; c++) {
		struct almos_cluster_info i;
		if (get_cluster_info(c, &i) != 0) {
			fprintf(stderr, "top: get_cluster_info %u: %s\n", c, strerror(errno));
			return 1;
		}
		printf("%-7u %5u %4u %6.2f %7u %5u %6u %4llu%%\n", c, i.cores, i.runnable,
		       (double)i.runnable / i.cores, i.threads, i.user_threads, i.process_copies,
		       (unsigned long long)(100 * (i.total_pages - i.free_pages) / i.total_pages));
		runnable += i.runnable;
		cores += i.cores;
	}
	printf("machine: %u clusters, %u cores, load %.2f\n\n", clusters, cores,
	       (double)runnable / cores);
	n = get_processes(pids, PIDS_MAX);
	if (n < 0) {
		fprintf(stderr, "top: get_processes: %s\n", strerror(errno));
		return 1;
	}
	if (n > PIDS_MAX)
		n = PIDS_MAX;
	for (int i = 0; i < n; i++)
		if (get_process_info((int)pids[i], &procs[shown]) == 0)
			shown++;
	qsort(procs, (size_t)shown, sizeof(procs[0]), by_load);
	printf("%7s %3s %4s %3s %s %7s %s\n", "PID", "REF", "THR", "RUN", "S", "PAGES", "COMMAND");
	for (int i = 0; i < shown && i < TOP_LINES; i++)
		printf("%7u %3u %4u %3u %c %7llu %s\n", procs[i].pid, procs[i].ref_cxy, procs[i].threads,
		       procs[i].runnable, procs[i].state, (unsigned long long)procs[i].total_pages,
		       procs[i].name);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int clusters, cores;
	long rounds = 1, delay = 1;
	int opt;

	while ((opt = getopt(argc, argv, "n:d:")) != -1) {
		char *end = NULL;
		long v = opt == '?' ? 0 : strtol(optarg, &end, 10);
		if (opt == '?' || *optarg == 0 || *end || v < 1 || v > 3600) {
			fprintf(stderr, "usage: top [-n N] [-d SECONDS]\n");
			return 2;
		}
		if (opt == 'n')
			rounds = v;
		else
			delay = v;
	}
	if (optind != argc) {
		fprintf(stderr, "usage: top [-n N] [-d SECONDS]\n");
		return 2;
	}
	if (get_config(&clusters, &cores) != 0) {
		fprintf(stderr, "top: get_config: %s\n", strerror(errno));
		return 1;
	}
	for (long r = 0; r < rounds; r++) {
		if (r > 0) {
			sleep((unsigned int)delay);
			printf("\n");
		}
		if (once(clusters))
			return 1;
		fflush(stdout);
	}
	return 0;
}
