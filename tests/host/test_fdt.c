/*
 * test_fdt.c - the flattened device tree reader (boot/riscv/fdt.c) on the host.
 *
 * Well-formed trees come from the test writer (fdt/fdt_writer.c) and from QEMU (fdt.cmake);
 * malformed ones are written or patched here. ASan and UBSan watch every read: blobs are allocated
 * at their exact size.
 */
#include <libk/bits.h>
#include <libk/errno.h>

#include "boot/riscv/fdt.h"
#include "fdt/fdt_writer.h"
#include "htest.h"

#include <stdlib.h>
#include <string.h>

static char err[256];

/* A small tree covering every reader: cells, string lists, phandles, NOPs, nesting. */
static uint8_t *sample(size_t *size)
{
	fdtw_t w;

	fdtw_init(&w);
	fdtw_reserve(&w, 0x80000000u, 0x1000);
	fdtw_reserve(&w, 0x900000000ull, 0x2000);
	fdtw_begin(&w, "");
	fdtw_str(&w, "model", "sample");
	fdtw_begin(&w, "cpus");
	fdtw_u32(&w, "#address-cells", 1);
	fdtw_u32(&w, "#size-cells", 0);
	fdtw_begin(&w, "cpu@0");
	fdtw_u32(&w, "reg", 0);
	fdtw_u32(&w, "phandle", 1);
	fdtw_str(&w, "status", "okay");
	fdtw_begin(&w, "interrupt-controller");
	fdtw_str(&w, "compatible", "riscv,cpu-intc");
	fdtw_u32(&w, "phandle", 2);
	fdtw_end(&w);
	fdtw_end(&w);
	fdtw_raw32(&w, FDT_NOP);
	fdtw_begin(&w, "cpu@1");
	fdtw_u32(&w, "reg", 1);
	fdtw_u32(&w, "linux,phandle", 3);
	fdtw_str(&w, "status", "ok");
	fdtw_end(&w);
	fdtw_begin(&w, "cpu@2");
	fdtw_u32(&w, "reg", 2);
	fdtw_str(&w, "status", "disabled");
	fdtw_end(&w);
	fdtw_end(&w);
	fdtw_begin(&w, "memory@80000000");
	fdtw_cells(&w, "reg", 3, 0, 0x80000000u, 0x10000000u); /* root defaults: 2 + 1 cells */
	fdtw_end(&w);
	fdtw_begin(&w, "soc");
	fdtw_u32(&w, "#address-cells", 1);
	fdtw_u32(&w, "#size-cells", 1);
	fdtw_prop(&w, "compatible", "simple-bus", 11);
	fdtw_begin(&w, "uart@10000000");
	fdtw_prop(&w, "compatible", "vendor,uart\0ns16550a", 21);
	fdtw_raw32(&w, FDT_NOP);
	fdtw_cells(&w, "reg", 4, 0x10000000u, 0x100, 0x20000000u, 0x200);
	fdtw_u32(&w, "u32", 0x12345678);
	fdtw_u64(&w, "u64", 0x123456789abcdef0ull);
	fdtw_prop(&w, "empty", NULL, 0);
	fdtw_prop(&w, "unterminated", "abc", 3);
	fdtw_str(&w, "status", "okay");
	fdtw_end(&w);
	fdtw_begin(&w, "nested");
	fdtw_u32(&w, "#address-cells", 2);
	fdtw_u32(&w, "#size-cells", 2);
	fdtw_begin(&w, "deep@1");
	fdtw_cells(&w, "reg", 4, 0x1, 0x2, 0x3, 0x4);
	fdtw_end(&w);
	fdtw_end(&w);
	fdtw_begin(&w, "wide");
	fdtw_u32(&w, "#address-cells", 3);
	fdtw_begin(&w, "x@0");
	fdtw_cells(&w, "reg", 4, 0, 0, 0, 1);
	fdtw_end(&w);
	fdtw_end(&w);
	fdtw_begin(&w, "nosize");
	fdtw_u32(&w, "#address-cells", 1);
	fdtw_u32(&w, "#size-cells", 0);
	fdtw_begin(&w, "r@5");
	fdtw_cells(&w, "reg", 2, 5, 6);
	fdtw_prop(&w, "list", "abc", 3);
	fdtw_str(&w, "status", "weird");
	fdtw_end(&w);
	fdtw_begin(&w, "badreg@0");
	fdtw_cells(&w, "reg", 1, 5);
	fdtw_prop(&w, "status", "okay", 4); /* not terminated */
	fdtw_end(&w);
	fdtw_end(&w);
	fdtw_end(&w);
	fdtw_end(&w);
	return fdtw_finish(&w, size);
}

static fdt_node_t path(const fdt_t *fdt, const char *p)
{
	fdt_node_t n = FDT_NODE_NONE;

	HT_CHECK(fdt_find_path(fdt, p, &n) == 0);
	return n;
}

