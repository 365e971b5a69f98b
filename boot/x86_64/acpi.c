/*
 * acpi.c - the ACPI tables of an x86_64 machine (see acpi.h): the RSDP, the RSDT or XSDT, the MADT
 * and the FADT. SRAT and SLIT are read by acpi_numa.c.
 *
 * Order: find and check the RSDP, check the RSDT/XSDT, find the tables by signature (each listed
 * table's header is mapped; only the tables used are checked in full), then MADT (cores, IOAPICs,
 * ISA overrides), FADT (PM timer), and acpi_numa(). A step either succeeds or writes its message
 * and returns; nothing is allocated, so nothing needs undoing.
 */
#include <libk/bits.h>
#include <libk/errno.h>
#include <libk/string.h>

#include "acpi_int.h"

#define RSDP_V1_LEN        20
#define RSDP_V2_LEN        36
#define EBDA_SEG_PTR       0x40e            /* BIOS data area: real-mode segment of the EBDA */
#define BIOS_ROM_BASE      0xe0000
#define BIOS_ROM_END       0x100000
#define MADT_FIXED         44               /* header, local APIC address, flags */
#define MADT_PCAT_COMPAT   0x1
#define MADT_ENABLED       0x1
#define FADT_MIN_LEN       116              /* ACPI 1.0's FADT: up to Flags */
#define FADT_X_PM_TMR_END  220              /* X_PM_TMR_BLK ends at offset 220 */
#define FADT_TMR_VAL_EXT   (1u << 8)
#define FADT_HW_REDUCED    (1u << 20)
#define GAS_SYSTEM_IO      1

enum { MADT_LAPIC = 0, MADT_IOAPIC = 1, MADT_ISO = 2, MADT_LAPIC_ADDR = 5, MADT_X2APIC = 9 };

