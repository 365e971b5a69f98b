/*
 * ktap.h - KTAP output for user test programs (one program = one test suite).
 *
 *     int main(void)
 *     {
 *         ktap_plan(2);
 *         ktap_ok(1 + 1 == 2, "addition");
 *         ktap_diag("page size %ld", sysconf(_SC_PAGESIZE));
 *         ktap_skip("threads", "one core only");
 *         return ktap_exit();
 *     }
 *
 * prints "KTAP version 1", "1..2", "ok 1 addition", "# page size 4096", "ok 2 threads # SKIP one
 * core only", "# Totals: pass:1 fail:0 skip:1". Each line is flushed at once, so the results
 * interleave correctly with the kernel's console log and survive a crash of the program.
 * ktap_exit() returns the exit status: 0 only if the results were exactly the plan and none failed.
 * The state is the program's, whichever of its files report (a weak definition that each including
 * file emits and the linker makes one), and not thread-safe: report from one thread.
 */
#ifndef ARCHIPEL_KTAP_H
#define ARCHIPEL_KTAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

struct ktap_state {
	int planned;   /* N of "1..N", -1 before ktap_plan() */
	int done;      /* results printed so far */
	int failed;    /* of which "not ok" */
	int skipped;   /* of which "# SKIP" */
};

__attribute__((weak)) struct ktap_state ktap_program_state = { -1, 0, 0, 0 };

static inline struct ktap_state *ktap_state(void)
{
	return &ktap_program_state;
}

/* Print the header and the plan: @n results will follow. */
static inline void ktap_plan(int n)
{
	ktap_state()->planned = n;
	printf("KTAP version 1\n1..%d\n", n);
	fflush(stdout);
}

/* Print "# " and the formatted text as one diagnostic line. */
static inline void ktap_vdiag(const char *fmt, va_list ap)
{
	fputs("# ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	fflush(stdout);
}

static inline __attribute__((format(printf, 1, 2))) void ktap_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ktap_vdiag(fmt, ap);
	va_end(ap);
}

/* Report the next result, "ok N name" if @pass else "not ok N name"; returns @pass. */
static inline __attribute__((format(printf, 2, 3))) bool ktap_ok(bool pass, const char *fmt, ...)
{
	struct ktap_state *s = ktap_state();
	va_list ap;

	s->done++;
	if (!pass)
		s->failed++;
	printf("%s %d ", pass ? "ok" : "not ok", s->done);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
	return pass;
}

/* Report the next result as skipped: "ok N name # SKIP reason". */
static inline void ktap_skip(const char *name, const char *reason)
{
	struct ktap_state *s = ktap_state();

	s->done++;
	s->skipped++;
	printf("ok %d %s # SKIP %s\n", s->done, name, reason);
	fflush(stdout);
}

/* Print the totals; returns the exit status: 0 if the plan was met and nothing failed, else 1. */
static inline int ktap_exit(void)
{
	struct ktap_state *s = ktap_state();

	if (s->planned < 0)
		ktap_diag("no plan was printed");
	else if (s->done != s->planned)
		ktap_diag("planned %d results, reported %d", s->planned, s->done);
	ktap_diag("Totals: pass:%d fail:%d skip:%d", s->done - s->failed - s->skipped, s->failed,
		  s->skipped);
	return s->planned >= 0 && s->done == s->planned && s->failed == 0 ? 0 : 1;
}

#endif /* ARCHIPEL_KTAP_H */
