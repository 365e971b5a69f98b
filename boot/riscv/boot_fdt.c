/*
 * boot_fdt.c - boot_info_t from the device tree (see boot_fdt.h).
 *
 * The steps run in dependency order on a context kept on the stack: memory nodes (which NUMA nodes
 * exist), cpus (checked against them), cpu-map, the cluster checks and the sort of the cores, then
 * what names cores or nodes (distance map, interrupt controllers) and the rest. A step either
 * succeeds or writes its message and returns; nothing is allocated, so nothing needs undoing, and
 * info->magic is written last so that a half-filled boot_info_t is never taken for a valid one.
 * The steps that read devices (interrupt controllers, ACLINT SSWIs, the console UART, the finisher)
 * are in boot_fdt_dev.c; what the two files share is boot_fdt_ctx.h.
 */
#include <hal_boot.h>
#include <hal_types.h>
#include <libk/bits.h>
#include <libk/errno.h>
#include <libk/string.h>
#include <params.h>

#include "boot_fdt.h"
#include "boot_fdt_ctx.h"
#include "fdt.h"

_Static_assert(CONFIG_MAX_CLUSTERS <= 32, "NUMA node sets are 32-bit masks");
_Static_assert(CONFIG_MAX_HWID <= 0x10000, "core sort keys hold 16-bit hart ids");

#define MAP_NONE        RISCV_MAP_NONE  /* riscv_cpu_pos_t: not in the cpu-map          */
#define DIST_LOCAL      10      /* SLIT convention when there is no distance-map        */
#define DIST_REMOTE     20

