/*
 * free, vmstat - the memory and the load of each cluster (get_cluster_info), one line per cluster
 * and a total line. Installed twice; the name it is run by chooses the table (docs/shell.md):
 *
 *   free    pages (4 KiB) of each cluster: TOTAL, FREE, LARGEST (the largest free block: the
 *           biggest contiguous allocation possible), CACHE (page cache), PTABLES (user page-table
 *           pages), KSLAB (pages of the kernel object caches), KOBJ (kernel objects allocated
 *           in them), KSTACK (kernel stack pages), VSEGS (vsegs of every VMM copy there)
 *   vmstat  activity of each cluster: CORES, THREADS (every kind), USER (user threads), RUN (not
 *           blocked, idle threads excluded), OWNED (processes owned), COPIES (process copies),
 *           FREE pages, TLB (shootdowns asked by its cores) and ACKS (cores that acknowledged)
 *
 * Usage: free | vmstat   (no argument). Exit status 0; 1 on an error; 2 on a usage error.
 */
#include <errno.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "almos.h"

typedef unsigned long long ull;

static void free_line(const char *name, const struct almos_cluster_info *i)
{
	printf("%-7s %8llu %8llu %8llu %6llu %7llu %6llu %8llu %6llu %6u\n", name, (ull)i->total_pages,
	       (ull)i->free_pages, (ull)i->largest_free_pages, (ull)i->cache_pages, (ull)i->pt_pages,
	       (ull)i->slab_pages, (ull)i->slab_objects, (ull)i->kstack_pages, i->vsegs);
}

static void vmstat_line(const char *name, const struct almos_cluster_info *i)
{
	printf("%-7s %5u %7u %5u %4u %5u %6u %8llu %8llu %8llu\n", name, i->cores, i->threads,
	       i->user_threads, i->runnable, i->processes_owned, i->process_copies,
	       (ull)i->free_pages, (ull)i->tlb_shootdowns, (ull)i->tlb_acks);
}

/* @sum += @i, field by field (the largest free block is the largest of the clusters'). */
static void add(struct almos_cluster_info *sum, const struct almos_cluster_info *i)
{
	sum->total_pages += i->total_pages;
	sum->free_pages += i->free_pages;
	if (i->largest_free_pages > sum->largest_free_pages)
		sum->largest_free_pages = i->largest_free_pages;
	sum->cache_pages += i->cache_pages;
	sum->pt_pages += i->pt_pages;
	sum->slab_pages += i->slab_pages;
	sum->slab_objects += i->slab_objects;
	sum->kstack_pages += i->kstack_pages;
	sum->vsegs += i->vsegs;
	sum->cores += i->cores;
	sum->threads += i->threads;
	sum->user_threads += i->user_threads;
	sum->runnable += i->runnable;
	sum->processes_owned += i->processes_owned;
	sum->process_copies += i->process_copies;
	sum->tlb_shootdowns += i->tlb_shootdowns;
	sum->tlb_acks += i->tlb_acks;
}

int main(int argc, char **argv)
{
	bool vmstat = !strcmp(basename(argv[0]), "vmstat");
	struct almos_cluster_info sum = { 0 };
	unsigned int clusters, cores;

	if (argc != 1) {
		fprintf(stderr, "usage: %s\n", vmstat ? "vmstat" : "free");
		return 2;
	}
	if (get_config(&clusters, &cores) != 0) {
		fprintf(stderr, "%s: get_config: %s\n", argv[0], strerror(errno));
		return 1;
	}
	if (vmstat)
		printf("%-7s %5s %7s %5s %4s %5s %6s %8s %8s %8s\n", "CLUSTER", "CORES", "THREADS",
		       "USER", "RUN", "OWNED", "COPIES", "FREE", "TLB", "ACKS");
	else
		printf("%-7s %8s %8s %8s %6s %7s %6s %8s %6s %6s\n", "CLUSTER", "TOTAL", "FREE",
		       "LARGEST", "CACHE", "PTABLES", "KSLAB", "KOBJ", "KSTACK", "VSEGS");
	for (unsigned int c = 0; c < clusters; c++) {
		struct almos_cluster_info info;
		char name[16];

		if (get_cluster_info(c, &info) != 0) {
			fprintf(stderr, "%s: get_cluster_info %u: %s\n", argv[0], c, strerror(errno));
			return 1;
		}
		snprintf(name, sizeof(name), "%u", c);
		(vmstat ? vmstat_line : free_line)(name, &info);
		add(&sum, &info);
	}
	(vmstat ? vmstat_line : free_line)("all", &sum);
	return 0;
}
