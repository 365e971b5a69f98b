/*
 * test_boot_fdt.c - boot_info_t built from device trees (boot/riscv/boot_fdt.c) on the host.
 *
 * Inputs: the trees QEMU builds for the topologies riscv64 boots (config/topologies/<name>.conf, on
 * the machine config/arch/riscv64.conf chooses for it, which dumpdtb.sh writes in <dtb>.machine;
 * checked field by field against the .conf, plus the known facts of 1x1, 2x2 and 4x2), hand-written
 * .dts files (tests/host/fdt/),
 * machines built by fdt/fdt_machine.c (one defect each), patched and truncated blobs, and
 * random mutations. Blobs are allocated at their exact size so that ASan sees any over-read.
 * Both parts of boot_info_t are checked: the generic one (what the kernel reads: controllers by id,
 * the console by the id of its controller) and RISC-V's (boot_info.arch: registers, phandles).
 */
#include <hal_boot.h>
#include <libk/bits.h>
#include <libk/errno.h>

#include "boot/riscv/boot_fdt.h"
#include "fdt/fdt_machine.h"
#include "fdt/fdt_writer.h"
#include "htest.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MiB        (1ull << 20)
#define DTB_PA     0x87e00000ull   /* where the tests pretend the blob was loaded */

static boot_info_t info;
static char err[256];

/* The builder's limits must cover the machines params.h allows (and one cpu more). */
_Static_assert(M_MAX_CPUS > CONFIG_MAX_CORES && M_MAX_MEMS > CONFIG_MAX_CLUSTERS, "fdt_machine.h limits");
_Static_assert(CONFIG_MAX_CLUSTERS <= 16 && CONFIG_MAX_CLUSTERS <= CONFIG_MAX_IRQ_CONTROLLERS,
	       "fdt_machine.c writes at most 16 PLICs, one per cluster");
_Static_assert(CONFIG_MAX_RSVD_RANGES < 64, "fdt_writer.h holds 64 reservations");

/* printf into a buffer that lives until the next call (expected messages built from params.h). */
static const char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

static const char *fmt(const char *f, ...)
{
	static char buf[256];
	va_list ap;

	va_start(ap, f);
	vsnprintf(buf, sizeof(buf), f, ap);
	va_end(ap);
	return buf;
}

static error_t parse(const uint8_t *b, size_t size, hwid_t hart)
{
	err[0] = 0;
	return boot_info_from_fdt(b, size, DTB_PA, hart, &info, err, sizeof(err));
}

/* The result must be @code with a message holding every word of the NULL-terminated list. */
static void expect_error(error_t got, error_t code, ...)
{
	const char *w;
	va_list ap;

	if (got != code)
		printf("# expected error %d, got %d: '%s'\n", code, got, err);
	HT_CHECK(got == code);
	HT_CHECK(info.magic != BOOT_INFO_MAGIC);
	va_start(ap, code);
	while ((w = va_arg(ap, const char *)) != NULL) {
		if (!strstr(err, w))
			printf("# message '%s' lacks '%s'\n", err, w);
		HT_CHECK(strstr(err, w) != NULL);
	}
	va_end(ap);
}

/* ---- topologies: config/topologies/<name>.conf ---- */

typedef struct topo_s {
	unsigned clusters, cores, mem_mb;
	bool aplic, aclint;
	unsigned dist[CONFIG_MAX_CLUSTERS][CONFIG_MAX_CLUSTERS];
} topo_t;

/* Whether the machine QEMU ran for the tree @file (its .machine file, written by dumpdtb.sh) has
 * the option @opt ("aia=aplic", "aclint=on"): 1 or 0; -1 if that file is missing or names no virt
 * machine. */
static int machine_has(const char *file, const char *opt)
{
	char path[512], line[256] = "";
	bool virt;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%.*s.machine", FDT_TEST_DIR, (int)(strlen(file) - 4), file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	virt = fgets(line, sizeof(line), f) != NULL && strncmp(line, "virt", 4) == 0;
	fclose(f);
	return !virt ? -1 : strstr(line, opt) != NULL;
}

/* Read the shell-variable file of topology @name: CLUSTERS=, CORES=, MEM_MB=,
 * DISTANCES=("row" "row" ...). */
static bool topo_load(const char *name, topo_t *t)
{
	unsigned flat[CONFIG_MAX_CLUSTERS * CONFIG_MAX_CLUSTERS], n = 0;
	char path[512], line[512], *p;
	bool in_dist = false;
	FILE *f;

	memset(t, 0, sizeof(*t));
	snprintf(path, sizeof(path), "%s/%s.conf", FDT_TOPOLOGY_DIR, name);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#')
			continue;
		sscanf(line, "CLUSTERS=%u", &t->clusters);
		sscanf(line, "CORES=%u", &t->cores);
		sscanf(line, "MEM_MB=%u", &t->mem_mb);
		p = line;
		if (strncmp(line, "DISTANCES=(", 11) == 0) {
			in_dist = true;
			p += 11;
		}
		for (; in_dist && *p && *p != ')'; p++) {
			if (*p >= '0' && *p <= '9' && n < ARRAY_SIZE(flat)) {
				flat[n++] = (unsigned)strtoul(p, &p, 10);
				p--;
			}
		}
		if (strchr(line, ')'))
			in_dist = false;
	}
	fclose(f);
	if (!t->clusters || t->clusters > CONFIG_MAX_CLUSTERS || n != t->clusters * t->clusters)
		return false;
	for (unsigned i = 0; i < n; i++)
		t->dist[i / t->clusters][i % t->clusters] = flat[i];
	return t->cores && t->mem_mb;
}

