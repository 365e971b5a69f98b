/*
 * kt_vmm.c - page faults of a process spread over clusters, under both true-fault protocols.
 *
 * A process whose reference is cluster 1 (0 on 1x1) gets an ANON vseg; user threads placed in
 * chosen clusters write one byte per page, then wait. The fault counters of each VMM copy must be
 * exactly what the protocol predicts:
 *   phase 1: a thread of the reference touches pages [0, N)     → reference: N local faults;
 *   phase 2: a thread of every other cluster touches [0, N)     → each copy: N false faults;
 *   phase 3: a thread of copy c1 touches [N, 2N)                → c1: N global faults;
 *   phase 4: a thread of copy c2 (a third cluster) touches them → c2: N false faults.
 * (+1 false fault per copy for the code page and +1 for the flag page, mapped in the reference.)
 * The copies' GPTs then hold exactly the pages touched there; after the threads exit and the
 * process is released, every cluster's free pages and process counts are back to their baseline.
 */
#include <hal_gpt.h>
#include <hal_ktest.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <hal_upcalls.h>
#include <kern/cluster.h>
#include <kern/ktest.h>
#include <kern/process.h>
#include <kern/rpc.h>
#include <kern/thread.h>
#include <libk/string.h>
#include <mm/ppm.h>
#include <mm/vmm.h>

#define N        8
#define CODE_VA  0x10000UL
#define DATA_VA  0x20000000UL
#define GO_VA    (DATA_VA + 2 * N * CONFIG_PAGE_SIZE)

static uint64_t baseline[CONFIG_MAX_CLUSTERS];
static uint32_t base_threads[CONFIG_MAX_CLUSTERS];

/* Map @va in the reference (a local fault of the coordinator, which runs there); its frame. */
static xptr_t prefault(ktest_ctx_t *ctx, process_t *p, vaddr_t va)
{
	uint32_t attr;
	ppn_t ppn;

	KT_EXPECT_EQ(ctx, vmm_handle_page_fault(&p->vmm, va, HAL_ACCESS_READ), 0);
	hal_gpt_get_pte(XPTR(local_cxy, &p->vmm.gpt), va >> CONFIG_PAGE_SHIFT, &attr, &ppn);
	KT_EXPECT(ctx, attr & GPT_MAPPED);
	return XPTR(cluster_of_paddr(ppn << CONFIG_PAGE_SHIFT), hal_paddr_to_kva(ppn << CONFIG_PAGE_SHIFT));
}

/* The copy of @p in cluster @cxy (XPTR_NULL if none), found through the owner's list. */
static xptr_t copy_of(process_t *p, cxy_t cxy)
{
	xptr_t root = XPTR(local_cxy, &p->copies_root), e, found = XPTR_NULL;

	remote_busylock_acquire(XPTR(local_cxy, &p->copies_lock));
	XLIST_FOREACH(root, e) {
		xptr_t c_xp = XLIST_ELEMENT(e, process_t, copies_link);
		if (GET_CXY(c_xp) == cxy)
			found = c_xp;
	}
	remote_busylock_release(XPTR(local_cxy, &p->copies_lock));
	return found;
}

/* Data pages [0, 2N) mapped in the GPT of the copy @copy_xp (read remotely). */
static uint64_t data_pages_mapped(xptr_t copy_xp)
{
	xptr_t gpt_xp = VMM_XP(PROC_XP(copy_xp, vmm), gpt);
	uint64_t n = 0;

	for (vpn_t vpn = DATA_VA >> CONFIG_PAGE_SHIFT; vpn < (DATA_VA >> CONFIG_PAGE_SHIFT) + 2 * N; vpn++) {
		uint32_t attr;
		ppn_t ppn;
		hal_gpt_get_pte(gpt_xp, vpn, &attr, &ppn);
		n += (attr & GPT_MAPPED) != 0;
	}
	return n;
}

/* The true-fault protocol is a per-cluster global: set it in every cluster. */
static void set_protocol(vmm_protocol_t protocol)
{
	for (cxy_t c = 0; c < cluster_count(); c++)
		hal_remote_s32(XPTR(c, &vmm_protocol), protocol);
}

/* Where the go flag, the done counter and the parameter blocks live (the flag page). */
#define GO_OFF     0
#define DONE_OFF   8
#define BLOCK_OFF(i) (64 + 32 * (i))

