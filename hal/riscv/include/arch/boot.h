/*
 * arch/boot.h - RISC-V's part of the machine description (boot_arch_t, boot_info.arch; hal_boot.h).
 *
 * What boot/riscv/boot_fdt.c reads from the device tree that only RISC-V code uses: the interrupt
 * controllers' registers and contexts, the UART's registers, the test finisher, the blob itself, and
 * the device tree's own names (phandles, cpu-map positions). Generic code never reads it; it sees
 * the same machine through the neutral fields of boot_info_t (controller ids, the console device).
 */
#ifndef ARCH_BOOT_H
#define ARCH_BOOT_H

#include <hal_types.h>
#include <params.h>

/* The kinds of interrupt controllers the RISC-V HAL drives. */
typedef enum {
	RISCV_IRQC_PLIC = 1,    /* SiFive PLIC ("sifive,plic-1.0.0", "riscv,plic0")          */
	RISCV_IRQC_APLIC,       /* RISC-V APLIC ("riscv,aplic"), direct delivery              */
} riscv_irqc_kind_t;

/* Context privileges of interrupts-extended (riscv_irqc_t.ctx_irq): the cpu-intc interrupt taken. */
#define RISCV_CTX_SUPERVISOR 9   /* supervisor external interrupt: the kernel's contexts   */
#define RISCV_CTX_MACHINE    11  /* machine external interrupt: the firmware's             */
#define RISCV_IRQ_SSOFT      1   /* supervisor software interrupt: an ACLINT SSWI's target */

/* Interrupt controller i: the registers and contexts behind boot_info.irqc[i] (same index). */
typedef struct riscv_irqc_s {
	riscv_irqc_kind_t kind;
	paddr_t  base;
	paddr_t  size;
	uint32_t phandle;       /* device-tree phandle: devices name their parent by it  */
	/* For each context / IDC index i of the controller: the hart it targets and the cpu-intc
	 * interrupt (RISCV_CTX_*, 0xff for another), as listed in interrupts-extended. */
	uint32_t ctx_nr;
	hwid_t   ctx_hwid[CONFIG_MAX_CORES_PER_CLUSTER * 2 * 4];
	uint8_t  ctx_irq[CONFIG_MAX_CORES_PER_CLUSTER * 2 * 4];
} riscv_irqc_t;

/* The console: an ns16550-compatible UART (its interrupt is boot_info.console's). */
typedef struct riscv_uart_s {
	paddr_t  base;          /* 0 when absent                                         */
	paddr_t  size;
	uint32_t irq_parent;    /* phandle of its interrupt controller (0 if none)       */
	uint32_t clock_hz;      /* clock-frequency (0 if not given)                      */
	uint32_t reg_shift;     /* reg-shift (0 if not given)                            */
	uint32_t reg_io_width;  /* reg-io-width (1 if not given)                         */
} riscv_uart_t;

/* A core's position in /cpus/cpu-map (clusterN/coreM), which orders the cores of a node. */
#define RISCV_MAP_NONE 0xffffu  /* not in the cpu-map, or no cpu-map */
typedef struct riscv_cpu_pos_s {
	uint16_t cluster;
	uint16_t core;
} riscv_cpu_pos_t;

typedef struct boot_arch_s {
	riscv_cpu_pos_t cpu_pos[CONFIG_MAX_CORES];          /* of boot_info.core[i], same index  */
	riscv_irqc_t    irqc[CONFIG_MAX_IRQ_CONTROLLERS];   /* of boot_info.irqc[i], same index  */
	/* Of boot_info.core[i], same index: the ACLINT SSWI word (SETSSIP) that raises the core's
	 * supervisor software interrupt, 0 when no riscv,aclint-sswi names it (IPIs by the SBI). */
	paddr_t         sswi_pa[CONFIG_MAX_CORES];
	riscv_uart_t    uart;
	paddr_t         finisher_pa;    /* sifive,test0 finisher (hal_poweroff), 0 if absent */
	paddr_t         dtb_pa;         /* the device tree (reserved as well)                */
	paddr_t         dtb_size;
} boot_arch_t;

#endif /* ARCH_BOOT_H */
