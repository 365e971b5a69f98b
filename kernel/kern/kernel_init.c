/*
 * kernel_init.c - the generic part of the boot, run by every core of every cluster.
 *
 * Each cluster's lid 0 arrives first (started by boot phase 0): it initialises its cluster manager
 * and interrupt controller, then starts its other cores. Every core then sets up its scheduler (its
 * boot context becomes its idle thread), IPIs, external interrupts, timer and RPC servers, and all
 * cores of the machine meet at a global barrier (in cluster 0), where they sleep, taking their
 * interrupts, until the last one wakes them. Cluster 0 prints the boot report and fills the root
 * file system while the others wait at the barrier again; then each core starts a `kmain` thread,
 * which runs the in-kernel tests if the command line asks for them, while the boot context idles.
 */
#include <hal_boot.h>
#include <hal_console.h>
#include <hal_interrupt.h>
#include <hal_ipi.h>
#include <hal_irqmask.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <hal_timer.h>
#include <fs/vfs.h>
#include <kern/cluster.h>
#include <kern/dqdt.h>
#include <kern/ipi.h>
#include <kern/ktest.h>
#include <kern/launch.h>
#include <kern/printk.h>
#include <kern/process.h>
#include <kern/rpc.h>
#include <kern/sched.h>
#include <kern/thread.h>
#include <libk/cmdline.h>
#include <kern/ktimer.h>
#include <libk/xbarrier.h>
#include <mm/oom.h>
#include <mm/vmm.h>
#include <mm/vmm_query.h>

static xbarrier_t boot_barrier; /* cluster 0's copy: all cores of the machine */

/* Cluster 0, once every core is online: one line per cluster, then the totals. */
static void boot_report(void)
{
	uint32_t cores = 0;

	for (cxy_t c = 0; c < cluster_count(); c++) {
		xptr_t cl_xp = XPTR(c, &cluster_manager);
		ppm_stats_t stats;
		uint32_t online = hal_remote_l32(XPTR_FIELD(cl_xp, cluster_t, cores_online));

		ppm_stats(c, &stats);
		printk("cluster %u: cores %u memory 0x%lx-0x%lx free %lu image 0x%lx", c, online,
		       boot_info.cluster[c].mem_base,
		       boot_info.cluster[c].mem_base + boot_info.cluster[c].mem_size, stats.free_pages,
		       boot_info.cluster[c].image_pa);
		cores += online;
	}
	printk("%u clusters, %u cores online", cluster_count(), cores);
}

/* Cluster 0: the file system tree, filled from the initramfs when there is one. */
static void root_fs_init(void)
{
	uint32_t files = 0;
	error_t error;

	vfs_init();
	if (boot_info.initrd_start == 0)
		return;
	error = vfs_populate_from_cpio(hal_paddr_to_kva(boot_info.initrd_start),
				       boot_info.initrd_end - boot_info.initrd_start, &files);
	if (error)
		pr_err("vfs: the initramfs is malformed (error %d): nothing of it was added", error);
	else
		printk("vfs: %u files from the initramfs", files);
}

/* Cluster's lid 0: bring up the cluster and its other cores. */
static void cluster_bringup(void)
{
	unsigned long level;

	cluster_init();
	dqdt_init();
	if (cmdline_get_uint(boot_info.cmdline, "loglevel", &level))
		printk_loglevel = (int)level;
	vmm_boot_options(boot_info.cmdline);
	acct_boot_options(boot_info.cmdline);
	vmm_sigtramp_init();
	process_kernel_init(); /* before the first thread, which joins it */
	if (local_cxy == 0) {
		process_family_init();
		oom_init();
	}
	hal_irq_cluster_init();
	for (lid_t lid = 1; lid < cluster_manager.cores_nr; lid++)
		if (hal_core_start(lid))
			panic("%s: cluster %u could not start core %u", __func__, local_cxy, lid);
}

/* Every core: its scheduler, interrupts and RPC servers. */
static void core_bringup(lid_t lid)
{
	core_t *core = &cluster_manager.core[lid];

	hal_set_core_ptr(core);
	sched_init();
	hal_ipi_core_init();
	hal_irq_core_init();
	hal_timer_core_init(CONFIG_TICK_NS);
	rpc_core_init();
	hal_remote_s32(XPTR(local_cxy, &core->online), 1);
	hal_remote_atomic_add32(XPTR(local_cxy, &cluster_manager.cores_online), 1);
}