/* The rsvd[] entry [base, base + size), -1 if absent. */
static int find_rsvd(uint64_t base, uint64_t size)
{
	for (uint32_t i = 0; i < info.rsvd_nr; i++)
		if (info.rsvd[i].base == base && info.rsvd[i].size == size)
			return (int)i;
	return -1;
}

/* The interrupt controllers of QEMU virt: one PLIC (M and S context per hart) or one M and one S
 * APLIC per NUMA node; generic entry i and RISC-V's entry i describe the same controller. */
static void check_irqcs(const topo_t *t)
{
	unsigned per_node = t->aplic ? 2 : 1, supervisors = 0;

	HT_REQUIRE(info.irqc_nr == t->clusters * per_node);
	for (uint32_t i = 0; i < info.irqc_nr; i++) {
		const boot_irqc_t *g = &info.irqc[i];
		const riscv_irqc_t *q = &info.arch.irqc[i];
		unsigned first = g->cxy * t->cores;

		HT_CHECK(q->kind == (t->aplic ? RISCV_IRQC_APLIC : RISCV_IRQC_PLIC));
		HT_CHECK(g->cxy < t->clusters && g->sources == 96 && q->phandle != 0 && q->base && q->size);
		if (!t->aplic) {
			HT_CHECK(g->kernel && q->ctx_nr == 2 * t->cores);
			for (unsigned k = 0; k < q->ctx_nr; k++)
				HT_CHECK(q->ctx_hwid[k] == first + k / 2 && q->ctx_irq[k] == (k % 2 ? 9 : 11));
		} else {
			HT_CHECK(q->ctx_nr == t->cores);
			for (unsigned k = 0; k < q->ctx_nr; k++)
				HT_CHECK(q->ctx_hwid[k] == first + k && q->ctx_irq[k] == (g->kernel ? 9 : 11));
		}
		supervisors += g->kernel;
		/* the console's interrupt goes to the supervisor controller of node 0, named by its id */
		if (q->phandle == info.arch.uart.irq_parent)
			HT_CHECK(g->kernel && g->cxy == 0 && info.console.irqc == i);
	}
	HT_CHECK(supervisors == t->clusters);
	for (unsigned c = 0; c < t->clusters; c++) {
		unsigned n = 0;
		for (uint32_t i = 0; i < info.irqc_nr; i++)
			n += info.irqc[i].kernel && info.irqc[i].cxy == c;
		HT_CHECK(n == 1);
	}
}

/* Parse QEMU's tree of topology @name (variant @suffix: "", "-bootargs", "-initrd") and check every
 * field against the .conf. */
static void check_topology(const char *name, const char *suffix)
{
	char file[128];
	size_t size;
	uint8_t *b;
	topo_t t;
	int aplic, aclint;

	HT_REQUIRE(topo_load(name, &t));
	snprintf(file, sizeof(file), "%s%s.dtb", name, suffix);
	aplic = machine_has(file, "aia=aplic");
	aclint = machine_has(file, "aclint=on");
	HT_REQUIRE(aplic >= 0 && aclint >= 0);
	t.aplic = aplic;
	t.aclint = aclint;
	b = fdtw_load(FDT_TEST_DIR, file, &size);
	if (parse(b, size, 0) != 0)
		printf("# %s: %s\n", file, err);
	HT_REQUIRE(info.magic == BOOT_INFO_MAGIC && err[0] == 0);
	HT_CHECK(info.clusters_nr == t.clusters && info.cores_nr == t.clusters * t.cores);
	HT_CHECK(info.boot_hwid == 0 && info.timebase_hz == 10000000);
	for (unsigned c = 0; c < t.clusters; c++) {
		const boot_cluster_t *cl = &info.cluster[c];
		HT_CHECK(cl->mem_base == 0x80000000ull + c * t.mem_mb * MiB && cl->mem_size == t.mem_mb * MiB);
		HT_CHECK(cl->cores_nr == t.cores && cl->first_core == c * t.cores);
		HT_CHECK(cl->image_pa == 0 && cl->kernel_end_pa == 0 && cl->pt_root_pa == 0);
		for (unsigned d = 0; d < t.clusters; d++)
			HT_CHECK(info.distance[c][d] == t.dist[c][d]);
	}
	for (unsigned i = 0; i < info.cores_nr; i++) {
		const boot_core_t *k = &info.core[i];
		HT_CHECK(k->hwid == i && k->cxy == i / t.cores && k->lid == i % t.cores);
		HT_CHECK(info.arch.cpu_pos[i].cluster == i / t.cores && info.arch.cpu_pos[i].core == i % t.cores);
		/* QEMU virt, aclint=on: node c's SSWI at 0x2f00000 + c * 0x4000, a word per hart */
		HT_CHECK(info.arch.sswi_pa[i] == (t.aclint ? 0x2f00000u + k->cxy * 0x4000u + 4 * k->lid : 0));
	}
	check_irqcs(&t);
	HT_CHECK(info.console.present && info.console.source == 10 && info.console.irqc < info.irqc_nr);
	HT_CHECK(info.arch.uart.base == 0x10000000u && info.arch.uart.size == 0x100);
	HT_CHECK(info.arch.uart.clock_hz == 3686400 && info.arch.uart.reg_shift == 0 &&
		 info.arch.uart.reg_io_width == 1);
	HT_CHECK(info.arch.uart.irq_parent != 0);
	HT_CHECK(info.arch.finisher_pa == 0x100000);
	HT_CHECK(info.arch.dtb_pa == DTB_PA && info.arch.dtb_size == size);
	HT_CHECK(find_rsvd(DTB_PA, size) >= 0);
	if (suffix[0] == '\0') {
		HT_CHECK(info.cmdline[0] == '\0' && info.initrd_start == 0 && info.initrd_end == 0);
		HT_CHECK(info.rsvd_nr == 1);
	} else {
		HT_CHECK(strcmp(info.cmdline, FDT_TEST_BOOTARGS) == 0);
	}
	if (strcmp(suffix, "-bootargs") == 0)
		HT_CHECK(info.initrd_start == 0 && info.rsvd_nr == 1);
	if (strcmp(suffix, "-initrd") == 0) {
		HT_CHECK(info.initrd_start >= info.cluster[0].mem_base);
		HT_CHECK(info.initrd_end - info.initrd_start == FDT_TEST_INITRD_SIZE);
		HT_CHECK(info.rsvd_nr == 2 && find_rsvd(info.initrd_start, FDT_TEST_INITRD_SIZE) >= 0);
	}
	free(b);
}

