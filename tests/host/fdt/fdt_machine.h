/*
 * fdt_machine.h - QEMU-virt-like machines written as device trees for the boot_fdt host tests, each
 * with the defect a test asks for (a missing property, a wrong node id, too many cores, ...).
 */
#ifndef TESTS_HOST_FDT_MACHINE_H
#define TESTS_HOST_FDT_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define M_MAX_CPUS 160
#define M_MAX_MEMS 20

typedef struct mspec_s {
	unsigned cpus, mems;
	int cpu_node[M_MAX_CPUS];   /* numa-node-id of each cpu; -1: none                 */
	int cpu_hwid[M_MAX_CPUS];   /* reg of each cpu; -1: no reg                        */
	int mem_node[M_MAX_MEMS];   /* numa-node-id of each memory node; -1: none         */
	bool no_cpus, no_timebase, no_ndev;
	const char *bootargs;
	uint64_t initrd[2];         /* start, end; end 0: no linux,initrd-end             */
	unsigned rsv_extra;         /* entries of the header's reservation block          */
	const uint32_t *dist;       /* distance-matrix cells                              */
	unsigned dist_cells;
	uint32_t bad_intc_phandle;  /* first interrupts-extended phandle of every PLIC    */
	uint32_t uart_parent;       /* the UART's interrupt-parent; 0: node 0's PLIC      */
	bool no_uart, uart_no_irq;  /* no UART at all; a UART without interrupts          */
	uint32_t sswi_size;         /* reg size of one ACLINT SSWI per node; 0: none       */
} mspec_t;

/* A valid machine: @clusters NUMA nodes of @cores cores, 512 MiB each from 0x80000000, one PLIC per
 * node, an ns16550a console, a sifive,test0 finisher. Tests then change one field. */
void mspec_init(mspec_t *m, unsigned clusters, unsigned cores);

/* The device tree of @m, malloc'ed, of *size bytes. */
uint8_t *mspec_build(const mspec_t *m, size_t *size);

#endif
