/*
 * acpi_testlib.c - helpers of test_acpi (see acpi_testlib.h).
 */
#include <libk/errno.h>

#include "acpi_testlib.h"
#include "htest.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *const shapes[SHAPES] = { "1x1", "2x2", "4x2", "8x4", "16x4" };
boot_info_t info;
boot_x86_t x86;
acpi_machine_t scratch;
char err[256];

bool load(image_t *im, const char *shape)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s.txt", ACPI_FIXTURE_DIR, shape);
	if (!image_load(im, path)) {
		printf("# cannot load fixture %s\n", path);
		return false;
	}
	return true;
}

error_t build_on(image_t *im, hwid_t boot)
{
	phys_map_t pm = image_pm(im);
	error_t e;

	err[0] = 0;
	e = boot_info_from_pvh(&pm, im->start_info_pa, boot, &info, &x86, &scratch, err, sizeof(err));
	image_release(im);
	return e;
}

error_t build(image_t *im)
{
	return build_on(im, 0);
}

/* The result must be @code with a message holding every word of the NULL-terminated list. */
void expect_error(error_t got, error_t code, ...)
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

/* ---- image surgery ---- */

uint8_t *start_info(image_t *im)
{
	return image_region(im, im->start_info_pa)->data;
}

region_t *rsdp_region(image_t *im)
{
	return image_region(im, get64(start_info(im) + 32));
}

region_t *rsdt_region(image_t *im)
{
	return image_region(im, get32(rsdp_region(im)->data + 16));
}

/* Rewrite the RSDT to list @pas[0..n). */
void rsdt_set(image_t *im, const uint64_t *pas, unsigned n)
{
	region_t *r = rsdt_region(im);

	image_resize(r, 36 + 4 * n);
	put32(r->data + 4, 36 + 4 * n);
	for (unsigned i = 0; i < n; i++)
		put32(r->data + 36 + 4 * i, (uint32_t)pas[i]);
	acpi_fix_checksum(r->data, r->len);
}

/* Drop the table of signature @sig from the RSDT. */
void rsdt_drop(image_t *im, const char *sig)
{
	region_t *r = rsdt_region(im), *t;
	uint64_t pas[64];
	unsigned n = 0;

	for (size_t i = 36; i + 4 <= r->len; i += 4) {
		t = image_region(im, get32(r->data + i));
		if (!t || t->len < 4 || memcmp(t->data, sig, 4) != 0)
			pas[n++] = get32(r->data + i);
	}
	rsdt_set(im, pas, n);
}

/* Append @pa to the RSDT. */
void rsdt_append(image_t *im, uint64_t pa)
{
	region_t *r = rsdt_region(im);
	uint64_t pas[64];
	unsigned n = 0;

	for (size_t i = 36; i + 4 <= r->len; i += 4)
		pas[n++] = get32(r->data + i);
	pas[n++] = pa;
	rsdt_set(im, pas, n);
}

/* A new table at @pa: header of @sig and revision @rev, then @blen bytes of @body. */
region_t *put_table(image_t *im, uint64_t pa, const char *sig, uint8_t rev, const void *body,
			   size_t blen)
{
	region_t *r = image_add(im, pa, 36 + blen);

	memcpy(r->data, sig, 4);
	put32(r->data + 4, (uint32_t)(36 + blen));
	r->data[8] = rev;
	memcpy(r->data + 10, "ARCHIP", 6);
	memcpy(r->data + 36, body, blen);
	acpi_fix_checksum(r->data, r->len);
	return r;
}

/* Offset in @t of its @nth entry of @type (MADT from 44, SRAT from 48), 0 if none. */
size_t entry_at(const region_t *t, size_t first, uint8_t type, unsigned nth)
{
	for (size_t off = first; off + 2 <= t->len && t->data[off + 1] >= 2; off += t->data[off + 1])
		if (t->data[off] == type && nth-- == 0)
			return off;
	return 0;
}

void fix(region_t *t)
{
	acpi_fix_checksum(t->data, t->len);
}

