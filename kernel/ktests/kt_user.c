/*
 * kt_user.c - the first steps in user mode: a user thread on a hand-made address space enters
 * user code, makes system calls (including one with a bad pointer, which must fail with EFAULT),
 * exits with a status; faulting user code is killed with the right signal and the kernel goes on.
 * Runs on every core of every cluster; everything it allocates is freed (page counts checked).
 */
#include <hal_gpt.h>
#include <hal_ktest.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/cluster.h>
#include <kern/ktest.h>
#include <kern/thread.h>
#include <libk/string.h>
#include <mm/ppm.h>

#define USER_CODE_VA  0x10000UL
#define USER_STACK_VA 0x7fff0000UL

struct user_run {
	const char *code;
	size_t      size;
	gpt_t       gpt;
	xptr_t      pages[2];
	volatile int status;  /* wait(2)-style status, -1 until the thread exited */
};

static struct user_run runs[CONFIG_MAX_CORES_PER_CLUSTER];

static void note_exit(thread_t *thread, int status)
{
	struct user_run *run = thread->arg;
	run->status = status;
}

static void user_main(void *arg)
{
	(void)arg;
	hal_user_enter(NULL, USER_CODE_VA, USER_STACK_VA + CONFIG_PAGE_SIZE, 0, 0);
}

/* Map one fresh local page at @va with @attr; false on failure (nothing mapped). */
static bool map_page(struct user_run *run, int i, vaddr_t va, uint32_t attr)
{
	gpt_pte_t pte;
	uint32_t old_attr;
	ppn_t old_ppn;

	run->pages[i] = ppm_alloc_pages(0);
	if (run->pages[i] == XPTR_NULL)
		return false;
	memset(ppm_page2kva(run->pages[i]), 0, CONFIG_PAGE_SIZE);
	if (hal_gpt_lock_pte(XPTR(local_cxy, &run->gpt), va >> CONFIG_PAGE_SHIFT, &pte, &old_attr,
			     &old_ppn))
		return false;
	hal_gpt_pte_set(&pte, attr, ppm_page2base(run->pages[i]) >> CONFIG_PAGE_SHIFT);
	return true;
}

/* Run @code in a user thread of the calling core and return its exit status (-1: setup failed). */
static int run_user(ktest_ctx_t *ctx, const char *code, const char *end)
{
	struct user_run *run = &runs[ctx->lid];
	thread_t *thread;
	uint32_t ltid;
	int status = -1;

	memset(run, 0, sizeof(*run));
	run->status = -1;
	KT_EXPECT_EQ(ctx, hal_gpt_create(&run->gpt), 0);
	if (!map_page(run, 0, USER_CODE_VA, GPT_MAPPED | GPT_READABLE | GPT_EXECUTABLE | GPT_USER) ||
	    !map_page(run, 1, USER_STACK_VA, GPT_MAPPED | GPT_READABLE | GPT_WRITABLE | GPT_USER)) {
		ktest_fail(ctx, __FILE__, __LINE__, "cannot map the user pages");
		goto out;
	}
	memcpy(ppm_page2kva(run->pages[0]), code, (size_t)(end - code));
	hal_icache_sync();
	if (thread_kernel_create(&thread, THREAD_USER, "user", ctx->lid, user_main, run)) {
		ktest_fail(ctx, __FILE__, __LINE__, "cannot create the user thread");
		goto out;
	}
	thread->gpt = &run->gpt;
	thread->on_exit = note_exit;
	ltid = thread->trdid & 0xffff; /* read now: the descriptor is freed once the thread is gone */
	thread_start(thread);
	while (run->status == -1)
		thread_sleep_ns(1000000);
	status = run->status;
	while (LOCAL_CLUSTER->threads[ltid] == thread)
		thread_sleep_ns(1000000); /* destroyed by its core after its last switch */
out:
	hal_gpt_destroy(&run->gpt);
	for (int i = 0; i < 2; i++)
		if (run->pages[i] != XPTR_NULL)
			ppm_free_pages(GET_PTR(run->pages[i]));
	return status;
}

/* Run the three programs on every core; check their fate and that every page came back. */
KTEST(user, enter_syscall_exit_and_faults)
{
	uint64_t before = 0;

	ktest_barrier(ctx);
	if (ctx->lid == 0)
		before = ktest_free_pages();
	ktest_barrier(ctx);
	KT_EXPECT_EQ(ctx, run_user(ctx, hal_ktest_user_hello, hal_ktest_user_hello_end), 42 << 8);
	KT_EXPECT_EQ(ctx, run_user(ctx, hal_ktest_user_fault, hal_ktest_user_fault_end), 11);
	KT_EXPECT_EQ(ctx, run_user(ctx, hal_ktest_user_illegal, hal_ktest_user_illegal_end), 4);
	ktest_barrier(ctx);
	if (ctx->lid == 0)
		KT_EXPECT_EQ(ctx, ktest_free_pages(), before);
}
