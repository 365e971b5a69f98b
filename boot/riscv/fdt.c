/*
 * fdt.c - the bounds-checked flattened device tree reader (see fdt.h).
 *
 * Everything is read byte by byte (the blob needs no alignment) through fdt_token(), the one place
 * that decodes the structure block and checks that a token, a node name or a property value lies
 * inside it. fdt_init() runs it over the whole block once, so the other functions meet an error
 * only if they are given an offset that is not a node.
 */
#include <hal_types.h>
#include <libk/bits.h>
#include <libk/errno.h>
#include <libk/string.h>

#include "fdt.h"

/* Header fields (byte offsets); size_dt_struct exists from version 17 on. */
#define HDR_MAGIC        0
#define HDR_TOTALSIZE    4
#define HDR_OFF_STRUCT   8
#define HDR_OFF_STRINGS  12
#define HDR_OFF_RSVMAP   16
#define HDR_VERSION      20
#define HDR_LAST_COMP    24
#define HDR_BOOT_CPUID   28
#define HDR_SIZE_STRINGS 32
#define HDR_SIZE_STRUCT  36
#define HDR_SIZE_V16     36
#define HDR_SIZE_V17     40
#define RSV_ENTRY_SIZE   16

/* One decoded token of the structure block. */
typedef struct fdt_tok_s {
	uint32_t       tag;
	uint32_t       next;    /* offset of the following token                          */
	const char    *name;    /* node name (BEGIN_NODE) or property name (PROP)         */
	const uint8_t *data;    /* property value (PROP)                                  */
	uint32_t       len;
	const char    *why;     /* what is wrong, when fdt_token() fails                  */
} fdt_tok_t;

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* Write a message into @err (when there is room) and return EINVAL. */
static error_t fdt_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static error_t fdt_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return EINVAL;
}

/* The offset of the token after one that ends at @end: 4-byte aligned, and at most @size so that
 * it cannot wrap around in a blob close to 4 GiB (it is always past the token's start). */
static uint32_t fdt_next_off(uint32_t size, uint64_t end)
{
	return (uint32_t)MIN(ALIGN_UP(end, 4), (uint64_t)size);
}

/*
 * Decode the token at structure offset @off into *t. Checks that the token, a node's NUL-terminated
 * name and a property's value lie in the structure block and that a property's name offset lies in
 * the strings block (whose last byte is NUL, so the name is terminated). EINVAL with t->why if not.
 */
static error_t fdt_token(const fdt_t *fdt, uint32_t off, fdt_tok_t *t)
{
	const uint8_t *s = fdt->blob + fdt->struct_off;
	uint32_t size = fdt->struct_size;
	uint32_t room, nameoff;
	size_t n;

	t->why = "token outside the structure block";
	if (off % 4 || size < 4 || off > size - 4)
		return EINVAL;
	t->tag = be32(s + off);
	room = size - off - 4;
	switch (t->tag) {
	case FDT_BEGIN_NODE:
		t->why = "node name not terminated inside the structure block";
		n = strnlen((const char *)s + off + 4, room);
		if (n == room)
			return EINVAL;
		t->name = (const char *)s + off + 4;
		t->next = fdt_next_off(size, (uint64_t)off + 4 + n + 1);
		return 0;
	case FDT_PROP:
		t->why = "property runs past the structure block";
		if (room < 8 || be32(s + off + 4) > room - 8)
			return EINVAL;
		t->len = be32(s + off + 4);
		nameoff = be32(s + off + 8);
		t->why = "property name offset outside the strings block";
		if (nameoff >= fdt->strings_size)
			return EINVAL;
		t->name = (const char *)fdt->blob + fdt->strings_off + nameoff;
		t->data = s + off + 12;
		t->next = fdt_next_off(size, (uint64_t)off + 12 + t->len);
		return 0;
	case FDT_END_NODE:
	case FDT_NOP:
	case FDT_END:
		t->next = off + 4;
		return 0;
	default:
		t->why = "unknown token";
		return EINVAL;
	}
}

