/*
 * acpi_numa.c - clusters from the SRAT and distances from the SLIT (see acpi.h).
 *
 * A cluster is a proximity domain that has memory and enabled processors; clusters are numbered
 * densely in the order of their domain numbers, and the cores of a cluster (lid) in the order of
 * their APIC ids. The generic kernel wants one contiguous memory range per cluster: a domain may
 * have several SRAT ranges (QEMU splits node 0 around [640 KiB, 1 MiB) and a node around the PCI
 * hole below 4 GiB), but no range of another domain may lie between them.
 */
#include <libk/bits.h>
#include <libk/errno.h>
#include <libk/string.h>

#include "acpi_int.h"

#define SRAT_FIXED        48      /* header, table revision (4), reserved (8) */
#define SLIT_FIXED        44      /* header, number of localities (8)         */
#define SRAT_ENABLED      0x1
#define SRAT_HOTPLUG      0x2
#define DIST_LOCAL        10
#define DIST_REMOTE       20
#define DIST_UNREACHABLE  255

enum { SRAT_CPU = 0, SRAT_MEM = 1, SRAT_X2APIC = 2 };

/* The core of APIC id @apic, if the MADT enabled it, belongs to @dom. */
static error_t set_core_domain(actx_t *c, uint32_t apic, uint32_t dom)
{
	for (uint32_t i = 0; i < c->m->cores_nr; i++) {
		if (c->m->core[i].hwid != apic)
			continue;
		if (c->core_has_domain[i] && c->core_domain[i] != dom)
			return acpi_fail(c, EINVAL, "SRAT: APIC id %u in proximity domains %u and %u", apic,
					 c->core_domain[i], dom);
		c->core_has_domain[i] = true;
		c->core_domain[i] = dom;
		return 0;
	}
	return 0;  /* not an enabled processor of the MADT (e.g. a possible, absent one) */
}

static error_t add_mem(actx_t *c, const uint8_t *e, uint32_t off)
{
	acpi_machine_t *m = c->m;
	uint64_t base = rd64(e + 8), size = rd64(e + 16);
	uint32_t flags = rd32(e + 28);

	/* A hot-pluggable range holds no memory at boot (QEMU lists its device-memory window so). */
	if (!(flags & SRAT_ENABLED) || (flags & SRAT_HOTPLUG) || size == 0)
		return 0;
	if (base + size < base)
		return acpi_fail(c, EINVAL, "SRAT: memory range [0x%llx, +0x%llx) (offset %u) wraps around",
				 (unsigned long long)base, (unsigned long long)size, off);
	if (m->mem_nr == ACPI_MAX_MEM_RANGES)
		return acpi_fail(c, E2BIG, "SRAT: more than %u enabled memory ranges", ACPI_MAX_MEM_RANGES);
	c->mem_domain[m->mem_nr] = rd32(e + 2);
	m->mem[m->mem_nr].base = base;
	m->mem[m->mem_nr].size = size;
	m->mem_nr++;
	return 0;
}

/* One SRAT entry; other types (GICC, generic initiators, ...) are skipped. */
static error_t srat_entry(actx_t *c, const acpi_table_t *t, uint32_t off, uint8_t type, uint8_t len)
{
	const uint8_t *e = t->p + off;
	uint32_t dom;
	error_t error = 0;

	switch (type) {
	case SRAT_CPU:
		error = acpi_entry_min(c, t, off, type, len, 16);
		if (error || !(rd32(e + 4) & SRAT_ENABLED))
			return error;
		dom = e[2];
		if (t->p[8] >= 2)   /* bits 8-31 of the domain exist from SRAT revision 2 */
			dom |= (uint32_t)(e[9] | e[10] << 8 | e[11] << 16) << 8;
		return set_core_domain(c, e[3], dom);
	case SRAT_X2APIC:
		error = acpi_entry_min(c, t, off, type, len, 24);
		if (error || !(rd32(e + 12) & SRAT_ENABLED))
			return error;
		return set_core_domain(c, rd32(e + 8), rd32(e + 4));
	case SRAT_MEM:
		error = acpi_entry_min(c, t, off, type, len, 40);
		return error ? error : add_mem(c, e, off);
	default:
		return 0;
	}
}