HT_TEST(qemu_1x1)
{
	check_topology("1x1", "");
	HT_CHECK(info.clusters_nr == 1 && info.cores_nr == 1 && info.core[0].hwid == 0);
	HT_CHECK(info.cluster[0].mem_base == 0x80000000u && info.cluster[0].mem_size == 512 * MiB);
	HT_CHECK(info.irqc_nr == 1 && info.arch.irqc[0].kind == RISCV_IRQC_PLIC && info.irqc[0].kernel);
	HT_CHECK(info.arch.irqc[0].base == 0xc000000 && info.arch.irqc[0].ctx_nr == 2);
	HT_CHECK(info.arch.irqc[0].ctx_hwid[1] == 0 && info.arch.irqc[0].ctx_irq[1] == 9);
	HT_CHECK(info.console.irqc == 0);
	HT_CHECK(info.distance[0][0] == 10);
}

HT_TEST(qemu_2x2)
{
	check_topology("2x2", "");
	HT_CHECK(info.clusters_nr == 2 && info.cores_nr == 4);
	HT_CHECK(info.cluster[1].mem_base == 0xa0000000u && info.cluster[1].first_core == 2);
	HT_REQUIRE(info.irqc_nr == 2);
	for (unsigned c = 0; c < 2; c++) {
		const riscv_irqc_t *q = &info.arch.irqc[c];
		HT_CHECK(q->kind == RISCV_IRQC_PLIC && info.irqc[c].cxy == c && info.irqc[c].kernel);
		HT_CHECK(q->ctx_nr == 4 && q->ctx_hwid[1] == 2 * c && q->ctx_irq[1] == 9);
		HT_CHECK(q->ctx_hwid[3] == 2 * c + 1 && q->ctx_irq[3] == 9 && q->ctx_irq[2] == 11);
	}
	HT_CHECK(info.distance[0][0] == 10 && info.distance[0][1] == 20);
	HT_CHECK(info.distance[1][0] == 20 && info.distance[1][1] == 10);
}

HT_TEST(qemu_4x2)
{
	static const uint8_t dist[4][4] = { { 10, 20, 20, 30 }, { 20, 10, 30, 20 },
					    { 20, 30, 10, 20 }, { 30, 20, 20, 10 } };
	static const uint64_t mem[4] = { 0x80000000u, 0xa0000000u, 0xc0000000u, 0xe0000000u };
	unsigned aplics = 0;

	check_topology("4x2", "");
	HT_CHECK(info.clusters_nr == 4 && info.cores_nr == 8);
	for (unsigned c = 0; c < 4; c++) {
		HT_CHECK(info.cluster[c].mem_base == mem[c] && info.cluster[c].mem_size == 512 * MiB);
		HT_CHECK(info.cluster[c].cores_nr == 2);
		HT_CHECK(memcmp(info.distance[c], dist[c], 4) == 0);
	}
	for (uint32_t i = 0; i < info.irqc_nr; i++) {
		const riscv_irqc_t *q = &info.arch.irqc[i];
		cxy_t cxy = info.irqc[i].cxy;
		HT_CHECK(q->kind == RISCV_IRQC_APLIC);
		if (info.irqc[i].kernel) {
			aplics++;
			HT_CHECK(q->ctx_nr == 2 && q->ctx_hwid[0] == 2u * cxy && q->ctx_hwid[1] == 2u * cxy + 1);
		}
	}
	HT_CHECK(aplics == 4);
	/* the console's controller: the S-level APLIC of node 0, not the M-level one */
	HT_REQUIRE(info.console.irqc < info.irqc_nr);
	HT_CHECK(info.irqc[info.console.irqc].kernel && info.irqc[info.console.irqc].cxy == 0);
	HT_CHECK(info.arch.uart.base == 0x10000000u && info.console.source == 10 &&
		 info.arch.uart.clock_hz == 3686400);
	HT_CHECK(info.arch.finisher_pa == 0x100000 && info.timebase_hz == 10000000);
}

