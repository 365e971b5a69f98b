/*
 * fdt_machine.c - see fdt_machine.h.
 */
#include "fdt_machine.h"
#include "fdt_writer.h"

#include <stdio.h>
#include <string.h>

#define MiB (1ull << 20)

void mspec_init(mspec_t *m, unsigned clusters, unsigned cores)
{
	memset(m, 0, sizeof(*m));
	m->cpus = clusters * cores;
	m->mems = clusters;
	for (unsigned i = 0; i < M_MAX_CPUS; i++) {
		m->cpu_node[i] = (int)(i / (cores ? cores : 1));
		m->cpu_hwid[i] = (int)i;
	}
	for (unsigned i = 0; i < M_MAX_MEMS; i++)
		m->mem_node[i] = (int)i;
}

static void build_cpus(fdtw_t *w, const mspec_t *m)
{
	char name[32];

	fdtw_begin(w, "cpus");
	fdtw_u32(w, "#address-cells", 1);
	fdtw_u32(w, "#size-cells", 0);
	if (!m->no_timebase)
		fdtw_u32(w, "timebase-frequency", 10000000);
	for (unsigned i = 0; i < m->cpus; i++) {
		snprintf(name, sizeof(name), "cpu@%x", i);
		fdtw_begin(w, name);
		fdtw_str(w, "device_type", "cpu");
		if (m->cpu_hwid[i] >= 0)
			fdtw_u32(w, "reg", (uint32_t)m->cpu_hwid[i]);
		if (m->cpu_node[i] >= 0)
			fdtw_u32(w, "numa-node-id", (uint32_t)m->cpu_node[i]);
		fdtw_u32(w, "phandle", 0x1000 + i);
		fdtw_begin(w, "interrupt-controller");
		fdtw_str(w, "compatible", "riscv,cpu-intc");
		fdtw_u32(w, "#interrupt-cells", 1);
		fdtw_prop(w, "interrupt-controller", NULL, 0);
		fdtw_u32(w, "phandle", 0x2000 + i);
		fdtw_end(w);
		fdtw_end(w);
	}
	fdtw_begin(w, "cpu-map");
	for (unsigned c = 0; c < m->mems; c++) {
		unsigned k = 0;
		snprintf(name, sizeof(name), "cluster%u", c);
		fdtw_begin(w, name);
		for (unsigned i = 0; i < m->cpus; i++) {
			if (m->cpu_node[i] != (int)c)
				continue;
			snprintf(name, sizeof(name), "core%u", k++);
			fdtw_begin(w, name);
			fdtw_u32(w, "cpu", 0x1000 + i);
			fdtw_end(w);
		}
		fdtw_end(w);
	}
	fdtw_end(w);
	fdtw_end(w);
}

