/*
 * fuzz_cpio.c - libFuzzer harness of cpio_next (kernel/fs/cpio.c).
 *
 * The input is an archive, walked to its end. Each entry returned must satisfy the contract of
 * cpio_next (invariants.h), the walk must end (each entry takes at least a header and a name) with
 * ENOENT or EINVAL and a reason. libFuzzer hands the input in a buffer of its exact size, so ASan
 * catches a read past the end.
 */
#include <fs/cpio.h>
#include <libk/errno.h>

#include "invariants.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t offset = 0, steps = 0;
	cpio_entry_t e;
	error_t err;

	while ((err = cpio_next(data, size, &offset, &e)) == 0) {
		size_t start = (size_t)(e.name - (const char *)data) - CPIO_HEADER_SIZE;
		const char *bad = cpio_entry_violation(data, size, start, offset, &e);

		if (bad != NULL || ++steps > size / (CPIO_HEADER_SIZE + 2)) {
			fprintf(stderr, "entry %zu: %s\n", steps, bad ? bad : "the walk does not end");
			abort();
		}
	}
	if ((err != ENOENT && err != EINVAL) || e.why == NULL || e.why[0] == '\0') {
		fprintf(stderr, "error %d, reason \"%s\"\n", err, e.why ? e.why : "(null)");
		abort();
	}
	return 0;
}