/* Start a toucher in cluster @cxy writing @pages pages from @base (parameter block @i). */
static void start_toucher(ktest_ctx_t *ctx, process_t *p, xptr_t flag_page, int i, cxy_t cxy,
			  vaddr_t base, uint64_t pages)
{
	uint64_t block[4] = { base, pages, GO_VA + GO_OFF, GO_VA + DONE_OFF };
	user_start_t start = { .pc = CODE_VA, .arg = GO_VA + BLOCK_OFF(i) };
	uint32_t trdid;
	xptr_t thread_xp;

	hal_remote_memcpy(flag_page + BLOCK_OFF(i), XPTR(local_cxy, block), sizeof(block));
	KT_EXPECT_EQ(ctx, process_thread_create(XPTR(local_cxy, p), cxy, (lid_t)-1, &start, true,
						&trdid, &thread_xp), 0);
}

/* Wait (sleeping) until @n touchers have reported. */
static bool wait_done(xptr_t flag_page, uint64_t n)
{
	for (int i = 0; i < 5000 && hal_remote_l64(flag_page + DONE_OFF) < n; i++)
		thread_sleep_ns(1000000);
	return hal_remote_l64(flag_page + DONE_OFF) >= n;
}

static void expect_stats(ktest_ctx_t *ctx, process_t *p, cxy_t cxy, uint64_t local, uint64_t false_,
			 uint64_t global)
{
	xptr_t copy_xp = copy_of(p, cxy);
	vmm_stats_t st;

	if (copy_xp == XPTR_NULL) {
		ktest_fail(ctx, __FILE__, __LINE__, "no copy of the process in cluster %u", cxy);
		return;
	}
	hal_remote_memcpy(XPTR(local_cxy, &st), PROC_XP(copy_xp, vmm) +
			  offsetof(vmm_t, stats), sizeof(st));
	if (st.local_faults != local || st.false_faults != false_ || st.global_faults != global)
		ktest_fail(ctx, __FILE__, __LINE__,
			   "cluster %u: faults local %lu false %lu global %lu, expected %lu %lu %lu", cxy,
			   st.local_faults, st.false_faults, st.global_faults, local, false_, global);
}

/* A process of this cluster with the toucher's code at CODE_VA and the data vseg [DATA_VA, GO_VA
 * + one page); [out] @flag: its flag page. NULL (a failure reported) if it cannot be made. */
static process_t *toucher_process(ktest_ctx_t *ctx, const char *name, xptr_t *flag)
{
	process_t *p;
	xptr_t code;

	if (process_create(name, &p)) {
		ktest_fail(ctx, __FILE__, __LINE__, "process_create failed");
		return NULL;
	}
	KT_EXPECT_EQ(ctx, vmm_create_vseg(&p->vmm, VSEG_TYPE_ANON, CODE_VA, CODE_VA + CONFIG_PAGE_SIZE,
					  VSEG_USER | VSEG_READ | VSEG_EXEC, NULL, local_cxy, NULL), 0);
	KT_EXPECT_EQ(ctx, vmm_create_vseg(&p->vmm, VSEG_TYPE_ANON, DATA_VA,
					  GO_VA + CONFIG_PAGE_SIZE, VSEG_USER | VSEG_READ | VSEG_WRITE,
					  NULL, local_cxy, NULL), 0);
	code = prefault(ctx, p, CODE_VA);
	*flag = prefault(ctx, p, GO_VA);
	hal_remote_memcpy(code, XPTR(local_cxy, hal_ktest_user_touch),
			  (size_t)(hal_ktest_user_touch_end - hal_ktest_user_touch));
	hal_icache_sync();
	return p;
}

