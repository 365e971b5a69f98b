/*
 * test_acpi_numa.c - test_acpi, second part: SRAT and SLIT (clusters, memory, distances), MADT and
 * FADT content, x2APIC machines, limits of params.h, the start info, reserved ranges, and random
 * mutations of the captured tables. See test_acpi.c for the fixtures.
 */
#include <libk/bits.h>
#include <libk/errno.h>

#include "acpi_invariants.h"
#include "acpi_testlib.h"
#include "htest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Offset of the SRAT processor entry (type 0) of APIC id @apic, 0 if none. */
static size_t srat_cpu(const region_t *t, unsigned apic)
{
	size_t off;

	for (unsigned n = 0; (off = entry_at(t, 48, 0, n)) != 0; n++)
		if (t->data[off + 3] == apic)
			return off;
	return 0;
}

HT_TEST(missing_srat_is_one_cluster)
{
	image_t im;

	HT_REQUIRE(load(&im, "2x2"));
	rsdt_drop(&im, "SRAT");
	HT_CHECK(build(&im) == 0);
	HT_CHECK(boot_info_violation(&info, &x86) == NULL);
	HT_CHECK(info.clusters_nr == 1 && info.cores_nr == 4 && info.cluster[0].cores_nr == 4);
	HT_CHECK(info.cluster[0].mem_base == 0 && info.cluster[0].mem_size > GiB - 2 * MiB);
	HT_CHECK(info.distance[0][0] == 10);       /* the SLIT's row of domain 0 */
	for (unsigned i = 0; i < 4; i++)
		HT_CHECK(info.core[i].hwid == i && info.core[i].lid == i && info.core[i].cxy == 0);
	rsdt_drop(&im, "SLIT");
	HT_CHECK(build(&im) == 0 && info.distance[0][0] == 10);
	image_free(&im);

	HT_REQUIRE(load(&im, "16x4"));                /* 64 cores cannot be one cluster */
	rsdt_drop(&im, "SRAT");
	expect_error(build(&im), E2BIG, "CONFIG_MAX_CORES_PER_CLUSTER", NULL);
	image_free(&im);
}

HT_TEST(missing_slit_gives_default_distances)
{
	image_t im;

	HT_REQUIRE(load(&im, "4x2"));
	rsdt_drop(&im, "SLIT");
	HT_CHECK(build(&im) == 0);
	HT_CHECK(!scratch.has_slit && info.clusters_nr == 4);
	for (unsigned i = 0; i < 4; i++)
		for (unsigned j = 0; j < 4; j++)
			HT_CHECK(info.distance[i][j] == (i == j ? 10 : 20));
	image_free(&im);
}

HT_TEST(srat_defects)
{
	image_t im, base;
	region_t *t;
	size_t off;

	HT_REQUIRE(load(&base, "4x2"));
	image_clone(&im, &base);                       /* a CPU in a domain without memory */
	t = image_table(&im, "SRAT");
	t->data[srat_cpu(t, 5) + 2] = 9;
	fix(t);
	expect_error(build(&im), ENOENT, "APIC id 5", "domain 9", "no memory", NULL);
	image_free(&im);

	image_clone(&im, &base);                       /* a CPU without affinity */
	t = image_table(&im, "SRAT");
	put32(t->data + srat_cpu(t, 3) + 4, 0);
	fix(t);
	expect_error(build(&im), ENOENT, "no proximity domain", "APIC id 3", NULL);
	image_free(&im);

	image_clone(&im, &base);                       /* memory ranges overlap */
	t = image_table(&im, "SRAT");
	off = entry_at(t, 48, 1, 2);                   /* node 0: [0, 640K), [1M, 512M); node 1: ... */
	put64(t->data + off + 8, 0x10000000);
	fix(t);
	expect_error(build(&im), EINVAL, "overlap", NULL);
	image_free(&im);

	image_clone(&im, &base);                       /* domain 2's memory around domains 0 and 1 */
	t = image_table(&im, "SRAT");
	put32(t->data + entry_at(t, 48, 1, 0) + 2, 2);
	fix(t);
	expect_error(build(&im), EINVAL, "lies between", NULL);
	image_free(&im);

	image_clone(&im, &base);                       /* domain 3 has memory and no CPU */
	t = image_table(&im, "SRAT");
	t->data[srat_cpu(t, 6) + 2] = 2;
	t->data[srat_cpu(t, 7) + 2] = 2;
	fix(t);
	expect_error(build(&im), ENOENT, "domain 3", "no enabled processor", NULL);
	image_free(&im);

	image_clone(&im, &base);                       /* one APIC id in two domains */
	t = image_table(&im, "SRAT");
	t->data[srat_cpu(t, 2) + 3] = 1;               /* APIC 2's entry now names APIC 1, domain 1 */
	fix(t);
	expect_error(build(&im), EINVAL, "APIC id 1", "domains", NULL);
	image_free(&im);
	image_free(&base);
}

