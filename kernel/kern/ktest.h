/*
 * ktest.h - in-kernel tests, run at boot on every core of every cluster.
 *
 * A case is declared with KTEST(suite, name) { ... } anywhere in the kernel (kernel/ktests/ holds
 * them). The kernel command line selects what runs: `ktest=all` runs every case not marked
 * KTEST_EXPLICIT; `ktest=suite1,suite2` runs the cases of those suites (explicit ones included).
 * Each selected case runs on all cores at once, between two global barriers; a failure anywhere
 * fails the case. Cluster 0's lid 0 prints the results in KTAP and powers off: success if all
 * passed, KERNEL_EXIT_KTEST_FAILED otherwise.
 */
#ifndef KERN_KTEST_H
#define KERN_KTEST_H

#include <hal_special.h>
#include <hal_types.h>
#include <kern/thread.h>

typedef struct ktest_ctx_s {
	cxy_t    cxy;       /* cluster of the running core             */
	lid_t    lid;       /* its index in the cluster                */
	uint32_t cores_nr;  /* cores taking part (all online cores)     */
	uint32_t failures;  /* failed expectations on this core         */
} ktest_ctx_t;

typedef void (*ktest_fn_t)(ktest_ctx_t *ctx);

#define KTEST_EXPLICIT 0x1 /* not run by ktest=all: only when its suite is named (panics...) */

typedef struct ktest_case_s {
	const char *suite;
	const char *name;
	ktest_fn_t  fn;
	uint32_t    flags;
} ktest_case_t;

#define KTEST_FLAGS(suite_, name_, flags_)                                                          \
	static void ktest_fn_##suite_##_##name_(ktest_ctx_t *ctx);                                  \
	static const ktest_case_t ktest_case_##suite_##_##name_                                     \
		__attribute__((used, section(".ktests"), aligned(8))) = {                           \
			#suite_, #name_, ktest_fn_##suite_##_##name_, (flags_) };                   \
	static void ktest_fn_##suite_##_##name_(ktest_ctx_t *ctx)

#define KTEST(suite_, name_) KTEST_FLAGS(suite_, name_, 0)

/* Record a failed expectation (printed as a KTAP diagnostic with the core and location). */
void ktest_fail(ktest_ctx_t *ctx, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define KT_EXPECT(ctx, cond)                                                                        \
	do {                                                                                        \
		if (!(cond))                                                                        \
			ktest_fail((ctx), __FILE__, __LINE__, "expected %s", #cond);                \
	} while (0)

#define KT_EXPECT_EQ(ctx, a, b)                                                                     \
	do {                                                                                        \
		uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                                    \
		if (a_ != b_)                                                                       \
			ktest_fail((ctx), __FILE__, __LINE__, "expected %s == %s (%lx != %lx)", #a, \
				   #b, a_, b_);                                                     \
	} while (0)

/*
 * Free pages of the local cluster for leak checks: the PPM's free pages, once the object caches
 * gave their empty pages back, plus the pages of the kernel stacks cached for reuse (a stack slot
 * keeps its pages for the next thread: they are free for the purpose of a leak check).
 */
uint64_t ktest_free_pages(void);

/*
 * Sleep (1 ms at a time) until @cond holds; its value then. The limit, KTEST_HANG_NS, only tells
 * a hang from a slow host: a core the host runs late may take seconds to do its part (2 s limits
 * failed tests under load), so a case waits for conditions, never for a delay.
 */
#define KTEST_HANG_NS (20ULL * 1000000000)
#define KTEST_WAIT_UNTIL(cond)                                                              \
	({                                                                                  \
		uint64_t kt_start_ = hal_get_time_ns();                                        \
		bool kt_ok_;                                                                \
		while (!(kt_ok_ = (cond)) && hal_get_time_ns() - kt_start_ < KTEST_HANG_NS)    \
			thread_sleep_ns(1000000);                                           \
		kt_ok_;                                                                     \
	})

/* Wait for every core taking part in the case (for cases with phases). */
void ktest_barrier(ktest_ctx_t *ctx);

/*
 * Run the cases selected by the command line on the calling core; every online core calls it.
 * Returns at once if no ktest= option is given; otherwise cluster 0's lid 0 powers off after the
 * last case and the other cores return.
 */
void ktest_main(void);

#endif /* KERN_KTEST_H */