/* Write the message into the caller's buffer and return @code. */
error_t bfail(bctx_t *c, error_t code, const char *fmt, ...)
{
	va_list ap;

	if (c->err && c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err, c->errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* @n's name for messages ("/" for the root). */
const char *bname(const bctx_t *c, fdt_node_t n)
{
	const char *name = fdt_node_name(&c->fdt, n);

	return !name ? "?" : name[0] ? name : "/";
}

/* Whether @n is an enabled node of device_type @type. */
static bool is_type(const bctx_t *c, fdt_node_t n, const char *type)
{
	const char *s;

	return !fdt_read_string(&c->fdt, n, "device_type", &s) && strcmp(s, type) == 0 &&
	       fdt_is_available(&c->fdt, n);
}

/* Whether some child of @parent of device_type @type has a numa-node-id. */
static bool has_numa_ids(const bctx_t *c, fdt_node_t parent, const char *type)
{
	fdt_prop_t p;
	fdt_node_t n;
	error_t error;

	for (error = fdt_first_child(&c->fdt, parent, &n); !error; error = fdt_next_sibling(&c->fdt, n, &n))
		if (is_type(c, n, type) && !fdt_get_prop(&c->fdt, n, "numa-node-id", &p))
			return true;
	return false;
}

/* The message for fdt_read_reg()'s or fdt_reg_count()'s @error on node @n. */
static error_t reg_error(bctx_t *c, fdt_node_t n, error_t error)
{
	if (error == ENOENT)
		return bfail(c, ENOENT, "%s: missing or empty reg", bname(c, n));
	if (error == ERANGE)
		return bfail(c, ERANGE, "%s: reg: parent's #address-cells or #size-cells above 2", bname(c, n));
	return bfail(c, EINVAL, "%s: malformed reg (does not fit the parent's #address-cells/#size-cells)",
		     bname(c, n));
}

/* Entry @index of @n's reg, with a message naming @n when it is missing or malformed. */
error_t bfdt_read_reg(bctx_t *c, fdt_node_t n, uint32_t index, uint64_t *base, uint64_t *size)
{
	error_t error = fdt_read_reg(&c->fdt, n, index, base, size);

	return error ? reg_error(c, n, error) : 0;
}

/* Optional one-cell property @name of @n in *val, @def when absent. */
error_t bfdt_read_opt_u32(bctx_t *c, fdt_node_t n, const char *name, uint32_t *val, uint32_t def)
{
	error_t error = fdt_read_u32(&c->fdt, n, name, val);

	if (error == ENOENT)
		*val = def;
	else if (error)
		return bfail(c, EINVAL, "%s: %s is not one cell", bname(c, n), name);
	return 0;
}

/* The NUMA node of memory or cpu node @n: its numa-node-id, 0 on a machine without them. */
static error_t node_id(bctx_t *c, fdt_node_t n, uint32_t *nid)
{
	error_t error;

	*nid = 0;
	if (!c->numa)
		return 0;
	error = fdt_read_u32(&c->fdt, n, "numa-node-id", nid);
	if (error == ENOENT)
		return bfail(c, ENOENT, "%s: missing numa-node-id (other nodes have one)", bname(c, n));
	if (error)
		return bfail(c, EINVAL, "%s: numa-node-id is not one cell", bname(c, n));
	if (*nid >= CONFIG_MAX_CLUSTERS)
		return bfail(c, ERANGE, "%s: numa-node-id %u >= CONFIG_MAX_CLUSTERS (%u)", bname(c, n), *nid,
			     CONFIG_MAX_CLUSTERS);
	return 0;
}

/* ---- memory and cores ---- */

/* Record the non-empty reg ranges of memory node @n as its NUMA node's one memory range. */
static error_t add_memory(bctx_t *c, fdt_node_t n)
{
	boot_cluster_t *cl;
	uint64_t base, size;
	uint32_t nid, count, i;
	error_t error = fdt_reg_count(&c->fdt, n, &count);

	if (error)
		return reg_error(c, n, error);
	error = node_id(c, n, &nid);
	for (i = 0; !error && i < count; i++) {
		error = bfdt_read_reg(c, n, i, &base, &size);
		if (error || size == 0)
			continue;
		if (base + size < base)
			return bfail(c, EINVAL, "%s: range [0x%llx, +0x%llx) wraps around", bname(c, n),
				     (unsigned long long)base, (unsigned long long)size);
		if (c->mem_mask & (1u << nid))
			return bfail(c, EINVAL, "%s: numa node %u has a second memory range (one per node)",
				     bname(c, n), nid);
		cl = &c->info->cluster[nid];
		cl->mem_base = base;
		cl->mem_size = size;
		c->mem_mask |= 1u << nid;
	}
	return error;
}

/* Record every memory node (device_type "memory", a child of the root). */
static error_t parse_memory(bctx_t *c)
{
	fdt_node_t n;
	error_t error;

	for (error = fdt_first_child(&c->fdt, c->fdt.root, &n); !error;
	     error = fdt_next_sibling(&c->fdt, n, &n)) {
		if (!is_type(c, n, "memory"))
			continue;
		error = add_memory(c, n);
		if (error)
			return error;
	}
	if (!c->mem_mask)
		return bfail(c, ENOENT, "fdt: no memory node (device_type \"memory\" with a non-empty reg)");
	return 0;
}

/* The index in core[] of the core of hart @hwid, -1 if none. */
int bfdt_find_core(const boot_info_t *info, uint64_t hwid)
{
	uint32_t i;

	for (i = 0; i < info->cores_nr; i++)
		if (info->core[i].hwid == hwid)
			return (int)i;
	return -1;
}

/* Append cpu node @n to core[], in its cluster (which must have memory). */
static error_t add_cpu(bctx_t *c, fdt_node_t n)
{
	boot_info_t *info = c->info;
	boot_core_t *core;
	uint64_t hwid, size;
	uint32_t nid;
	error_t error;

	if (info->cores_nr == CONFIG_MAX_CORES)
		return bfail(c, E2BIG, "%s: more than CONFIG_MAX_CORES (%u) cpus", bname(c, n),
			     CONFIG_MAX_CORES);
	error = bfdt_read_reg(c, n, 0, &hwid, &size);
	if (!error)
		error = node_id(c, n, &nid);
	if (error)
		return error;
	if (hwid >= CONFIG_MAX_HWID)
		return bfail(c, ERANGE, "%s: hart id %llu >= CONFIG_MAX_HWID (%u)", bname(c, n),
			     (unsigned long long)hwid, CONFIG_MAX_HWID);
	if (bfdt_find_core(info, hwid) >= 0)
		return bfail(c, EINVAL, "%s: hart id %u used by two cpus", bname(c, n), (unsigned)hwid);
	if (!(c->mem_mask & (1u << nid)))
		return bfail(c, ENOENT, "%s: numa node %u has no memory node", bname(c, n), nid);
	if (info->cluster[nid].cores_nr == CONFIG_MAX_CORES_PER_CLUSTER)
		return bfail(c, E2BIG, "%s: numa node %u has more than CONFIG_MAX_CORES_PER_CLUSTER (%u) cpus",
			     bname(c, n), nid, CONFIG_MAX_CORES_PER_CLUSTER);
	info->cluster[nid].cores_nr++;
	c->cpu_mask |= 1u << nid;
	info->arch.cpu_pos[info->cores_nr] = (riscv_cpu_pos_t){ MAP_NONE, MAP_NONE };
	core = &info->core[info->cores_nr++];
	core->hwid = (hwid_t)hwid;
	core->cxy = (cxy_t)nid;
	return 0;
}

/* Read /cpus: timebase-frequency and every enabled cpu. */
static error_t parse_cpus(bctx_t *c, fdt_node_t cpus)
{
	uint64_t tb;
	fdt_node_t n;
	error_t error = fdt_read_number(&c->fdt, cpus, "timebase-frequency", &tb);

	if (error == ENOENT)
		return bfail(c, ENOENT, "/cpus: missing timebase-frequency");
	if (error || tb == 0)
		return bfail(c, EINVAL, "/cpus: timebase-frequency is not a non-zero 1- or 2-cell number");
	c->info->timebase_hz = tb;
	for (error = fdt_first_child(&c->fdt, cpus, &n); !error; error = fdt_next_sibling(&c->fdt, n, &n)) {
		if (!is_type(c, n, "cpu"))
			continue;
		error = add_cpu(c, n);
		if (error)
			return error;
	}
	if (c->info->cores_nr == 0)
		return bfail(c, ENOENT, "/cpus: no enabled cpu node (device_type \"cpu\")");
	return 0;
}

/* Whether @name is @prefix followed by a decimal number below MAP_NONE, in *idx. */
static bool name_index(const char *name, const char *prefix, uint32_t *idx)
{
	size_t n = strlen(prefix);
	uint32_t v = 0;

	if (strncmp(name, prefix, n) != 0 || name[n] == '\0')
		return false;
	for (name += n; *name; name++) {
		if (*name < '0' || *name > '9' || v >= MAP_NONE / 10)
			return false;
		v = v * 10 + (uint32_t)(*name - '0');
	}
	*idx = v;
	return v < MAP_NONE;
}

/* Give the core named by cpu-map entry @cl/@co (clusterN/coreM = @ci/@mi) its position. */
static error_t map_core(bctx_t *c, fdt_node_t cpus, fdt_node_t cl, fdt_node_t co, uint32_t ci, uint32_t mi)
{
	fdt_node_t cpu, parent;
	riscv_cpu_pos_t *pos;
	uint64_t hwid, size;
	uint32_t ph;
	int i;
	error_t error = fdt_read_u32(&c->fdt, co, "cpu", &ph);

	if (error == ENOENT)
		return 0;  /* e.g. a core made of threads: no position for it */
	if (error)
		return bfail(c, EINVAL, "cpu-map/%s/%s: cpu is not one phandle", bname(c, cl), bname(c, co));
	if (fdt_find_phandle(&c->fdt, ph, &cpu) || fdt_parent(&c->fdt, cpu, &parent) || parent != cpus ||
	    fdt_read_reg(&c->fdt, cpu, 0, &hwid, &size))
		return bfail(c, EINVAL, "cpu-map/%s/%s: cpu phandle 0x%x names no cpu node of /cpus",
			     bname(c, cl), bname(c, co), ph);
	i = bfdt_find_core(c->info, hwid);
	if (i < 0)
		return 0;  /* a disabled cpu */
	pos = &c->info->arch.cpu_pos[i];
	if (pos->cluster != MAP_NONE)
		return bfail(c, EINVAL, "cpu-map/%s/%s: hart %u already at cluster%u/core%u", bname(c, cl),
			     bname(c, co), (unsigned)hwid, pos->cluster, pos->core);
	pos->cluster = (uint16_t)ci;
	pos->core = (uint16_t)mi;
	return 0;
}

/* Record the clusterN/coreM position of every core the (optional) /cpus/cpu-map names. */
static error_t parse_cpu_map(bctx_t *c, fdt_node_t cpus)
{
	fdt_node_t map, cl, co;
	uint32_t ci, mi, entries = 0;
	error_t error, e;

	if (fdt_find_path(&c->fdt, "/cpus/cpu-map", &map))
		return 0;
	for (e = fdt_first_child(&c->fdt, map, &cl); !e; e = fdt_next_sibling(&c->fdt, cl, &cl)) {
		if (!name_index(bname(c, cl), "cluster", &ci))
			continue;
		for (error = fdt_first_child(&c->fdt, cl, &co); !error;
		     error = fdt_next_sibling(&c->fdt, co, &co)) {
			if (!name_index(bname(c, co), "core", &mi))
				continue;
			if (++entries > CONFIG_MAX_HWID)
				return bfail(c, E2BIG, "/cpus/cpu-map: more than CONFIG_MAX_HWID (%u) entries",
					     CONFIG_MAX_HWID);
			error = map_core(c, cpus, cl, co, ci, mi);
			if (error)
				return error;
		}
	}
	return 0;
}

/* The order of core[]: cluster, then cpu-map position (cores without one last), then hart id. */
static uint64_t core_key(const boot_core_t *k, const riscv_cpu_pos_t *pos)
{
	return (uint64_t)k->cxy << 48 | (uint64_t)pos->cluster << 32 | (uint64_t)pos->core << 16 | k->hwid;
}

/* Sort core[] (and its cpu-map positions with it) by core_key() and number the cores of each
 * cluster (lid, first_core). */
static void sort_cores(boot_info_t *info)
{
	riscv_cpu_pos_t *pos = info->arch.cpu_pos, kp;
	boot_core_t k;
	uint32_t i, j;

	for (i = 1; i < info->cores_nr; i++) {
		k = info->core[i];
		kp = pos[i];
		for (j = i; j > 0 && core_key(&info->core[j - 1], &pos[j - 1]) > core_key(&k, &kp); j--) {
			info->core[j] = info->core[j - 1];
			pos[j] = pos[j - 1];
		}
		info->core[j] = k;
		pos[j] = kp;
	}
	for (i = 0; i < info->cores_nr; i++) {
		if (i == 0 || info->core[i - 1].cxy != info->core[i].cxy)
			info->cluster[info->core[i].cxy].first_core = i;
		info->core[i].lid = i - info->cluster[info->core[i].cxy].first_core;
	}
}

/* Set clusters_nr: node ids 0..N-1 without holes, each with memory and a core (add_cpu checked
 * that every core's node has memory); sort the cores; check that the boot hart is one of them. */
static error_t check_clusters(bctx_t *c, hwid_t boot_hwid)
{
	uint32_t n = 0, k;

	while (c->mem_mask >> n)  /* a loop, not __builtin_clz: no libgcc helper in early boot */
		n++;
	for (k = 0; k < n; k++) {
		if (!(c->mem_mask & (1u << k)))
			return bfail(c, EINVAL, "numa node %u has no memory and no cpu (node ids must be "
				     "0..%u without holes)", k, n - 1);
		if (!(c->cpu_mask & (1u << k)))
			return bfail(c, ENOENT, "numa node %u has memory at 0x%llx but no cpu", k,
				     (unsigned long long)c->info->cluster[k].mem_base);
	}
	c->info->clusters_nr = n;
	sort_cores(c->info);
	if (bfdt_find_core(c->info, boot_hwid) < 0)
		return bfail(c, ENOENT, "boot hart %u is not an enabled cpu of /cpus", boot_hwid);
	return 0;
}

/* ---- distances, /chosen, reserved ranges ---- */

/* Fill distance[][]: 10 local and 20 remote, then /distance-map's (src, dst, distance) triplets. */
static error_t parse_distance(bctx_t *c)
{
	boot_info_t *info = c->info;
	uint32_t i, j, src, dst, dist;
	fdt_node_t dm;
	fdt_prop_t p;

	for (i = 0; i < info->clusters_nr; i++)
		for (j = 0; j < info->clusters_nr; j++)
			info->distance[i][j] = i == j ? DIST_LOCAL : DIST_REMOTE;
	if (fdt_find_path(&c->fdt, "/distance-map", &dm) ||
	    fdt_get_prop(&c->fdt, dm, "distance-matrix", &p))
		return 0;
	if (p.len % 12)
		return bfail(c, EINVAL, "/distance-map: distance-matrix is not a list of (src dst distance)");
	for (i = 0; !fdt_prop_cell(&p, 3 * i, &src); i++) {
		fdt_prop_cell(&p, 3 * i + 1, &dst);
		fdt_prop_cell(&p, 3 * i + 2, &dist);
		if (src >= info->clusters_nr || dst >= info->clusters_nr)
			return bfail(c, ERANGE, "/distance-map: node id %u >= %u numa nodes",
				     src >= info->clusters_nr ? src : dst, info->clusters_nr);
		if (dist == 0 || dist > 255)
			return bfail(c, ERANGE, "/distance-map: distance %u from node %u to %u not in 1..255",
				     dist, src, dst);
		info->distance[src][dst] = (uint8_t)dist;
		if (dst > src)  /* as Linux: A->B gives B->A too, unless B->A is listed (later) */
			info->distance[dst][src] = (uint8_t)dist;
	}
	return 0;
}

/* /chosen linux,initrd-start and linux,initrd-end (both or neither, 1 or 2 cells each). */
static error_t parse_initrd(bctx_t *c, fdt_node_t ch)
{
	uint64_t start, end;
	error_t es = fdt_read_number(&c->fdt, ch, "linux,initrd-start", &start);
	error_t ee = fdt_read_number(&c->fdt, ch, "linux,initrd-end", &end);

	if (es == ENOENT && ee == ENOENT)
		return 0;
	if (es == ENOENT || ee == ENOENT)
		return bfail(c, ENOENT, "/chosen: linux,initrd-%s without linux,initrd-%s",
			     es ? "end" : "start", es ? "start" : "end");
	if (es || ee)
		return bfail(c, EINVAL, "/chosen: linux,initrd-%s is not 1 or 2 cells", es ? "start" : "end");
	if (end < start)
		return bfail(c, EINVAL, "/chosen: linux,initrd-end 0x%llx below linux,initrd-start 0x%llx",
			     (unsigned long long)end, (unsigned long long)start);
	c->info->initrd_start = start;
	c->info->initrd_end = end;
	return 0;
}

/* /chosen (optional): bootargs into cmdline, the initrd. */
static error_t parse_chosen(bctx_t *c)
{
	const char *s;
	fdt_node_t ch;
	fdt_prop_t p;
	size_t n;

	if (fdt_find_path(&c->fdt, "/chosen", &ch))
		return 0;
	if (!fdt_get_prop(&c->fdt, ch, "bootargs", &p)) {
		if (fdt_prop_string(&p, &s))
			return bfail(c, EINVAL, "/chosen: bootargs is not one NUL-terminated string");
		n = strlen(s);
		if (n >= CONFIG_CMDLINE_MAX)
			return bfail(c, E2BIG, "/chosen: bootargs of %lu bytes does not fit CONFIG_CMDLINE_MAX "
				     "(%u)", (unsigned long)n, CONFIG_CMDLINE_MAX);
		memcpy(c->info->cmdline, s, n + 1);
	}
	return parse_initrd(c, ch);
}

/* Append [base, base + size) to rsvd[] (nothing if empty); @what names it in messages. */
static error_t add_rsvd(bctx_t *c, uint64_t base, uint64_t size, const char *what)
{
	boot_info_t *info = c->info;

	if (size == 0)
		return 0;
	if (base + size < base)
		return bfail(c, EINVAL, "%s: reserved range [0x%llx, +0x%llx) wraps around", what,
			     (unsigned long long)base, (unsigned long long)size);
	if (info->rsvd_nr == CONFIG_MAX_RSVD_RANGES)
		return bfail(c, E2BIG, "%s: more than CONFIG_MAX_RSVD_RANGES (%u) reserved ranges", what,
			     CONFIG_MAX_RSVD_RANGES);
	info->rsvd[info->rsvd_nr].base = base;
	info->rsvd[info->rsvd_nr].size = size;
	info->rsvd_nr++;
	return 0;
}

/* Every reg range of the enabled children of /reserved-memory (those without reg are placed
 * dynamically by an OS that supports it; nothing to reserve here). */
static error_t parse_reserved_memory(bctx_t *c)
{
	uint64_t base, size;
	uint32_t count, i;
	fdt_node_t rm, n;
	error_t error;

	if (fdt_find_path(&c->fdt, "/reserved-memory", &rm))
		return 0;
	for (error = fdt_first_child(&c->fdt, rm, &n); !error; error = fdt_next_sibling(&c->fdt, n, &n)) {
		if (!fdt_is_available(&c->fdt, n))
			continue;
		error = fdt_reg_count(&c->fdt, n, &count);
		if (error == ENOENT)
			continue;
		if (error)
			return reg_error(c, n, error);
		for (i = 0; i < count; i++) {
			error = bfdt_read_reg(c, n, i, &base, &size);
			if (!error)
				error = add_rsvd(c, base, size, bname(c, n));
			if (error)
				return error;
		}
	}
	return 0;
}

/* rsvd[]: the header's reservation block, /reserved-memory, the blob, the initrd. */
static error_t parse_rsvd(bctx_t *c)
{
	boot_info_t *info = c->info;
	uint64_t base, size;
	uint32_t i;
	error_t error = 0;

	for (i = 0; !error && !fdt_rsvmap_entry(&c->fdt, i, &base, &size); i++)
		error = add_rsvd(c, base, size, "fdt memory reservation block");
	if (!error)
		error = parse_reserved_memory(c);
	if (!error)
		error = add_rsvd(c, info->arch.dtb_pa, info->arch.dtb_size, "fdt blob");
	if (!error)
		error = add_rsvd(c, info->initrd_start, info->initrd_end - info->initrd_start, "initrd");
	return error;
}

error_t boot_info_from_fdt(const void *fdt, size_t avail, paddr_t fdt_pa, hwid_t boot_hwid,
			   boot_info_t *info, char *err, size_t errlen)
{
	fdt_node_t cpus;
	bctx_t c;
	error_t error;

	memset(info, 0, sizeof(*info));
	memset(&c, 0, sizeof(c));
	c.info = info;
	c.err = err;
	c.errlen = errlen;
	error = fdt_init(&c.fdt, fdt, avail, err, errlen);
	if (error)
		return error;
	info->boot_hwid = boot_hwid;
	info->arch.dtb_pa = fdt_pa;
	info->arch.dtb_size = c.fdt.totalsize;
	if (fdt_find_path(&c.fdt, "/cpus", &cpus))
		return bfail(&c, ENOENT, "fdt: missing /cpus");
	c.numa = has_numa_ids(&c, c.fdt.root, "memory") || has_numa_ids(&c, cpus, "cpu");
	error = parse_memory(&c);
	if (!error)
		error = parse_cpus(&c, cpus);
	if (!error)
		error = parse_cpu_map(&c, cpus);
	if (!error)
		error = check_clusters(&c, boot_hwid);
	if (!error)
		error = parse_distance(&c);
	if (!error)
		error = parse_chosen(&c);
	if (!error)
		error = parse_rsvd(&c);
	if (!error)
		error = bfdt_parse_irqcs(&c);
	if (!error)
		error = bfdt_parse_sswis(&c);
	if (!error)
		error = bfdt_parse_uart(&c);
	if (!error)
		error = bfdt_parse_finisher(&c);
	if (!error) {
		bfdt_resolve_console_irq(info);
		info->magic = BOOT_INFO_MAGIC;
	}
	return error;
}