/* Domains are renumbered densely in domain order; cores keep APIC order inside a cluster. */
HT_TEST(domains_renumbered)
{
	static const uint32_t doms[4] = { 300, 20, 9, 5 };   /* node n -> domain doms[n] */
	image_t im;
	region_t *t;
	size_t off;

	HT_REQUIRE(load(&im, "4x2"));
	rsdt_drop(&im, "SLIT");
	t = image_table(&im, "SRAT");
	t->data[8] = 3;                                /* QEMU's is 1: domain bits 8-31 from 2 on */
	for (unsigned n = 0; (off = entry_at(t, 48, 0, n)) != 0; n++) {
		uint32_t d = doms[t->data[off + 2]];

		t->data[off + 2] = (uint8_t)d;
		t->data[off + 9] = (uint8_t)(d >> 8);
		t->data[off + 10] = (uint8_t)(d >> 16);
		t->data[off + 11] = (uint8_t)(d >> 24);
	}
	for (unsigned n = 0; (off = entry_at(t, 48, 1, n)) != 0; n++)
		if (get64(t->data + off + 16) != 0 && get32(t->data + off + 28) & 1)
			put32(t->data + off + 2, doms[get32(t->data + off + 2)]);
	fix(t);
	HT_CHECK(build(&im) == 0);
	HT_CHECK(boot_info_violation(&info, &x86) == NULL);
	HT_CHECK(info.clusters_nr == 4);
	for (unsigned c = 0; c < 4; c++) {
		unsigned node = 3 - c;                     /* cluster 0 = domain 5 = node 3 */

		HT_CHECK(scratch.domain[c] == doms[node]);
		HT_CHECK(info.cluster[c].mem_base == node * 512 * MiB);
		HT_CHECK(info.core[2 * c].hwid == 2 * node && info.core[2 * c + 1].hwid == 2 * node + 1);
		HT_CHECK(info.core[2 * c].lid == 0 && info.core[2 * c + 1].lid == 1);
	}
	/* the SLIT's 4 localities have no row for these domains */
	rsdt_append(&im, image_table(&im, "SLIT")->pa);
	expect_error(build(&im), EINVAL, "SLIT", "none for proximity domain 5", NULL);
	image_free(&im);
}

HT_TEST(slit_defects)
{
	image_t im, base;
	region_t *t;

	HT_REQUIRE(load(&base, "4x2"));
	static const struct { size_t at; uint8_t v; const char *what; } bad[] = {
		{ 44 + 1 * 4 + 1, 11, "distance 11 from domain 1 to 1" },
		{ 44 + 0 * 4 + 3, 255, "distance 255 from domain 0 to 3" },
		{ 44 + 2 * 4 + 0, 10, "distance 10 from domain 2 to 0" },
		{ 44 + 3 * 4 + 1, 0, "distance 0 from domain 3 to 1" },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		image_clone(&im, &base);
		t = image_table(&im, "SLIT");
		t->data[bad[i].at] = bad[i].v;
		fix(t);
		expect_error(build(&im), EINVAL, "SLIT", bad[i].what, NULL);
		image_free(&im);
	}
	image_clone(&im, &base);                       /* absurd locality count */
	t = image_table(&im, "SLIT");
	put64(t->data + 36, 1ull << 32);
	fix(t);
	expect_error(build(&im), EINVAL, "SLIT", "localities do not fit", NULL);
	put64(t->data + 36, 0);
	fix(t);
	expect_error(build(&im), EINVAL, "SLIT", "0 localities", NULL);
	put64(t->data + 36, 2);                        /* consistent, but domains 2 and 3 are missing */
	fix(t);
	expect_error(build(&im), EINVAL, "SLIT", "none for proximity domain 2", NULL);
	image_free(&im);
	image_free(&base);
}

