/*
 * fdt_writer.c - see fdt_writer.h.
 */
#include "fdt_writer.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *grow(void *buf, size_t *cap, size_t need)
{
	if (need <= *cap)
		return buf;
	while (*cap < need)
		*cap = *cap ? *cap * 2 : 256;
	buf = realloc(buf, *cap);
	if (!buf)
		abort();
	return buf;
}

uint32_t fdtw_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void fdtw_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put_bytes(fdtw_t *w, const void *data, size_t len)
{
	w->st = grow(w->st, &w->st_cap, w->st_len + len + 4);
	if (len)
		memcpy(w->st + w->st_len, data, len);
	w->st_len += len;
	while (w->st_len % 4)
		w->st[w->st_len++] = 0;
}

void fdtw_raw32(fdtw_t *w, uint32_t v)
{
	uint8_t b[4];

	fdtw_put32(b, v);
	put_bytes(w, b, 4);
}

void fdtw_init(fdtw_t *w)
{
	memset(w, 0, sizeof(*w));
}

void fdtw_free(fdtw_t *w)
{
	free(w->st);
	free(w->str);
	memset(w, 0, sizeof(*w));
}

void fdtw_reserve(fdtw_t *w, uint64_t base, uint64_t size)
{
	if (w->rsv_nr < 64) {
		w->rsv[w->rsv_nr][0] = base;
		w->rsv[w->rsv_nr][1] = size;
		w->rsv_nr++;
	}
}

void fdtw_begin(fdtw_t *w, const char *name)
{
	fdtw_raw32(w, 1);
	put_bytes(w, name, strlen(name) + 1);
}

void fdtw_end(fdtw_t *w)
{
	fdtw_raw32(w, 2);
}

/* Offset of @name in the strings block, added if absent. */
static uint32_t string_off(fdtw_t *w, const char *name)
{
	size_t n = strlen(name) + 1, off;

	for (off = 0; off < w->str_len; off += strlen(w->str + off) + 1)
		if (strcmp(w->str + off, name) == 0)
			return (uint32_t)off;
	w->str = grow(w->str, &w->str_cap, w->str_len + n);
	memcpy(w->str + w->str_len, name, n);
	w->str_len += n;
	return (uint32_t)off;
}

void fdtw_prop(fdtw_t *w, const char *name, const void *data, uint32_t len)
{
	fdtw_raw32(w, 3);
	fdtw_raw32(w, len);
	fdtw_raw32(w, string_off(w, name));
	put_bytes(w, data, len);
}

void fdtw_u32(fdtw_t *w, const char *name, uint32_t v)
{
	fdtw_cells(w, name, 1, v);
}

void fdtw_u64(fdtw_t *w, const char *name, uint64_t v)
{
	fdtw_cells(w, name, 2, (unsigned)(v >> 32), (unsigned)v);
}

void fdtw_cells(fdtw_t *w, const char *name, unsigned n, ...)
{
	uint8_t *buf = malloc(n * 4 + 1);
	va_list ap;

	va_start(ap, n);
	for (unsigned i = 0; i < n; i++)
		fdtw_put32(buf + i * 4, va_arg(ap, unsigned));
	va_end(ap);
	fdtw_prop(w, name, buf, n * 4);
	free(buf);
}

void fdtw_str(fdtw_t *w, const char *name, const char *s)
{
	fdtw_prop(w, name, s, (uint32_t)strlen(s) + 1);
}

uint8_t *fdtw_finish(fdtw_t *w, size_t *size)
{
	size_t rsv_off = 40, st_off, str_off, total;
	uint8_t *b;

	fdtw_raw32(w, 9);
	st_off = rsv_off + (w->rsv_nr + 1) * 16;
	str_off = st_off + w->st_len;
	total = str_off + w->str_len;
	b = calloc(1, total);
	fdtw_put32(b + 0, 0xd00dfeed);
	fdtw_put32(b + 4, (uint32_t)total);
	fdtw_put32(b + 8, (uint32_t)st_off);
	fdtw_put32(b + 12, (uint32_t)str_off);
	fdtw_put32(b + 16, (uint32_t)rsv_off);
	fdtw_put32(b + 20, 17);
	fdtw_put32(b + 24, 16);
	fdtw_put32(b + 28, 0);
	fdtw_put32(b + 32, (uint32_t)w->str_len);
	fdtw_put32(b + 36, (uint32_t)w->st_len);
	for (unsigned i = 0; i < w->rsv_nr; i++) {
		fdtw_put32(b + rsv_off + i * 16, (uint32_t)(w->rsv[i][0] >> 32));
		fdtw_put32(b + rsv_off + i * 16 + 4, (uint32_t)w->rsv[i][0]);
		fdtw_put32(b + rsv_off + i * 16 + 8, (uint32_t)(w->rsv[i][1] >> 32));
		fdtw_put32(b + rsv_off + i * 16 + 12, (uint32_t)w->rsv[i][1]);
	}
	memcpy(b + st_off, w->st, w->st_len);
	if (w->str_len)
		memcpy(b + str_off, w->str, w->str_len);
	fdtw_free(w);
	*size = total;
	return b;
}

uint8_t *fdtw_load(const char *dir, const char *name, size_t *size)
{
	char path[1024];
	uint8_t *buf, *exact;
	long len;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f || fseek(f, 0, SEEK_END) || (len = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET)) {
		fprintf(stderr, "fdtw_load: cannot read %s\n", path);
		abort();
	}
	buf = malloc((size_t)len);
	if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len)
		abort();
	fclose(f);
	n = (size_t)len;
	if (n >= 8 && fdtw_get32(buf) == 0xd00dfeed && fdtw_get32(buf + 4) <= n)
		n = fdtw_get32(buf + 4);
	exact = malloc(n);
	memcpy(exact, buf, n);
	free(buf);
	*size = n;
	return exact;
}