/* The whole scenario under the protocol @protocol, from the coordinator (a core of the reference). */
static void scenario(ktest_ctx_t *ctx, vmm_protocol_t protocol)
{
	uint32_t n = cluster_count();
	cxy_t ref = local_cxy, c1 = (cxy_t)((ref + 1) % n), c2 = (cxy_t)((ref + 2) % n);
	process_t *p;
	xptr_t flag;
	uint64_t started = 0;

	set_protocol(protocol);
	p = toucher_process(ctx, "vmmtest", &flag);
	if (!p)
		return;

	start_toucher(ctx, p, flag, 0, ref, DATA_VA, N);                  /* phase 1 */
	KT_EXPECT(ctx, wait_done(flag, ++started));
	expect_stats(ctx, p, ref, 2 + N, 0, 0);
	for (cxy_t c = 0; c < n; c++) {                                    /* phase 2 */
		if (c == ref)
			continue;
		start_toucher(ctx, p, flag, 1 + c, c, DATA_VA, N);
		KT_EXPECT(ctx, wait_done(flag, ++started));
		expect_stats(ctx, p, c, 0, 2 + N, 0);
	}
	if (n >= 2) {                                                      /* phase 3 */
		start_toucher(ctx, p, flag, 20, c1, DATA_VA + N * CONFIG_PAGE_SIZE, N);
		KT_EXPECT(ctx, wait_done(flag, ++started));
		expect_stats(ctx, p, c1, 0, 2 + N, N);
		expect_stats(ctx, p, ref, 2 + N, 0, 0); /* the reference resolved them: not its faults */
	}
	if (n >= 3) {                                                      /* phase 4 */
		start_toucher(ctx, p, flag, 21, c2, DATA_VA + N * CONFIG_PAGE_SIZE, N);
		KT_EXPECT(ctx, wait_done(flag, ++started));
		expect_stats(ctx, p, c2, 0, 2 + 2 * N, 0);
	}
	for (cxy_t c = 0; c < n; c++) {  /* the reference holds everything, a copy what it touched */
		xptr_t copy_xp = copy_of(p, c);
		uint64_t expect = (c == ref || c == c1 || (n >= 3 && c == c2)) && n >= 2 ? 2 * N : N;
		KT_EXPECT(ctx, copy_xp != XPTR_NULL);
		if (copy_xp == XPTR_NULL)
			continue;
		KT_EXPECT_EQ(ctx, data_pages_mapped(copy_xp), expect);
		KT_EXPECT_EQ(ctx, vmm_display(c, p->pid, protocol == VMM_PROTOCOL_RPC), 0);
	}
	hal_remote_s64(flag + GO_OFF, 1);                                  /* everybody exits */
	KT_EXPECT_EQ(ctx, process_wait_end(XPTR(local_cxy, p)), 0);
	process_release(XPTR(local_cxy, p));
}

/*
 * The walk of a process's copies (vmm_fork.c's for_each_copy, under the owner's copies busylock:
 * IRQs masked) must not wait for a PTE lock whose holder is a thread of its own core, preempted:
 * that thread could never run again, and the core was lost (the fuzzer, 4x2: a fork's server
 * marking the parent's copies spun on a PTE that a thread of its core held in copy_pte). Here a
 * kernel thread H of cluster C holds the PTE of a page in the copy of C and sleeps; then a kernel
 * thread W of the same core updates that page in every copy (vmm_global_update_pte, as a
 * copy-on-write fault does, with the value it has): W must be done, after H let go.
 */
#define HOLD_NS 20000000ULL /* H's sleep with the PTE locked: W runs on H's core meanwhile */

typedef struct hold_state_s {
	xptr_t   copy_gpt; /* the GPT of the copy in cluster C */
	xptr_t   ref_vmm;
	vpn_t    vpn;
	uint32_t attr;     /* the reference's PTE, which W writes in the copies again */
	ppn_t    ppn;
	uint32_t held;     /* set by H, written remotely */
	uint32_t released;
	uint32_t done;     /* set by W */
} hold_state_t;

static hold_state_t hold; /* in the coordinator's cluster: H and W get that cluster as argument */

#define HOLD_XP(home, field) XPTR_FIELD(XPTR(home, &hold), hold_state_t, field)

static void hold_pte(void *arg)
{
	cxy_t home = (cxy_t)(uintptr_t)arg;
	gpt_pte_t pte;
	uint32_t attr;
	ppn_t ppn;

	if (hal_gpt_lock_pte(hal_remote_lxp(HOLD_XP(home, copy_gpt)),
			     hal_remote_l64(HOLD_XP(home, vpn)), &pte, &attr, &ppn))
		return; /* the coordinator sees nothing held */
	hal_remote_s32(HOLD_XP(home, held), 1);
	thread_sleep_ns(HOLD_NS);
	hal_remote_s32(HOLD_XP(home, released), 1);
	hal_gpt_pte_unlock(&pte);
}

static void update_everywhere(void *arg)
{
	cxy_t home = (cxy_t)(uintptr_t)arg;

	vmm_global_update_pte(hal_remote_lxp(HOLD_XP(home, ref_vmm)), hal_remote_l64(HOLD_XP(home, vpn)),
			      hal_remote_l32(HOLD_XP(home, attr)), hal_remote_l64(HOLD_XP(home, ppn)));
	hal_remote_s32(HOLD_XP(home, done), 1);
}