static void build_soc(fdtw_t *w, const mspec_t *m)
{
	uint32_t ext[4 * M_MAX_CPUS];
	char name[32];

	fdtw_begin(w, "soc");
	fdtw_u32(w, "#address-cells", 2);
	fdtw_u32(w, "#size-cells", 2);
	fdtw_str(w, "compatible", "simple-bus");
	fdtw_prop(w, "ranges", NULL, 0);
	for (unsigned c = 0; c < m->mems && c < 16; c++) {
		unsigned n = 0;
		for (unsigned i = 0; i < m->cpus; i++) {
			if (m->cpu_node[i] != (int)c)
				continue;
			fdtw_put32((uint8_t *)&ext[n++], 0x2000 + i);
			fdtw_put32((uint8_t *)&ext[n++], 11);
			fdtw_put32((uint8_t *)&ext[n++], 0x2000 + i);
			fdtw_put32((uint8_t *)&ext[n++], 9);
		}
		if (m->bad_intc_phandle && n)
			fdtw_put32((uint8_t *)&ext[0], m->bad_intc_phandle);
		snprintf(name, sizeof(name), "plic@%x", 0xc000000 + c * 0x600000);
		fdtw_begin(w, name);
		fdtw_prop(w, "compatible", "sifive,plic-1.0.0\0riscv,plic0", 30);
		fdtw_cells(w, "reg", 4, 0, 0xc000000 + c * 0x600000, 0, 0x600000);
		if (!m->no_ndev)
			fdtw_u32(w, "riscv,ndev", 96);
		fdtw_u32(w, "numa-node-id", c);
		fdtw_u32(w, "phandle", 0x3000 + c);
		fdtw_prop(w, "interrupts-extended", ext, n * 4);
		fdtw_end(w);
	}
	for (unsigned c = 0; m->sswi_size && c < m->mems && c < 16; c++) {
		unsigned n = 0;
		for (unsigned i = 0; i < m->cpus; i++) {
			if (m->cpu_node[i] != (int)c)
				continue;
			fdtw_put32((uint8_t *)&ext[n++], 0x2000 + i);
			fdtw_put32((uint8_t *)&ext[n++], 1);
		}
		snprintf(name, sizeof(name), "sswi@%x", 0x2f00000 + c * 0x4000);
		fdtw_begin(w, name);
		fdtw_str(w, "compatible", "riscv,aclint-sswi");
		fdtw_cells(w, "reg", 4, 0, 0x2f00000 + c * 0x4000, 0, m->sswi_size);
		fdtw_u32(w, "numa-node-id", c);
		fdtw_prop(w, "interrupts-extended", ext, n * 4);
		fdtw_end(w);
	}
	if (!m->no_uart) {
		fdtw_begin(w, "serial@10000000");
		fdtw_str(w, "compatible", "ns16550a");
		fdtw_cells(w, "reg", 4, 0, 0x10000000, 0, 0x100);
		if (!m->uart_no_irq)
			fdtw_u32(w, "interrupts", 10);
		fdtw_u32(w, "interrupt-parent", m->uart_parent ? m->uart_parent : 0x3000);
		fdtw_u32(w, "clock-frequency", 3686400);
		fdtw_end(w);
	}
	fdtw_begin(w, "test@100000");
	fdtw_prop(w, "compatible", "sifive,test1\0sifive,test0\0syscon", 33);
	fdtw_cells(w, "reg", 4, 0, 0x100000, 0, 0x1000);
	fdtw_end(w);
	fdtw_end(w);
}

uint8_t *mspec_build(const mspec_t *m, size_t *size)
{
	char name[32];
	fdtw_t w;

	fdtw_init(&w);
	for (unsigned i = 0; i < m->rsv_extra; i++)
		fdtw_reserve(&w, 0x80000000ull + i * 0x10000, 0x1000);
	fdtw_begin(&w, "");
	fdtw_u32(&w, "#address-cells", 2);
	fdtw_u32(&w, "#size-cells", 2);
	fdtw_begin(&w, "chosen");
	fdtw_str(&w, "stdout-path", "/soc/serial@10000000");
	if (m->bootargs)
		fdtw_str(&w, "bootargs", m->bootargs);
	if (m->initrd[0])
		fdtw_u32(&w, "linux,initrd-start", (uint32_t)m->initrd[0]);
	if (m->initrd[1])
		fdtw_u64(&w, "linux,initrd-end", m->initrd[1]);
	fdtw_end(&w);
	for (unsigned i = 0; i < m->mems; i++) {
		uint64_t base = 0x80000000ull + i * 512 * MiB;
		snprintf(name, sizeof(name), "memory@%llx", (unsigned long long)base);
		fdtw_begin(&w, name);
		fdtw_str(&w, "device_type", "memory");
		fdtw_cells(&w, "reg", 4, (unsigned)(base >> 32), (unsigned)base, 0, 512 * MiB);
		if (m->mem_node[i] >= 0)
			fdtw_u32(&w, "numa-node-id", (uint32_t)m->mem_node[i]);
		fdtw_end(&w);
	}
	if (m->dist) {
		fdtw_begin(&w, "distance-map");
		fdtw_str(&w, "compatible", "numa-distance-map-v1");
		uint32_t cells[64];
		for (unsigned i = 0; i < m->dist_cells && i < 64; i++)
			fdtw_put32((uint8_t *)&cells[i], m->dist[i]);
		fdtw_prop(&w, "distance-matrix", cells, m->dist_cells * 4);
		fdtw_end(&w);
	}
	if (!m->no_cpus)
		build_cpus(&w, m);
	build_soc(&w, m);
	fdtw_end(&w);
	return fdtw_finish(&w, size);
}