/* Every topology riscv64 boots (FDT_TOPOLOGIES: the build asked tools/qemu_args.py), each variant. */
HT_TEST(qemu_every_topology_and_variant)
{
	static const char *const variants[] = { "", "-bootargs", "-initrd" };
	char names[512], *name, *save = NULL;
	unsigned n = 0;

	snprintf(names, sizeof(names), "%s", FDT_TOPOLOGIES);
	for (name = strtok_r(names, " ", &save); name; name = strtok_r(NULL, " ", &save)) {
		for (unsigned v = 0; v < ARRAY_SIZE(variants); v++) {
			check_topology(name, variants[v]);
			if (ht_current_failed()) {
				printf("# failed: %s%s\n", name, variants[v]);
				break;
			}
		}
		n++;
	}
	HT_CHECK(n >= 3);
}

HT_TEST(qemu_boot_from_another_hart)
{
	size_t size;
	uint8_t *b = fdtw_load(FDT_TEST_DIR, "4x2.dtb", &size);

	HT_CHECK(parse(b, size, 5) == 0 && info.boot_hwid == 5);
	expect_error(parse(b, size, 8), ENOENT, "boot hart 8", NULL);
	free(b);
}

HT_TEST(dts_features)
{
	size_t size;
	uint8_t *b = fdtw_load(FDT_TEST_DIR, "features.dtb", &size);
	const riscv_irqc_t *q = &info.arch.irqc[0];
	const riscv_cpu_pos_t *pos = info.arch.cpu_pos;

	if (parse(b, size, 10) != 0)
		printf("# %s\n", err);
	HT_REQUIRE(info.magic == BOOT_INFO_MAGIC);
	HT_CHECK(info.timebase_hz == 1000000 && info.boot_hwid == 10);
	HT_CHECK(info.clusters_nr == 2 && info.cores_nr == 3);
	/* cpu-map order, not hart order; the disabled cpu@7 is left out */
	HT_CHECK(info.core[0].hwid == 10 && info.core[0].lid == 0 && pos[0].core == 0);
	HT_CHECK(info.core[1].hwid == 3 && info.core[1].lid == 1 && pos[1].core == 1);
	HT_CHECK(info.core[2].hwid == 5 && info.core[2].cxy == 1 && info.core[2].lid == 0);
	HT_CHECK(pos[2].cluster == 1 && pos[2].core == 0);
	HT_CHECK(info.cluster[0].cores_nr == 2 && info.cluster[1].cores_nr == 1 && info.cluster[1].first_core == 2);
	HT_CHECK(info.cluster[1].mem_base == 0x100000000ull && info.cluster[1].mem_size == 512 * MiB);
	HT_CHECK(info.distance[0][1] == 15 && info.distance[1][0] == 15 && info.distance[1][1] == 10);
	HT_CHECK(strcmp(info.cmdline, "console=ttyS0 ktest=fdt") == 0);
	HT_CHECK(info.initrd_start == 0x84000000u && info.initrd_end == 0x84100000u);
	HT_CHECK(info.rsvd_nr == 6);
	HT_CHECK(find_rsvd(0x80000000u, 0x200000) == 0); /* header reservation block first */
	HT_CHECK(find_rsvd(0x80000000u, 0x40000) >= 0 && find_rsvd(0x88000000u, 0x1000) >= 0);
	HT_CHECK(find_rsvd(0x88100000u, 0x2000) >= 0 && find_rsvd(DTB_PA, size) >= 0);
	HT_CHECK(find_rsvd(0x84000000u, 0x100000) >= 0);
	HT_REQUIRE(info.irqc_nr == 1);  /* the disabled PLIC is left out */
	HT_CHECK(q->kind == RISCV_IRQC_PLIC && q->base == 0xc000000 && q->size == 0x4000000);
	HT_CHECK(info.irqc[0].sources == 53 && info.irqc[0].cxy == 0 && info.irqc[0].kernel && q->ctx_nr == 6);
	HT_CHECK(q->ctx_hwid[0] == 3 && q->ctx_irq[0] == 11 && q->ctx_hwid[3] == 10 && q->ctx_irq[3] == 9);
	HT_CHECK(q->ctx_hwid[4] == 5 && q->ctx_irq[4] == 0xff && q->ctx_irq[5] == 9);
	/* stdout-path "serial0:115200n8" -> the alias -> the second UART, a plain "ns16550" */
	HT_CHECK(info.arch.uart.base == 0x10001000u && info.arch.uart.size == 0x400);
	HT_CHECK(info.console.present && info.console.source == 33);
	HT_CHECK(info.arch.uart.irq_parent == q->phandle && q->phandle != 0);  /* inherited from /soc */
	HT_CHECK(info.console.irqc == 0);
	HT_CHECK(info.arch.uart.clock_hz == 1843200 && info.arch.uart.reg_shift == 2 &&
		 info.arch.uart.reg_io_width == 4);
	HT_CHECK(info.arch.finisher_pa == 0x100000);
	expect_error(parse(b, size, 7), ENOENT, "boot hart 7", NULL); /* disabled */
	free(b);
}