/* A kernel thread running @entry on core 0 of cluster @cxy, told this cluster. */
static void start_on(ktest_ctx_t *ctx, cxy_t cxy, void (*entry)(void *), const char *name)
{
	rpc_thread_create_args_t a = { .entry = entry, .arg = (void *)(uintptr_t)local_cxy, .lid = 0,
				       .type = THREAD_KERNEL, .name_xp = XPTR(local_cxy, (void *)name) };
	rpc_desc_t desc = RPC_DESC(RPC_THREAD_CREATE, &a);

	rpc_send(cxy, &desc);
	KT_EXPECT_EQ(ctx, desc.error, 0);
}

static void preempted_holder(ktest_ctx_t *ctx)
{
	cxy_t c = (cxy_t)((local_cxy + 1) % cluster_count());
	process_t *p;
	xptr_t flag, copy_xp;

	p = toucher_process(ctx, "vmmhold", &flag);
	if (!p)
		return;
	start_toucher(ctx, p, flag, 0, c, DATA_VA, 1); /* the page, mapped in the copy of C */
	KT_EXPECT(ctx, wait_done(flag, 1));
	copy_xp = copy_of(p, c);
	KT_EXPECT(ctx, copy_xp != XPTR_NULL);
	if (copy_xp != XPTR_NULL) {
		hold = (hold_state_t){ .copy_gpt = VMM_XP(PROC_XP(copy_xp, vmm), gpt),
				       .ref_vmm = XPTR(local_cxy, &p->vmm),
				       .vpn = DATA_VA >> CONFIG_PAGE_SHIFT };
		hal_gpt_get_pte(XPTR(local_cxy, &p->vmm.gpt), hold.vpn, &hold.attr, &hold.ppn);
		KT_EXPECT(ctx, hold.attr & GPT_MAPPED);
		hal_fence();
		start_on(ctx, c, hold_pte, "hold");
		KT_EXPECT(ctx, KTEST_WAIT_UNTIL(__atomic_load_n(&hold.held, __ATOMIC_ACQUIRE)));
		start_on(ctx, c, update_everywhere, "update");
		/* else W spins on core [c,0] with IRQs masked, for good: H never runs again */
		KT_EXPECT(ctx, KTEST_WAIT_UNTIL(__atomic_load_n(&hold.done, __ATOMIC_ACQUIRE)));
		KT_EXPECT(ctx, __atomic_load_n(&hold.released, __ATOMIC_ACQUIRE));
	}
	hal_remote_s64(flag + GO_OFF, 1); /* the toucher exits */
	KT_EXPECT_EQ(ctx, process_wait_end(XPTR(local_cxy, p)), 0);
	process_release(XPTR(local_cxy, p));
}

static void both_protocols(ktest_ctx_t *ctx)
{
	scenario(ctx, VMM_PROTOCOL_RPC);
	scenario(ctx, VMM_PROTOCOL_DIRECT);
	set_protocol(CONFIG_VMM_TRUE_FAULT_RPC ? VMM_PROTOCOL_RPC : VMM_PROTOCOL_DIRECT);
}

/* Run @body on core 0 of the reference cluster (1, or 0 on 1x1), then check that every cluster
 * is back at the baseline taken before. */
static void with_baseline(ktest_ctx_t *ctx, void (*body)(ktest_ctx_t *ctx))
{
	cxy_t ref = cluster_count() > 1 ? 1 : 0;

	ktest_barrier(ctx);
	if (ctx->lid == 0) {
		baseline[ctx->cxy] = ktest_free_pages();
		base_threads[ctx->cxy] = thread_count();
	}
	ktest_barrier(ctx);
	if (ctx->cxy == ref && ctx->lid == 0)
		body(ctx);
	ktest_barrier(ctx);
	if (ctx->lid == 0) {
		/* The copies and threads of this cluster freed (counted until their memory is), by a
		 * core the host may run late: a count, not a delay (a 1 s limit failed under load). */
		KTEST_WAIT_UNTIL(process_copies_count() == 1 &&
				 thread_count() == base_threads[ctx->cxy]);
		KT_EXPECT_EQ(ctx, thread_count(), base_threads[ctx->cxy]);
		KT_EXPECT_EQ(ctx, process_copies_count(), 1); /* the kernel process */
		KT_EXPECT_EQ(ctx, process_owned_count(), 1);
		KT_EXPECT_EQ(ctx, ktest_free_pages(), baseline[ctx->cxy]);
	}
}

KTEST(vmm, faults_under_both_protocols)
{
	with_baseline(ctx, both_protocols);
}

/* Needs a copy: a second cluster (on 1x1 the case cannot happen). */
KTEST(vmm, copies_walk_lets_a_preempted_pte_holder_run)
{
	if (cluster_count() > 1)
		with_baseline(ctx, preempted_holder);
}