HT_TEST(header_and_reservations)
{
	size_t size;
	uint8_t *b = sample(&size);
	uint64_t base, len;
	fdt_t fdt;

	HT_REQUIRE(fdt_init(&fdt, b, size, err, sizeof(err)) == 0);
	HT_CHECK(err[0] == 0);
	HT_CHECK(fdt.totalsize == size && fdt.version == 17);
	HT_CHECK(fdt.nodes_nr == 16);
	HT_CHECK(fdt.rsvmap_nr == 2);
	HT_CHECK(fdt_rsvmap_entry(&fdt, 0, &base, &len) == 0 && base == 0x80000000u && len == 0x1000);
	HT_CHECK(fdt_rsvmap_entry(&fdt, 1, &base, &len) == 0 && base == 0x900000000ull && len == 0x2000);
	HT_CHECK(fdt_rsvmap_entry(&fdt, 2, &base, &len) == ENOENT);
	HT_CHECK(fdt_rsvmap_entry(&fdt, 1000000, &base, &len) == ENOENT);
	/* A larger buffer than the blob is fine: totalsize counts. */
	HT_CHECK(fdt_init(&fdt, b, size + 0, NULL, 0) == 0);
	free(b);
}

HT_TEST(children_siblings_and_document_order)
{
	static const char *const order[] = { "", "cpus", "cpu@0", "interrupt-controller", "cpu@1", "cpu@2",
		"memory@80000000", "soc", "uart@10000000", "nested", "deep@1", "wide", "x@0" };
	size_t size, i = 0;
	uint8_t *b = sample(&size);
	fdt_node_t n, c;
	fdt_t fdt;
	error_t e;

	HT_REQUIRE(fdt_init(&fdt, b, size, NULL, 0) == 0);
	n = fdt.root;
	do {
		HT_CHECK(i < ARRAY_SIZE(order) ? strcmp(fdt_node_name(&fdt, n), order[i]) == 0 : i < 16);
		i++;
	} while (fdt_next_node(&fdt, n, &n) == 0);
	HT_CHECK(i == 16); /* ... then nosize, r@5, badreg@0 */
	/* the root's children, in order */
	i = 0;
	for (e = fdt_first_child(&fdt, fdt.root, &c); !e; e = fdt_next_sibling(&fdt, c, &c))
		i++;
	HT_CHECK(e == ENOENT && i == 3);
	HT_CHECK(fdt_first_child(&fdt, path(&fdt, "/cpus"), &c) == 0 && c == path(&fdt, "/cpus/cpu@0"));
	HT_CHECK(fdt_next_sibling(&fdt, c, &c) == 0 && c == path(&fdt, "/cpus/cpu@1"));
	HT_CHECK(fdt_next_sibling(&fdt, c, &c) == 0 && c == path(&fdt, "/cpus/cpu@2"));
	HT_CHECK(fdt_next_sibling(&fdt, c, &c) == ENOENT);
	HT_CHECK(fdt_first_child(&fdt, path(&fdt, "/memory@80000000"), &c) == ENOENT);
	HT_CHECK(fdt_next_sibling(&fdt, fdt.root, &c) == ENOENT);
	free(b);
}

HT_TEST(parent_lookup)
{
	size_t size;
	uint8_t *b = sample(&size);
	fdt_node_t p;
	fdt_t fdt;

	HT_REQUIRE(fdt_init(&fdt, b, size, NULL, 0) == 0);
	HT_CHECK(fdt_parent(&fdt, fdt.root, &p) == ENOENT);
	HT_CHECK(fdt_parent(&fdt, path(&fdt, "/cpus"), &p) == 0 && p == fdt.root);
	HT_CHECK(fdt_parent(&fdt, path(&fdt, "/cpus/cpu@0/interrupt-controller"), &p) == 0 &&
		 p == path(&fdt, "/cpus/cpu@0"));
	HT_CHECK(fdt_parent(&fdt, path(&fdt, "/soc/nested/deep@1"), &p) == 0 && p == path(&fdt, "/soc/nested"));
	HT_CHECK(fdt_parent(&fdt, fdt.root + 4, &p) == EINVAL);
	free(b);
}