error_t acpi_fail(actx_t *c, error_t code, const char *fmt, ...)
{
	va_list ap;

	if (c->err && c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err, c->errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

static uint8_t sum8(const uint8_t *p, uint32_t len)
{
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *p++);
	return s;
}

static bool is_rsdp(const uint8_t *p)
{
	return memcmp(p, "RSD PTR ", 8) == 0 && sum8(p, RSDP_V1_LEN) == 0;
}

/* Search the RSDP as a BIOS-era OS does: first KiB of the EBDA, then the BIOS ROM area. */
static error_t find_rsdp(actx_t *c, paddr_t *rsdp_pa)
{
	const uint8_t *p, *seg = c->pm->map(c->pm->ctx, EBDA_SEG_PTR, 2);
	paddr_t areas[2][2] = { { 0, 0 }, { BIOS_ROM_BASE, BIOS_ROM_END } };
	paddr_t a;

	if (seg && rd16(seg) != 0) {
		areas[0][0] = (paddr_t)rd16(seg) << 4;
		areas[0][1] = areas[0][0] + 1024;
	}
	for (int i = 0; i < 2; i++) {
		if (areas[i][1] == 0)
			continue;
		p = c->pm->map(c->pm->ctx, areas[i][0], areas[i][1] - areas[i][0]);
		for (a = areas[i][0]; p && a + RSDP_V1_LEN <= areas[i][1]; a += 16) {
			if (is_rsdp(p + (a - areas[i][0]))) {
				*rsdp_pa = a;
				return 0;
			}
		}
	}
	return acpi_fail(c, ENOENT, "ACPI: no RSDP given by the loader nor found in the EBDA or "
			 "[0xe0000, 0x100000)");
}

/*
 * Check the RSDP at @pa and return the physical address of the XSDT (revision >= 2 with a
 * non-zero XsdtAddress) or else of the RSDT, with *xsdt saying which.
 */
static error_t check_rsdp(actx_t *c, paddr_t pa, paddr_t *sdt_pa, bool *xsdt)
{
	const uint8_t *p = c->pm->map(c->pm->ctx, pa, RSDP_V1_LEN);
	uint32_t len;
	uint8_t rev;

	if (!p)
		return acpi_fail(c, EINVAL, "RSDP at 0x%llx: not readable", (unsigned long long)pa);
	if (memcmp(p, "RSD PTR ", 8) != 0)
		return acpi_fail(c, EINVAL, "RSDP at 0x%llx: no \"RSD PTR \" signature", (unsigned long long)pa);
	if (sum8(p, RSDP_V1_LEN) != 0)
		return acpi_fail(c, EINVAL, "RSDP at 0x%llx: bad checksum", (unsigned long long)pa);
	*xsdt = false;
	*sdt_pa = rd32(p + 16);
	if (p[15] < 2)
		return 0;
	rev = p[15];
	p = c->pm->map(c->pm->ctx, pa, RSDP_V2_LEN);
	len = p ? rd32(p + 20) : 0;
	if (!p || len < RSDP_V2_LEN || len > 4096 || !(p = c->pm->map(c->pm->ctx, pa, len)))
		return acpi_fail(c, EINVAL, "RSDP at 0x%llx: revision %u, its length %u not in [36, 4096] "
				 "or not readable", (unsigned long long)pa, rev, len);
	if (sum8(p, len) != 0)
		return acpi_fail(c, EINVAL, "RSDP at 0x%llx: bad extended checksum", (unsigned long long)pa);
	if (rd64(p + 24) != 0) {
		*sdt_pa = rd64(p + 24);
		*xsdt = true;
	}
	return 0;
}

/* Map the table at @pa in full and check it: length, checksum, and signature @sig if not NULL. */
static error_t map_table(actx_t *c, paddr_t pa, const char *sig, acpi_table_t *t)
{
	const uint8_t *h = c->pm->map(c->pm->ctx, pa, ACPI_HDR_LEN);

	if (!h)
		return acpi_fail(c, EINVAL, "ACPI table at 0x%llx: header not readable", (unsigned long long)pa);
	memcpy(t->sig, h, 4);
	t->sig[4] = '\0';
	for (int i = 0; i < 4; i++)
		if (t->sig[i] < ' ' || t->sig[i] > '~')
			t->sig[i] = '?';
	t->pa = pa;
	t->len = rd32(h + 4);
	if (sig && memcmp(h, sig, 4) != 0)
		return acpi_fail(c, EINVAL, "ACPI table at 0x%llx: signature \"%s\", expected \"%s\"",
				 (unsigned long long)pa, t->sig, sig);
	if (t->len < ACPI_HDR_LEN || t->len > ACPI_MAX_TABLE_LEN)
		return acpi_fail(c, EINVAL, "%s at 0x%llx: length %u not in [%u, %u]", t->sig,
				 (unsigned long long)pa, t->len, ACPI_HDR_LEN, ACPI_MAX_TABLE_LEN);
	t->p = c->pm->map(c->pm->ctx, pa, t->len);
	if (!t->p)
		return acpi_fail(c, EINVAL, "%s at 0x%llx: length %u runs past readable memory", t->sig,
				 (unsigned long long)pa, t->len);
	if (sum8(t->p, t->len) != 0)
		return acpi_fail(c, EINVAL, "%s at 0x%llx: bad checksum", t->sig, (unsigned long long)pa);
	return 0;
}

int acpi_next_entry(actx_t *c, const acpi_table_t *t, uint32_t *off, uint8_t *type, uint8_t *len)
{
	if (*off == t->len)
		return 0;
	if (t->len - *off < 2)
		return -acpi_fail(c, EINVAL, "%s at 0x%llx: truncated entry at offset %u", t->sig,
				  (unsigned long long)t->pa, *off);
	*type = t->p[*off];
	*len = t->p[*off + 1];
	if (*len < 2)
		return -acpi_fail(c, EINVAL, "%s at 0x%llx: entry at offset %u has length %u", t->sig,
				  (unsigned long long)t->pa, *off, *len);
	if (*len > t->len - *off)
		return -acpi_fail(c, EINVAL, "%s at 0x%llx: entry at offset %u (length %u) runs past the "
				  "table (length %u)", t->sig, (unsigned long long)t->pa, *off, *len, t->len);
	return 1;
}

error_t acpi_entry_min(actx_t *c, const acpi_table_t *t, uint32_t off, uint8_t type, uint8_t len,
		       uint8_t min)
{
	if (len >= min)
		return 0;
	return acpi_fail(c, EINVAL, "%s at 0x%llx: entry of type %u at offset %u has length %u < %u",
			 t->sig, (unsigned long long)t->pa, type, off, len, min);
}

/* ---- MADT ---- */

/* Append the enabled processor with APIC id @apic (from a type 0 or 9 entry at @off). */
static error_t add_core(actx_t *c, uint32_t off, uint32_t apic)
{
	acpi_machine_t *m = c->m;

	if (apic >= CONFIG_MAX_HWID)
		return acpi_fail(c, ERANGE, "MADT: APIC id %u (offset %u) >= CONFIG_MAX_HWID (%u)", apic, off,
				 CONFIG_MAX_HWID);
	for (uint32_t i = 0; i < m->cores_nr; i++)
		if (m->core[i].hwid == apic)
			return acpi_fail(c, EINVAL, "MADT: APIC id %u listed twice (offset %u)", apic, off);
	if (m->cores_nr == CONFIG_MAX_CORES)
		return acpi_fail(c, E2BIG, "MADT: more than CONFIG_MAX_CORES (%u) enabled processors",
				 CONFIG_MAX_CORES);
	m->core[m->cores_nr].hwid = apic;
	m->cores_nr++;
	return 0;
}

static error_t add_ioapic(actx_t *c, const uint8_t *e, uint32_t off)
{
	boot_x86_t *x = &c->m->x86;
	x86_ioapic_t *io;

	if (x->ioapic_nr == CONFIG_MAX_IRQ_CONTROLLERS)
		return acpi_fail(c, E2BIG, "MADT: more than CONFIG_MAX_IRQ_CONTROLLERS (%u) IOAPICs",
				 CONFIG_MAX_IRQ_CONTROLLERS);
	io = &x->ioapic[x->ioapic_nr];
	io->id = e[2];
	io->base = rd32(e + 4);
	io->gsi_base = rd32(e + 8);
	if (io->base == 0 || !IS_ALIGNED(io->base, 1024))
		return acpi_fail(c, EINVAL, "MADT: IOAPIC %u (offset %u) at address 0x%llx", io->id, off,
				 (unsigned long long)io->base);
	for (uint32_t i = 0; i < x->ioapic_nr; i++)
		if (x->ioapic[i].id == io->id || x->ioapic[i].base == io->base)
			return acpi_fail(c, EINVAL, "MADT: IOAPIC id %u or address 0x%llx listed twice", io->id,
					 (unsigned long long)io->base);
	x->ioapic_nr++;
	return 0;
}

/* An interrupt source override (type 2); @seen has a bit per ISA IRQ already overridden. */
static error_t add_override(actx_t *c, const uint8_t *e, uint32_t off, uint32_t *seen)
{
	uint8_t bus = e[2], src = e[3];
	uint16_t flags = rd16(e + 8);
	unsigned pol = flags & 3, trig = (flags >> 2) & 3;
	x86_isa_irq_t *irq;

	if (bus != 0)
		return acpi_fail(c, EINVAL, "MADT: interrupt override (offset %u) of bus %u (only ISA, 0, "
				 "is defined)", off, bus);
	if (src >= ACPI_ISA_IRQS || (*seen & (1u << src)))
		return acpi_fail(c, EINVAL, "MADT: interrupt override (offset %u) of ISA IRQ %u: %s", off,
				 src, src >= ACPI_ISA_IRQS ? "not an ISA IRQ" : "overridden twice");
	if (pol == 2 || trig == 2)
		return acpi_fail(c, EINVAL, "MADT: interrupt override of ISA IRQ %u: reserved flags 0x%x",
				 src, flags);
	*seen |= 1u << src;
	irq = &c->m->x86.isa[src];
	irq->gsi = rd32(e + 4);
	irq->active_low = pol == 3;    /* 0: as the bus (ISA: high), 1: high */
	irq->level = trig == 3;        /* 0: as the bus (ISA: edge), 1: edge */
	return 0;
}

/* One MADT entry. Types not listed are skipped (NMI sources, GIC, ...). */
static error_t madt_entry(actx_t *c, const acpi_table_t *t, uint32_t off, uint8_t type, uint8_t len,
			  uint32_t *seen)
{
	const uint8_t *e = t->p + off;
	error_t error = 0;

	switch (type) {
	case MADT_LAPIC:
		error = acpi_entry_min(c, t, off, type, len, 8);
		if (!error && (rd32(e + 4) & MADT_ENABLED) && e[3] == 0xff)
			return acpi_fail(c, EINVAL, "MADT: processor with APIC id 0xff (offset %u): that id "
					 "is the broadcast, x2APIC entries name such processors", off);
		if (!error && (rd32(e + 4) & MADT_ENABLED))
			error = add_core(c, off, e[3]);
		break;
	case MADT_X2APIC:
		error = acpi_entry_min(c, t, off, type, len, 16);
		if (!error && (rd32(e + 8) & MADT_ENABLED))
			error = add_core(c, off, rd32(e + 4));
		break;
	case MADT_IOAPIC:
		error = acpi_entry_min(c, t, off, type, len, 12);
		if (!error)
			error = add_ioapic(c, e, off);
		break;
	case MADT_ISO:
		error = acpi_entry_min(c, t, off, type, len, 10);
		if (!error)
			error = add_override(c, e, off, seen);
		break;
	case MADT_LAPIC_ADDR:
		error = acpi_entry_min(c, t, off, type, len, 12);
		if (!error)
			c->m->x86.lapic_pa = rd64(e + 4);
		break;
	default:
		break;
	}
	return error;
}

static error_t parse_madt(actx_t *c, const acpi_table_t *t)
{
	boot_x86_t *x = &c->m->x86;
	uint32_t off = MADT_FIXED, seen = 0;
	uint8_t type, len;
	error_t error;
	int r;

	if (t->len < MADT_FIXED)
		return acpi_fail(c, EINVAL, "MADT at 0x%llx: length %u < %u", (unsigned long long)t->pa,
				 t->len, MADT_FIXED);
	x->lapic_pa = rd32(t->p + 36);
	x->pcat_compat = rd32(t->p + 40) & MADT_PCAT_COMPAT;
	for (uint32_t i = 0; i < ACPI_ISA_IRQS; i++)
		x->isa[i].gsi = i;
	while ((r = acpi_next_entry(c, t, &off, &type, &len)) > 0) {
		error = madt_entry(c, t, off, type, len, &seen);
		if (error)
			return error;
		off += len;
	}
	if (r < 0)
		return -r;
	if (c->m->cores_nr == 0)
		return acpi_fail(c, ENOENT, "MADT: no enabled processor");
	if (x->ioapic_nr == 0)
		return acpi_fail(c, ENOENT, "MADT: no IOAPIC");
	if (x->lapic_pa == 0 || !IS_ALIGNED(x->lapic_pa, 4096))
		return acpi_fail(c, EINVAL, "MADT: local APIC address 0x%llx", (unsigned long long)x->lapic_pa);
	x->com1 = x->isa[4];
	return 0;
}

/* ---- FADT: the PM timer ---- */

static error_t parse_fadt(actx_t *c, const acpi_table_t *t)
{
	boot_x86_t *x = &c->m->x86;
	uint32_t flags, port;

	if (t->len < FADT_MIN_LEN)
		return acpi_fail(c, EINVAL, "FACP at 0x%llx: length %u < %u", (unsigned long long)t->pa,
				 t->len, FADT_MIN_LEN);
	flags = rd32(t->p + 112);
	if (flags & FADT_HW_REDUCED)
		return 0;
	port = t->p[91] == 4 ? rd32(t->p + 76) : 0;           /* PM_TMR_LEN, PM_TMR_BLK */
	if (t->len >= FADT_X_PM_TMR_END && t->p[208] == GAS_SYSTEM_IO && rd64(t->p + 212) != 0) {
		if (rd64(t->p + 212) > 0xfffc)
			return acpi_fail(c, EINVAL, "FACP: X_PM_TMR_BLK I/O port 0x%llx",
					 (unsigned long long)rd64(t->p + 212));
		port = (uint32_t)rd64(t->p + 212);
	}
	if (port > 0xfffc)
		return acpi_fail(c, EINVAL, "FACP: PM_TMR_BLK I/O port 0x%x", port);
	x->pm_tmr_port = (uint16_t)port;
	x->pm_tmr_32bit = flags & FADT_TMR_VAL_EXT;
	return 0;
}

/* ---- RSDT / XSDT ---- */

/* The tables acpi_parse() uses, found in the RSDT or XSDT. */
typedef struct found_s {
	acpi_table_t madt, fadt, srat, slit;
	bool has_madt, has_fadt, has_srat, has_slit;
} found_t;

/* Check table @pa fully if it is one acpi_parse() uses, and keep it in *f. */
static error_t take_table(actx_t *c, paddr_t pa, found_t *f)
{
	static const char *const sigs[4] = { "APIC", "FACP", "SRAT", "SLIT" };
	acpi_table_t *slots[4] = { &f->madt, &f->fadt, &f->srat, &f->slit };
	bool *has[4] = { &f->has_madt, &f->has_fadt, &f->has_srat, &f->has_slit };
	const uint8_t *h = c->pm->map(c->pm->ctx, pa, ACPI_HDR_LEN);

	if (!h)
		return acpi_fail(c, EINVAL, "ACPI table at 0x%llx (listed in the RSDT/XSDT): header not "
				 "readable", (unsigned long long)pa);
	for (int i = 0; i < 4; i++) {
		if (memcmp(h, sigs[i], 4) != 0)
			continue;
		if (*has[i])
			return acpi_fail(c, EINVAL, "ACPI: two %s tables (0x%llx and 0x%llx)", sigs[i],
					 (unsigned long long)slots[i]->pa, (unsigned long long)pa);
		*has[i] = true;
		return map_table(c, pa, sigs[i], slots[i]);
	}
	return 0;
}

static error_t scan_sdt(actx_t *c, paddr_t sdt_pa, bool xsdt, found_t *f)
{
	uint32_t esize = xsdt ? 8 : 4, n;
	acpi_table_t t;
	error_t error = map_table(c, sdt_pa, xsdt ? "XSDT" : "RSDT", &t);

	if (error)
		return error;
	if ((t.len - ACPI_HDR_LEN) % esize)
		return acpi_fail(c, EINVAL, "%s at 0x%llx: length %u is not a header and %u-byte entries",
				 t.sig, (unsigned long long)sdt_pa, t.len, esize);
	n = (t.len - ACPI_HDR_LEN) / esize;
	if (n > ACPI_MAX_SDT_ENTRIES)
		return acpi_fail(c, E2BIG, "%s: %u entries, more than %u", t.sig, n, ACPI_MAX_SDT_ENTRIES);
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e = t.p + ACPI_HDR_LEN + i * esize;

		error = take_table(c, xsdt ? rd64(e) : rd32(e), f);
		if (error)
			return error;
	}
	return 0;
}