/* ---- MADT and FADT ---- */

HT_TEST(madt_content)
{
	image_t im, base;
	region_t *t;
	size_t off;

	HT_REQUIRE(load(&base, "2x2"));
	image_clone(&im, &base);                       /* a disabled processor is no core */
	t = image_table(&im, "APIC");
	put32(t->data + entry_at(t, 44, 0, 3) + 4, 0);
	fix(t);
	HT_CHECK(build(&im) == 0 && info.cores_nr == 3 && info.cluster[1].cores_nr == 1);
	HT_CHECK(build_on(&im, 3) == ENOENT && strstr(err, "APIC id 3"));
	image_free(&im);

	image_clone(&im, &base);                       /* COM1 moved to GSI 20, level, active low */
	t = image_table(&im, "APIC");
	off = entry_at(t, 44, 2, 0);
	t->data[off + 3] = 4;
	put32(t->data + off + 4, 20);
	put16(t->data + off + 8, 0xf);
	fix(t);
	HT_CHECK(build(&im) == 0);
	HT_CHECK(x86.com1.gsi == 20 && x86.com1.level && x86.com1.active_low && x86.isa[0].gsi == 0);
	put16(t->data + off + 8, 0x2);                 /* polarity 2 is reserved */
	fix(t);
	expect_error(build(&im), EINVAL, "reserved flags", NULL);
	put16(t->data + off + 8, 0);
	t->data[off + 2] = 1;                          /* not ISA */
	fix(t);
	expect_error(build(&im), EINVAL, "bus 1", NULL);
	t->data[off + 2] = 0;
	t->data[off + 3] = 16;
	fix(t);
	expect_error(build(&im), EINVAL, "ISA IRQ 16", NULL);
	t->data[off + 3] = 9;                          /* QEMU overrides IRQ 9 already */
	fix(t);
	expect_error(build(&im), EINVAL, "ISA IRQ 9", "twice", NULL);
	image_free(&im);

	image_clone(&im, &base);                       /* APIC id 0xff is the broadcast */
	t = image_table(&im, "APIC");
	t->data[entry_at(t, 44, 0, 1) + 3] = 0xff;
	fix(t);
	expect_error(build(&im), EINVAL, "0xff", NULL);
	t->data[entry_at(t, 44, 0, 1) + 3] = 2;        /* APIC id 2 twice */
	fix(t);
	expect_error(build(&im), EINVAL, "APIC id 2 listed twice", NULL);
	image_free(&im);

	image_clone(&im, &base);                       /* no IOAPIC */
	t = image_table(&im, "APIC");
	t->data[entry_at(t, 44, 1, 0)] = 0x7f;         /* an unknown type: skipped */
	fix(t);
	expect_error(build(&im), ENOENT, "no IOAPIC", NULL);
	image_free(&im);
	image_free(&base);
}

/* Append entry @e (@len bytes) to the MADT or SRAT @t. */
static void add_entry(region_t *t, const uint8_t *e, size_t len)
{
	size_t at = t->len;

	image_resize(t, at + len);
	memcpy(t->data + at, e, len);
	put32(t->data + 4, (uint32_t)t->len);
	fix(t);
}