HT_TEST(path_lookup)
{
	size_t size;
	uint8_t *b = sample(&size);
	fdt_node_t n;
	fdt_t fdt;

	HT_REQUIRE(fdt_init(&fdt, b, size, NULL, 0) == 0);
	HT_CHECK(fdt_find_path(&fdt, "/", &n) == 0 && n == fdt.root);
	HT_CHECK(fdt_find_path(&fdt, "/cpus/cpu@1", &n) == 0 && strcmp(fdt_node_name(&fdt, n), "cpu@1") == 0);
	HT_CHECK(fdt_find_path(&fdt, "/soc/uart", &n) == 0 && strcmp(fdt_node_name(&fdt, n), "uart@10000000") == 0);
	HT_CHECK(fdt_find_path(&fdt, "//soc//nested/deep/", &n) == 0 &&
		 strcmp(fdt_node_name(&fdt, n), "deep@1") == 0);
	HT_CHECK(fdt_find_path(&fdt, "/memory", &n) == 0);
	HT_CHECK(fdt_find_path(&fdt, "/soc/uart@1", &n) == ENOENT);      /* unit addresses match whole */
	HT_CHECK(fdt_find_path(&fdt, "/soc/uart@100000000", &n) == ENOENT);
	HT_CHECK(fdt_find_path(&fdt, "/cpus/cpu", &n) == 0 && strcmp(fdt_node_name(&fdt, n), "cpu@0") == 0);
	HT_CHECK(fdt_find_path(&fdt, "/cpus/cpu@3", &n) == ENOENT);
	HT_CHECK(fdt_find_path(&fdt, "/cpu", &n) == ENOENT);
	HT_CHECK(fdt_find_path(&fdt, "/nope/cpu@0", &n) == ENOENT);
	HT_CHECK(fdt_find_path(&fdt, "cpus", &n) == EINVAL);
	HT_CHECK(fdt_find_path(&fdt, "", &n) == EINVAL);
	HT_CHECK(fdt_find_path_len(&fdt, "/cpus/cpu@1:115200", 11, &n) == 0 &&
		 strcmp(fdt_node_name(&fdt, n), "cpu@1") == 0);
	HT_CHECK(fdt_find_path_len(&fdt, "/cpus/cpu@1", 9, &n) == 0 && strcmp(fdt_node_name(&fdt, n), "cpu@0") == 0);
	HT_CHECK(fdt_find_path_len(&fdt, "/cpus/cpu@1", 8, &n) == ENOENT); /* "cp" names no node */
	free(b);
}

HT_TEST(phandle_and_compatible_lookup)
{
	size_t size;
	uint8_t *b = sample(&size);
	fdt_node_t n, uart;
	fdt_t fdt;

	HT_REQUIRE(fdt_init(&fdt, b, size, NULL, 0) == 0);
	HT_CHECK(fdt_find_phandle(&fdt, 1, &n) == 0 && n == path(&fdt, "/cpus/cpu@0"));
	HT_CHECK(fdt_find_phandle(&fdt, 2, &n) == 0 && n == path(&fdt, "/cpus/cpu@0/interrupt-controller"));
	HT_CHECK(fdt_find_phandle(&fdt, 3, &n) == 0 && n == path(&fdt, "/cpus/cpu@1")); /* linux,phandle */
	HT_CHECK(fdt_find_phandle(&fdt, 4, &n) == ENOENT);
	HT_CHECK(fdt_find_phandle(&fdt, 0, &n) == ENOENT);
	HT_CHECK(fdt_find_phandle(&fdt, 0xffffffffu, &n) == ENOENT);
	uart = path(&fdt, "/soc/uart@10000000");
	HT_CHECK(fdt_find_compatible(&fdt, FDT_NODE_NONE, "ns16550a", &n) == 0 && n == uart);
	HT_CHECK(fdt_find_compatible(&fdt, FDT_NODE_NONE, "vendor,uart", &n) == 0 && n == uart);
	HT_CHECK(fdt_find_compatible(&fdt, uart, "ns16550a", &n) == ENOENT);
	HT_CHECK(fdt_find_compatible(&fdt, FDT_NODE_NONE, "ns16550", &n) == ENOENT); /* no prefix match */
	HT_CHECK(fdt_find_compatible(&fdt, FDT_NODE_NONE, "simple-bus", &n) == 0 && n == path(&fdt, "/soc"));
	HT_CHECK(fdt_find_compatible(&fdt, 12345, "simple-bus", &n) == EINVAL);
	HT_CHECK(fdt_is_compatible(&fdt, uart, "ns16550a"));
	HT_CHECK(!fdt_is_compatible(&fdt, fdt.root, "ns16550a"));
	free(b);
}

