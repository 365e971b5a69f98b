/*
 * almos_info.c - print what the ALMOS-MKH extension calls say about the machine and the caller:
 * the number of clusters and cores, the core running the program, its cycle counter; with the
 * argument "dqdt", the kernel also prints its load tree (display(DISPLAY_DQDT)).
 *
 * Exit status 0; 2 if the kernel does not know the calls (ENOSYS: not Archipel, e.g. Linux or
 * qemu-riscv64), 1 on any other error.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "almos.h"

static int report(const char *call)
{
	int error = errno;

	fprintf(stderr, "almos_info: %s: %s\n", call, strerror(error));
	if (error == ENOSYS) {
		fprintf(stderr, "almos_info: no ALMOS-MKH extension calls here: not an Archipel kernel\n");
		return 2;
	}
	return 1;
}

int main(int argc, char **argv)
{
	unsigned int clusters, cores, cxy, lid;
	uint64_t cycles;

	if (get_config(&clusters, &cores) != 0)
		return report("get_config");
	if (get_core_id(&cxy, &lid) != 0)
		return report("get_core_id");
	if (get_cycle(&cycles) != 0)
		return report("get_cycle");
	printf("%u clusters, %u cores per cluster\n", clusters, cores);
	printf("running on core [%u,%u], cycle counter %" PRIu64 "\n", cxy, lid, cycles);
	fflush(stdout);
	if (argc > 1 && !strcmp(argv[1], "dqdt") && display(DISPLAY_DQDT, 0, 0, 0) != 0)
		return report("display dqdt");
	return 0;
}
