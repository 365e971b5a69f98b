/*
 * acpi_int.h - what acpi.c (RSDP, RSDT/XSDT, MADT, FADT) and acpi_numa.c (SRAT, SLIT, clusters)
 * share: the state of one acpi_parse() call and the checked access to a table.
 */
#ifndef BOOT_X86_64_ACPI_INT_H
#define BOOT_X86_64_ACPI_INT_H

#include "acpi.h"

#define ACPI_HDR_LEN  36        /* the common header of every system description table */

/* A table that passed acpi_map_table(): [p, p + len) is readable and its checksum is right. */
typedef struct acpi_table_s {
	const uint8_t *p;
	uint32_t       len;
	paddr_t        pa;
	char           sig[5];
} acpi_table_t;

/* The state of one acpi_parse() call. */
typedef struct actx_s {
	const phys_map_t *pm;
	acpi_machine_t   *m;
	char             *err;
	size_t            errlen;
	uint32_t          core_domain[CONFIG_MAX_CORES]; /* SRAT domain of m->core[i] (MADT order) */
	bool              core_has_domain[CONFIG_MAX_CORES];
	uint32_t          mem_domain[ACPI_MAX_MEM_RANGES];   /* SRAT domain of m->mem[i]        */
} actx_t;

error_t acpi_fail(actx_t *c, error_t code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Little-endian fields at any alignment. */
static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/*
 * The entries of a MADT or SRAT after its fixed part of @start bytes: *off moves from one entry to
 * the next; returns 1 with *type and *len of the entry at *off, 0 at the end, or an error (entry
 * header truncated, length below 2, running past the table). @t->sig names the table in messages.
 */
int acpi_next_entry(actx_t *c, const acpi_table_t *t, uint32_t *off, uint8_t *type, uint8_t *len);

/* Check that entry @type at @off of @t has at least @min bytes. */
error_t acpi_entry_min(actx_t *c, const acpi_table_t *t, uint32_t off, uint8_t type, uint8_t len,
		       uint8_t min);

/* SRAT (@srat, NULL if absent) and SLIT (@slit, NULL if absent) -> clusters, memory, distances. */
error_t acpi_numa(actx_t *c, const acpi_table_t *srat, const acpi_table_t *slit);

#endif /* BOOT_X86_64_ACPI_INT_H */