HT_TEST(properties)
{
	size_t size;
	uint8_t *b = sample(&size);
	const char *s;
	fdt_node_t uart;
	fdt_prop_t p;
	uint64_t v64;
	uint32_t v, i = 0;
	fdt_t fdt;
	error_t e;

	HT_REQUIRE(fdt_init(&fdt, b, size, NULL, 0) == 0);
	uart = path(&fdt, "/soc/uart@10000000");
	for (e = fdt_first_prop(&fdt, uart, &p); !e; e = fdt_next_prop(&fdt, &p))
		i++;
	HT_CHECK(e == ENOENT && i == 7);
	HT_CHECK(fdt_first_prop(&fdt, path(&fdt, "/soc/nested"), &p) == 0 && strcmp(p.name, "#address-cells") == 0);
	HT_CHECK(fdt_first_prop(&fdt, path(&fdt, "/soc/wide/x@0"), &p) == 0 && fdt_next_prop(&fdt, &p) == ENOENT);
	HT_CHECK(fdt_read_u32(&fdt, uart, "u32", &v) == 0 && v == 0x12345678);
	HT_CHECK(fdt_read_u32(&fdt, uart, "u64", &v) == EINVAL);
	HT_CHECK(fdt_read_u32(&fdt, uart, "nope", &v) == ENOENT);
	HT_CHECK(fdt_read_u64(&fdt, uart, "u64", &v64) == 0 && v64 == 0x123456789abcdef0ull);
	HT_CHECK(fdt_read_u64(&fdt, uart, "u32", &v64) == EINVAL);
	HT_CHECK(fdt_read_number(&fdt, uart, "u32", &v64) == 0 && v64 == 0x12345678);
	HT_CHECK(fdt_read_number(&fdt, uart, "u64", &v64) == 0 && v64 == 0x123456789abcdef0ull);
	HT_CHECK(fdt_read_number(&fdt, uart, "empty", &v64) == EINVAL);
	HT_CHECK(fdt_read_number(&fdt, uart, "reg", &v64) == EINVAL);
	HT_CHECK(fdt_read_string(&fdt, uart, "status", &s) == 0 && strcmp(s, "okay") == 0);
	HT_CHECK(fdt_read_string(&fdt, uart, "unterminated", &s) == EINVAL);
	HT_CHECK(fdt_read_string(&fdt, uart, "empty", &s) == EINVAL);
	HT_CHECK(fdt_read_string(&fdt, uart, "compatible", &s) == EINVAL); /* a list, not one string */
	HT_REQUIRE(fdt_get_prop(&fdt, uart, "reg", &p) == 0 && p.len == 16);
	HT_CHECK(fdt_prop_cell(&p, 3, &v) == 0 && v == 0x200);
	HT_CHECK(fdt_prop_cell(&p, 4, &v) == ENOENT);
	HT_CHECK(fdt_prop_number(&p, 2, 2, &v64) == 0 && v64 == 0x2000000000000200ull);
	HT_CHECK(fdt_prop_number(&p, 3, 2, &v64) == ENOENT);
	HT_CHECK(fdt_prop_number(&p, 0xffffffffu, 2, &v64) == ENOENT);
	HT_CHECK(fdt_prop_number(&p, 0, 3, &v64) == ERANGE);
	HT_CHECK(fdt_prop_number(&p, 0, 0, &v64) == 0 && v64 == 0);
	free(b);
}

HT_TEST(string_lists_and_status)
{
	size_t size;
	uint8_t *b = sample(&size);
	fdt_prop_t p;
	fdt_t fdt;

	HT_REQUIRE(fdt_init(&fdt, b, size, NULL, 0) == 0);
	HT_REQUIRE(fdt_get_prop(&fdt, path(&fdt, "/soc/nosize/r@5"), "list", &p) == 0);
	HT_CHECK(!fdt_stringlist_contains(&p, "abc")); /* not terminated inside the property */
	HT_CHECK(!fdt_stringlist_contains(&p, "ab"));
	HT_REQUIRE(fdt_get_prop(&fdt, path(&fdt, "/soc/uart"), "compatible", &p) == 0);
	HT_CHECK(fdt_stringlist_contains(&p, "vendor,uart") && fdt_stringlist_contains(&p, "ns16550a"));
	HT_CHECK(!fdt_stringlist_contains(&p, "") && !fdt_stringlist_contains(&p, "vendor"));
	HT_CHECK(fdt_is_available(&fdt, fdt.root));                           /* no status */
	HT_CHECK(fdt_is_available(&fdt, path(&fdt, "/cpus/cpu@0")));          /* okay */
	HT_CHECK(fdt_is_available(&fdt, path(&fdt, "/cpus/cpu@1")));          /* ok */
	HT_CHECK(!fdt_is_available(&fdt, path(&fdt, "/cpus/cpu@2")));         /* disabled */
	HT_CHECK(!fdt_is_available(&fdt, path(&fdt, "/soc/nosize/r@5")));     /* weird */
	HT_CHECK(!fdt_is_available(&fdt, path(&fdt, "/soc/nosize/badreg@0"))); /* unterminated */
	free(b);
}