HT_TEST(dts_without_numa_ids)
{
	size_t size;
	uint8_t *b = fdtw_load(FDT_TEST_DIR, "nonuma.dtb", &size);

	if (parse(b, size, 1) != 0)
		printf("# %s\n", err);
	HT_REQUIRE(info.magic == BOOT_INFO_MAGIC);
	HT_CHECK(info.clusters_nr == 1 && info.cores_nr == 2);
	HT_CHECK(info.core[0].hwid == 0 && info.core[1].hwid == 1 && info.core[1].lid == 1);
	HT_CHECK(info.arch.cpu_pos[0].cluster == RISCV_MAP_NONE && info.arch.cpu_pos[0].core == RISCV_MAP_NONE);
	HT_CHECK(info.cluster[0].mem_base == 0x80000000u && info.cluster[0].mem_size == 128 * MiB);
	HT_CHECK(info.distance[0][0] == 10 && info.cmdline[0] == 0 && info.rsvd_nr == 1);
	HT_CHECK(info.irqc_nr == 1 && info.arch.irqc[0].ctx_nr == 4 && info.arch.irqc[0].ctx_hwid[2] == 1);
	HT_CHECK(info.arch.irqc[0].phandle != 0 && info.arch.uart.irq_parent == info.arch.irqc[0].phandle);
	HT_CHECK(info.console.irqc == 0);
	HT_CHECK(info.arch.uart.base == 0x10000000u && info.arch.uart.clock_hz == 0 &&
		 info.arch.uart.reg_io_width == 1);
	HT_CHECK(info.arch.finisher_pa == 0);
	free(b);
}

/* ---- machines built with the writer, one defect at a time ---- */

/* Build @m, parse it booting on hart 0, free it; returns the result. */
static error_t parse_spec(const mspec_t *m)
{
	size_t size;
	uint8_t *b = mspec_build(m, &size);
	error_t e = parse(b, size, 0);

	free(b);
	return e;
}

HT_TEST(built_machines_that_are_valid)
{
	mspec_t m;

	mspec_init(&m, 2, 2);
	HT_CHECK(parse_spec(&m) == 0 && info.clusters_nr == 2 && info.cores_nr == 4 && info.irqc_nr == 2);
	HT_CHECK(info.arch.uart.irq_parent == 0x3000 && info.rsvd_nr == 1);
	HT_CHECK(info.console.irqc < info.irqc_nr && info.arch.irqc[info.console.irqc].phandle == 0x3000);
	/* the largest machine params.h allows */
	mspec_init(&m, CONFIG_MAX_CLUSTERS, CONFIG_MAX_CORES_PER_CLUSTER);
	if (parse_spec(&m) != 0)
		printf("# %s\n", err);
	HT_CHECK(info.magic == BOOT_INFO_MAGIC && info.clusters_nr == CONFIG_MAX_CLUSTERS);
	HT_CHECK(info.cores_nr == CONFIG_MAX_CORES && info.irqc_nr == CONFIG_MAX_CLUSTERS);
	HT_CHECK(info.core[CONFIG_MAX_CORES - 1].lid == CONFIG_MAX_CORES_PER_CLUSTER - 1);
	/* no numa-node-id anywhere: one node; bootargs of CONFIG_CMDLINE_MAX - 1 characters fit */
	char args[CONFIG_CMDLINE_MAX];
	memset(args, 'a', sizeof(args) - 1);
	args[sizeof(args) - 1] = 0;
	mspec_init(&m, 1, 3);
	m.cpu_node[0] = m.cpu_node[1] = m.cpu_node[2] = -1;
	m.mem_node[0] = -1;
	m.bootargs = args;
	m.initrd[0] = 0x84000000u;
	m.initrd[1] = 0x84000000u;  /* empty: recorded, not reserved */
	HT_CHECK(parse_spec(&m) == 0 && info.cores_nr == 3 && strlen(info.cmdline) == CONFIG_CMDLINE_MAX - 1);
	HT_CHECK(info.initrd_start == 0x84000000u && info.rsvd_nr == 1);
	mspec_init(&m, 1, 1);
	m.rsv_extra = CONFIG_MAX_RSVD_RANGES - 1;
	HT_CHECK(parse_spec(&m) == 0 && info.rsvd_nr == CONFIG_MAX_RSVD_RANGES);
}

/* ACLINT SSWIs: each core gets the word at base + 4 * its position in interrupts-extended; a reg too
 * small for the harts it lists is refused; without an SSWI every sswi_pa stays 0 (IPIs by SBI). */
HT_TEST(aclint_sswi)
{
	mspec_t m;

	mspec_init(&m, 2, 3);
	HT_REQUIRE(parse_spec(&m) == 0);
	for (unsigned i = 0; i < info.cores_nr; i++)
		HT_CHECK(info.arch.sswi_pa[i] == 0);
	m.sswi_size = 0x4000;
	HT_REQUIRE(parse_spec(&m) == 0);
	for (unsigned i = 0; i < info.cores_nr; i++)
		HT_CHECK(info.arch.sswi_pa[i] == 0x2f00000u + info.core[i].cxy * 0x4000u + 4 * info.core[i].lid);
	m.sswi_size = 8;    /* three harts need 12 bytes */
	expect_error(parse_spec(&m), EINVAL, "sswi@2f00000", "hart 2", "reg", NULL);
	m.sswi_size = 0x4000;
	m.cpu_node[5] = 0;  /* node 0's SSWI lists harts 0, 1, 2, 5; node 1's hart 3, 4 */
	HT_REQUIRE(parse_spec(&m) == 0);
	for (unsigned i = 0; i < info.cores_nr; i++) {
		unsigned h = info.core[i].hwid;
		HT_CHECK(info.arch.sswi_pa[i] == (h == 5 ? 0x2f0000cu : h < 3 ? 0x2f00000u + 4 * h :
						  0x2f04000u + 4 * (h - 3)));
	}
}

/* The console names its interrupt controller by id, whatever the device tree calls it; a parent that
 * is no recorded controller, or no interrupt at all, leaves a console that only prints. */
