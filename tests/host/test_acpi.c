/*
 * test_acpi.c - the x86_64 machine description from the PVH start info and ACPI (boot/x86_64/
 * acpi.c, acpi_numa.c, machine.c) on the host, under ASan and UBSan.
 *
 * Inputs: what QEMU q35 hands to a PVH kernel for the shapes 1x1, 2x2, 4x2, 8x4 and 16x4 (start
 * info, memory map, command line, module list, RSDP, RSDT and every table), captured by
 * boot/x86_64/standalone/capture.sh into tests/host/acpi/<shape>.txt; the same turned into an XSDT,
 * with the RSDP moved to the BIOS areas, with tables removed, patched, truncated, made up, or
 * mutated at random. The memory model (acpi/acpi_image.c) hands out exact-size copies, so ASan
 * sees any read beyond what the parser asked for.
 */
#include <hal_boot.h>
#include <libk/bits.h>
#include <libk/errno.h>

#include "acpi/acpi_image.h"
#include "acpi/acpi_invariants.h"
#include "acpi/acpi_testlib.h"
#include "boot/x86_64/acpi.h"
#include "boot/x86_64/machine.h"
#include "htest.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- the captured machines ---- */

/* QEMU q35 puts at most 2 GiB below 4 GiB when the RAM is 2.75 GiB or more, else all of it. */
static uint64_t expected_base(const image_t *im, unsigned c)
{
	uint64_t node = (uint64_t)im->mem_mb * MiB, total = node * im->clusters, pos = node * c;
	uint64_t lowmem = total >= 0xb0000000ull ? 0x80000000ull : total;

	return pos < lowmem ? pos : pos - lowmem + 4 * GiB;
}

static unsigned mesh_distance(unsigned clusters, unsigned a, unsigned b)
{
	unsigned w = clusters == 1 ? 1 : clusters <= 4 ? 2 : 4;
	int dx = (int)(a % w) - (int)(b % w), dy = (int)(a / w) - (int)(b / w);

	return 10 + 10 * (unsigned)(abs(dx) + abs(dy));
}

/* Everything that capture.sh's machine of @im must give. */
static void check_captured(const image_t *im)
{
	unsigned C = im->clusters, K = im->cores;
	uint64_t node = (uint64_t)im->mem_mb * MiB;

	HT_CHECK(boot_info_violation(&info, &x86) == NULL);
	HT_CHECK(info.clusters_nr == C && info.cores_nr == C * K);
	HT_CHECK(scratch.has_srat == (C > 1) && scratch.has_slit == (C > 1));
	for (unsigned c = 0; c < info.clusters_nr; c++) {
		const boot_cluster_t *cl = &info.cluster[c];

		HT_CHECK(cl->cores_nr == K && cl->first_core == c * K);
		HT_CHECK(cl->mem_base == expected_base(im, c));
		/* the node just below the PCI hole loses what SeaBIOS keeps there (ACPI, ...) */
		HT_CHECK(cl->mem_size <= node && cl->mem_size >= node - 2 * MiB);
		for (unsigned l = 0; l < K && l < cl->cores_nr; l++) {
			HT_CHECK(info.core[c * K + l].hwid == c * K + l);
			HT_CHECK(info.core[c * K + l].cxy == c && info.core[c * K + l].lid == l);
		}
		for (unsigned d = 0; d < info.clusters_nr; d++)
			HT_CHECK(info.distance[c][d] == mesh_distance(C, c, d));
	}
	HT_CHECK(info.boot_hwid == 0);
	HT_CHECK(strcmp(info.cmdline, "acpidump nosmp") == 0);
	HT_CHECK(info.initrd_end - info.initrd_start == 8192);
	HT_CHECK(x86.lapic_pa == 0xfee00000 && x86.pcat_compat);
	HT_CHECK(x86.ioapic_nr == 1 && x86.ioapic[0].base == 0xfec00000 && x86.ioapic[0].gsi_base == 0);
	HT_CHECK(x86.isa[0].gsi == 2);          /* QEMU routes the PIT to GSI 2 */
	HT_CHECK(x86.isa[9].gsi == 9 && x86.isa[9].level && !x86.isa[9].active_low);  /* the SCI */
	HT_CHECK(x86.com1.gsi == 4 && !x86.com1.level && !x86.com1.active_low);
	HT_CHECK(x86.pm_tmr_port == 0x608);
	HT_CHECK(x86.rsdp_pa == get64(image_region((image_t *)im, im->start_info_pa)->data + 32));
}

