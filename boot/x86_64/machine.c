/*
 * machine.c - boot_info_t and boot_x86_t from the PVH start info and the ACPI tables (machine.h).
 *
 * Steps: the start info (magic, version, memory map, command line, module), acpi_parse(), then each
 * cluster's memory range and the reserved ranges, then the cores. The memory map is read in place,
 * field by field (its entries need not be aligned). info->magic is written last.
 */
#include <libk/bits.h>
#include <libk/errno.h>
#include <libk/string.h>

#include "acpi_int.h"
#include "machine.h"
#include "pvh.h"

#define PAGE          4096ull
#define SI_V0_LEN     40        /* hvm_start_info up to rsdp_paddr        */
#define MEMMAP_ESIZE  24        /* sizeof(hvm_memmap_entry_t)             */
#define MODLIST_ESIZE 32        /* sizeof(hvm_modlist_entry_t)            */

/* The state of one boot_info_from_pvh() call. */
typedef struct mctx_s {
	const phys_map_t *pm;
	boot_info_t      *info;
	acpi_machine_t   *m;
	char             *err;
	size_t            errlen;
	const uint8_t    *mm;       /* the memory map, mm_nr entries of MEMMAP_ESIZE bytes */
	uint32_t          mm_nr;
} mctx_t;

static error_t mfail(mctx_t *c, error_t code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static error_t mfail(mctx_t *c, error_t code, const char *fmt, ...)
{
	va_list ap;

	if (c->err && c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err, c->errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* Entry @i of the memory map: [*base, *end) of @type; false for an empty entry. */
static bool mm_entry(const mctx_t *c, uint32_t i, paddr_t *base, paddr_t *end, uint32_t *type)
{
	const uint8_t *e = c->mm + (size_t)i * MEMMAP_ESIZE;

	*base = rd64(e);
	*end = *base + rd64(e + 8);
	*type = rd32(e + 16);
	return *end > *base;
}

static error_t read_memmap(mctx_t *c, const uint8_t *si)
{
	paddr_t base, end;
	uint32_t type;

	c->mm_nr = rd32(si + 48);
	if (c->mm_nr == 0)
		return mfail(c, ENOENT, "start info: empty memory map");
	if (c->mm_nr > PVH_MAX_MEMMAP)
		return mfail(c, E2BIG, "start info: %u memory map entries, more than %u", c->mm_nr,
			     PVH_MAX_MEMMAP);
	c->mm = c->pm->map(c->pm->ctx, rd64(si + 40), (size_t)c->mm_nr * MEMMAP_ESIZE);
	if (!c->mm)
		return mfail(c, EINVAL, "start info: memory map at 0x%llx (%u entries) not readable",
			     (unsigned long long)rd64(si + 40), c->mm_nr);
	for (uint32_t i = 0; i < c->mm_nr; i++) {
		if (rd64(c->mm + (size_t)i * MEMMAP_ESIZE + 8) == 0)
			continue;
		if (!mm_entry(c, i, &base, &end, &type))
			return mfail(c, EINVAL, "start info: memory map entry %u [0x%llx, +0x%llx) wraps around",
				     i, (unsigned long long)base, (unsigned long long)(end - base));
	}
	return 0;
}

/* The NUL-terminated command line at @pa into info->cmdline. */
static error_t read_cmdline(mctx_t *c, paddr_t pa)
{
	const char *s;

	for (size_t n = 0; n < CONFIG_CMDLINE_MAX; n++) {
		s = c->pm->map(c->pm->ctx, pa + n, 1);
		if (!s)
			return mfail(c, EINVAL, "start info: command line at 0x%llx not readable at byte %lu",
				     (unsigned long long)pa, (unsigned long)n);
		c->info->cmdline[n] = *s;
		if (*s == '\0')
			return 0;
	}
	c->info->cmdline[0] = '\0';
	return mfail(c, E2BIG, "start info: command line longer than CONFIG_CMDLINE_MAX (%u) - 1 bytes",
		     CONFIG_CMDLINE_MAX);
}

static error_t read_modules(mctx_t *c, const uint8_t *si)
{
	uint32_t n = rd32(si + 12);
	const uint8_t *mod;
	paddr_t base, size;

	if (n == 0)
		return 0;
	if (n > 1)
		return mfail(c, E2BIG, "start info: %u modules; one, the initrd, is accepted", n);
	mod = c->pm->map(c->pm->ctx, rd64(si + 16), MODLIST_ESIZE);
	if (!mod)
		return mfail(c, EINVAL, "start info: module list at 0x%llx not readable",
			     (unsigned long long)rd64(si + 16));
	base = rd64(mod);
	size = rd64(mod + 8);
	if (base + size < base)
		return mfail(c, EINVAL, "start info: initrd [0x%llx, +0x%llx) wraps around",
			     (unsigned long long)base, (unsigned long long)size);
	if (size) {
		c->info->initrd_start = base;
		c->info->initrd_end = base + size;
	}
	return 0;
}

/* Check the start info and read its memory map, command line and module; *rsdp_pa its RSDP. */
static error_t read_start_info(mctx_t *c, paddr_t pa, paddr_t *rsdp_pa)
{
	const uint8_t *si = c->pm->map(c->pm->ctx, pa, SI_V0_LEN);
	error_t error;

	if (!si)
		return mfail(c, EINVAL, "start info at 0x%llx: not readable", (unsigned long long)pa);
	if (rd32(si) != HVM_START_MAGIC)
		return mfail(c, EINVAL, "start info at 0x%llx: magic 0x%x, expected 0x%x", (unsigned long long)pa,
			     rd32(si), HVM_START_MAGIC);
	if (rd32(si + 4) < 1)
		return mfail(c, ENOENT, "start info version 0: no memory map");
	si = c->pm->map(c->pm->ctx, pa, sizeof(hvm_start_info_t));
	if (!si)
		return mfail(c, EINVAL, "start info at 0x%llx: not readable", (unsigned long long)pa);
	*rsdp_pa = rd64(si + 32);
	error = read_memmap(c, si);
	if (!error && rd64(si + 24))
		error = read_cmdline(c, rd64(si + 24));
	if (!error)
		error = read_modules(c, si);
	return error;
}

/* ---- memory ---- */

/* Add [base, end) to rsvd[], page-aligned outwards, merged with the ranges it touches. */
static error_t rsvd_add(mctx_t *c, paddr_t base, paddr_t end, const char *what)
{
	boot_info_t *info = c->info;
	uint32_t i = 0, j;

	base = ALIGN_DOWN(base, PAGE);
	end = end > ~(paddr_t)0 - PAGE ? ALIGN_DOWN(~(paddr_t)0, PAGE) : ALIGN_UP(end, PAGE);
	if (end <= base)
		return 0;
	while (i < info->rsvd_nr && info->rsvd[i].base + info->rsvd[i].size < base)
		i++;
	for (j = i; j < info->rsvd_nr && info->rsvd[j].base <= end; j++) {
		base = MIN(base, info->rsvd[j].base);
		end = MAX(end, info->rsvd[j].base + info->rsvd[j].size);
	}
	if (j == i && info->rsvd_nr == CONFIG_MAX_RSVD_RANGES)
		return mfail(c, E2BIG, "%s: more than CONFIG_MAX_RSVD_RANGES (%u) reserved ranges", what,
			     CONFIG_MAX_RSVD_RANGES);
	/* entries [i, j) merge into one at i */
	if (j == i)
		memmove(&info->rsvd[i + 1], &info->rsvd[i], (info->rsvd_nr - i) * sizeof(info->rsvd[0]));
	else
		memmove(&info->rsvd[i + 1], &info->rsvd[j], (info->rsvd_nr - j) * sizeof(info->rsvd[0]));
	info->rsvd_nr = info->rsvd_nr + 1 - (j - i);
	info->rsvd[i].base = base;
	info->rsvd[i].size = end - base;
	return 0;
}

/* Range @r of cluster @cxy (SRAT), or the hull of the memory map's RAM without SRAT; false past
 * the last one. */
static bool cluster_range(const mctx_t *c, cxy_t cxy, uint32_t r, paddr_t *base, paddr_t *end)
{
	paddr_t b, e;
	uint32_t type, k = 0;

	if (c->m->has_srat) {
		for (uint32_t i = 0; i < c->m->mem_nr; i++) {
			if (c->m->mem[i].cxy == cxy && k++ == r) {
				*base = c->m->mem[i].base;
				*end = c->m->mem[i].base + c->m->mem[i].size;
				return true;
			}
		}
		return false;
	}
	*base = ~(paddr_t)0;
	*end = 0;
	for (uint32_t i = 0; r == 0 && i < c->mm_nr; i++) {
		if (mm_entry(c, i, &b, &e, &type) && type == HVM_MEMMAP_RAM) {
			*base = MIN(*base, b);
			*end = MAX(*end, e);
		}
	}
	return *end > *base;
}

/* The usable piece of @cxy (RAM in one of its ranges) that starts first at or after @from: false
 * if none. */
static bool next_usable(const mctx_t *c, cxy_t cxy, paddr_t from, paddr_t *s, paddr_t *t)
{
	paddr_t rb, re, eb, ee, b, e;
	uint32_t type;
	bool found = false;

	for (uint32_t r = 0; cluster_range(c, cxy, r, &rb, &re); r++) {
		for (uint32_t i = 0; i < c->mm_nr; i++) {
			if (!mm_entry(c, i, &eb, &ee, &type) || type != HVM_MEMMAP_RAM)
				continue;
			b = MAX(MAX(rb, eb), from);
			e = MIN(re, ee);
			if (b < e && (!found || b < *s || (b == *s && e > *t))) {
				*s = b;
				*t = e;
				found = true;
			}
		}
	}
	return found;
}

/* Cluster @cxy's range: from its first to its last usable byte; what lies between and is not
 * usable is reserved. */
static error_t cluster_memory(mctx_t *c, cxy_t cxy)
{
	boot_cluster_t *cl = &c->info->cluster[cxy];
	paddr_t cursor, s, t, first = 0;
	error_t error;

	if (!next_usable(c, cxy, 0, &s, &t))
		return mfail(c, ENOENT, "cluster %u (proximity domain %u): no RAM of the memory map in its "
			     "SRAT ranges", cxy, c->m->domain[cxy]);
	first = s;
	cursor = t;
	while (next_usable(c, cxy, cursor, &s, &t)) {
		if (s > cursor) {
			error = rsvd_add(c, cursor, s, "hole in a cluster's memory");
			if (error)
				return error;
		}
		cursor = t;
	}
	cl->mem_base = first;
	cl->mem_size = cursor - first;
	return 0;
}

/* ---- cores ---- */

static error_t copy_cores(mctx_t *c, hwid_t boot_hwid)
{
	boot_info_t *info = c->info;
	bool boot_found = false;
	uint32_t first = 0;

	info->clusters_nr = c->m->clusters_nr;
	info->cores_nr = c->m->cores_nr;
	memcpy(info->core, c->m->core, sizeof(info->core));
	memcpy(info->distance, c->m->distance, sizeof(info->distance));
	for (uint32_t k = 0; k < info->clusters_nr; k++) {
		info->cluster[k].cores_nr = c->m->cluster_cores[k];
		info->cluster[k].first_core = first;
		first += c->m->cluster_cores[k];
	}
	for (uint32_t i = 0; i < info->cores_nr; i++)
		boot_found |= info->core[i].hwid == boot_hwid;
	if (!boot_found)
		return mfail(c, ENOENT, "boot core: APIC id %u is not an enabled processor of the MADT",
			     boot_hwid);
	info->boot_hwid = boot_hwid;
	return 0;
}

error_t boot_info_from_pvh(const phys_map_t *pm, paddr_t start_info_pa, hwid_t boot_hwid,
			   boot_info_t *info, boot_x86_t *x86, acpi_machine_t *scratch,
			   char *err, size_t errlen)
{
	mctx_t c = { .pm = pm, .info = info, .m = scratch, .err = err, .errlen = errlen };
	paddr_t rsdp_pa = 0;
	error_t error;

	memset(info, 0, sizeof(*info));
	memset(x86, 0, sizeof(*x86));
	error = read_start_info(&c, start_info_pa, &rsdp_pa);
	if (!error)
		error = acpi_parse(pm, rsdp_pa, scratch, err, errlen);
	if (!error)
		error = rsvd_add(&c, 0, LOW_RESERVED_END, "the first MiB");
	for (cxy_t k = 0; !error && k < scratch->clusters_nr; k++)
		error = cluster_memory(&c, k);
	if (!error)
		error = rsvd_add(&c, info->initrd_start, info->initrd_end, "initrd");
	if (!error)
		error = copy_cores(&c, boot_hwid);
	if (error)
		return error;
	*x86 = scratch->x86;
	info->magic = BOOT_INFO_MAGIC;
	return 0;
}
