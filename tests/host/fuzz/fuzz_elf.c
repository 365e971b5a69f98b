/*
 * fuzz_elf.c - libFuzzer harness of elf_parse (kernel/libk/elf.c).
 *
 * The input is a whole file, parsed for each machine the kernel supports. The read callback aborts
 * if the parser asks for a byte outside the file; an accepted file must satisfy the contract of
 * elf_parse (invariants.h), a rejected one must give ENOEXEC and a reason. Everything else is
 * caught by ASan and UBSan.
 */
#include <libk/elf.h>
#include <libk/errno.h>

#include "invariants.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define USER_LIMIT (1ULL << 38)         /* user space of Sv39 */

typedef struct input_s {
	const uint8_t *data;
	size_t         size;
} input_t;

static error_t input_read(void *ctx, uint64_t offset, void *buf, size_t size)
{
	const input_t *in = ctx;

	if (size == 0 || offset > in->size || size > in->size - offset) {
		fprintf(stderr, "elf_parse read %zu bytes at %llu of a %zu-byte file\n", size,
			(unsigned long long)offset, in->size);
		abort();
	}
	memcpy(buf, in->data + offset, size);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t machines[] = { EM_RISCV, EM_X86_64 };
	input_t in = { data, size };

	for (size_t m = 0; m < sizeof(machines) / sizeof(machines[0]); m++) {
		elf_info_t info;
		const char *why = NULL, *bad;
		error_t err = elf_parse(input_read, &in, size, machines[m], USER_LIMIT, &info, &why);

		if (err == 0 && (bad = elf_info_violation(&info, size, USER_LIMIT)) != NULL) {
			fprintf(stderr, "accepted, but %s\n", bad);
			abort();
		}
		if (err != 0 && (err != ENOEXEC || why == NULL || why[0] == '\0')) {
			fprintf(stderr, "error %d, reason \"%s\"\n", err, why ? why : "(null)");
			abort();
		}
	}
	return 0;
}
