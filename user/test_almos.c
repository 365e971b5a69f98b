/*
 * test_almos.c - the ALMOS-MKH extension calls (user/include/almos.h): results and errors (KTAP).
 * Run under Archipel: `./archipel run -- /bin/test_almos`.
 */
#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include "almos.h"
#include "ktap.h"

static bool fails(int ret, int err)
{
	return ret == -1 && errno == err;
}

int main(void)
{
	unsigned int clusters = 0, cores = 0, cxy = 99, lid = 99;
	uint64_t c1 = 0, c2 = 0;

	ktap_plan(14);
	ktap_ok(get_config(&clusters, &cores) == 0 && clusters >= 1 && cores >= 1, "get_config");
	ktap_diag("%u clusters of %u cores", clusters, cores);
	ktap_ok(fails(get_config(NULL, &cores), EFAULT), "get_config_bad_pointer_efault");
	ktap_ok(get_core_id(&cxy, &lid) == 0 && cxy < clusters && lid < cores, "get_core_id");
	ktap_ok(get_cycle(&c1) == 0 && get_cycle(&c2) == 0 && c2 >= c1, "get_cycle_monotonic");
	ktap_ok(fails(get_cycle((uint64_t *)0xffffffff80000000UL), EFAULT), "get_cycle_kernel_efault");
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
	return ktap_exit();
}
