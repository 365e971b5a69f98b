/*
 * fdt_writer.h - build flattened device trees in host tests (well-formed or deliberately not).
 *
 * Independent of boot/riscv/fdt.c (the code under test): it writes the DTB format of the devicetree
 * specification directly. Nodes and properties are appended in order; fdtw_finish() lays out the
 * header, the memory reservation block, the structure block and the strings block.
 */
#ifndef TESTS_HOST_FDT_WRITER_H
#define TESTS_HOST_FDT_WRITER_H

#include <stddef.h>
#include <stdint.h>

typedef struct fdtw_s {
	uint8_t *st;            /* structure block being built */
	size_t   st_len, st_cap;
	char    *str;           /* strings block                */
	size_t   str_len, str_cap;
	uint64_t rsv[64][2];    /* memory reservation entries   */
	unsigned rsv_nr;
} fdtw_t;

void fdtw_init(fdtw_t *w);
void fdtw_free(fdtw_t *w);
void fdtw_reserve(fdtw_t *w, uint64_t base, uint64_t size);
void fdtw_begin(fdtw_t *w, const char *name);
void fdtw_end(fdtw_t *w);
void fdtw_prop(fdtw_t *w, const char *name, const void *data, uint32_t len);
void fdtw_u32(fdtw_t *w, const char *name, uint32_t v);
void fdtw_u64(fdtw_t *w, const char *name, uint64_t v);
/* A property of @n 32-bit cells given as unsigned arguments. */
void fdtw_cells(fdtw_t *w, const char *name, unsigned n, ...);
void fdtw_str(fdtw_t *w, const char *name, const char *s);
/* A raw 32-bit big-endian word in the structure block (to build malformed blobs). */
void fdtw_raw32(fdtw_t *w, uint32_t v);
/* Lay out the blob (FDT_END appended), malloc'ed; *size = totalsize. The writer is freed. */
uint8_t *fdtw_finish(fdtw_t *w, size_t *size);

/* Big-endian accessors for patching blobs in tests. */
uint32_t fdtw_get32(const uint8_t *p);
void fdtw_put32(uint8_t *p, uint32_t v);

/*
 * Read the DTB file @name of directory @dir into a buffer of exactly its totalsize bytes (the whole
 * file if its header is not a DTB's), so that AddressSanitizer flags any read past it. Aborts when
 * the file cannot be read.
 */
uint8_t *fdtw_load(const char *dir, const char *name, size_t *size);

#endif
