/*
 * ktest.c - the in-kernel test runner (see ktest.h).
 *
 * Shared state lives in cluster 0 (ktest_state, see global.h): a blocking barrier, the failure
 * count of the case in progress, and the count of failed cases. Between the barriers that frame a case, only
 * the reporting core (cluster 0, lid 0) writes the counters' resets, so no lock is needed.
 */
#include <hal_boot.h>
#include <hal_context.h>
#include <hal_irqmask.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/cluster.h>
#include <kern/ktest.h>
#include <kern/printk.h>
#include <kern/sched.h>
#include <kern/waitq.h>
#include <libk/cmdline.h>
#include <libk/string.h>
#include <libk/xbarrier.h>

extern const ktest_case_t __ktests_start[], __ktests_end[];

static struct {
	busylock_t guard;        /* protects arrived and generation          */
	uint32_t   arrived;      /* cores at the barrier in this round       */
	uint32_t   generation;   /* barrier rounds completed                 */
	waitq_t    waiters;      /* cores blocked at the barrier             */
	uint32_t   case_failures;/* failed expectations of the current case  */
	uint32_t   failed_cases; /* cases with at least one failure          */
} ktest_state;               /* cluster 0's copy is the one used         */

#define STATE_XP(field) XPTR(0, &ktest_state.field)

static xbarrier_t start_barrier; /* cluster 0's copy */

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

uint64_t ktest_free_pages(void)
{
	uint32_t in_use, cached, pages;
	ppm_stats_t stats;

	for (uint32_t order = CONFIG_KCM_MIN_ORDER; order <= CONFIG_KCM_MAX_ORDER; order++)
		kcm_remote_shrink(local_cxy, order);
	hal_kstack_stats(local_cxy, &in_use, &cached, &pages);
	ppm_stats(local_cxy, &stats);
	return stats.free_pages + (uint64_t)cached * (CONFIG_KSTACK_SIZE / CONFIG_PAGE_SIZE);
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

/*
 * Cases run in threads: a core waiting at the barrier blocks (its other threads run, or it idles
 * in wfi), so waiting cores do not steal time from the ones measured or tested.
 */
void ktest_barrier(ktest_ctx_t *ctx)
{
	xptr_t guard = STATE_XP(guard);
	uint32_t gen;

	remote_busylock_acquire(guard);
	gen = hal_remote_l32(STATE_XP(generation));
	if (hal_remote_l32(STATE_XP(arrived)) + 1 == ctx->cores_nr) {
		hal_remote_s32(STATE_XP(arrived), 0);
		hal_remote_s32(STATE_XP(generation), gen + 1);
		waitq_wake_all(STATE_XP(waiters));
	} else {
		hal_remote_s32(STATE_XP(arrived), hal_remote_l32(STATE_XP(arrived)) + 1);
		while (hal_remote_l32(STATE_XP(generation)) == gen)
			waitq_wait(STATE_XP(waiters), guard);
	}
	remote_busylock_release(guard);
}

/* Cluster 0's lid 0, before any case: the shared state (reached by every core afterwards). */
static void state_init(void)
{
	remote_busylock_init(STATE_XP(guard), "ktest.barrier", LOCK_TEST_A);
	waitq_init(STATE_XP(waiters), "ktest.barrier.wq");
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

	if (is_reporter())
		state_init();
	/* Nobody may use the barrier before cluster 0 initialised it: that one still spins. */
	xbarrier_wait_relax(XPTR(0, &start_barrier), ctx.cores_nr, sched_yield);
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
