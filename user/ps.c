/*
 * ps - the user processes of the machine, one line each (get_processes, get_process_info):
 *
 *     PID  PPID  PGID OWN REF COPIES    THR RUN S   PAGES  SHARED     COW COMMAND
 *
 * PID/PPID/PGID as Linux prints them (decimal: Archipel's pid is (owner cluster << 16) | index);
 * OWN the owner cluster, REF the reference cluster; COPIES the clusters holding a copy (its threads
 * run there), one hex digit per cluster from cluster 0 on the left ('.' for none); THR its threads,
 * RUN those not blocked; S the state: R runnable, S sleeping (all threads blocked), T stopped,
 * Z zombie; PAGES, SHARED, COW: user pages mapped in its reference page table, of them shared with
 * other address spaces (page cache, shared memory) and copy-on-write (docs/shell.md).
 *
 * Usage: ps [-r PID]   (-r: also the region list of process PID, as get_regions() returns it)
 * Exit status 0; 1 on an error (printed), 2 on a usage error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "almos.h"

#define PIDS_MAX 4096

static const char *region_type(uint32_t type)
{
	static const char *names[] = { "code", "data", "stack", "anon", "file", "remote" };

	if (type < sizeof(names) / sizeof(names[0]))
		return names[type];
	return type == ALMOS_REGION_TRAMP ? "tramp" : "?";
}

static int regions(int pid)
{
	struct almos_region *r;
	int n, max = 64;

	for (;;) { /* grow the buffer until the list fits (it may change between calls) */
		r = calloc((size_t)max, sizeof(*r));
		if (!r) {
			perror("ps");
			return 1;
		}
		n = get_regions(pid, r, (unsigned int)max);
		if (n < 0) {
			fprintf(stderr, "ps: get_regions %d: %s\n", pid, strerror(errno));
			free(r);
			return 1;
		}
		if (n <= max)
			break;
		free(r);
		max = n + 16;
	}
	printf("regions of process %d:\n", pid);
	printf("  %-18s %-18s %-6s %-4s %8s %8s %8s\n", "START", "END", "TYPE", "PROT", "MAPPED",
	       "SHARED", "COW");
	for (int i = 0; i < n; i++)
		printf("  %018llx %018llx %-6s %c%c%c%c %8llu %8llu %8llu\n",
		       (unsigned long long)r[i].start, (unsigned long long)r[i].end,
		       region_type(r[i].type), r[i].prot & 1 ? 'r' : '-', r[i].prot & 2 ? 'w' : '-',
		       r[i].prot & 4 ? 'x' : '-', r[i].shared ? 's' : 'p',
		       (unsigned long long)r[i].mapped_pages, (unsigned long long)r[i].shared_pages,
		       (unsigned long long)r[i].cow_pages);
	free(r);
	return 0;
}

int main(int argc, char **argv)
{
	static unsigned int pids[PIDS_MAX];
	unsigned int clusters, cores;
	int n;

	if (argc == 3 && !strcmp(argv[1], "-r")) {
		char *end;
		long pid = strtol(argv[2], &end, 0);
		if (*argv[2] == 0 || *end || pid < 0) {
			fprintf(stderr, "usage: ps [-r PID]\n");
			return 2;
		}
		return regions((int)pid);
	}
	if (argc != 1) {
		fprintf(stderr, "usage: ps [-r PID]\n");
		return 2;
	}
	if (get_config(&clusters, &cores) != 0 || (n = get_processes(pids, PIDS_MAX)) < 0) {
		fprintf(stderr, "ps: %s\n", strerror(errno));
		return 1;
	}
	if (n > PIDS_MAX)
		n = PIDS_MAX;
	printf("%7s %7s %7s %3s %3s %-8s %4s %3s %s %7s %7s %7s %s\n", "PID", "PPID", "PGID", "OWN",
	       "REF", "COPIES", "THR", "RUN", "S", "PAGES", "SHARED", "COW", "COMMAND");
	for (int i = 0; i < n; i++) {
		struct almos_process_info p;
		char copies[65];
		unsigned int c;

		if (get_process_info((int)pids[i], &p) != 0)
			continue; /* ended since get_processes */
		for (c = 0; c < clusters && c < 64; c++)
			copies[c] = (p.copies_mask >> c) & 1 ? "0123456789abcdef"[c % 16] : '.';
		copies[c] = 0;
		printf("%7u %7u %7u %3u %3u %-8s %4u %3u %c %7llu %7llu %7llu %s\n", p.pid, p.ppid,
		       p.pgid, p.owner_cxy, p.ref_cxy, copies, p.threads, p.runnable, p.state,
		       (unsigned long long)p.total_pages, (unsigned long long)p.shared_pages,
		       (unsigned long long)p.cow_pages, p.name);
	}
	return 0;
}