HT_TEST(console_interrupt_controller_by_id)
{
	mspec_t m;

	mspec_init(&m, 2, 2);
	m.uart_parent = 0x3001;  /* node 1's PLIC */
	HT_REQUIRE(parse_spec(&m) == 0);
	HT_CHECK(info.console.present && info.console.source == 10 && info.console.irqc == 1);
	HT_CHECK(info.arch.irqc[1].phandle == 0x3001 && info.irqc[1].cxy == 1 && info.irqc[1].kernel);
	m.uart_parent = 0x4444;  /* nothing recorded has it */
	HT_REQUIRE(parse_spec(&m) == 0);
	HT_CHECK(info.console.present && info.console.irqc == BOOT_IRQC_NONE);
	HT_CHECK(info.arch.uart.base == 0x10000000u && info.arch.uart.irq_parent == 0x4444);
	mspec_init(&m, 1, 1);
	m.uart_no_irq = true;
	HT_REQUIRE(parse_spec(&m) == 0);
	HT_CHECK(info.console.present && info.console.source == 0 && info.console.irqc == BOOT_IRQC_NONE);
	mspec_init(&m, 1, 1);
	m.no_uart = true;
	HT_REQUIRE(parse_spec(&m) == 0);
	HT_CHECK(!info.console.present && info.console.irqc == BOOT_IRQC_NONE && info.arch.uart.base == 0);
	HT_CHECK(info.arch.finisher_pa == 0x100000);
}

HT_TEST(missing_cpus_timebase_memory)
{
	mspec_t m;

	mspec_init(&m, 1, 1);
	m.no_cpus = true;
	expect_error(parse_spec(&m), ENOENT, "missing /cpus", NULL);
	mspec_init(&m, 1, 1);
	m.no_timebase = true;
	expect_error(parse_spec(&m), ENOENT, "/cpus: missing timebase-frequency", NULL);
	mspec_init(&m, 1, 1);
	m.mems = 0;
	expect_error(parse_spec(&m), ENOENT, "no memory node", NULL);
	mspec_init(&m, 1, 0);
	expect_error(parse_spec(&m), ENOENT, "/cpus: no enabled cpu", NULL);
	mspec_init(&m, 1, 2);
	m.cpu_hwid[1] = -1;
	expect_error(parse_spec(&m), ENOENT, "cpu@1: missing or empty reg", NULL);
	mspec_init(&m, 1, 1);
	m.no_ndev = true;
	expect_error(parse_spec(&m), ENOENT, "plic@c000000: missing riscv,ndev", NULL);
}

HT_TEST(numa_node_errors)
{
	mspec_t m;

	mspec_init(&m, 3, 1);  /* nodes 0 and 2: a hole at 1 */
	m.mems = 2;
	m.mem_node[1] = 2;
	m.cpus = 2;
	m.cpu_node[1] = 2;
	expect_error(parse_spec(&m), EINVAL, "numa node 1", "no memory and no cpu", NULL);
	mspec_init(&m, 2, 1);  /* cpu@1 on node 1, which has no memory */
	m.mems = 1;
	expect_error(parse_spec(&m), ENOENT, "cpu@1", "numa node 1", "no memory", NULL);
	mspec_init(&m, 2, 1);  /* memory of node 1 without a cpu */
	m.cpus = 1;
	expect_error(parse_spec(&m), ENOENT, "numa node 1", "0xa0000000", "no cpu", NULL);
	mspec_init(&m, 2, 2);  /* only some nodes have numa-node-id */
	m.cpu_node[3] = -1;
	expect_error(parse_spec(&m), ENOENT, "cpu@3: missing numa-node-id", NULL);
	mspec_init(&m, 2, 2);
	m.mem_node[0] = -1;
	expect_error(parse_spec(&m), ENOENT, "memory@80000000: missing numa-node-id", NULL);
	mspec_init(&m, 2, 1);
	m.mem_node[1] = CONFIG_MAX_CLUSTERS + 4;
	expect_error(parse_spec(&m), ERANGE, fmt("memory@a0000000: numa-node-id %d >= CONFIG_MAX_CLUSTERS (%d)",
						 CONFIG_MAX_CLUSTERS + 4, CONFIG_MAX_CLUSTERS), NULL);
	mspec_init(&m, 2, 1);  /* two memory ranges for node 0 */
	m.mem_node[1] = 0;
	m.cpu_node[1] = 0;
	expect_error(parse_spec(&m), EINVAL, "memory@a0000000", "second memory range", NULL);
	mspec_init(&m, 1, 1);
	m.cpu_node[0] = CONFIG_MAX_CLUSTERS;
	expect_error(parse_spec(&m), ERANGE, fmt("cpu@0: numa-node-id %d >= CONFIG_MAX_CLUSTERS", CONFIG_MAX_CLUSTERS),
		     NULL);
}