/* Read the header fields of the blob into *fdt, checking them against @avail and each other. */
static error_t fdt_check_header(fdt_t *fdt, size_t avail, char *err, size_t errlen)
{
	const uint8_t *h = fdt->blob;
	uint32_t magic, last_comp, hdr_size;

	if (avail < HDR_SIZE_V16)
		return fdt_fail(err, errlen, "fdt: %lu bytes available, less than a header",
				(unsigned long)avail);
	magic = be32(h + HDR_MAGIC);
	if (magic != FDT_MAGIC)
		return fdt_fail(err, errlen, "fdt: bad magic 0x%08x", magic);
	fdt->version = be32(h + HDR_VERSION);
	last_comp = be32(h + HDR_LAST_COMP);
	if (fdt->version < 16 || last_comp > 17)
		return fdt_fail(err, errlen, "fdt: unsupported version %u (last compatible version %u)",
				fdt->version, last_comp);
	hdr_size = fdt->version >= 17 ? HDR_SIZE_V17 : HDR_SIZE_V16;
	fdt->totalsize = be32(h + HDR_TOTALSIZE);
	if (fdt->totalsize > avail)
		return fdt_fail(err, errlen, "fdt: totalsize %u > %lu bytes available",
				fdt->totalsize, (unsigned long)avail);
	if (fdt->totalsize < hdr_size)
		return fdt_fail(err, errlen, "fdt: totalsize %u smaller than the header", fdt->totalsize);
	fdt->boot_cpuid = be32(h + HDR_BOOT_CPUID);
	fdt->rsvmap_off = be32(h + HDR_OFF_RSVMAP);
	fdt->struct_off = be32(h + HDR_OFF_STRUCT);
	fdt->strings_off = be32(h + HDR_OFF_STRINGS);
	fdt->strings_size = be32(h + HDR_SIZE_STRINGS);
	/* Version 16 has no size_dt_struct: the block may extend to the end of the blob. */
	fdt->struct_size = fdt->version >= 17 ? be32(h + HDR_SIZE_STRUCT) : 0;
	if (fdt->version < 17 && fdt->struct_off <= fdt->totalsize)
		fdt->struct_size = fdt->totalsize - fdt->struct_off;
	return 0;
}

/* Check that the block [off, off + size) lies after the header and inside totalsize. */
static error_t fdt_check_block(const fdt_t *fdt, const char *what, uint32_t off, uint32_t size,
			       char *err, size_t errlen)
{
	uint32_t hdr_size = fdt->version >= 17 ? HDR_SIZE_V17 : HDR_SIZE_V16;

	if (off < hdr_size || (uint64_t)off + size > fdt->totalsize)
		return fdt_fail(err, errlen, "fdt: %s block [0x%x, +0x%x) outside the blob (header 0x%x, "
				"totalsize 0x%x)", what, off, size, hdr_size, fdt->totalsize);
	return 0;
}

/* Check the placement of the three blocks, the strings terminator and the reservation entries. */
static error_t fdt_check_blocks(fdt_t *fdt, char *err, size_t errlen)
{
	uint64_t off;

	if (fdt_check_block(fdt, "structure", fdt->struct_off, fdt->struct_size, err, errlen) ||
	    fdt_check_block(fdt, "strings", fdt->strings_off, fdt->strings_size, err, errlen) ||
	    fdt_check_block(fdt, "memory reservation", fdt->rsvmap_off, 0, err, errlen))
		return EINVAL;
	if (fdt->struct_off % 4)
		return fdt_fail(err, errlen, "fdt: structure block offset 0x%x not 4-byte aligned",
				fdt->struct_off);
	if (fdt->rsvmap_off % 8)
		return fdt_fail(err, errlen, "fdt: memory reservation block offset 0x%x not 8-byte aligned",
				fdt->rsvmap_off);
	if (fdt->strings_size && fdt->blob[fdt->strings_off + fdt->strings_size - 1] != '\0')
		return fdt_fail(err, errlen, "fdt: strings block not NUL-terminated");
	fdt->rsvmap_nr = 0;
	for (off = fdt->rsvmap_off;; off += RSV_ENTRY_SIZE, fdt->rsvmap_nr++) {
		if (off + RSV_ENTRY_SIZE > fdt->totalsize)
			return fdt_fail(err, errlen, "fdt: memory reservation block not terminated inside "
					"totalsize 0x%x", fdt->totalsize);
		if (be64(fdt->blob + off) == 0 && be64(fdt->blob + off + 8) == 0)
			return 0;
	}
}