error_t acpi_parse(const phys_map_t *pm, paddr_t rsdp_pa, acpi_machine_t *m, char *err, size_t errlen)
{
	actx_t c = { .pm = pm, .m = m, .err = err, .errlen = errlen };
	found_t f;
	paddr_t sdt_pa = 0;
	bool xsdt = false;
	error_t error = 0;

	memset(m, 0, sizeof(*m));
	memset(&f, 0, sizeof(f));
	if (rsdp_pa == 0)
		error = find_rsdp(&c, &rsdp_pa);
	if (!error)
		error = check_rsdp(&c, rsdp_pa, &sdt_pa, &xsdt);
	if (!error)
		error = scan_sdt(&c, sdt_pa, xsdt, &f);
	if (!error && !f.has_madt)
		error = acpi_fail(&c, ENOENT, "ACPI: no MADT (\"APIC\") in the %s", xsdt ? "XSDT" : "RSDT");
	if (!error)
		error = parse_madt(&c, &f.madt);
	if (!error && f.has_fadt)
		error = parse_fadt(&c, &f.fadt);
	if (!error)
		error = acpi_numa(&c, f.has_srat ? &f.srat : NULL, f.has_slit ? &f.slit : NULL);
	if (error)
		return error;
	m->x86.rsdp_pa = rsdp_pa;
	return 0;
}