HT_TEST(madt_lapic_override_and_x2apic)
{
	uint8_t ovr[12] = { 5, 12 }, x2[16] = { 9, 16 }, sx2[24] = { 2, 24 };
	image_t im;
	region_t *madt, *srat;

	HT_REQUIRE(load(&im, "2x2"));
	madt = image_table(&im, "APIC");
	put64(ovr + 4, 0xfed00000);
	add_entry(madt, ovr, sizeof(ovr));
	/* two x2APIC processors of domain 1, with ids beyond 255 */
	srat = image_table(&im, "SRAT");
	for (uint32_t id = 300; id < 302; id++) {
		put32(x2 + 4, id);
		put32(x2 + 8, 1);
		add_entry(madt, x2, sizeof(x2));
		put32(sx2 + 4, 1);
		put32(sx2 + 8, id);
		put32(sx2 + 12, 1);
		add_entry(srat, sx2, sizeof(sx2));
	}
	HT_CHECK(build(&im) == 0);
	HT_CHECK(boot_info_violation(&info, &x86) == NULL);
	HT_CHECK(x86.lapic_pa == 0xfed00000);
	HT_CHECK(info.cores_nr == 6 && info.cluster[1].cores_nr == 4);
	HT_CHECK(info.core[4].hwid == 300 && info.core[4].cxy == 1 && info.core[4].lid == 2);
	HT_CHECK(info.core[5].hwid == 301 && info.core[5].lid == 3);
	put32(x2 + 4, CONFIG_MAX_HWID);                /* beyond params.h */
	add_entry(madt, x2, sizeof(x2));
	expect_error(build(&im), ERANGE, "CONFIG_MAX_HWID", NULL);
	image_free(&im);
}

HT_TEST(fadt_pm_timer)
{
	image_t im;
	region_t *t;

	HT_REQUIRE(load(&im, "2x2"));
	t = image_table(&im, "FACP");
	HT_REQUIRE(t->len >= 220);
	t->data[208] = 1;                              /* X_PM_TMR_BLK in system I/O */
	put64(t->data + 212, 0xb008);
	put32(t->data + 112, get32(t->data + 112) | (1u << 8));
	fix(t);
	HT_CHECK(build(&im) == 0 && x86.pm_tmr_port == 0xb008 && x86.pm_tmr_32bit);
	put64(t->data + 212, 0x10000);
	fix(t);
	expect_error(build(&im), EINVAL, "X_PM_TMR_BLK", NULL);
	put32(t->data + 112, get32(t->data + 112) | (1u << 20));   /* hardware-reduced: no timer */
	fix(t);
	HT_CHECK(build(&im) == 0 && x86.pm_tmr_port == 0);
	image_free(&im);
}

/* ---- limits ---- */

HT_TEST(limits)
{
	uint8_t lapic[8] = { 0, 8 }, mem[40] = { 1, 40 };
	image_t im, base;
	region_t *t;

	HT_REQUIRE(load(&base, "2x2"));
	image_clone(&im, &base);                       /* more processors than CONFIG_MAX_CORES */
	t = image_table(&im, "APIC");
	for (unsigned id = 4; id < CONFIG_MAX_CORES + 1; id++) {
		lapic[2] = (uint8_t)id;
		lapic[3] = (uint8_t)id;
		put32(lapic + 4, 1);
		add_entry(t, lapic, sizeof(lapic));
	}
	expect_error(build(&im), E2BIG, "CONFIG_MAX_CORES", NULL);
	image_free(&im);

	image_clone(&im, &base);                       /* more domains than CONFIG_MAX_CLUSTERS */
	t = image_table(&im, "SRAT");
	for (unsigned d = 2; d < CONFIG_MAX_CLUSTERS + 1; d++) {
		put32(mem + 2, d);
		put64(mem + 8, 0x100000000ull * d);
		put64(mem + 16, 0x1000000);
		put32(mem + 28, 1);
		add_entry(t, mem, sizeof(mem));
	}
	expect_error(build(&im), ERANGE, "CONFIG_MAX_CLUSTERS", NULL);
	image_free(&im);

	image_clone(&im, &base);                       /* more ranges than ACPI_MAX_MEM_RANGES */
	t = image_table(&im, "SRAT");
	for (unsigned r = 0; r < ACPI_MAX_MEM_RANGES; r++) {
		put32(mem + 2, 1);
		put64(mem + 8, 0x100000000ull + 0x1000000ull * r);
		add_entry(t, mem, sizeof(mem));
	}
	expect_error(build(&im), E2BIG, "memory ranges", NULL);
	image_free(&im);
	image_free(&base);
}

/* ---- the start info and the memory map ---- */