/* Walk the whole structure block once: one root, balanced nodes, depth and node count capped. */
static error_t fdt_check_struct(fdt_t *fdt, char *err, size_t errlen)
{
	fdt_tok_t t;
	uint32_t off = 0, depth = 0;
	bool root_seen = false;

	fdt->nodes_nr = 0;
	for (;; off = t.next) {
		if (fdt_token(fdt, off, &t))
			return fdt_fail(err, errlen, "fdt: structure block +0x%x: %s", off, t.why);
		if (t.tag == FDT_END)
			break;
		if (t.tag == FDT_BEGIN_NODE) {
			if (depth == 0 && root_seen)
				return fdt_fail(err, errlen, "fdt: structure block +0x%x: a second root node", off);
			if (depth == 0)
				fdt->root = off;
			root_seen = true;
			if (++depth > FDT_MAX_DEPTH)
				return fdt_fail(err, errlen, "fdt: nodes nested deeper than FDT_MAX_DEPTH (%u)",
						FDT_MAX_DEPTH);
			if (++fdt->nodes_nr > FDT_MAX_NODES)
				return fdt_fail(err, errlen, "fdt: more than FDT_MAX_NODES (%u) nodes",
						FDT_MAX_NODES);
		} else if (t.tag == FDT_END_NODE) {
			if (depth == 0)
				return fdt_fail(err, errlen, "fdt: structure block +0x%x: end of a node never begun",
						off);
			depth--;
		} else if (t.tag == FDT_PROP && depth == 0) {
			return fdt_fail(err, errlen, "fdt: structure block +0x%x: property outside any node", off);
		}
	}
	if (depth != 0 || !root_seen)
		return fdt_fail(err, errlen, "fdt: structure block +0x%x: FDT_END %s", off,
				root_seen ? "inside a node" : "before the root node");
	return 0;
}

error_t fdt_init(fdt_t *fdt, const void *blob, size_t avail, char *err, size_t errlen)
{
	error_t error;

	if (err && errlen)
		err[0] = '\0';
	memset(fdt, 0, sizeof(*fdt));
	if (!blob)
		return fdt_fail(err, errlen, "fdt: no blob");
	fdt->blob = blob;
	error = fdt_check_header(fdt, avail, err, errlen);
	if (!error)
		error = fdt_check_blocks(fdt, err, errlen);
	if (!error)
		error = fdt_check_struct(fdt, err, errlen);
	return error;
}

error_t fdt_rsvmap_entry(const fdt_t *fdt, uint32_t index, uint64_t *base, uint64_t *size)
{
	uint64_t off = fdt->rsvmap_off + (uint64_t)index * RSV_ENTRY_SIZE;

	if (index >= fdt->rsvmap_nr || off + RSV_ENTRY_SIZE > fdt->totalsize)
		return ENOENT;
	*base = be64(fdt->blob + off);
	*size = be64(fdt->blob + off + 8);
	return 0;
}

/* Decode @node, which must be an FDT_BEGIN_NODE token. */
static error_t fdt_node_token(const fdt_t *fdt, fdt_node_t node, fdt_tok_t *t)
{
	if (fdt_token(fdt, node, t) || t->tag != FDT_BEGIN_NODE)
		return EINVAL;
	return 0;
}

const char *fdt_node_name(const fdt_t *fdt, fdt_node_t node)
{
	fdt_tok_t t;

	return fdt_node_token(fdt, node, &t) ? NULL : t.name;
}

/* The first token at or after @off that is not a property or a NOP, in *t (with its offset). */
static error_t fdt_skip_props(const fdt_t *fdt, uint32_t off, uint32_t *at, fdt_tok_t *t)
{
	for (;; off = t->next) {
		if (fdt_token(fdt, off, t))
			return EINVAL;
		if (t->tag != FDT_PROP && t->tag != FDT_NOP)
			break;
	}
	*at = off;
	return 0;
}

