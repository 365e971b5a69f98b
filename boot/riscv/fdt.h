/*
 * fdt.h - a small, bounds-checked reader of flattened device trees (DTB, Devicetree Specification
 * v0.4, chapter 5: header, memory reservation block, structure block, strings block).
 *
 * Runs in early boot on the boot core, before anything is set up: no allocation, no global or static
 * state, no printing. The caller keeps an fdt_t (on its stack) made by fdt_init(), which validates the
 * header and walks the whole structure block once (token by token, nesting, depth, node count, every
 * length and name offset). Every later access checks its bounds again, so no function here reads
 * outside the blob, and none loops: every step moves strictly forward inside the structure block.
 *
 * A node is named by the offset of its FDT_BEGIN_NODE token inside the structure block (fdt_node_t).
 * Property values are big-endian; the readers below convert them. Unless said otherwise, functions
 * return 0 on success, ENOENT when what is looked for is absent, EINVAL when the blob is malformed or
 * an argument is not a node, ERANGE when a value does not fit. Out-parameters are written on success
 * only. Every function except fdt_init() needs an fdt_t that fdt_init() accepted.
 */
#ifndef BOOT_RISCV_FDT_H
#define BOOT_RISCV_FDT_H

#include <hal_types.h>

#define FDT_MAGIC        0xd00dfeedu
#define FDT_BEGIN_NODE   0x1u       /* structure block tokens */
#define FDT_END_NODE     0x2u
#define FDT_PROP         0x3u
#define FDT_NOP          0x4u
#define FDT_END          0x9u

#define FDT_MAX_DEPTH    32         /* deepest nesting accepted; the root is at depth 1  */
#define FDT_MAX_NODES    8192       /* nodes accepted in one tree                         */
#define FDT_NODE_NONE    0xffffffffu /* "no node": start of fdt_find_compatible()          */

typedef uint32_t fdt_node_t;

/* A validated blob: where its blocks are. Built by fdt_init(), read-only afterwards. */
typedef struct fdt_s {
	const uint8_t *blob;
	uint32_t totalsize;     /* bytes of the blob, header included                   */
	uint32_t version;
	uint32_t boot_cpuid;    /* boot_cpuid_phys of the header                        */
	uint32_t rsvmap_off;    /* memory reservation block, from the blob's start      */
	uint32_t rsvmap_nr;     /* its entries before the terminating (0, 0)           */
	uint32_t struct_off;    /* structure block                                      */
	uint32_t struct_size;
	uint32_t strings_off;   /* strings block (its last byte is NUL)                 */
	uint32_t strings_size;
	uint32_t nodes_nr;      /* nodes in the tree                                    */
	fdt_node_t root;
} fdt_t;

/* One property; also the state of an iteration with fdt_first_prop()/fdt_next_prop(). */
typedef struct fdt_prop_s {
	const char    *name;    /* NUL-terminated, inside the strings block             */
	const uint8_t *data;    /* len bytes inside the structure block                 */
	uint32_t       len;
	uint32_t       next;    /* offset of the token that follows the property        */
} fdt_prop_t;

/*
 * Validate the blob at @blob, of which @avail bytes may be read, and describe it in *fdt: magic,
 * version >= 16 with last_comp_version <= 17, totalsize <= avail, every block inside totalsize, the
 * structure block 4-byte and the reservation block 8-byte aligned, the strings block NUL-terminated,
 * and a well-formed structure block (one root, balanced, depth and node count capped, properties and
 * names inside their blocks). Returns 0, or EINVAL with a one-line reason in @err (size @errlen).
 */
error_t fdt_init(fdt_t *fdt, const void *blob, size_t avail, char *err, size_t errlen);

/* Entry @index of the memory reservation block; ENOENT from the terminating entry on. */
error_t fdt_rsvmap_entry(const fdt_t *fdt, uint32_t index, uint64_t *base, uint64_t *size);

/* ---- nodes ---- */

/* The name of @node with its unit address ("cpu@0"; "" for the root), or NULL if not a node. */
const char *fdt_node_name(const fdt_t *fdt, fdt_node_t node);

/* The first child of @parent; ENOENT if it has none. */
error_t fdt_first_child(const fdt_t *fdt, fdt_node_t parent, fdt_node_t *child);

/* The sibling that follows @node; ENOENT if it is its parent's last child. */
error_t fdt_next_sibling(const fdt_t *fdt, fdt_node_t node, fdt_node_t *next);

/* The node after @node in document order (depth first, the whole tree); ENOENT after the last. */
error_t fdt_next_node(const fdt_t *fdt, fdt_node_t node, fdt_node_t *next);