HT_TEST(captured_machines)
{
	image_t im;

	for (int s = 0; s < SHAPES; s++) {
		HT_REQUIRE(load(&im, shapes[s]));
		if (build(&im) != 0)
			printf("# %s: %s\n", shapes[s], err);
		HT_CHECK(info.magic == BOOT_INFO_MAGIC);
		check_captured(&im);
		image_free(&im);
	}
}

/* The same tables behind an XSDT (revision 2 RSDP), as firmware other than SeaBIOS gives them. */
HT_TEST(xsdt_gives_the_same_machine)
{
	acpi_machine_t rsdt_machine;
	region_t *rsdp, *rsdt, *xsdt;
	image_t im;

	for (int s = 0; s < SHAPES; s++) {
		HT_REQUIRE(load(&im, shapes[s]));
		HT_REQUIRE(build(&im) == 0);
		rsdt_machine = scratch;
		rsdt = rsdt_region(&im);
		xsdt = image_add(&im, 0x7ff00000, 36 + (rsdt->len - 36) * 2);
		rsdt = rsdt_region(&im);
		memcpy(xsdt->data, rsdt->data, 36);
		memcpy(xsdt->data, "XSDT", 4);
		put32(xsdt->data + 4, (uint32_t)xsdt->len);
		for (size_t i = 0; 36 + 4 * i < rsdt->len; i++)
			put64(xsdt->data + 36 + 8 * i, get32(rsdt->data + 36 + 4 * i));
		fix(xsdt);
		rsdp = rsdp_region(&im);
		image_resize(rsdp, 36);
		rsdp->data[15] = 2;
		put32(rsdp->data + 20, 36);
		put64(rsdp->data + 24, xsdt->pa);
		put32(rsdp->data + 16, 0xdead0000);        /* a v2 OS must not use the RSDT */
		rsdp_fix_checksums(rsdp->data, 36);
		HT_CHECK(build(&im) == 0);
		HT_CHECK(memcmp(&scratch, &rsdt_machine, sizeof(scratch)) == 0);
		check_captured(&im);
		rsdp->data[32]++;                           /* the extended checksum counts */
		expect_error(build(&im), EINVAL, "RSDP", "extended checksum", NULL);
		image_free(&im);
	}
}

/* Without rsdp_paddr, the RSDP is found in the EBDA or the BIOS ROM area, or nowhere. */
HT_TEST(rsdp_search)
{
	region_t *area, *low, *rsdp;
	image_t im;
	uint64_t at;

	HT_REQUIRE(load(&im, "2x2"));
	rsdp = rsdp_region(&im);
	at = rsdp->pa;
	put64(start_info(&im) + 32, 0);
	area = image_add(&im, 0xe0000, 0x20000);
	memcpy(area->data + (at - 0xe0000), rsdp->data, rsdp->len);
	image_remove(&im, at);
	HT_CHECK(build(&im) == 0);
	HT_CHECK(x86.rsdp_pa == at && info.clusters_nr == 2);
	/* EBDA: segment at 0x40e, the RSDP on a 16-byte boundary of its first KiB */
	low = image_add(&im, 0, 0x1000);
	put16(low->data + 0x40e, 0x9fc0);
	area = image_region(&im, 0xe0000);
	image_add(&im, 0x9fc00, 0x400);
	memcpy(image_region(&im, 0x9fc00)->data + 0x30, area->data + (at - 0xe0000), 20);
	memset(area->data + (at - 0xe0000), 0, 20);
	HT_CHECK(build(&im) == 0);
	HT_CHECK(x86.rsdp_pa == 0x9fc30);
	/* a signature with a bad checksum is no RSDP */
	image_region(&im, 0x9fc00)->data[0x30 + 9] ^= 0x55;
	expect_error(build(&im), ENOENT, "no RSDP", NULL);
	image_free(&im);
}