HT_TEST(reg_honours_parent_cells)
{
	size_t size;
	uint8_t *b = sample(&size);
	uint64_t base, len;
	uint32_t ac, sc, n;
	fdt_node_t x;
	fdt_t fdt;

	HT_REQUIRE(fdt_init(&fdt, b, size, NULL, 0) == 0);
	HT_CHECK(fdt_bus_cells(&fdt, fdt.root, &ac, &sc) == 0 && ac == 2 && sc == 1); /* defaults */
	x = path(&fdt, "/memory@80000000");
	HT_CHECK(fdt_reg_count(&fdt, x, &n) == 0 && n == 1);
	HT_CHECK(fdt_read_reg(&fdt, x, 0, &base, &len) == 0 && base == 0x80000000u && len == 0x10000000u);
	x = path(&fdt, "/soc/uart");
	HT_CHECK(fdt_reg_count(&fdt, x, &n) == 0 && n == 2);
	HT_CHECK(fdt_read_reg(&fdt, x, 1, &base, &len) == 0 && base == 0x20000000u && len == 0x200);
	HT_CHECK(fdt_read_reg(&fdt, x, 2, &base, &len) == ENOENT);
	x = path(&fdt, "/soc/nested/deep@1");
	HT_CHECK(fdt_read_reg(&fdt, x, 0, &base, &len) == 0 && base == 0x100000002ull && len == 0x300000004ull);
	x = path(&fdt, "/soc/nosize/r@5");
	HT_CHECK(fdt_reg_count(&fdt, x, &n) == 0 && n == 2);
	HT_CHECK(fdt_read_reg(&fdt, x, 1, &base, &len) == 0 && base == 6 && len == 0);
	x = path(&fdt, "/cpus/cpu@1");
	HT_CHECK(fdt_read_reg(&fdt, x, 0, &base, &len) == 0 && base == 1 && len == 0);
	HT_CHECK(fdt_read_reg(&fdt, path(&fdt, "/soc/wide/x@0"), 0, &base, &len) == ERANGE);
	HT_CHECK(fdt_bus_cells(&fdt, path(&fdt, "/soc/wide"), &ac, &sc) == ERANGE);
	HT_CHECK(fdt_read_reg(&fdt, path(&fdt, "/soc"), 0, &base, &len) == ENOENT);
	HT_CHECK(fdt_reg_count(&fdt, path(&fdt, "/soc"), &n) == ENOENT);
	free(b);
}

HT_TEST(reg_with_bad_length_or_zero_address_cells)
{
	uint64_t base, len;
	uint32_t n;
	fdt_node_t x;
	size_t size;
	uint8_t *b;
	fdtw_t w;
	fdt_t fdt;

	fdtw_init(&w);
	fdtw_begin(&w, "");
	fdtw_begin(&w, "bus");
	fdtw_u32(&w, "#address-cells", 1);
	fdtw_u32(&w, "#size-cells", 1);
	fdtw_begin(&w, "odd@0");
	fdtw_cells(&w, "reg", 3, 1, 2, 3);
	fdtw_end(&w);
	fdtw_end(&w);
	fdtw_begin(&w, "intc");
	fdtw_u32(&w, "#address-cells", 0);
	fdtw_u32(&w, "#size-cells", 0);
	fdtw_begin(&w, "child");
	fdtw_cells(&w, "reg", 1, 1);
	fdtw_end(&w);
	fdtw_end(&w);
	fdtw_begin(&w, "badcells");
	fdtw_u64(&w, "#address-cells", 1);
	fdtw_begin(&w, "child");
	fdtw_cells(&w, "reg", 3, 1, 2, 3);
	fdtw_end(&w);
	fdtw_end(&w);
	fdtw_end(&w);
	b = fdtw_finish(&w, &size);
	HT_REQUIRE(fdt_init(&fdt, b, size, NULL, 0) == 0);
	HT_REQUIRE(fdt_find_path(&fdt, "/bus/odd", &x) == 0);
	HT_CHECK(fdt_reg_count(&fdt, x, &n) == EINVAL);
	HT_CHECK(fdt_read_reg(&fdt, x, 0, &base, &len) == EINVAL);
	HT_REQUIRE(fdt_find_path(&fdt, "/intc/child", &x) == 0);
	HT_CHECK(fdt_read_reg(&fdt, x, 0, &base, &len) == EINVAL);
	HT_REQUIRE(fdt_find_path(&fdt, "/badcells/child", &x) == 0);
	HT_CHECK(fdt_read_reg(&fdt, x, 0, &base, &len) == EINVAL);
	free(b);
}