/* The parent of @node; ENOENT for the root. Walks the tree from the root: O(nodes). */
error_t fdt_parent(const fdt_t *fdt, fdt_node_t node, fdt_node_t *parent);

/*
 * The node at the absolute path @path (@len bytes, need not be NUL-terminated), e.g. "/soc/uart@0".
 * A component without '@' also matches a node name with a unit address ("/memory" matches
 * "memory@80000000", the first such child). EINVAL unless the path starts with '/'.
 */
error_t fdt_find_path_len(const fdt_t *fdt, const char *path, size_t len, fdt_node_t *node);

/* fdt_find_path_len() of the NUL-terminated @path. */
error_t fdt_find_path(const fdt_t *fdt, const char *path, fdt_node_t *node);

/* The node whose "phandle" (or "linux,phandle") is @phandle; ENOENT for none, 0 and 0xffffffff. */
error_t fdt_find_phandle(const fdt_t *fdt, uint32_t phandle, fdt_node_t *node);

/* The first node after @after (FDT_NODE_NONE: from the root) in document order whose compatible
 * list contains @compat. */
error_t fdt_find_compatible(const fdt_t *fdt, fdt_node_t after, const char *compat, fdt_node_t *node);

/* Whether @node's compatible string list contains @compat (false when absent or malformed). */
bool fdt_is_compatible(const fdt_t *fdt, fdt_node_t node, const char *compat);

/* Whether @node is enabled: no "status", or "okay" / "ok" (devicetree spec 2.3.4). */
bool fdt_is_available(const fdt_t *fdt, fdt_node_t node);

/* ---- properties ---- */

/* Start an iteration over @node's properties: the first one in *prop; ENOENT if it has none. */
error_t fdt_first_prop(const fdt_t *fdt, fdt_node_t node, fdt_prop_t *prop);

/* Advance *prop to the next property of the same node; ENOENT after the last. */
error_t fdt_next_prop(const fdt_t *fdt, fdt_prop_t *prop);

/* The property @name of @node. */
error_t fdt_get_prop(const fdt_t *fdt, fdt_node_t node, const char *name, fdt_prop_t *prop);

/* Cell (32-bit word) @index of @prop; ENOENT past its end. */
error_t fdt_prop_cell(const fdt_prop_t *prop, uint32_t index, uint32_t *val);

/* The number made of @cells (0..2) cells from cell @first of @prop; ENOENT past its end. */
error_t fdt_prop_number(const fdt_prop_t *prop, uint32_t first, uint32_t cells, uint64_t *val);

/* @prop as one string; EINVAL unless it is NUL-terminated with no NUL before. */
error_t fdt_prop_string(const fdt_prop_t *prop, const char **str);

/* Whether the string list @prop ("a\0b\0") holds @str; strings not terminated inside it never match. */
bool fdt_stringlist_contains(const fdt_prop_t *prop, const char *str);

/* Property @name of @node as one cell; EINVAL if its length is not 4. */
error_t fdt_read_u32(const fdt_t *fdt, fdt_node_t node, const char *name, uint32_t *val);

/* Property @name of @node as two cells; EINVAL if its length is not 8. */
error_t fdt_read_u64(const fdt_t *fdt, fdt_node_t node, const char *name, uint64_t *val);

/* Property @name of @node as one or two cells; EINVAL for any other length. */
error_t fdt_read_number(const fdt_t *fdt, fdt_node_t node, const char *name, uint64_t *val);

/* Property @name of @node as one string (see fdt_prop_string()). */
error_t fdt_read_string(const fdt_t *fdt, fdt_node_t node, const char *name, const char **str);

/* ---- addresses ---- */

/*
 * The #address-cells and #size-cells that @bus gives its children (2 and 1 when absent). ERANGE if
 * either is above 2 (addresses wider than 64 bits are not supported), EINVAL if not one cell.
 */
error_t fdt_bus_cells(const fdt_t *fdt, fdt_node_t bus, uint32_t *addr_cells, uint32_t *size_cells);

/* The number of (address, size) entries of @node's "reg", decoded with its parent's cells. EINVAL
 * when the length is not a multiple of an entry or the parent has #address-cells 0. */
error_t fdt_reg_count(const fdt_t *fdt, fdt_node_t node, uint32_t *count);

/* Entry @index of @node's "reg" (size 0 when the parent has #size-cells 0); ENOENT past the end. */
error_t fdt_read_reg(const fdt_t *fdt, fdt_node_t node, uint32_t index, uint64_t *base, uint64_t *size);

#endif /* BOOT_RISCV_FDT_H */