HT_TEST(start_info_defects)
{
	image_t im, base;
	uint8_t *si;
	region_t *r;

	HT_REQUIRE(load(&base, "2x2"));
	image_clone(&im, &base);
	si = start_info(&im);
	si[0] ^= 1;
	expect_error(build(&im), EINVAL, "magic", NULL);
	si[0] ^= 1;
	put32(si + 4, 0);
	expect_error(build(&im), ENOENT, "version 0", NULL);
	put32(si + 4, 1);
	put32(si + 48, 0);
	expect_error(build(&im), ENOENT, "empty memory map", NULL);
	put32(si + 48, PVH_MAX_MEMMAP + 1);
	expect_error(build(&im), E2BIG, "memory map entries", NULL);
	put32(si + 48, 10);                            /* more entries than the blob holds */
	expect_error(build(&im), EINVAL, "memory map", "not readable", NULL);
	put32(si + 48, get32(start_info(&base) + 48));
	put32(si + 12, 2);
	expect_error(build(&im), E2BIG, "2 modules", NULL);
	put32(si + 12, 1);
	r = image_region(&im, get64(si + 16));
	put64(r->data + 8, ~0ull);
	expect_error(build(&im), EINVAL, "initrd", "wraps", NULL);
	put64(r->data + 8, 0);                         /* an empty module is no initrd */
	HT_CHECK(build(&im) == 0 && info.initrd_start == 0 && info.initrd_end == 0);
	r = image_add(&im, get64(si + 24), CONFIG_CMDLINE_MAX + 1);
	memset(r->data, 'a', CONFIG_CMDLINE_MAX);
	expect_error(build(&im), E2BIG, "command line", NULL);
	r->data[CONFIG_CMDLINE_MAX - 1] = 0;
	HT_CHECK(build(&im) == 0 && strlen(info.cmdline) == CONFIG_CMDLINE_MAX - 1);
	r = image_region(&im, get64(si + 40));
	put64(r->data, 0x1000);                        /* entry 0 wraps */
	put64(r->data + 8, ~0ull);
	expect_error(build(&im), EINVAL, "memory map entry 0", "wraps", NULL);
	image_free(&im);
	image_free(&base);
}

/* Holes of the memory map inside a cluster are reserved; too many of them are refused. */
HT_TEST(memory_map_holes)
{
	image_t im;
	region_t *mm;
	uint8_t *e;
	unsigned n;

	HT_REQUIRE(load(&im, "4x2"));
	mm = image_region(&im, get64(start_info(&im) + 40));
	n = get32(start_info(&im) + 48);
	image_resize(mm, (n + 1) * 24);
	e = mm->data + n * 24;                          /* a reserved hole in cluster 1's memory */
	put64(e, 0x30000000);
	put64(e + 8, 0x100000);
	put32(e + 16, 2);
	for (unsigned i = 0; i < n; i++)                /* cut the RAM entry around it */
		if (get32(mm->data + 24 * i + 16) == 1 && get64(mm->data + 24 * i) == 0x100000) {
			uint64_t end = get64(mm->data + 24 * i) + get64(mm->data + 24 * i + 8);

			put64(mm->data + 24 * i + 8, 0x30000000 - 0x100000);
			image_resize(mm, (n + 2) * 24);
			e = mm->data + (n + 1) * 24;
			put64(e, 0x30100000);
			put64(e + 8, end - 0x30100000);
			put32(e + 16, 1);
		}
	put32(start_info(&im) + 48, (uint32_t)(mm->len / 24));
	HT_CHECK(build(&im) == 0);
	HT_CHECK(boot_info_violation(&info, &x86) == NULL);
	HT_CHECK(info.cluster[1].mem_base == 0x20000000 && info.cluster[1].mem_size == 0x20000000);
	bool found = false;
	for (unsigned i = 0; i < info.rsvd_nr; i++)
		found |= info.rsvd[i].base == 0x30000000 && info.rsvd[i].size == 0x100000;
	HT_CHECK(found);
	image_free(&im);

	HT_REQUIRE(load(&im, "1x1"));                 /* 40 holes: more than CONFIG_MAX_RSVD_RANGES */
	mm = image_region(&im, get64(start_info(&im) + 40));
	n = get32(start_info(&im) + 48);
	image_resize(mm, (n + 40) * 24);
	for (unsigned i = 0; i < 40; i++) {
		e = mm->data + (n + i) * 24;
		put64(e, 0x1000000 + 0x200000ull * i);
		put64(e + 8, 0x1000);
		put32(e + 16, 2);
	}
	put32(start_info(&im) + 48, n + 40);
	/* the RAM entry of [1 MiB, ...) stays whole: holes come from cutting it */
	for (unsigned i = 0; i < n; i++)
		if (get32(mm->data + 24 * i + 16) == 1 && get64(mm->data + 24 * i) == 0x100000)
			put32(mm->data + 24 * i + 16, 2);
	for (unsigned i = 0; i < 40; i++) {            /* RAM between the holes */
		image_resize(mm, mm->len + 24);
		e = mm->data + mm->len - 24;
		put64(e, 0x1001000 + 0x200000ull * i);
		put64(e + 8, 0x1ff000);
		put32(e + 16, 1);
	}
	put32(start_info(&im) + 48, (uint32_t)(mm->len / 24));
	expect_error(build(&im), E2BIG, "CONFIG_MAX_RSVD_RANGES", NULL);
	image_free(&im);
}