HT_TEST(offsets_that_are_not_nodes)
{
	size_t size;
	uint8_t *b = sample(&size);
	fdt_node_t n;
	fdt_prop_t p;
	uint32_t v;
	fdt_t fdt;

	HT_REQUIRE(fdt_init(&fdt, b, size, NULL, 0) == 0);
	for (fdt_node_t bad = 1; bad < fdt.struct_size + 64; bad += (bad < 200 ? 1 : 997)) {
		if (fdt_node_name(&fdt, bad) != NULL)
			continue; /* a real node */
		HT_CHECK(fdt_first_child(&fdt, bad, &n) == EINVAL);
		HT_CHECK(fdt_next_sibling(&fdt, bad, &n) == EINVAL);
		HT_CHECK(fdt_next_node(&fdt, bad, &n) == EINVAL);
		HT_CHECK(fdt_parent(&fdt, bad, &n) == EINVAL);
		HT_CHECK(fdt_first_prop(&fdt, bad, &p) == EINVAL);
		HT_CHECK(fdt_read_u32(&fdt, bad, "reg", &v) == EINVAL);
		HT_CHECK(!fdt_is_compatible(&fdt, bad, "ns16550a"));
	}
	HT_CHECK(fdt_node_name(&fdt, 0xfffffffcu) == NULL);
	HT_CHECK(fdt_node_name(&fdt, FDT_NODE_NONE) == NULL);
	free(b);
}

/* fdt_init() of @b must fail with EINVAL and a message containing @words. */
static void expect_bad(const uint8_t *b, size_t avail, const char *words)
{
	fdt_t fdt;
	error_t e;

	err[0] = 0;
	e = fdt_init(&fdt, b, avail, err, sizeof(err));
	if (e != EINVAL || !strstr(err, words))
		printf("# expected EINVAL with '%s', got %d '%s'\n", words, e, err);
	HT_CHECK(e == EINVAL);
	HT_CHECK(strstr(err, words) != NULL);
}

/* A copy of the sample with header word @field (byte offset) set to @v. */
static uint8_t *patched(size_t *size, unsigned field, uint32_t v)
{
	uint8_t *b = sample(size);

	fdtw_put32(b + field, v);
	return b;
}

HT_TEST(header_errors)
{
	size_t size;
	uint8_t *b = sample(&size);
	uint32_t st = fdtw_get32(b + 8), str = fdtw_get32(b + 12);

	expect_bad(b, 0, "less than a header");
	expect_bad(b, 35, "less than a header");
	expect_bad(b, size - 1, "totalsize");
	expect_bad(NULL, 100, "no blob");
	free(b);
	b = patched(&size, 0, 0x12345678);
	expect_bad(b, size, "fdt: bad magic 0x12345678");
	free(b);
	b = patched(&size, 20, 15);
	expect_bad(b, size, "unsupported version 15");
	free(b);
	b = patched(&size, 24, 18);
	expect_bad(b, size, "last compatible version 18");
	free(b);
	b = patched(&size, 4, 20);
	expect_bad(b, size, "smaller than the header");
	free(b);
	b = patched(&size, 8, (uint32_t)size);
	expect_bad(b, size, "structure block");
	free(b);
	b = patched(&size, 36, (uint32_t)size - st + 1);
	expect_bad(b, size, "structure block");
	free(b);
	b = patched(&size, 8, 4);
	expect_bad(b, size, "structure block");
	free(b);
	b = patched(&size, 8, st + 2);
	expect_bad(b, size, "4-byte aligned");
	free(b);
	b = patched(&size, 12, 0xfffffff0u);
	expect_bad(b, size, "strings block");
	free(b);
	b = patched(&size, 32, (uint32_t)size - str + 1);
	expect_bad(b, size, "strings block");
	free(b);
	b = patched(&size, 16, (uint32_t)size + 8);
	expect_bad(b, size, "memory reservation block");
	free(b);
	b = patched(&size, 16, 44);
	expect_bad(b, size, "8-byte aligned");
	free(b);
	b = sample(&size);
	fdtw_put32(b + 16, (uint32_t)((size - 8) & ~7u));
	expect_bad(b, size, "memory reservation block not terminated");
	free(b);
	b = sample(&size);
	b[size - 1] = 'x';
	expect_bad(b, size, "strings block not NUL-terminated");
	free(b);
}

HT_TEST(version_16_header)
{
	size_t size;
	uint8_t *b = patched(&size, 20, 16);
	fdt_node_t n;
	fdt_t fdt;

	/* no size_dt_struct: the structure block runs to the end of the blob; FDT_END stops the walk */
	HT_REQUIRE(fdt_init(&fdt, b, size, err, sizeof(err)) == 0);
	HT_CHECK(fdt.struct_size == size - fdt.struct_off);
	HT_CHECK(fdt_find_path(&fdt, "/soc/nested/deep@1", &n) == 0);
	free(b);
}

