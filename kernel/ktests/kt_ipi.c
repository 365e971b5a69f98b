/*
 * kt_ipi.c - IPIs to single cores and to sets of cores, from every core to every cluster.
 */
#include <hal_remote.h>
#include <kern/cluster.h>
#include <kern/ipi.h>
#include <kern/ktest.h>
#include <kern/thread.h>

/* Wait (sleeping) until core (@cxy, @lid) has received more than @before test IPIs. */
static bool received(cxy_t cxy, lid_t lid, uint64_t before)
{
	xptr_t counter = XPTR(cxy, &cluster_manager.core[lid].ipi_test);

	return KTEST_WAIT_UNTIL(hal_remote_l64(counter) > before);
}

/* Cluster 0's lid 0 sends one IPI to each core, then one mask per cluster to all its cores. */
KTEST(ipi, single_and_mask)
{
	uint64_t before[CONFIG_MAX_CLUSTERS][CONFIG_MAX_CORES_PER_CLUSTER];

	if (ctx->cxy != 0 || ctx->lid != 0)
		return;
	for (int round = 0; round < 2; round++) {
		for (cxy_t c = 0; c < cluster_count(); c++)
			for (lid_t l = 0; l < cluster_cores_of(c); l++)
				before[c][l] = hal_remote_l64(XPTR(c, &cluster_manager.core[l].ipi_test));
		for (cxy_t c = 0; c < cluster_count(); c++) {
			if (round == 0)
				for (lid_t l = 0; l < cluster_cores_of(c); l++)
					ipi_send(c, l, IPI_TEST);
			else
				ipi_send_mask(c, (1u << cluster_cores_of(c)) - 1, IPI_TEST);
		}
		for (cxy_t c = 0; c < cluster_count(); c++)
			for (lid_t l = 0; l < cluster_cores_of(c); l++)
				KT_EXPECT(ctx, received(c, l, before[c][l]));
	}
}
