/*
 * acpi_image.c - the sparse physical memory of the ACPI host tests (see acpi_image.h).
 */
#define _GNU_SOURCE /* getline */
#include "acpi_image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Read the hex lines of a blob of @len bytes into @r. */
static bool read_hex(FILE *f, region_t *r)
{
	char line[256];
	size_t got = 0;

	while (got < r->len && fgets(line, sizeof(line), f)) {
		for (char *p = line; p[0] && p[1] && hexval(p[0]) >= 0 && got < r->len; p += 2) {
			if (hexval(p[1]) < 0)
				return false;
			r->data[got++] = (uint8_t)(hexval(p[0]) << 4 | hexval(p[1]));
		}
	}
	return got == r->len;
}

bool image_load(image_t *im, const char *path)
{
	unsigned long long pa;
	char *line = NULL;
	size_t len, cap = 0;
	FILE *f = fopen(path, "r");
	bool ok = true;

	memset(im, 0, sizeof(*im));
	if (!f)
		return false;
	while (ok && getline(&line, &cap, f) > 0) {
		if (line[0] == '#')
			continue;
		if (sscanf(line, "shape %u %u %u", &im->clusters, &im->cores, &im->mem_mb) == 3)
			continue;
		if (sscanf(line, "blob %llx %zu", &pa, &len) != 2 || len == 0) {
			ok = false;
			break;
		}
		if (im->n == 0)
			im->start_info_pa = pa;
		ok = read_hex(f, image_add(im, pa, len));
	}
	free(line);
	fclose(f);
	if (!ok || im->n == 0 || im->clusters == 0)
		image_free(im);
	return ok && im->clusters != 0;
}

void image_clone(image_t *dst, const image_t *src)
{
	*dst = *src;
	dst->copies = NULL;
	dst->copies_nr = dst->copies_cap = dst->maps = 0;
	for (int i = 0; i < src->n; i++) {
		dst->r[i].data = malloc(src->r[i].len);
		memcpy(dst->r[i].data, src->r[i].data, src->r[i].len);
	}
}

void image_release(image_t *im)
{
	for (size_t i = 0; i < im->copies_nr; i++)
		free(im->copies[i]);
	im->copies_nr = 0;
}

void image_free(image_t *im)
{
	image_release(im);
	free(im->copies);
	for (int i = 0; i < im->n; i++)
		free(im->r[i].data);
	memset(im, 0, sizeof(*im));
}

region_t *image_region(image_t *im, uint64_t pa)
{
	for (int i = 0; i < im->n; i++)
		if (im->r[i].pa == pa)
			return &im->r[i];
	return NULL;
}

region_t *image_table(image_t *im, const char *sig)
{
	for (int i = 0; i < im->n; i++)
		if (im->r[i].len >= 36 && memcmp(im->r[i].data, sig, 4) == 0)
			return &im->r[i];
	return NULL;
}

region_t *image_add(image_t *im, uint64_t pa, size_t len)
{
	region_t *r = image_region(im, pa);

	if (!r) {
		if (im->n == IMAGE_MAX_REGIONS) {
			fprintf(stderr, "acpi_image: too many regions\n");
			abort();
		}
		r = &im->r[im->n++];
	} else {
		free(r->data);
	}
	r->pa = pa;
	r->len = len;
	r->data = calloc(1, len ? len : 1);
	return r;
}

void image_remove(image_t *im, uint64_t pa)
{
	region_t *r = image_region(im, pa);

	if (!r)
		return;
	free(r->data);
	*r = im->r[--im->n];
}

void image_resize(region_t *r, size_t len)
{
	r->data = realloc(r->data, len ? len : 1);
	if (len > r->len)
		memset(r->data + r->len, 0, len - r->len);
	r->len = len;
}

const void *image_map(void *ctx, uint64_t pa, size_t len)
{
	image_t *im = ctx;
	void *copy;

	im->maps++;
	if (len == 0 || pa + len < pa)
		return NULL;
	for (int i = 0; i < im->n; i++) {
		region_t *r = &im->r[i];

		if (pa < r->pa || pa - r->pa > r->len || len > r->len - (pa - r->pa))
			continue;
		if (im->copies_nr == im->copies_cap) {
			im->copies_cap = im->copies_cap ? 2 * im->copies_cap : 64;
			im->copies = realloc(im->copies, im->copies_cap * sizeof(void *));
		}
		copy = malloc(len);
		memcpy(copy, r->data + (pa - r->pa), len);
		im->copies[im->copies_nr++] = copy;
		return copy;
	}
	return NULL;
}

