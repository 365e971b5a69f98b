/*
 * ktest.c - the in-kernel test runner (see ktest.h).
 *
 * Shared state lives in cluster 0 (ktest_state, see global.h): a barrier, the failure count of the
 * case in progress, and the count of failed cases. Between the barriers that frame a case, only
 * the reporting core (cluster 0, lid 0) writes the counters' resets, so no lock is needed.
 */
#include <hal_boot.h>
#include <hal_irqmask.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/cluster.h>
#include <kern/ktest.h>
#include <kern/printk.h>
#include <kern/sched.h>
#include <libk/cmdline.h>
#include <libk/string.h>
#include <libk/xbarrier.h>

extern const ktest_case_t __ktests_start[], __ktests_end[];

static struct {
	xbarrier_t barrier;      /* all cores, around and inside cases       */
	uint32_t   case_failures;/* failed expectations of the current case  */
	uint32_t   failed_cases; /* cases with at least one failure          */
} ktest_state;               /* cluster 0's copy is the one used         */

#define STATE_XP(field) XPTR(0, &ktest_state.field)

static bool is_reporter(void)
{
	return local_cxy == 0 && hal_get_lid() == 0;
}

static bool case_selected(const ktest_case_t *tc, const char *selection)
{
	if (!strcmp(selection, "all"))
		return !(tc->flags & KTEST_EXPLICIT);
	return cmdline_list_contains(selection, tc->suite);
}

void ktest_fail(ktest_ctx_t *ctx, const char *file, int line, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctx->failures++;
	hal_remote_atomic_add32(STATE_XP(case_failures), 1);
	printk_raw("# [%x,%u] %s:%d: %s\n", ctx->cxy, ctx->lid, file, line, msg);
}

/* Cases run in threads: a core waiting at the barrier lets its other threads run. */
void ktest_barrier(ktest_ctx_t *ctx)
{
	xbarrier_wait_relax(STATE_XP(barrier), ctx->cores_nr, sched_yield);
}

/* Cluster 0's lid 0, after a case: print its result, reset the case's counter. */
static void report_case(unsigned index, const ktest_case_t *tc)
{
	uint32_t failures = hal_remote_l32(STATE_XP(case_failures));

	printk_raw("%s %u %s.%s\n", failures ? "not ok" : "ok", index, tc->suite, tc->name);
	if (failures)
		hal_remote_atomic_add32(STATE_XP(failed_cases), 1);
	hal_remote_s32(STATE_XP(case_failures), 0);
}

void ktest_main(void)
{
	char selection[128];
	ktest_ctx_t ctx = { local_cxy, hal_get_lid(), cluster_total_cores(), 0 };
	unsigned planned = 0, index = 0;

	if (!cmdline_get(boot_info.cmdline, "ktest", selection, sizeof(selection)))
		return;
	for (const ktest_case_t *tc = __ktests_start; tc < __ktests_end; tc++)
		planned += case_selected(tc, selection);

	if (is_reporter()) {
		printk_raw("KTAP version 1\n1..%u\n", planned);
		if (planned == 0)
			printk_raw("# ktest: no test matches '%s'\n", selection);
	}
	for (const ktest_case_t *tc = __ktests_start; tc < __ktests_end; tc++) {
		if (!case_selected(tc, selection))
			continue;
		ktest_barrier(&ctx);
		tc->fn(&ctx);
		ktest_barrier(&ctx);
		if (is_reporter())
			report_case(++index, tc);
	}
	ktest_barrier(&ctx);
	if (is_reporter()) {
		uint32_t failed = hal_remote_l32(STATE_XP(failed_cases));
		printk_raw("# ktest: %u passed, %u failed\n", planned - failed, failed);
		hal_poweroff(failed || planned == 0 ? KERNEL_EXIT_KTEST_FAILED : 0);
	}
}
