/*
 * ktap_groups.h - KTAP programs made of groups that must leave no trace (test_vmgroups, test_uptr).
 *
 *     static const struct ktap_group groups[] = { { "mmap", group_mmap, 19 }, ... };
 *     int main(int argc, char **argv)
 *     {
 *             return ktap_groups_main(groups, sizeof(groups) / sizeof(groups[0]), argc, argv);
 *     }
 *
 * Each group chosen on the command line (all without arguments) runs twice: the first round
 * reports every check() as a KTAP result; then the per-cluster memory figures are the baseline
 * (memcheck.h), the group runs again with its checks folded into one result, and every cluster
 * must be back at the baseline: two results more per group. The program's own image is mapped
 * whole first, so that a code page first run in the second round is not taken for a leak.
 */
#ifndef ARCHIPEL_KTAP_GROUPS_H
#define ARCHIPEL_KTAP_GROUPS_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "almos.h"
#include "ktap.h"
#include "memcheck.h"

struct ktap_group {
	const char *name;
	void (*run)(void);
	int checks; /* results of its first round */
};

/* The program's, whichever of its files check (weak, as ktap.h's state). */
__attribute__((weak)) bool ktap_groups_quiet; /* the second round: failures counted, not reported */
__attribute__((weak)) int ktap_groups_failures;

/* A check: a KTAP result in the first round, counted (with a diagnostic) in the second. */
static inline __attribute__((format(printf, 2, 3))) bool check(bool pass, const char *fmt, ...)
{
	char text[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (!ktap_groups_quiet)
		return ktap_ok(pass, "%s", text);
	if (!pass) {
		ktap_groups_failures++;
		ktap_diag("second round: not ok: %s", text);
	}
	return pass;
}

/* True if the call failed with @err; otherwise a diagnostic says what it did. */
static inline bool fails(long ret, int err)
{
	if (ret == -1 && errno == err)
		return true;
	ktap_diag("returned %ld (%#lx), errno %d (%s), expected errno %d (%s)", ret,
		  (unsigned long)ret, errno, strerror(errno), err, strerror(err));
	return false;
}

/* True in a group's second round (a group may skip its diagnostics then). */
static inline bool ktap_groups_second_round(void)
{
	return ktap_groups_quiet;
}

/* The user pages the process maps (its reference GPT): says whether a difference is ours. */
static inline unsigned long ktap_groups_own_pages(void)
{
	struct almos_process_info me;

	return get_process_info(ALMOS_PID_SELF, &me) == 0 ? (unsigned long)me.total_pages : 0;
}

/* Map every page of the program's image now (code and data). */
static inline void ktap_groups_map_own_image(void)
{
	static struct almos_region image[64];
	int n = get_regions(ALMOS_PID_SELF, image, 64);

	for (int i = 0; i < n && i < 64; i++)
		if (image[i].type == ALMOS_REGION_CODE || image[i].type == ALMOS_REGION_DATA)
			for (uint64_t a = image[i].start; a < image[i].end; a += 4096)
				(void)*(volatile const char *)a;
}

/* Run @g twice: reported, then folded, against the memory baseline taken between the two. */
static inline void ktap_groups_run(const struct ktap_group *g, const struct memcheck *idle)
{
	struct memcheck base, now;
	struct timespec t0, t1;
	unsigned long pages;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ktap_groups_quiet = false;
	g->run();
	bool settled = memcheck_settled(idle, &base);
	pages = ktap_groups_own_pages();
	ktap_groups_quiet = true;
	ktap_groups_failures = 0;
	g->run();
	ktap_groups_quiet = false;
	ktap_ok(ktap_groups_failures == 0, "%s: second round: every check ok again (%d not)", g->name,
		ktap_groups_failures);
	settled = settled && memcheck_settled(idle, &now);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ktap_diag("%s: the process maps %lu user pages, %lu at the baseline; both rounds %ld ms",
		  g->name, ktap_groups_own_pages(), pages, (long)((t1.tv_sec - t0.tv_sec) * 1000 +
		  (t1.tv_nsec - t0.tv_nsec) / 1000000));
	ktap_ok(settled && memcheck_same(&now, &base),
		"%s: every cluster back to its baseline after the second round", g->name);
}

static inline bool ktap_groups_chosen(const char *name, int argc, char **argv)
{
	if (argc < 2)
		return true;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return true;
	return false;
}

/* The plan, then each chosen group of @groups (@n of them); returns the exit status. */
static inline int ktap_groups_main(const struct ktap_group *groups, int n, int argc, char **argv)
{
	struct memcheck idle;
	int plan = 0;

	for (int i = 0; i < n; i++)
		if (ktap_groups_chosen(groups[i].name, argc, argv))
			plan += groups[i].checks + 2;
	ktap_plan(plan);
	ktap_groups_map_own_image();
	memcheck_snapshot(&idle);
	for (int i = 0; i < n; i++)
		if (ktap_groups_chosen(groups[i].name, argc, argv))
			ktap_groups_run(&groups[i], &idle);
	return ktap_exit();
}

#endif /* ARCHIPEL_KTAP_GROUPS_H */