error_t fdt_first_child(const fdt_t *fdt, fdt_node_t parent, fdt_node_t *child)
{
	fdt_tok_t t;
	uint32_t off;

	if (fdt_node_token(fdt, parent, &t) || fdt_skip_props(fdt, t.next, &off, &t))
		return EINVAL;
	if (t.tag != FDT_BEGIN_NODE)
		return ENOENT;
	*child = off;
	return 0;
}

error_t fdt_next_sibling(const fdt_t *fdt, fdt_node_t node, fdt_node_t *next)
{
	fdt_tok_t t;
	uint32_t off, depth = 1;

	if (fdt_node_token(fdt, node, &t))
		return EINVAL;
	for (off = t.next;; off = t.next) {
		if (fdt_token(fdt, off, &t))
			return EINVAL;
		if (t.tag == FDT_END)
			return ENOENT;
		if (t.tag == FDT_BEGIN_NODE) {
			if (depth == 0) {
				*next = off;
				return 0;
			}
			depth++;
		} else if (t.tag == FDT_END_NODE) {
			if (depth == 0)
				return ENOENT;  /* the parent ends */
			depth--;
		}
	}
}

error_t fdt_next_node(const fdt_t *fdt, fdt_node_t node, fdt_node_t *next)
{
	fdt_tok_t t;
	uint32_t off;

	if (fdt_node_token(fdt, node, &t))
		return EINVAL;
	for (off = t.next;; off = t.next) {
		if (fdt_token(fdt, off, &t))
			return EINVAL;
		if (t.tag == FDT_END)
			return ENOENT;
		if (t.tag == FDT_BEGIN_NODE) {
			*next = off;
			return 0;
		}
	}
}

error_t fdt_parent(const fdt_t *fdt, fdt_node_t node, fdt_node_t *parent)
{
	fdt_node_t open[FDT_MAX_DEPTH];
	fdt_tok_t t;
	uint32_t off, depth = 0;

	for (off = fdt->root;; off = t.next) {
		if (fdt_token(fdt, off, &t) || t.tag == FDT_END)
			return EINVAL;
		if (t.tag == FDT_BEGIN_NODE) {
			if (off == node) {
				if (depth == 0)
					return ENOENT;
				*parent = open[depth - 1];
				return 0;
			}
			if (depth == FDT_MAX_DEPTH)
				return EINVAL;
			open[depth++] = off;
		} else if (t.tag == FDT_END_NODE) {
			if (depth == 0)
				return EINVAL;
			depth--;
		}
	}
}

/* Whether node name @name matches the path component @comp of @len bytes (see fdt_find_path_len). */
static bool fdt_name_matches(const char *name, const char *comp, size_t len)
{
	size_t i;

	if (strncmp(name, comp, len) != 0)
		return false;
	/* name has len non-NUL bytes equal to comp's: name[len] is inside the string. */
	if (name[len] == '\0')
		return true;
	if (name[len] != '@')
		return false;
	for (i = 0; i < len; i++)
		if (comp[i] == '@')
			return false;
	return true;
}

/* The first child of @parent whose name matches @comp (@len bytes). */
static error_t fdt_find_child(const fdt_t *fdt, fdt_node_t parent, const char *comp, size_t len,
			      fdt_node_t *child)
{
	fdt_node_t n;
	error_t error;

	for (error = fdt_first_child(fdt, parent, &n); !error; error = fdt_next_sibling(fdt, n, &n)) {
		if (fdt_name_matches(fdt_node_name(fdt, n), comp, len)) {
			*child = n;
			return 0;
		}
	}
	return error;
}

error_t fdt_find_path_len(const fdt_t *fdt, const char *path, size_t len, fdt_node_t *node)
{
	fdt_node_t n = fdt->root;
	size_t i = 0, start;
	error_t error;

	if (len == 0 || path[0] != '/')
		return EINVAL;
	while (i < len) {
		while (i < len && path[i] == '/')
			i++;
		if (i == len || path[i] == '\0')
			break;
		start = i;
		while (i < len && path[i] != '/' && path[i] != '\0')
			i++;
		error = fdt_find_child(fdt, n, path + start, i - start, &n);
		if (error)
			return error;
	}
	*node = n;
	return 0;
}

error_t fdt_find_path(const fdt_t *fdt, const char *path, fdt_node_t *node)
{
	return fdt_find_path_len(fdt, path, strlen(path), node);
}