HT_TEST(core_limits_and_hart_ids)
{
	mspec_t m;

	mspec_init(&m, CONFIG_MAX_CLUSTERS, CONFIG_MAX_CORES_PER_CLUSTER);
	m.cpus++;
	m.cpu_node[CONFIG_MAX_CORES] = 0;
	expect_error(parse_spec(&m), E2BIG, fmt("CONFIG_MAX_CORES (%d)", CONFIG_MAX_CORES), NULL);
	mspec_init(&m, 1, CONFIG_MAX_CORES_PER_CLUSTER + 1);
	expect_error(parse_spec(&m), E2BIG, fmt("cpu@%x: numa node 0 has more than CONFIG_MAX_CORES_PER_CLUSTER (%d)",
					       CONFIG_MAX_CORES_PER_CLUSTER, CONFIG_MAX_CORES_PER_CLUSTER), NULL);
	mspec_init(&m, 1, 2);
	m.cpu_hwid[1] = 0;
	expect_error(parse_spec(&m), EINVAL, "cpu@1: hart id 0 used by two cpus", NULL);
	mspec_init(&m, 1, 2);
	m.cpu_hwid[1] = CONFIG_MAX_HWID;
	expect_error(parse_spec(&m), ERANGE, "cpu@1", "CONFIG_MAX_HWID", NULL);
	mspec_init(&m, 2, 2);
	m.cpu_hwid[0] = 7;  /* hart 0 does not exist */
	expect_error(parse_spec(&m), ENOENT, "boot hart 0 is not", NULL);
}

HT_TEST(chosen_distance_reserved_errors)
{
	static const uint32_t bad_node[] = { 0, 0, 10, 0, 5, 20 };
	static const uint32_t bad_len[] = { 0, 0, 10, 0 };
	static const uint32_t bad_dist[] = { 0, 1, 256 };
	static const uint32_t good[] = { 0, 1, 40, 1, 0, 30 };
	char args[CONFIG_CMDLINE_MAX + 1];
	mspec_t m;

	memset(args, 'a', sizeof(args) - 1);
	args[sizeof(args) - 1] = 0;
	mspec_init(&m, 1, 1);
	m.bootargs = args;
	expect_error(parse_spec(&m), E2BIG, "/chosen: bootargs", "CONFIG_CMDLINE_MAX", NULL);
	mspec_init(&m, 2, 1);
	m.dist = bad_node;
	m.dist_cells = ARRAY_SIZE(bad_node);
	expect_error(parse_spec(&m), ERANGE, "/distance-map: node id 5", NULL);
	m.dist = bad_len;
	m.dist_cells = ARRAY_SIZE(bad_len);
	expect_error(parse_spec(&m), EINVAL, "/distance-map", NULL);
	m.dist = bad_dist;
	m.dist_cells = ARRAY_SIZE(bad_dist);
	expect_error(parse_spec(&m), ERANGE, "/distance-map: distance 256", NULL);
	m.dist = good;
	m.dist_cells = ARRAY_SIZE(good);
	HT_CHECK(parse_spec(&m) == 0 && info.distance[0][1] == 40 && info.distance[1][0] == 30);
	mspec_init(&m, 1, 1);
	m.initrd[0] = 0x84000000u;
	m.initrd[1] = 0x83000000u;
	expect_error(parse_spec(&m), EINVAL, "/chosen: linux,initrd-end 0x83000000 below", NULL);
	m.initrd[1] = 0;
	expect_error(parse_spec(&m), ENOENT, "/chosen: linux,initrd-start without linux,initrd-end", NULL);
	mspec_init(&m, 1, 1);
	m.rsv_extra = CONFIG_MAX_RSVD_RANGES;  /* + the DTB */
	expect_error(parse_spec(&m), E2BIG, fmt("CONFIG_MAX_RSVD_RANGES (%d)", CONFIG_MAX_RSVD_RANGES), NULL);
	mspec_init(&m, 1, 1);
	m.bad_intc_phandle = 0x4444;
	expect_error(parse_spec(&m), EINVAL, "plic@c000000: interrupts-extended: phandle 0x4444", NULL);
	m.bad_intc_phandle = 0x1000;  /* the cpu, not its interrupt controller */
	expect_error(parse_spec(&m), EINVAL, "not a riscv,cpu-intc", NULL);
}

/* ---- malformed blobs ---- */

/* Offset in @b of the first FDT_PROP token of the structure block. */
static size_t first_prop(const uint8_t *b)
{
	size_t off = fdtw_get32(b + 8);

	while (fdtw_get32(b + off) != 3)
		off += 4;
	return off;
}

HT_TEST(truncated_blobs)
{
	size_t size;
	uint8_t *orig = fdtw_load(FDT_TEST_DIR, "2x2.dtb", &size);
	size_t len;

	for (len = 0; len < size; len = len < 512 ? len + 1 : len + 131) {
		uint8_t *b = malloc(len ? len : 1);

		memcpy(b, orig, len);
		expect_error(parse(b, len, 0), EINVAL, "fdt:", len < 36 ? "less than a header" : "totalsize", NULL);
		if (len >= 40) {  /* the header says the truncated size: a block is cut */
			fdtw_put32(b + 4, (uint32_t)len);
			expect_error(parse(b, len, 0), EINVAL, "fdt:", NULL);
		}
		free(b);
		if (ht_current_failed()) {
			printf("# failed at length %zu\n", len);
			break;
		}
	}
	HT_CHECK(parse(orig, size, 0) == 0);
	free(orig);
}