static error_t parse_srat(actx_t *c, const acpi_table_t *t)
{
	uint32_t off = SRAT_FIXED;
	uint8_t type, len;
	error_t error;
	int r;

	if (t->len < SRAT_FIXED)
		return acpi_fail(c, EINVAL, "SRAT at 0x%llx: length %u < %u", (unsigned long long)t->pa,
				 t->len, SRAT_FIXED);
	while ((r = acpi_next_entry(c, t, &off, &type, &len)) > 0) {
		error = srat_entry(c, t, off, type, len);
		if (error)
			return error;
		off += len;
	}
	return r < 0 ? -r : 0;
}

/* The cluster of domain @dom, adding it (in domain order) if @add; -1 if absent or full. */
static int domain_cluster(actx_t *c, uint32_t dom, bool add)
{
	acpi_machine_t *m = c->m;
	uint32_t i = 0;

	while (i < m->clusters_nr && m->domain[i] < dom)
		i++;
	if (i < m->clusters_nr && m->domain[i] == dom)
		return (int)i;
	if (!add || m->clusters_nr == CONFIG_MAX_CLUSTERS)
		return -1;
	memmove(&m->domain[i + 1], &m->domain[i], (m->clusters_nr - i) * sizeof(m->domain[0]));
	m->domain[i] = dom;
	m->clusters_nr++;
	return (int)i;
}

/* Clusters = the domains of the memory ranges; every core's domain must be one of them. */
static error_t make_clusters(actx_t *c)
{
	acpi_machine_t *m = c->m;
	bool has_cores[CONFIG_MAX_CLUSTERS] = { false };
	int cl;

	for (uint32_t i = 0; i < m->mem_nr; i++)
		if (domain_cluster(c, c->mem_domain[i], true) < 0)
			return acpi_fail(c, ERANGE, "SRAT: more than CONFIG_MAX_CLUSTERS (%u) proximity "
					 "domains with memory", CONFIG_MAX_CLUSTERS);
	for (uint32_t i = 0; i < m->mem_nr; i++)
		m->mem[i].cxy = (cxy_t)domain_cluster(c, c->mem_domain[i], false);
	for (uint32_t i = 0; i < m->cores_nr; i++) {
		if (!c->core_has_domain[i])
			return acpi_fail(c, ENOENT, "SRAT: no proximity domain for the processor with APIC id "
					 "%u", m->core[i].hwid);
		cl = domain_cluster(c, c->core_domain[i], false);
		if (cl < 0)
			return acpi_fail(c, ENOENT, "SRAT: processor with APIC id %u in proximity domain %u, "
					 "which has no memory", m->core[i].hwid, c->core_domain[i]);
		m->core[i].cxy = (cxy_t)cl;
		has_cores[cl] = true;
	}
	for (uint32_t k = 0; k < m->clusters_nr; k++)
		if (!has_cores[k])
			return acpi_fail(c, ENOENT, "SRAT: proximity domain %u has memory but no enabled "
					 "processor", m->domain[k]);
	return 0;
}

/* Sort mem[] by base; ranges must be disjoint, and no cluster's ranges may surround another's. */
static error_t check_memory(actx_t *c)
{
	acpi_machine_t *m = c->m;
	paddr_t lo[CONFIG_MAX_CLUSTERS], hi[CONFIG_MAX_CLUSTERS];
	acpi_mem_t k, *a, *b;
	uint32_t i, j;

	for (i = 1; i < m->mem_nr; i++) {
		k = m->mem[i];
		for (j = i; j > 0 && m->mem[j - 1].base > k.base; j--)
			m->mem[j] = m->mem[j - 1];
		m->mem[j] = k;
	}
	for (i = 0; i < m->clusters_nr; i++) {
		lo[i] = ~(paddr_t)0;
		hi[i] = 0;
	}
	for (i = 0; i < m->mem_nr; i++) {
		a = &m->mem[i];
		if (i + 1 < m->mem_nr && a->base + a->size > (b = &m->mem[i + 1])->base)
			return acpi_fail(c, EINVAL, "SRAT: memory ranges [0x%llx, 0x%llx) of domain %u and "
					 "[0x%llx, 0x%llx) of domain %u overlap", (unsigned long long)a->base,
					 (unsigned long long)(a->base + a->size), m->domain[a->cxy],
					 (unsigned long long)b->base, (unsigned long long)(b->base + b->size),
					 m->domain[b->cxy]);
		lo[a->cxy] = MIN(lo[a->cxy], a->base);
		hi[a->cxy] = MAX(hi[a->cxy], a->base + a->size);
	}
	for (i = 0; i < m->mem_nr; i++)
		for (j = 0; j < m->clusters_nr; j++)
			if (m->mem[i].cxy != j && m->mem[i].base < hi[j] && m->mem[i].base >= lo[j])
				return acpi_fail(c, EINVAL, "SRAT: memory of domain %u at 0x%llx lies between "
						 "ranges of domain %u (one contiguous range per cluster)",
						 m->domain[m->mem[i].cxy], (unsigned long long)m->mem[i].base,
						 m->domain[j]);
	return 0;
}

