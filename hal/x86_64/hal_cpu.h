/*
 * hal_cpu.h - per-core state of the x86_64 HAL (HAL internal).
 *
 * While a core runs kernel code, its GS base (MSR_GS_BASE) points to its hal_cpu_t: one
 * cache-line aligned entry per core of the cluster, in the cluster's replica, holding the arch part
 * (APIC id, the kernel stack user traps land on, the core's GDT and TSS) and a pointer to the
 * generic core descriptor. In user mode the GS base is the user's (0: user programs cannot set it)
 * and the kernel's waits in MSR_KERNEL_GS_BASE: every entry from user mode and every return to it
 * executes swapgs (trap.S).
 */
#ifndef HAL_X86_64_HAL_CPU_H
#define HAL_X86_64_HAL_CPU_H

/* Offsets trap.S and context.S use (checked below). */
#define HAL_CPU_SELF         0
#define HAL_CPU_KSTACK_TOP   8
#define HAL_CPU_SCRATCH      16
#define HAL_CPU_CUR_CTX      24
#define HAL_CPU_FS_BASE      32
#define HAL_CPU_TSS_RSP0     (256 + 4)

#define HAL_LID_PHASE0 0xffffu /* lid shown while the boot core runs phase 0 */

/* Interrupt vectors (docs/hal_x86_64.md). */
#define VEC_TIMER      0x20    /* the local APIC timer: the tick                         */
#define VEC_IPI        0x21    /* IPIs: kernel_ipi()                                     */
#define VEC_IRQ_BASE   0x30    /* IOAPIC input i of the cluster's controller: 0x30 + i   */
#define VEC_IRQ_LAST   0xdf
#define VEC_PIC_BASE   0xe0    /* the 8259 pair, remapped here and masked: only spurious  */
#define VEC_SPURIOUS   0xff    /* the local APIC's spurious vector                       */
#define VEC_SYSCALL    0x100   /* not a vector: the frame of a syscall instruction       */

#define IST_DOUBLE_FAULT 1     /* TSS.IST index of each fatal exception's own stack      */
#define IST_NMI          2
#define IST_MACHINE_CHECK 3
#define IST_STACK_SIZE   8192

#ifndef __ASSEMBLER__
#include <arch/boot.h>
#include <arch/fpu.h>
#include <hal_context.h>
#include <hal_types.h>
#include <hal_upcalls.h>
#include <params.h>

#include "trap_frame.h"

/* The 64-bit task-state segment: only its stack pointers are used (no task switching). */
typedef struct x86_tss_s {
	uint32_t reserved0;
	uint64_t rsp[3];        /* rsp[0]: the stack of an interrupt from user mode     */
	uint64_t reserved1;
	uint64_t ist[7];        /* ist[n - 1]: the stack of the vectors with IST n      */
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;    /* beyond the limit: no I/O permission bitmap           */
} __attribute__((packed)) x86_tss_t;

#define GDT_ENTRIES 7           /* null, kernel code, kernel data, user data, user code, TSS (2) */

typedef struct hal_cpu_s {
	struct hal_cpu_s *self; /* %gs:0: this entry's own address                      */
	uint64_t kstack_top;    /* top of the running thread's kernel stack (0: idle)   */
	uint64_t scratch;       /* syscall entry: the user's stack pointer              */
	void    *cur_ctx;       /* hal_context_t of the running thread (context.S)      */
	uint64_t fs_base;       /* the value of MSR_FS_BASE (context.S writes it only when the
	                           next thread's differs)                               */
	lid_t    lid;           /* index in the cluster (HAL_LID_PHASE0 during phase 0) */
	hwid_t   hwid;          /* APIC id                                              */
	void    *core;          /* generic core descriptor (hal_set_core_ptr)           */
	uint32_t released;      /* the boot core, when not a lid 0: set by hal_core_start */
	uint32_t timer_deadline; /* 1: the tick uses the TSC deadline (timer.c)          */
	uint64_t timer_next;    /* TSC of the next tick (TSC-deadline mode)             */
	uint64_t timer_period;  /* tick period in TSC cycles                            */
	hal_fpu_t *fpu_owner;   /* the FP area whose values the FP registers hold; NULL:
	                           nobody's (fpu.c)                                     */
	uint32_t fpu_ts;        /* 1 while CR0.TS is set: an FP instruction traps (#NM)  */
	uint32_t fpu_eager;     /* fpu=eager (default): a user thread's registers loaded at its
	                           switch-in; 0: fpu=lazy, at its first FP instruction (#NM) */
	uint64_t fpu_saves;     /* FP registers saved into a thread's area (fpu.c)      */
	uint64_t fpu_restores;  /* a thread's area loaded into the FP registers         */
	uint64_t fpu_traps;     /* FP instructions of user code that found CR0.TS set   */
	uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(64)));
	x86_tss_t tss __attribute__((aligned(256)));
} __attribute__((aligned(64))) hal_cpu_t;

_Static_assert(__builtin_offsetof(hal_cpu_t, self) == HAL_CPU_SELF, "trap.S layout");
_Static_assert(__builtin_offsetof(hal_cpu_t, kstack_top) == HAL_CPU_KSTACK_TOP, "trap.S layout");
_Static_assert(__builtin_offsetof(hal_cpu_t, scratch) == HAL_CPU_SCRATCH, "trap.S layout");
_Static_assert(__builtin_offsetof(hal_cpu_t, cur_ctx) == HAL_CPU_CUR_CTX, "context.S layout");
_Static_assert(__builtin_offsetof(hal_cpu_t, fs_base) == HAL_CPU_FS_BASE, "context.S layout");
_Static_assert(__builtin_offsetof(hal_cpu_t, tss) + 4 == HAL_CPU_TSS_RSP0, "context.S layout");
_Static_assert(sizeof(x86_tss_t) == 104, "TSS layout");