/*
 * The boot barrier's waiters sleep (hal_cpu_wait_irq) instead of spinning: while cluster 0 fills
 * the root file system from the initramfs, 7 harts of 4x2 spinning took a loaded host's processors
 * from the one doing the work (a boot silent for more than 30 s at load 35-48). The last core to
 * arrive wakes every other with IPI_WAKE. The tick, armed before (core_bringup), bounds each sleep:
 * a lost wake-up costs 1 + BOOT_WAKE_GRACE_TICKS tick periods, and is said. Interrupts are taken
 * inside the wait: the handlers of this core are ready, and what they touch elsewhere
 * (dqdt_update) dqdt_init touched already. Docs: boot.md, "The boot barrier".
 */
static void boot_barrier_wake_all(void)
{
	unsigned long drop = 0;

	/* `boot_drop_wakeup=1`: the requests are posted but their interrupts lost on purpose, so that
	 * a test sees every waiter woken by its tick, and said (qemu.boot.lost_wakeup.*) */
	cmdline_get_uint(boot_info.cmdline, "boot_drop_wakeup", &drop);
	for (cxy_t c = 0; c < cluster_count(); c++) {
		uint32_t n = cluster_cores_of(c);
		uint32_t mask = n >= 32 ? ~0u : (1u << n) - 1;

		if (c == local_cxy)
			mask &= ~(1u << hal_get_lid());
		if (mask && !drop)
			ipi_send_mask(c, mask, IPI_WAKE);
		for (lid_t lid = 0; drop && lid < n; lid++)
			if (mask & (1u << lid))
				hal_remote_atomic_or32(XPTR(c, &cluster_manager.core[lid].ipi_pending),
						       IPI_WAKE);
	}
}

/*
 * A core that saw the round end after a tick woke it, before its wake-up IPI came: the IPI may be
 * lost, or only late (a loaded host can stop the last core's virtual CPU between its bump of the
 * generation and its IPIs). It waits for it a few more ticks, so that only a wake-up still missing
 * then is said; a lost one costs this core BOOT_WAKE_GRACE_TICKS more.
 */
#define BOOT_WAKE_GRACE_TICKS 10

static void boot_barrier_wait(void)
{
	core_t *core = cluster_current_core();
	uint64_t ticks = core->sched.ticks, wakes = core->ipi_wake;

	xbarrier_wait_sleep(XPTR(0, &boot_barrier), cluster_total_cores(), hal_cpu_wait_irq,
			    boot_barrier_wake_all);
	if (core->sched.ticks == ticks || core->ipi_wake != wakes)
		return; /* the last core (no sleep), or woken by its IPI */
	ticks = core->sched.ticks;
	while (core->ipi_wake == wakes && core->sched.ticks - ticks < BOOT_WAKE_GRACE_TICKS)
		hal_cpu_wait_irq();
	if (core->ipi_wake == wakes)
		printk("boot barrier: core [%x,%u] woken by its tick, no wake-up IPI %u ticks later "
		       "(lost)", local_cxy, hal_get_lid(), BOOT_WAKE_GRACE_TICKS);
}

/* The first kernel thread of each core. */
static void kernel_main(void *arg)
{
	(void)arg;
	ktest_main();
	if (hal_get_lid() != 0 || local_cxy != launch_cluster(boot_info.cmdline))
		return;
	hal_poweroff(launch_program(boot_info.cmdline)); /* the `--` program, or init */
}

void kernel_init(lid_t lid)
{
	thread_t *kmain;

	if (lid == 0)
		cluster_bringup();
	core_bringup(lid);
	if (lid == 0)
		ktimer_cluster_init(); /* the cluster's timers and their thread (ktimer.h) */

	boot_barrier_wait();
	if (local_cxy == 0 && lid == 0) {
		boot_report();
		hal_console_rx_init();
		root_fs_init();
	}
	boot_barrier_wait();

	if (thread_kernel_create(&kmain, THREAD_KERNEL, "kmain", lid, kernel_main, NULL))
		panic("%s: cannot create the main thread of core [%x,%u]", __func__, local_cxy, lid);
	thread_start(kmain);
	hal_enable_irq();
	/* The idle thread. An interrupt's exit has already switched to the thread it woke (sched.md):
	 * back here that thread has blocked again, and the pick that chose idle found nothing else.
	 * A thread made runnable since has asked this core to reschedule: one flag decides. */
	for (;;) {
		if (sched_resched_pending())
			sched_yield();
		else
			hal_cpu_idle();
	}
}
