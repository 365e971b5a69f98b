/*
 * seg.c - segments, task-state segments and the interrupt descriptor table on x86_64.
 *
 * Long mode ignores segment bases and limits, but still needs descriptors: code and data for the
 * kernel (ring 0) and for user mode (ring 3), in the order syscall/sysret's STAR MSR implies
 * (cpu.c), and a TSS per core, whose RSP0 is the stack an interrupt from user mode lands on (the
 * running thread's kernel stack top, set at each switch: context.S) and whose IST entries give the
 * fatal exceptions a stack of their own: a double fault (a kernel stack overflow ends there: the
 * page fault cannot push its frame on the guard page), an NMI, a machine check.
 *
 * Each core has its GDT and TSS in its hal_cpu_t (the cluster's replica); the IDT is one per
 * cluster, filled by lid 0 (x86_idt_init) before its other cores start: each entry points at the
 * vector's stub in trap.S, in the cluster's own text.
 */
#include <hal_boot.h>
#include <kern/printk.h>
#include <libk/string.h>

#include "hal_cpu.h"
#include "x86.h"

typedef struct idt_entry_s {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t  ist;
	uint8_t  type;          /* present, DPL, gate type                             */
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __attribute__((packed)) idt_entry_t;

_Static_assert(sizeof(idt_entry_t) == 16, "IDT entry layout");

#define GATE_INTERRUPT 0x8e     /* present, DPL 0, 64-bit interrupt gate: IF cleared   */
#define GATE_USER      0x60     /* DPL 3: `int3` from user mode reaches #BP, not #GP   */

static idt_entry_t idt[256] __attribute__((aligned(16)));

/* The stacks of the IST exceptions, one set per core of the cluster. */
static uint8_t ist_stacks[CONFIG_MAX_CORES_PER_CLUSTER][3][IST_STACK_SIZE]
	__attribute__((aligned(16)));

/* Descriptors: 64-bit code (L), data; DPL 0 or 3; present; 4 KiB granularity, limit 0xfffff. */
#define DESC_KCODE 0x00af9a000000ffffULL
#define DESC_KDATA 0x00cf92000000ffffULL
#define DESC_UDATA 0x00cff2000000ffffULL
#define DESC_UCODE 0x00affa000000ffffULL

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static void set_gate(unsigned vector, uint8_t ist, uint8_t type)
{
	uintptr_t stub = (uintptr_t)x86_trap_stubs + (uintptr_t)vector * X86_TRAP_STUB_SIZE;

	idt[vector] = (idt_entry_t){
		.offset_lo = (uint16_t)stub,
		.selector = SEL_KCODE,
		.ist = ist,
		.type = type,
		.offset_mid = (uint16_t)(stub >> 16),
		.offset_hi = (uint32_t)(stub >> 32),
	};
}

void x86_idt_init(void)
{
	kassert(x86_trap_stubs_end - x86_trap_stubs == 256 * X86_TRAP_STUB_SIZE);
	for (unsigned v = 0; v < 256; v++)
		set_gate(v, 0, GATE_INTERRUPT);
	set_gate(2, IST_NMI, GATE_INTERRUPT);
	set_gate(3, 0, GATE_INTERRUPT | GATE_USER);
	set_gate(8, IST_DOUBLE_FAULT, GATE_INTERRUPT);
	set_gate(18, IST_MACHINE_CHECK, GATE_INTERRUPT);
}

/* The 16-byte system descriptor of a 64-bit available TSS at @base. */
static void tss_descriptor(uint64_t *desc, uintptr_t base, uint32_t limit)
{
	desc[0] = (limit & 0xffff) | ((uint64_t)(base & 0xffffff) << 16) | (0x89ULL << 40) |
		  ((uint64_t)((limit >> 16) & 0xf) << 48) | ((uint64_t)((base >> 24) & 0xff) << 56);
	desc[1] = base >> 32;
}

/*
 * The calling core's GDT and TSS (in @cpu), loaded with their segment registers, and the cluster's
 * IDT. Runs before the GS base is set (loading a null selector into GS may clear it).
 */
void x86_seg_core_init(hal_cpu_t *cpu)
{
	lid_t lid = cpu->lid;
	struct desc_ptr gdtr = { sizeof(cpu->gdt) - 1, (uintptr_t)cpu->gdt };
	struct desc_ptr idtr = { sizeof(idt) - 1, (uintptr_t)idt };

	memset(&cpu->tss, 0, sizeof(cpu->tss));
	cpu->tss.iomap_base = sizeof(cpu->tss); /* no I/O bitmap: user mode has no port access */
	cpu->tss.ist[IST_DOUBLE_FAULT - 1] = (uintptr_t)&ist_stacks[lid][0][IST_STACK_SIZE];
	cpu->tss.ist[IST_NMI - 1] = (uintptr_t)&ist_stacks[lid][1][IST_STACK_SIZE];
	cpu->tss.ist[IST_MACHINE_CHECK - 1] = (uintptr_t)&ist_stacks[lid][2][IST_STACK_SIZE];
	cpu->gdt[0] = 0;
	cpu->gdt[SEL_KCODE >> 3] = DESC_KCODE;
	cpu->gdt[SEL_KDATA >> 3] = DESC_KDATA;
	cpu->gdt[SEL_UDATA >> 3] = DESC_UDATA;
	cpu->gdt[SEL_UCODE >> 3] = DESC_UCODE;
	tss_descriptor(&cpu->gdt[SEL_TSS >> 3], (uintptr_t)&cpu->tss, sizeof(cpu->tss) - 1);

	__asm__ volatile("lgdt %0" : : "m"(gdtr) : "memory");
	/* A far return reloads CS; then the data segments; FS and GS get the null selector. */
	__asm__ volatile("pushq %[cs]\n"
			 "leaq 1f(%%rip), %%rax\n"
			 "pushq %%rax\n"
			 "lretq\n"
			 "1:\n"
			 "movl %[ds], %%eax\n"
			 "movl %%eax, %%ds\n"
			 "movl %%eax, %%es\n"
			 "movl %%eax, %%ss\n"
			 "xorl %%eax, %%eax\n"
			 "movl %%eax, %%fs\n"
			 "movl %%eax, %%gs\n"
			 : : [cs] "i"(SEL_KCODE), [ds] "i"(SEL_KDATA) : "rax", "memory");
	__asm__ volatile("ltr %w0" : : "r"(SEL_TSS));
	__asm__ volatile("lidt %0" : : "m"(idtr) : "memory");
}