extern hal_cpu_t hal_cpus[CONFIG_MAX_CORES_PER_CLUSTER];

static inline hal_cpu_t *hal_cpu_self(void)
{
	hal_cpu_t *cpu;

	__asm__ volatile("mov %%gs:0, %0" : "=r"(cpu));
	return cpu;
}

/* True if the CPU has feature X86_FEAT_@f (boot_info.arch.features). */
#define x86_has(f) ((boot_info.arch.features & (f)) != 0)

/* Phase 0: give the boot core an identity (GS base) before anything prints. */
void hal_cpu_init_phase0(hwid_t apic_id);

/* seg.c: the calling core's GDT, TSS (with its IST stacks), segment registers and IDT; the IDT
 * itself is built once per cluster (x86_idt_init, by lid 0 before its other cores start). */
void x86_idt_init(void);
void x86_seg_core_init(hal_cpu_t *cpu);

/* cpu.c: control registers, EFER and the syscall MSRs of the calling core. */
void x86_cpu_core_init(void);
/* The features of the boot core (phase 0 stores them in boot_info.arch.features). */
uint32_t x86_cpu_features(void);

/* lapic.c: the local APIC of the calling core (xAPIC, or x2APIC when the CPU has one). */
void     x86_lapic_core_init(void);
uint32_t x86_lapic_id(void);
void     x86_lapic_eoi(void);
void     x86_lapic_send(uint32_t apic_id, uint32_t icr);
void     x86_lapic_write(uint32_t reg, uint32_t value);
uint32_t x86_lapic_read(uint32_t reg);
/* Local APIC registers (xAPIC offsets; x2APIC MSR 0x800 + offset / 16) and ICR bits. */
#define LAPIC_ID        0x020
#define LAPIC_TPR       0x080
#define LAPIC_EOI       0x0b0
#define LAPIC_SVR       0x0f0
#define LAPIC_ICR_LO    0x300
#define LAPIC_ICR_HI    0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0
#define ICR_FIXED       0x00000000u
#define ICR_INIT        0x00000500u
#define ICR_STARTUP     0x00000600u
#define ICR_BUSY        0x00001000u   /* xAPIC delivery status: send pending       */
#define ICR_ASSERT      0x00004000u
#define LVT_MASKED      0x00010000u
#define LVT_PERIODIC    0x00020000u
#define LVT_TSC_DEADLINE 0x00040000u

/*
 * fpu.c: the user FP state of the running thread (docs/hal_x86_64.md). Its area, a hal_fpu_t, lies
 * at the top of its kernel stack (kstack_top; the user frame below it).
 *   x86_fpu_switch_in  context.S: CR0.TS for the thread switched in (@kstack_top, 0 for idle);
 *   x86_fpu_trap       #NM from user mode (IRQs masked): the registers become the running thread's;
 *   x86_fpu_get        the running thread's state into @fpu (its live registers saved first);
 *   x86_fpu_set        the running thread's state becomes @fpu (NULL: the initial state);
 *   x86_fpu_forget     the thread of @kstack_top is gone: its area is nobody's values now;
 *   x86_fpu_migrate    the thread of @kstack_top, switched out, leaves this core: its live
 *                      registers saved into its area, and the core no longer their owner;
 *   x86_fpu_core_init  CR0.TS set, no owner (each core, once).
 */
void x86_fpu_switch_in(uint64_t kstack_top);
void x86_fpu_trap(void);
void x86_fpu_get(hal_fpu_t *fpu);
void x86_fpu_set(const hal_fpu_t *fpu);
void x86_fpu_forget(uint64_t kstack_top);
void x86_fpu_migrate(uint64_t kstack_top);
void x86_fpu_core_init(void);
/* The MXCSR bits a user state may set (FXSAVE's MXCSR_MASK; 0xffbf when it says 0). */
uint32_t x86_fpu_mxcsr_mask(void);
/* The arithmetic exception of the running thread's #XM (@simd) or #MF, from its MXCSR or its x87
 * control and status words (hal_upcalls.h's HAL_EXC_FP_*), 0 if no unmasked flag is raised: a
 * spurious trap, after which Linux lets the instruction run again. */
hal_user_exc_t x86_fpu_exception_kind(bool simd);

/* trap.c: the handlers trap.S calls, and the frame of a syscall. */
void hal_trap_handler(hal_trap_frame_t *tf);
bool x86_syscall_handler(hal_trap_frame_t *tf);
/* timer.c, ipi.c, ioapic.c: interrupt handlers called by the dispatcher (IRQs off). */
void x86_timer_interrupt(bool from_user); /* @from_user: the tick interrupted user code */
void x86_ipi_interrupt(void);
void x86_irq_interrupt(uint32_t vector);
/* The user frame at the top of the running thread's kernel stack. */
hal_trap_frame_t *x86_user_frame(void);
/* ioapic.c: the inputs of the IOAPIC at @base (phase 0). */
uint32_t x86_ioapic_inputs(paddr_t base);
/* uart_ns16550.c: program COM1 (phase 0). */
void hal_console_init(void);

/* stac / clac around user accesses, where the CPU has SMAP (uspace.c). */
extern uint8_t x86_smap; /* 1 if SMAP is on (trap.S reads it to clear AC at entry) */
#endif /* !__ASSEMBLER__ */

#endif /* HAL_X86_64_HAL_CPU_H */