/* A blob whose structure block is exactly the words @words (no FDT_END added). */
static uint8_t *raw_struct(size_t *size, const uint32_t *words, size_t n, const char *strings, size_t slen)
{
	size_t total = 40 + 16 + n * 4 + slen;
	uint8_t *b = calloc(1, total);

	fdtw_put32(b, FDT_MAGIC);
	fdtw_put32(b + 4, (uint32_t)total);
	fdtw_put32(b + 8, 56);
	fdtw_put32(b + 12, (uint32_t)(56 + n * 4));
	fdtw_put32(b + 16, 40);
	fdtw_put32(b + 20, 17);
	fdtw_put32(b + 24, 16);
	fdtw_put32(b + 32, (uint32_t)slen);
	fdtw_put32(b + 36, (uint32_t)(n * 4));
	for (size_t i = 0; i < n; i++)
		fdtw_put32(b + 56 + i * 4, words[i]);
	memcpy(b + 56 + n * 4, strings, slen);
	*size = total;
	return b;
}

#define RAW(words_, str_, words) do {                                                             \
		static const uint32_t w_[] = words_;                                              \
		size_t sz_;                                                                       \
		uint8_t *b_ = raw_struct(&sz_, w_, ARRAY_SIZE(w_), str_, sizeof(str_) - 1);       \
		expect_bad(b_, sz_, words);                                                       \
		free(b_);                                                                         \
	} while (0)
#define W(...) { __VA_ARGS__ }

HT_TEST(structure_block_errors)
{
	/* a valid one first: root with one property "a" (nameoff 0) */
	static const uint32_t ok[] = { 1, 0, 3, 4, 0, 7, 2, 9 };
	size_t size;
	uint8_t *b = raw_struct(&size, ok, ARRAY_SIZE(ok), "a\0", 2);
	fdt_t fdt;

	HT_CHECK(fdt_init(&fdt, b, size, err, sizeof(err)) == 0);
	free(b);
	RAW(W(1, 0, 3, 0x7fffffff, 0, 2, 9), "a\0", "property runs past the structure block");
	RAW(W(1, 0, 3, 12, 0, 2, 9), "a\0", "property runs past the structure block");
	RAW(W(1, 0, 3, 4, 2, 7, 2, 9), "a\0", "name offset outside the strings block");
	RAW(W(1, 0, 3, 4, 0, 7, 2, 9), "", "name offset outside the strings block");
	RAW(W(1, 0x61626364), "", "node name not terminated");
	RAW(W(1, 0, 0x77, 2, 9), "", "unknown token");
	RAW(W(1, 0, 2), "", "token outside the structure block");
	RAW(W(3, 4, 0, 7, 1, 0, 2, 9), "a\0", "property outside any node");
	RAW(W(1, 0, 2, 1, 0, 2, 9), "", "a second root node");
	RAW(W(1, 0, 2, 2, 9), "", "end of a node never begun");
	RAW(W(1, 0, 1, 0, 2, 9), "", "FDT_END inside a node");
	RAW(W(4, 9), "", "FDT_END before the root node");
	RAW(W(0), "", "unknown token");
	RAW(W(9), "", "before the root node");
}

/* A tree of @depth nested nodes. */
static uint8_t *nested(size_t *size, unsigned depth)
{
	fdtw_t w;

	fdtw_init(&w);
	for (unsigned i = 0; i < depth; i++)
		fdtw_begin(&w, i ? "n" : "");
	for (unsigned i = 0; i < depth; i++)
		fdtw_end(&w);
	return fdtw_finish(&w, size);
}

/* A root with @n - 1 children. */
static uint8_t *wide(size_t *size, unsigned n)
{
	fdtw_t w;

	fdtw_init(&w);
	fdtw_begin(&w, "");
	for (unsigned i = 1; i < n; i++) {
		fdtw_begin(&w, "c");
		fdtw_end(&w);
	}
	fdtw_end(&w);
	return fdtw_finish(&w, size);
}

HT_TEST(depth_and_node_caps)
{
	fdt_node_t n, p;
	size_t size;
	uint8_t *b;
	fdt_t fdt;

	b = nested(&size, FDT_MAX_DEPTH);
	HT_REQUIRE(fdt_init(&fdt, b, size, err, sizeof(err)) == 0);
	for (n = fdt.root; fdt_first_child(&fdt, n, &n) == 0;)
		;
	HT_CHECK(fdt_parent(&fdt, n, &p) == 0);
	free(b);
	b = nested(&size, FDT_MAX_DEPTH + 1);
	expect_bad(b, size, "FDT_MAX_DEPTH");
	free(b);
	b = wide(&size, FDT_MAX_NODES);
	HT_CHECK(fdt_init(&fdt, b, size, err, sizeof(err)) == 0 && fdt.nodes_nr == FDT_MAX_NODES);
	free(b);
	b = wide(&size, FDT_MAX_NODES + 1);
	expect_bad(b, size, "FDT_MAX_NODES");
	free(b);
}

