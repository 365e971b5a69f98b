/*
 * kt_display.c - the display functions run on every cluster and core from one core (remote reads
 * of other clusters' schedulers, RPC pools and managers), and their figures are consistent.
 */
#include <hal_remote.h>
#include <kern/cluster.h>
#include <kern/ktest.h>
#include <kern/rpc.h>
#include <kern/sched.h>
#include <kern/thread.h>

KTEST(display, every_cluster_and_core)
{
	if (ctx->cxy != 0 || ctx->lid != 0)
		return;
	for (cxy_t c = 0; c < cluster_count(); c++) {
		cluster_display(c);
		rpc_display(c);
		for (lid_t lid = 0; lid < cluster_cores_of(c); lid++)
			sched_display(c, lid, lid == 0); /* thread dumps too (kernel backtraces) */
		/* every core runs at least its kmain (this case) or has finished, and an RPC server */
		KT_EXPECT(ctx, hal_remote_l32(XPTR(c, &cluster_manager.threads_nr)) >= cluster_cores_of(c));
	}
	/* Bad arguments are reported, not followed. */
	cluster_display((cxy_t)cluster_count());
	sched_display(0, (lid_t)cluster_cores_of(0), true);
	rpc_display((cxy_t)cluster_count());
}
