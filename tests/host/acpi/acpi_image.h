/*
 * acpi_image.h - a sparse physical memory for host tests of boot/x86_64 (acpi.c, machine.c).
 *
 * An image is a set of regions, each [pa, pa + len) with its bytes: the blobs of a fixture captured
 * from QEMU (capture.sh), plus what a test adds. image_map() is the phys_map_t callback: it hands
 * out a fresh copy of exactly the bytes asked for (when they lie inside one region), so that
 * AddressSanitizer catches any read beyond what the parser mapped; copies live until
 * image_release().
 */
#ifndef TESTS_HOST_ACPI_IMAGE_H
#define TESTS_HOST_ACPI_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/x86_64/acpi.h"

#define IMAGE_MAX_REGIONS 64

typedef struct region_s {
	uint64_t pa;
	size_t   len;
	uint8_t *data;
} region_t;

typedef struct image_s {
	unsigned  clusters, cores, mem_mb;  /* the fixture's "shape" line                  */
	uint64_t  start_info_pa;            /* the first blob of a fixture                 */
	int       n;
	region_t  r[IMAGE_MAX_REGIONS];
	void    **copies;                   /* handed out by image_map, freed by release   */
	size_t    copies_nr, copies_cap;
	size_t    maps;                     /* calls of image_map                          */
} image_t;

/* Load fixture @path (a capture.sh file); false if it cannot be read or parsed. */
bool image_load(image_t *im, const char *path);
/* A deep copy of @src (without its outstanding copies). */
void image_clone(image_t *dst, const image_t *src);
void image_free(image_t *im);

/* The region that starts at @pa, NULL if none. */
region_t *image_region(image_t *im, uint64_t pa);
/* The region holding the table whose signature is @sig (4 characters), NULL if none. */
region_t *image_table(image_t *im, const char *sig);
/* Add a zeroed region [pa, pa + len) (replacing one that starts at @pa); returns it. */
region_t *image_add(image_t *im, uint64_t pa, size_t len);
/* Remove the region that starts at @pa. */
void image_remove(image_t *im, uint64_t pa);
/* Change a region's length (bytes past the old end are zero). */
void image_resize(region_t *r, size_t len);

const void *image_map(void *ctx, uint64_t pa, size_t len);
void image_release(image_t *im);
phys_map_t image_pm(image_t *im);

/* Fix the checksum byte (offset 9) of the table at the start of @t, over its header's length
 * (bounded by @avail). */
void acpi_fix_checksum(uint8_t *t, size_t avail);
/* Fix the RSDP's checksum (first 20 bytes) and, for revision 2, its extended one. */
void rsdp_fix_checksums(uint8_t *rsdp, size_t avail);

/* Little-endian accessors for tests. */
uint32_t get32(const uint8_t *p);
uint64_t get64(const uint8_t *p);
void put16(uint8_t *p, uint16_t v);
void put32(uint8_t *p, uint32_t v);
void put64(uint8_t *p, uint64_t v);

/*
 * Pack the image into one buffer that is the physical memory [@base, @base + returned size): the
 * start info first, then the blobs it and the tables point to, with every pointer rewritten and
 * every checksum fixed. The libFuzzer harness reads its inputs this way (fuzz_acpi.c). Returns 0
 * if @max bytes do not suffice.
 */
size_t image_pack(image_t *im, uint64_t base, uint8_t *out, size_t max);

#endif /* TESTS_HOST_ACPI_IMAGE_H */