HT_TEST(qemu_device_trees)
{
	static const char *const names[] = { "1x1.dtb", "2x2.dtb", "4x2.dtb", "2x2-initrd.dtb" };
	uint64_t base, size;
	fdt_node_t n, m;
	uint32_t ph;
	size_t len;
	fdt_t fdt;

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		uint8_t *b = fdtw_load(FDT_TEST_DIR, names[i], &len);

		HT_REQUIRE(fdt_init(&fdt, b, len, err, sizeof(err)) == 0);
		HT_CHECK(fdt.version == 17 && fdt.nodes_nr > 20);
		HT_CHECK(fdt_find_path(&fdt, "/cpus/cpu@0", &n) == 0);
		HT_CHECK(fdt_find_compatible(&fdt, FDT_NODE_NONE, "ns16550a", &n) == 0);
		HT_CHECK(fdt_find_path(&fdt, "/soc/serial@10000000", &m) == 0 && m == n);
		HT_CHECK(fdt_read_reg(&fdt, n, 0, &base, &size) == 0 && base == 0x10000000u && size == 0x100);
		HT_CHECK(fdt_read_u32(&fdt, n, "interrupt-parent", &ph) == 0);
		HT_CHECK(fdt_find_phandle(&fdt, ph, &m) == 0);
		HT_CHECK(fdt_is_compatible(&fdt, m, "riscv,plic0") || fdt_is_compatible(&fdt, m, "riscv,aplic"));
		HT_CHECK(fdt_find_path(&fdt, "/memory", &n) == 0);
		HT_CHECK(fdt_read_reg(&fdt, n, 0, &base, &size) == 0 && base == 0x80000000u);
		free(b);
	}
}

/* Visit everything the reader offers on a blob fdt_init() accepted; count to keep it honest. */
static unsigned walk_all(const fdt_t *fdt)
{
	unsigned seen = 0;
	fdt_node_t n = fdt->root, p, c;
	uint64_t base, size;
	const char *s;
	uint32_t v, count;
	fdt_prop_t pr;

	do {
		seen++;
		(void)fdt_parent(fdt, n, &p);
		(void)fdt_first_child(fdt, n, &c);
		(void)fdt_next_sibling(fdt, n, &c);
		for (error_t e = fdt_first_prop(fdt, n, &pr); !e; e = fdt_next_prop(fdt, &pr)) {
			seen += pr.len & 1;
			(void)fdt_prop_string(&pr, &s);
			(void)fdt_stringlist_contains(&pr, "riscv");
			if (strcmp(pr.name, "interrupt-parent") == 0 && fdt_prop_cell(&pr, 0, &v) == 0)
				(void)fdt_find_phandle(fdt, v, &c);
		}
		if (fdt_reg_count(fdt, n, &count) == 0)
			for (uint32_t i = 0; i < count && i < 8; i++)
				HT_CHECK(fdt_read_reg(fdt, n, i, &base, &size) == 0);
		(void)fdt_is_available(fdt, n);
	} while (fdt_next_node(fdt, n, &n) == 0);
	(void)fdt_find_path(fdt, "/soc/serial@10000000", &n);
	(void)fdt_find_compatible(fdt, FDT_NODE_NONE, "sifive,test0", &n);
	for (uint32_t i = 0; fdt_rsvmap_entry(fdt, i, &base, &size) == 0; i++)
		seen++;
	return seen;
}

HT_TEST(random_mutations_of_qemu_trees)
{
	static const char *const names[] = { "1x1.dtb", "2x2-initrd.dtb", "4x2.dtb" };
	uint64_t x = 0x9e3779b97f4a7c15ull;
	unsigned ok = 0, bad = 0, iterations = getenv("FDT_FUZZ_ITERATIONS") ?
		(unsigned)strtoul(getenv("FDT_FUZZ_ITERATIONS"), NULL, 0) : 1000;

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		size_t len;
		uint8_t *orig = fdtw_load(FDT_TEST_DIR, names[i], &len);
		uint8_t *b = malloc(len);

		for (unsigned it = 0; it < iterations; it++) {
			fdt_t fdt;

			memcpy(b, orig, len);
			for (unsigned k = 0; k < 1 + it % 4; k++) {
				x ^= x << 13, x ^= x >> 7, x ^= x << 17;
				size_t at = (size_t)(x >> 16) % len;
				if (x & 1)
					b[at] ^= (uint8_t)(1u << ((x >> 8) & 7));
				else if (at + 4 <= len)
					fdtw_put32(b + (at & ~(size_t)3), (uint32_t)(x >> 40) % 64);
			}
			err[0] = 0;
			if (fdt_init(&fdt, b, len, err, sizeof(err)) == 0) {
				ok++;
				HT_CHECK(walk_all(&fdt) > 0);
			} else {
				bad++;
				HT_CHECK(err[0] != 0);
			}
		}
		free(b);
		free(orig);
	}
	printf("# %u mutated blobs accepted, %u rejected\n", ok, bad);
}
