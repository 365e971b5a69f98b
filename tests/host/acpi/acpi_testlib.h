/*
 * acpi_testlib.h - what the parts of test_acpi share: the fixtures, the build of a machine
 * description from an image, expected errors, and image surgery (RSDT edits, new tables, entries).
 */
#ifndef TESTS_HOST_ACPI_TESTLIB_H
#define TESTS_HOST_ACPI_TESTLIB_H

#include <hal_boot.h>

#include "acpi_image.h"
#include "boot/x86_64/acpi.h"
#include "boot/x86_64/machine.h"

#define GiB            (1ull << 30)
#define MiB            (1ull << 20)
#define SHAPES         5

extern const char *const shapes[SHAPES];   /* the captured fixtures: 1x1 2x2 4x2 8x4 16x4 */
extern boot_info_t info;                   /* the last build's results                    */
extern boot_x86_t x86;
extern acpi_machine_t scratch;
extern char err[256];

/* Load fixture tests/host/acpi/@shape.txt (false, with a diagnostic, if it cannot). */
bool load(image_t *im, const char *shape);
/* boot_info_from_pvh() on @im's start info, boot core APIC id @boot (0 for build()). */
error_t build_on(image_t *im, hwid_t boot);
error_t build(image_t *im);
/* The result must be @code with a message holding every word of the NULL-terminated list. */
void expect_error(error_t got, error_t code, ...);

uint8_t *start_info(image_t *im);
region_t *rsdp_region(image_t *im);
region_t *rsdt_region(image_t *im);
/* Rewrite the RSDT to list @pas[0..n); drop the table of signature @sig; append @pa. */
void rsdt_set(image_t *im, const uint64_t *pas, unsigned n);
void rsdt_drop(image_t *im, const char *sig);
void rsdt_append(image_t *im, uint64_t pa);
/* A new table at @pa: header of @sig and revision @rev, then @blen bytes of @body. */
region_t *put_table(image_t *im, uint64_t pa, const char *sig, uint8_t rev, const void *body,
		    size_t blen);
/* Offset in @t of its @nth entry of @type (MADT entries from 44, SRAT from 48), 0 if none. */
size_t entry_at(const region_t *t, size_t first, uint8_t type, unsigned nth);
/* Fix @t's checksum. */
void fix(region_t *t);

#endif /* TESTS_HOST_ACPI_TESTLIB_H */