HT_TEST(rsdp_and_rsdt_defects)
{
	image_t im, base;
	region_t *r;

	HT_REQUIRE(load(&base, "4x2"));
	image_clone(&im, &base);
	rsdp_region(&im)->data[8] ^= 1;
	expect_error(build(&im), EINVAL, "RSDP", "checksum", NULL);
	image_free(&im);

	image_clone(&im, &base);
	memcpy(rsdp_region(&im)->data, "RSD PTX ", 8);
	expect_error(build(&im), EINVAL, "RSDP", "signature", NULL);
	image_free(&im);

	image_clone(&im, &base);
	put64(start_info(&im) + 32, 0x12345);        /* nothing there */
	expect_error(build(&im), EINVAL, "RSDP", "not readable", NULL);
	image_free(&im);

	image_clone(&im, &base);
	r = rsdt_region(&im);
	r->data[0] = 'X';
	fix(r);
	expect_error(build(&im), EINVAL, "signature", "RSDT", NULL);
	image_free(&im);

	image_clone(&im, &base);
	r = rsdt_region(&im);
	put32(r->data + 4, (uint32_t)r->len - 2);     /* not a whole number of entries */
	fix(r);
	expect_error(build(&im), EINVAL, "RSDT", "entries", NULL);
	image_free(&im);

	image_clone(&im, &base);
	r = rsdt_region(&im);
	put32(r->data + 36, 0x4000);                 /* an entry pointing nowhere */
	fix(r);
	expect_error(build(&im), EINVAL, "0x4000", "not readable", NULL);
	image_free(&im);
	image_free(&base);
}

/* An RSDT listing more tables than ACPI_MAX_SDT_ENTRIES, all harmless ones. */
HT_TEST(absurd_table_count)
{
	uint8_t body[4] = { 0 };
	uint64_t pas[64];
	image_t im;
	region_t *r;

	HT_REQUIRE(load(&im, "2x2"));
	put_table(&im, 0x6000000, "XXXX", 1, body, sizeof(body));
	for (unsigned i = 0; i < 64; i++)
		pas[i] = 0x6000000;
	rsdt_set(&im, pas, 64);
	r = rsdt_region(&im);
	image_resize(r, 36 + 4 * (ACPI_MAX_SDT_ENTRIES + 1));
	put32(r->data + 4, (uint32_t)r->len);
	for (size_t off = 36; off < r->len; off += 4)
		put32(r->data + off, 0x6000000);
	fix(r);
	expect_error(build(&im), E2BIG, "RSDT", "entries", NULL);
	image_free(&im);
}

HT_TEST(table_defects)
{
	static const char *const used[] = { "APIC", "SRAT", "SLIT", "FACP" };
	image_t im, base;
	region_t *t;

	HT_REQUIRE(load(&base, "4x2"));
	for (unsigned i = 0; i < ARRAY_SIZE(used); i++) {
		image_clone(&im, &base);
		image_table(&im, used[i])->data[20] ^= 0x40;
		expect_error(build(&im), EINVAL, used[i], "checksum", NULL);
		image_free(&im);

		image_clone(&im, &base);                  /* length beyond its memory */
		t = image_table(&im, used[i]);
		put32(t->data + 4, (uint32_t)t->len + 64);
		fix(t);
		expect_error(build(&im), EINVAL, used[i], "runs past readable memory", NULL);
		image_free(&im);

		image_clone(&im, &base);                  /* length shorter than a header */
		t = image_table(&im, used[i]);
		put32(t->data + 4, 20);
		expect_error(build(&im), EINVAL, used[i], "length 20", NULL);
		image_free(&im);

		image_clone(&im, &base);                  /* absurd length */
		t = image_table(&im, used[i]);
		put32(t->data + 4, 0xfffffff0);
		expect_error(build(&im), EINVAL, used[i], "length 4294967280", NULL);
		image_free(&im);

		image_clone(&im, &base);                  /* listed twice */
		rsdt_append(&im, image_table(&im, used[i])->pa);
		expect_error(build(&im), EINVAL, "two", used[i], NULL);
		image_free(&im);
	}
	image_clone(&im, &base);
	rsdt_drop(&im, "APIC");
	expect_error(build(&im), ENOENT, "no MADT", NULL);
	image_free(&im);
	image_free(&base);
}