/* ---- random mutations and the fuzzer's seeds ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Flip bytes of the tables the parser reads (checksums fixed after, so the parser goes on). */
HT_TEST(random_mutations)
{
	static const char *const sigs[] = { "APIC", "SRAT", "SLIT", "FACP", "RSDT" };
	unsigned ok = 0, refused = 0;
	image_t im, base;
	region_t *t;
	error_t e;

	for (int s = 0; s < SHAPES; s++) {
		HT_REQUIRE(load(&base, shapes[s]));
		for (int i = 0; i < 1500; i++) {
			image_clone(&im, &base);
			t = image_table(&im, sigs[rng() % ARRAY_SIZE(sigs)]);
			if (!t)
				t = image_table(&im, "APIC");
			for (int k = (int)(rng() % 4); k >= 0; k--) {
				size_t at = 10 + rng() % (t->len - 10);

				t->data[at] = rng() % 3 ? (uint8_t)rng() : t->data[at] ^ (uint8_t)(1u << (rng() % 8));
			}
			fix(t);
			e = build(&im);
			if (e == 0) {
				const char *why = boot_info_violation(&info, &x86);

				if (why)
					printf("# %s mutation %d accepted, but %s\n", shapes[s], i, why);
				HT_CHECK(why == NULL);
				ok++;
			} else {
				HT_CHECK(err[0] != '\0');
				HT_CHECK(e == EINVAL || e == ENOENT || e == ERANGE || e == E2BIG);
				refused++;
			}
			image_free(&im);
		}
		image_free(&base);
	}
	printf("# %u mutations accepted, %u refused\n", ok, refused);
	HT_CHECK(ok > 0 && refused > 0);
}

/* Each fixture packed into one image (the fuzzer's input format) gives the same machine; with
 * ACPI_SEED_DIR set, the packed images are written there as the fuzzer's seeds. */
HT_TEST(write_seeds)
{
	static uint8_t buf[1 << 16];
	const char *dir = getenv("ACPI_SEED_DIR");
	acpi_machine_t unpacked;
	image_t im, packed;
	char path[512];
	size_t n;
	FILE *f;

	for (int s = 0; s < SHAPES; s++) {
		HT_REQUIRE(load(&im, shapes[s]));
		HT_REQUIRE(build(&im) == 0);
		unpacked = scratch;
		n = image_pack(&im, 0x10000, buf, sizeof(buf));
		HT_REQUIRE(n > 0);
		memset(&packed, 0, sizeof(packed));
		packed.start_info_pa = 0x10000;
		memcpy(image_add(&packed, 0x10000, n)->data, buf, n);
		HT_CHECK(build(&packed) == 0);
		unpacked.x86.rsdp_pa = scratch.x86.rsdp_pa;
		HT_CHECK(memcmp(&unpacked, &scratch, sizeof(scratch)) == 0);
		if (dir) {
			snprintf(path, sizeof(path), "%s/%s.bin", dir, shapes[s]);
			f = fopen(path, "wb");
			HT_CHECK(f && fwrite(buf, 1, n, f) == n);
			if (f)
				fclose(f);
		}
		image_free(&packed);
		image_free(&im);
	}
}