error_t fdt_find_phandle(const fdt_t *fdt, uint32_t phandle, fdt_node_t *node)
{
	fdt_node_t n = fdt->root;
	uint32_t v;

	if (phandle == 0 || phandle == 0xffffffffu)
		return ENOENT;
	do {
		if ((!fdt_read_u32(fdt, n, "phandle", &v) || !fdt_read_u32(fdt, n, "linux,phandle", &v)) &&
		    v == phandle) {
			*node = n;
			return 0;
		}
	} while (!fdt_next_node(fdt, n, &n));
	return ENOENT;
}

error_t fdt_find_compatible(const fdt_t *fdt, fdt_node_t after, const char *compat, fdt_node_t *node)
{
	fdt_node_t n = fdt->root;
	error_t error = 0;

	if (after != FDT_NODE_NONE)
		error = fdt_next_node(fdt, after, &n);
	for (; !error; error = fdt_next_node(fdt, n, &n)) {
		if (fdt_is_compatible(fdt, n, compat)) {
			*node = n;
			return 0;
		}
	}
	return error;
}

bool fdt_is_compatible(const fdt_t *fdt, fdt_node_t node, const char *compat)
{
	fdt_prop_t p;

	return !fdt_get_prop(fdt, node, "compatible", &p) && fdt_stringlist_contains(&p, compat);
}

bool fdt_is_available(const fdt_t *fdt, fdt_node_t node)
{
	const char *s;
	fdt_prop_t p;

	if (fdt_get_prop(fdt, node, "status", &p))
		return true;
	if (fdt_prop_string(&p, &s))
		return false;
	return strcmp(s, "okay") == 0 || strcmp(s, "ok") == 0;
}

/* The first property at or after structure offset @off, before the next node begins or ends. */
static error_t fdt_prop_from(const fdt_t *fdt, uint32_t off, fdt_prop_t *prop)
{
	fdt_tok_t t;

	for (;; off = t.next) {
		if (fdt_token(fdt, off, &t))
			return EINVAL;
		if (t.tag == FDT_PROP)
			break;
		if (t.tag != FDT_NOP)
			return ENOENT;
	}
	prop->name = t.name;
	prop->data = t.data;
	prop->len = t.len;
	prop->next = t.next;
	return 0;
}

error_t fdt_first_prop(const fdt_t *fdt, fdt_node_t node, fdt_prop_t *prop)
{
	fdt_tok_t t;

	if (fdt_node_token(fdt, node, &t))
		return EINVAL;
	return fdt_prop_from(fdt, t.next, prop);
}

error_t fdt_next_prop(const fdt_t *fdt, fdt_prop_t *prop)
{
	return fdt_prop_from(fdt, prop->next, prop);
}

error_t fdt_get_prop(const fdt_t *fdt, fdt_node_t node, const char *name, fdt_prop_t *prop)
{
	fdt_prop_t p;
	error_t error;

	for (error = fdt_first_prop(fdt, node, &p); !error; error = fdt_next_prop(fdt, &p)) {
		if (strcmp(p.name, name) == 0) {
			*prop = p;
			return 0;
		}
	}
	return error;
}

error_t fdt_prop_cell(const fdt_prop_t *prop, uint32_t index, uint32_t *val)
{
	if (index >= prop->len / 4)
		return ENOENT;
	*val = be32(prop->data + (size_t)index * 4);
	return 0;
}

error_t fdt_prop_number(const fdt_prop_t *prop, uint32_t first, uint32_t cells, uint64_t *val)
{
	uint64_t v = 0;
	uint32_t i;

	if (cells > 2)
		return ERANGE;
	if ((uint64_t)first + cells > prop->len / 4)
		return ENOENT;
	for (i = 0; i < cells; i++)
		v = v << 32 | be32(prop->data + ((size_t)first + i) * 4);
	*val = v;
	return 0;
}

error_t fdt_prop_string(const fdt_prop_t *prop, const char **str)
{
	if (prop->len == 0 || strnlen((const char *)prop->data, prop->len) != prop->len - 1)
		return EINVAL;
	*str = (const char *)prop->data;
	return 0;
}