phys_map_t image_pm(image_t *im)
{
	phys_map_t pm = { image_map, im };

	return pm;
}

void acpi_fix_checksum(uint8_t *t, size_t avail)
{
	uint32_t len = avail >= 8 ? get32(t + 4) : 0;
	uint8_t s = 0;

	if (avail < 10)
		return;
	if (len > avail)
		len = (uint32_t)avail;
	t[9] = 0;
	for (uint32_t i = 0; i < len; i++)
		s = (uint8_t)(s + t[i]);
	t[9] = (uint8_t)-s;
}

void rsdp_fix_checksums(uint8_t *rsdp, size_t avail)
{
	uint32_t len;
	uint8_t s = 0;

	if (avail < 20)
		return;
	rsdp[8] = 0;
	for (int i = 0; i < 20; i++)
		s = (uint8_t)(s + rsdp[i]);
	rsdp[8] = (uint8_t)-s;
	if (rsdp[15] < 2 || avail < 36)
		return;
	len = get32(rsdp + 20);
	if (len > avail)
		len = (uint32_t)avail;
	rsdp[32] = 0;
	s = 0;
	for (uint32_t i = 0; i < len; i++)
		s = (uint8_t)(s + rsdp[i]);
	rsdp[32] = (uint8_t)-s;
}

/* ---- packing ---- */

typedef struct packer_s {
	uint8_t *out;
	size_t   max, used;
	uint64_t base;
	bool     full;
} packer_t;

/* Append region @pa of the image (or nothing) aligned to @align; its new address, 0 if none. */
static uint64_t pack_region(image_t *im, packer_t *p, uint64_t pa, size_t align, uint8_t **where)
{
	region_t *r = pa ? image_region(im, pa) : NULL;
	size_t at = (p->used + align - 1) & ~(align - 1);

	*where = NULL;
	if (!r)
		return 0;
	if (at + r->len > p->max) {
		p->full = true;
		return 0;
	}
	memcpy(p->out + at, r->data, r->len);
	*where = p->out + at;
	p->used = at + r->len;
	return p->base + at;
}

/* The RSDT or XSDT at @sdt_pa and the tables it lists; the relocated SDT's new address. */
static uint64_t pack_sdt(image_t *im, packer_t *p, uint64_t sdt_pa, size_t esize)
{
	uint8_t *sdt, *t;
	uint64_t pa = pack_region(im, p, sdt_pa, 8, &sdt), tpa;
	size_t n = sdt && get32(sdt + 4) >= 36 ? (get32(sdt + 4) - 36) / esize : 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t *e = sdt + 36 + i * esize;

		tpa = pack_region(im, p, esize == 8 ? get64(e) : get32(e), 8, &t);
		if (esize == 8)
			put64(e, tpa);
		else
			put32(e, (uint32_t)tpa);
	}
	if (sdt)
		acpi_fix_checksum(sdt, get32(sdt + 4));
	return pa;
}

size_t image_pack(image_t *im, uint64_t base, uint8_t *out, size_t max)
{
	packer_t p = { out, max, 0, base, false };
	uint8_t *si, *b, *rsdp;
	uint64_t rsdt;
	bool x;

	memset(out, 0, max);
	pack_region(im, &p, im->start_info_pa, 8, &si);
	if (!si)
		return 0;
	put64(si + 40, pack_region(im, &p, get64(si + 40), 8, &b));   /* memory map */
	put64(si + 24, pack_region(im, &p, get64(si + 24), 1, &b));   /* command line */
	put64(si + 16, pack_region(im, &p, get64(si + 16), 8, &b));   /* module list */
	put64(si + 32, pack_region(im, &p, get64(si + 32), 16, &rsdp));
	if (rsdp) {
		x = rsdp[15] >= 2 && get64(rsdp + 24);
		rsdt = pack_sdt(im, &p, x ? get64(rsdp + 24) : get32(rsdp + 16), x ? 8 : 4);
		if (x)
			put64(rsdp + 24, rsdt);
		else
			put32(rsdp + 16, (uint32_t)rsdt);
		rsdp_fix_checksums(rsdp, rsdp[15] >= 2 ? 36 : 20);
	}
	return p.full ? 0 : p.used;
}