/* Entry lengths of the MADT and SRAT: zero, below the type's size, past the end. */
HT_TEST(entry_defects)
{
	static const struct { const char *sig; size_t first; uint8_t type; uint8_t size; } cases[] = {
		{ "APIC", 44, 0, 8 }, { "APIC", 44, 1, 12 }, { "APIC", 44, 2, 10 },
		{ "SRAT", 48, 0, 16 }, { "SRAT", 48, 1, 40 },
	};
	image_t im, base;
	region_t *t;
	size_t off;

	HT_REQUIRE(load(&base, "4x2"));
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		image_clone(&im, &base);
		t = image_table(&im, cases[i].sig);
		off = entry_at(t, cases[i].first, cases[i].type, 0);
		HT_REQUIRE(off != 0);
		t->data[off + 1] = 0;
		fix(t);
		expect_error(build(&im), EINVAL, cases[i].sig, "has length 0", NULL);
		t->data[off + 1] = 1;
		fix(t);
		expect_error(build(&im), EINVAL, cases[i].sig, "has length 1", NULL);
		t->data[off + 1] = (uint8_t)(cases[i].size - 1);
		fix(t);
		expect_error(build(&im), EINVAL, cases[i].sig, "type", NULL);
		image_free(&im);
	}
	image_clone(&im, &base);                      /* the last entry runs past the table */
	t = image_table(&im, "APIC");
	for (off = 44; off + t->data[off + 1] < t->len; off += t->data[off + 1])
		;
	t->data[off + 1] = (uint8_t)(t->data[off + 1] + 4);
	fix(t);
	expect_error(build(&im), EINVAL, "APIC", "runs past the table", NULL);
	image_free(&im);

	image_clone(&im, &base);                      /* one byte after the last entry */
	t = image_table(&im, "SRAT");
	image_resize(t, t->len + 1);
	put32(t->data + 4, (uint32_t)t->len);
	fix(t);
	expect_error(build(&im), EINVAL, "SRAT", "truncated entry", NULL);
	image_free(&im);
	image_free(&base);
}

/* Every blob cut short at every length: the build fails (or, for a table nobody reads, succeeds
 * once its header is whole), and never reads past what it mapped. */
HT_TEST(truncations)
{
	image_t im, base;
	region_t *r;
	bool unused;

	HT_REQUIRE(load(&base, "4x2"));
	for (int i = 0; i < base.n; i++) {
		r = &base.r[i];
		unused = r->len >= 36 && (!memcmp(r->data, "HPET", 4) || !memcmp(r->data, "MCFG", 4) ||
					  !memcmp(r->data, "WAET", 4));
		for (size_t len = 0; len < r->len; len++) {
			error_t e;

			image_clone(&im, &base);
			if (len == 0)
				image_remove(&im, r->pa);
			else
				image_resize(image_region(&im, r->pa), len);
			e = build(&im);
			if (unused && len >= 36 ? e != 0 : e == 0 || err[0] == '\0') {
				printf("# blob 0x%llx cut to %zu bytes: error %d '%s'\n", (unsigned long long)r->pa,
				       len, e, err);
				HT_CHECK(false);
			}
			image_free(&im);
		}
	}
	image_free(&base);
}