HT_TEST(malformed_headers_and_blocks)
{
	size_t size;
	uint8_t *b = fdtw_load(FDT_TEST_DIR, "4x2.dtb", &size);
	uint8_t *c = malloc(size);
	uint32_t st = fdtw_get32(b + 8), st_size = fdtw_get32(b + 36), str = fdtw_get32(b + 12);
	size_t prop = first_prop(b);

#define PATCH(at, v) (memcpy(c, b, size), fdtw_put32(c + (at), (v)))
	PATCH(0, 0x12345678);
	expect_error(parse(c, size, 0), EINVAL, "fdt: bad magic 0x12345678", NULL);
	PATCH(20, 15);
	expect_error(parse(c, size, 0), EINVAL, "unsupported version 15", NULL);
	PATCH(24, 18);
	expect_error(parse(c, size, 0), EINVAL, "unsupported version", NULL);
	PATCH(4, (uint32_t)size + 1);
	expect_error(parse(c, size, 0), EINVAL, "totalsize", "bytes available", NULL);
	PATCH(8, (uint32_t)size - 4);
	expect_error(parse(c, size, 0), EINVAL, "structure block", "outside", NULL);
	PATCH(36, (uint32_t)size);
	expect_error(parse(c, size, 0), EINVAL, "structure block", "outside", NULL);
	PATCH(8, st + 1);
	expect_error(parse(c, size, 0), EINVAL, "structure block", NULL);
	PATCH(12, (uint32_t)size);
	expect_error(parse(c, size, 0), EINVAL, "strings block", "outside", NULL);
	PATCH(32, (uint32_t)size - str + 1);
	expect_error(parse(c, size, 0), EINVAL, "strings block", "outside", NULL);
	PATCH(16, (uint32_t)size + 16);
	expect_error(parse(c, size, 0), EINVAL, "memory reservation block", "outside", NULL);
	PATCH(16, 0xfffffff8u);
	expect_error(parse(c, size, 0), EINVAL, "memory reservation block", NULL);
	PATCH(prop + 4, 0x7fffffff);
	expect_error(parse(c, size, 0), EINVAL, "property runs past the structure block", NULL);
	PATCH(prop + 4, st + st_size - (uint32_t)prop - 12 + 1);
	expect_error(parse(c, size, 0), EINVAL, "property runs past the structure block", NULL);
	PATCH(prop + 8, fdtw_get32(b + 32));
	expect_error(parse(c, size, 0), EINVAL, "name offset outside the strings block", NULL);
	memcpy(c, b, size);
	c[str + fdtw_get32(b + 32) - 1] = 'x';
	expect_error(parse(c, size, 0), EINVAL, "strings block not NUL-terminated", NULL);
#undef PATCH
	free(c);
	free(b);
}

/* Random mutations: bytes, bits, words and property lengths of the valid trees; with a fixed seed.
 * No crash or sanitizer report, and either a complete boot_info_t or an error with a message.
 * FDT_FUZZ_ITERATIONS in the environment changes the number of iterations per tree. */
HT_TEST(random_mutations)
{
	static const char *const names[] = { "1x1.dtb", "2x2-initrd.dtb", "4x2-bootargs.dtb", "features.dtb" };
	uint64_t x = 0x2545f4914f6cdd1dull;
	unsigned ok = 0, bad = 0, iterations = getenv("FDT_FUZZ_ITERATIONS") ?
		(unsigned)strtoul(getenv("FDT_FUZZ_ITERATIONS"), NULL, 0) : 2000;

	for (size_t f = 0; f < ARRAY_SIZE(names); f++) {
		size_t size;
		uint8_t *orig = fdtw_load(FDT_TEST_DIR, names[f], &size);
		uint8_t *b = malloc(size);
		uint32_t st = fdtw_get32(orig + 8), st_size = fdtw_get32(orig + 36);

		for (unsigned it = 0; it < iterations; it++) {
			memcpy(b, orig, size);
			for (unsigned k = 0; k < 1 + it % 3; k++) {
				x ^= x << 13, x ^= x >> 7, x ^= x << 17;
				size_t at = (size_t)(x >> 20) % size, w = st + (size_t)(x >> 24) % (st_size / 4) * 4;
				switch (x % 5) {
				case 0: b[at] ^= (uint8_t)(1u << ((x >> 8) & 7)); break;
				case 1: b[at] = (uint8_t)(x >> 32); break;
				case 2: fdtw_put32(b + w, (uint32_t)(x >> 32) % 40); break;     /* small: tokens, cells */
				case 3: fdtw_put32(b + w, fdtw_get32(b + w) + (uint32_t)(x >> 32) % 17 - 8); break;
				default: fdtw_put32(b + (at % 10) * 4, fdtw_get32(b + (at % 10) * 4) ^ (uint32_t)(x >> 36));
				}
			}
			if (parse(b, size, (hwid_t)(x >> 60) % 3) == 0) {
				ok++;
				HT_CHECK(info.magic == BOOT_INFO_MAGIC && err[0] == 0);
				HT_CHECK(info.clusters_nr >= 1 && info.clusters_nr <= CONFIG_MAX_CLUSTERS);
				HT_CHECK(info.cores_nr >= 1 && info.cores_nr <= CONFIG_MAX_CORES);
				for (uint32_t i = 0; i < info.cores_nr; i++)
					HT_CHECK(info.core[i].cxy < info.clusters_nr &&
						 info.core[i].lid < info.cluster[info.core[i].cxy].cores_nr);
				HT_CHECK(info.rsvd_nr <= CONFIG_MAX_RSVD_RANGES && info.irqc_nr <= CONFIG_MAX_IRQ_CONTROLLERS);
				HT_CHECK(strnlen(info.cmdline, CONFIG_CMDLINE_MAX) < CONFIG_CMDLINE_MAX);
			} else {
				bad++;
				HT_CHECK(err[0] != 0 && info.magic != BOOT_INFO_MAGIC);
			}
			if (ht_current_failed()) {
				printf("# failed at %s iteration %u: %s\n", names[f], it, err);
				break;
			}
		}
		free(b);
		free(orig);
	}
	printf("# %u mutated blobs accepted, %u rejected\n", ok, bad);
}
