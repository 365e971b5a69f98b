/*
 * fuzz_acpi.c - libFuzzer harness of the x86_64 machine description: boot_info_from_pvh()
 * (boot/x86_64/machine.c) over acpi_parse() (acpi.c, acpi_numa.c).
 *
 * The input is physical memory [BASE, BASE + size) with the PVH start info at BASE; the seeds are
 * QEMU's captured boot data packed that way (tests/host/acpi.cmake). Each input is built twice: as
 * it is, and with the checksums of the RSDP and of every table it reaches fixed, so that mutations
 * get past the checksum checks into the table contents. Every mapping is a fresh allocation of
 * exactly the bytes asked for, so ASan catches a read beyond them; an accepted input must satisfy
 * acpi_invariants.h, a refused one must say why.
 */
#include "../../../boot/x86_64/acpi_numa.c"
#include "../../../boot/x86_64/machine.c"
#include "../acpi/acpi_invariants.h"

#include <stdio.h>
#include <stdlib.h>

#define BASE      0x10000ull
#define MAX_MAPS  4096

typedef struct mem_s {
	const uint8_t *data;
	size_t         size;
	void          *maps[MAX_MAPS];
	size_t         nr;
} mem_t;

static const void *mem_map(void *ctx, paddr_t pa, size_t len)
{
	mem_t *m = ctx;
	void *copy;

	if (len == 0 || pa < BASE || pa - BASE > m->size || len > m->size - (pa - BASE) || m->nr == MAX_MAPS)
		return NULL;
	copy = malloc(len);
	memcpy(copy, m->data + (pa - BASE), len);
	m->maps[m->nr++] = copy;
	return copy;
}

/* Fix the checksum byte at @sum of [off, off + len) of @d (@n bytes), if all of it is there. */
static void fix_sum(uint8_t *d, size_t n, uint64_t off, uint64_t len, size_t sum)
{
	uint8_t s = 0;

	if (off > n || len > n - off || len <= sum)
		return;
	d[off + sum] = 0;
	for (uint64_t i = 0; i < len; i++)
		s = (uint8_t)(s + d[off + i]);
	d[off + sum] = (uint8_t)-s;
}

/* Offset in @d of physical address @pa if @need bytes are there, else -1. */
static int64_t at(size_t n, uint64_t pa, uint64_t need)
{
	if (pa < BASE || pa - BASE > n || need > n - (pa - BASE))
		return -1;
	return (int64_t)(pa - BASE);
}

static void fix_checksums(uint8_t *d, size_t n)
{
	int64_t rsdp, sdt, t;
	uint64_t esize, count;

	if ((rsdp = at(n, BASE, 56)) < 0 || (rsdp = at(n, rd64(d + 32), 36)) < 0)
		return;
	fix_sum(d, n, (uint64_t)rsdp, 20, 8);
	fix_sum(d, n, (uint64_t)rsdp, rd32(d + rsdp + 20), 32);
	esize = d[rsdp + 15] >= 2 && rd64(d + rsdp + 24) ? 8 : 4;
	sdt = at(n, esize == 8 ? rd64(d + rsdp + 24) : rd32(d + rsdp + 16), 36);
	if (sdt < 0)
		return;
	count = rd32(d + sdt + 4) >= 36 ? (rd32(d + sdt + 4) - 36) / esize : 0;
	for (uint64_t i = 0; i < count && at(n, BASE + (uint64_t)sdt + 36 + (i + 1) * esize, 0) >= 0; i++) {
		const uint8_t *e = d + sdt + 36 + i * esize;

		t = at(n, esize == 8 ? rd64(e) : rd32(e), 36);
		if (t >= 0 && t != sdt)
			fix_sum(d, n, (uint64_t)t, rd32(d + t + 4), 9);
	}
	fix_sum(d, n, (uint64_t)sdt, rd32(d + sdt + 4), 9);
}

static void build(const uint8_t *data, size_t size)
{
	static boot_info_t info;
	static boot_x86_t x86;
	static acpi_machine_t scratch;
	mem_t *m = calloc(1, sizeof(*m));
	phys_map_t pm = { mem_map, m };
	char err[256] = "";
	const char *bad;
	error_t e;

	m->data = data;
	m->size = size;
	e = boot_info_from_pvh(&pm, BASE, 0, &info, &x86, &scratch, err, sizeof(err));
	if (e == 0 && (bad = boot_info_violation(&info, &x86)) != NULL) {
		fprintf(stderr, "accepted, but %s\n", bad);
		abort();
	}
	if (e != 0 && ((e != EINVAL && e != ENOENT && e != ERANGE && e != E2BIG) || err[0] == '\0')) {
		fprintf(stderr, "error %d, reason \"%s\"\n", e, err);
		abort();
	}
	for (size_t i = 0; i < m->nr; i++)
		free(m->maps[i]);
	free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);

	build(data, size);
	memcpy(copy, data, size);
	fix_checksums(copy, size);
	build(copy, size);
	free(copy);
	return 0;
}
