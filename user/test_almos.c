/*
 * test_almos.c - the ALMOS-MKH extension calls (user/include/almos.h): results and errors (KTAP).
 * Run under Archipel: `./archipel run -- /bin/test_almos`.
 */
#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include "almos.h"
#include <uarch.h>
#include "ktap.h"

static bool fails(int ret, int err)
{
	return ret == -1 && errno == err;
}

/* Each cluster has a kernel process, pid (cxy << 16) | 0: the kernel's ranges, its threads. */
static bool kernel_processes(unsigned int clusters, unsigned int cores)
{
	bool ok = true;

	for (unsigned int c = 0; c < clusters; c++) {
		struct almos_vmm_info info;
		struct almos_cluster_info cl;
		ok = ok && get_vmm_info(c, (int)(c << 16), &info) == 0 && info.ref_cxy == c &&
		     info.vsegs >= 4 && info.mapped_pages == 0 && get_cluster_info(c, &cl) == 0 &&
		     info.threads >= 2 * cores && info.threads < cl.threads + (c != 0);
		ktap_diag("kernel process of cluster %u: %u vsegs, %u threads", c, info.vsegs,
			  info.threads);
	}
	return ok && display(DISPLAY_VMM, clusters - 1, (long)((clusters - 1) << 16), 0) == 0 &&
	       display(DISPLAY_PROCESS, 0, 0, 0) == 0;
}

static bool cluster_info(unsigned int clusters, unsigned int cores)
{
	struct almos_cluster_info info;
	bool ok = get_cluster_info(0, &info) == 0 && info.cores == cores &&
		  info.free_pages > 0 && info.free_pages < info.total_pages &&
		  info.process_copies >= 2 && info.processes_owned >= 1;

	return ok && fails(get_cluster_info(clusters, &info), EINVAL) &&
	       fails(get_cluster_info(0, (void *)8), EFAULT) &&
	       fails(get_vmm_info(0, 0x7fff0000, (void *)&info), ESRCH) &&
	       fails(get_vmm_info(0, -2, (void *)&info), EINVAL) &&
	       fails(get_vmm_info(0, ALMOS_PID_SELF, (void *)8), EFAULT) &&
	       fails(get_vmm_info(clusters, ALMOS_PID_SELF, (void *)&info), EINVAL);
}

int main(void)
{
	unsigned int clusters = 0, cores = 0, cxy = 99, lid = 99;
	uint64_t c1 = 0, c2 = 0;

	ktap_plan(16);
	ktap_ok(get_config(&clusters, &cores) == 0 && clusters >= 1 && cores >= 1, "get_config");
	ktap_diag("%u clusters of %u cores", clusters, cores);
	ktap_ok(fails(get_config(NULL, &cores), EFAULT), "get_config_bad_pointer_efault");
	ktap_ok(get_core_id(&cxy, &lid) == 0 && cxy < clusters && lid < cores, "get_core_id");
	ktap_ok(get_cycle(&c1) == 0 && get_cycle(&c2) == 0 && c2 >= c1, "get_cycle_monotonic");
	ktap_ok(fails(get_cycle((uint64_t *)UARCH_KERNEL_IMAGE), EFAULT), "get_cycle_kernel_efault");
	ktap_ok(display(DISPLAY_VMM, cxy, getpid(), 1) == 0, "display_own_vmm_with_ptes");
	ktap_ok(fails(display(DISPLAY_VMM, cxy, 0x7fff0000, 0), ESRCH), "display_vmm_no_process_esrch");
	ktap_ok(fails(display(DISPLAY_VMM, clusters, getpid(), 0), EINVAL), "display_vmm_bad_cluster");
	ktap_ok(display(DISPLAY_SCHED, 0, 0, 0) == 0 && display(DISPLAY_CLUSTER, clusters - 1, 0, 0) == 0 &&
		display(DISPLAY_PROCESS, cxy, 0, 0) == 0 && display(DISPLAY_RPC, 0, 0, 0) == 0 &&
		display(DISPLAY_PPM, 0, 0, 0) == 0 && display(DISPLAY_VFS, 0, 0, 0) == 0,
		"display_every_structure");
	ktap_ok(fails(display(99, 0, 0, 0), EINVAL) && fails(display(DISPLAY_SCHED, 0, cores, 0), EINVAL),
		"display_bad_arguments_einval");
	ktap_ok(place_next((int)clusters - 1, PLACE_ANY_CORE) == 0 && place_next(PLACE_DEFAULT, 0) == 0,
		"place_next_set_and_clear");
	ktap_ok(fails(place_next((int)clusters, 0), EINVAL) && fails(place_next(0, (int)cores), EINVAL) &&
		fails(place_next(0, -2), EINVAL), "place_next_bad_core_einval");
	ktap_ok(trace(1, (int)cxy, (int)lid) == 0 && getpid() > 0 && trace(0, -1, -1) == 0, "trace_on_off");
	ktap_ok(fails(trace(2, 0, 0), EINVAL) && fails(trace(1, (int)clusters, 0), EINVAL),
		"trace_bad_arguments_einval");
	ktap_ok(kernel_processes(clusters, cores), "kernel_process_in_every_cluster");
	ktap_ok(cluster_info(clusters, cores), "get_cluster_info_and_get_vmm_info_errors");
	return ktap_exit();
}