/* Sort the cores by (cluster, APIC id), number them inside their cluster, bound each cluster. */
static error_t sort_cores(actx_t *c)
{
	acpi_machine_t *m = c->m;
	boot_core_t k;
	uint32_t i, j;

	for (i = 1; i < m->cores_nr; i++) {
		k = m->core[i];
		for (j = i; j > 0 && (m->core[j - 1].cxy > k.cxy ||
				      (m->core[j - 1].cxy == k.cxy && m->core[j - 1].hwid > k.hwid)); j--)
			m->core[j] = m->core[j - 1];
		m->core[j] = k;
	}
	for (i = 0; i < m->cores_nr; i++) {
		if (m->cluster_cores[m->core[i].cxy] == CONFIG_MAX_CORES_PER_CLUSTER)
			return acpi_fail(c, E2BIG, "ACPI: proximity domain %u has more than "
					 "CONFIG_MAX_CORES_PER_CLUSTER (%u) processors", m->domain[m->core[i].cxy],
					 CONFIG_MAX_CORES_PER_CLUSTER);
		m->core[i].lid = m->cluster_cores[m->core[i].cxy]++;
	}
	return 0;
}

/* distance[][] from the SLIT rows and columns of the clusters' domains. */
static error_t parse_slit(actx_t *c, const acpi_table_t *t)
{
	acpi_machine_t *m = c->m;
	uint64_t n;
	uint32_t i, j;
	uint8_t d;

	if (t->len < SLIT_FIXED)
		return acpi_fail(c, EINVAL, "SLIT at 0x%llx: length %u < %u", (unsigned long long)t->pa,
				 t->len, SLIT_FIXED);
	n = rd64(t->p + 36);
	if (n == 0 || n > 0xffff || n * n > t->len - SLIT_FIXED)
		return acpi_fail(c, EINVAL, "SLIT at 0x%llx: %llu localities do not fit its length %u",
				 (unsigned long long)t->pa, (unsigned long long)n, t->len);
	for (i = 0; i < m->clusters_nr; i++) {
		if (m->domain[i] >= n)
			return acpi_fail(c, EINVAL, "SLIT: %llu localities, none for proximity domain %u",
					 (unsigned long long)n, m->domain[i]);
	}
	for (i = 0; i < m->clusters_nr; i++) {
		for (j = 0; j < m->clusters_nr; j++) {
			d = t->p[SLIT_FIXED + m->domain[i] * n + m->domain[j]];
			if (i == j ? d != DIST_LOCAL : d <= DIST_LOCAL || d == DIST_UNREACHABLE)
				return acpi_fail(c, EINVAL, "SLIT: distance %u from domain %u to %u (local is 10, "
						 "others 11..254)", d, m->domain[i], m->domain[j]);
			m->distance[i][j] = d;
		}
	}
	return 0;
}

error_t acpi_numa(actx_t *c, const acpi_table_t *srat, const acpi_table_t *slit)
{
	acpi_machine_t *m = c->m;
	error_t error;

	if (srat) {
		m->has_srat = true;
		error = parse_srat(c, srat);
		if (!error)
			error = make_clusters(c);
		if (!error)
			error = check_memory(c);
	} else {
		/* One cluster of every core; its memory comes from the loader's memory map. */
		m->clusters_nr = 1;
		error = 0;
	}
	if (!error)
		error = sort_cores(c);
	if (error)
		return error;
	for (uint32_t i = 0; i < m->clusters_nr; i++)
		for (uint32_t j = 0; j < m->clusters_nr; j++)
			m->distance[i][j] = i == j ? DIST_LOCAL : DIST_REMOTE;
	if (!slit)
		return 0;
	m->has_slit = true;
	return parse_slit(c, slit);
}