bool fdt_stringlist_contains(const fdt_prop_t *prop, const char *str)
{
	const char *s = (const char *)prop->data;
	uint32_t off = 0;
	size_t n;

	while (off < prop->len) {
		n = strnlen(s + off, prop->len - off);
		if (n == prop->len - off)
			return false;  /* not terminated: the rest of the list is garbage */
		if (strcmp(s + off, str) == 0)
			return true;
		off += (uint32_t)n + 1;
	}
	return false;
}

error_t fdt_read_u32(const fdt_t *fdt, fdt_node_t node, const char *name, uint32_t *val)
{
	fdt_prop_t p;
	error_t error = fdt_get_prop(fdt, node, name, &p);

	if (error)
		return error;
	if (p.len != 4)
		return EINVAL;
	*val = be32(p.data);
	return 0;
}

error_t fdt_read_u64(const fdt_t *fdt, fdt_node_t node, const char *name, uint64_t *val)
{
	fdt_prop_t p;
	error_t error = fdt_get_prop(fdt, node, name, &p);

	if (error)
		return error;
	if (p.len != 8)
		return EINVAL;
	*val = be64(p.data);
	return 0;
}

error_t fdt_read_number(const fdt_t *fdt, fdt_node_t node, const char *name, uint64_t *val)
{
	fdt_prop_t p;
	error_t error = fdt_get_prop(fdt, node, name, &p);

	if (error)
		return error;
	if (p.len != 4 && p.len != 8)
		return EINVAL;
	return fdt_prop_number(&p, 0, p.len / 4, val);
}

error_t fdt_read_string(const fdt_t *fdt, fdt_node_t node, const char *name, const char **str)
{
	fdt_prop_t p;
	error_t error = fdt_get_prop(fdt, node, name, &p);

	return error ? error : fdt_prop_string(&p, str);
}

error_t fdt_bus_cells(const fdt_t *fdt, fdt_node_t bus, uint32_t *addr_cells, uint32_t *size_cells)
{
	uint32_t ac = 2, sc = 1;
	error_t error;

	error = fdt_read_u32(fdt, bus, "#address-cells", &ac);
	if (error && error != ENOENT)
		return error;
	error = fdt_read_u32(fdt, bus, "#size-cells", &sc);
	if (error && error != ENOENT)
		return error;
	if (ac > 2 || sc > 2)
		return ERANGE;
	*addr_cells = ac;
	*size_cells = sc;
	return 0;
}

/* @node's "reg" in *p with the cells of one entry decoded by its parent's #address/#size-cells. */
static error_t fdt_reg_prop(const fdt_t *fdt, fdt_node_t node, fdt_prop_t *p, uint32_t *ac,
			    uint32_t *sc)
{
	fdt_node_t parent;
	error_t error;

	*ac = 2;
	*sc = 1;
	error = fdt_parent(fdt, node, &parent);
	if (!error)
		error = fdt_bus_cells(fdt, parent, ac, sc);
	else if (error == ENOENT)
		error = 0;  /* the root: the defaults */
	if (!error)
		error = fdt_get_prop(fdt, node, "reg", p);
	if (!error && (*ac == 0 || p->len % ((*ac + *sc) * 4)))
		error = EINVAL;
	return error;
}

error_t fdt_reg_count(const fdt_t *fdt, fdt_node_t node, uint32_t *count)
{
	fdt_prop_t p;
	uint32_t ac, sc;
	error_t error = fdt_reg_prop(fdt, node, &p, &ac, &sc);

	if (error)
		return error;
	*count = p.len / ((ac + sc) * 4);
	return 0;
}

error_t fdt_read_reg(const fdt_t *fdt, fdt_node_t node, uint32_t index, uint64_t *base, uint64_t *size)
{
	fdt_prop_t p;
	uint32_t ac, sc;
	uint64_t b, s;
	error_t error = fdt_reg_prop(fdt, node, &p, &ac, &sc);

	if (error)
		return error;
	if (index >= p.len / ((ac + sc) * 4))
		return ENOENT;
	if (fdt_prop_number(&p, index * (ac + sc), ac, &b) ||
	    fdt_prop_number(&p, index * (ac + sc) + ac, sc, &s))
		return EINVAL;
	*base = b;
	*size = s;
	return 0;
}
