/*
 * trap_frame.h - layout of the context saved by trap.S (HAL internal, shared by C and assembly).
 *
 * From the top: what the processor pushes for an interrupt or exception in 64-bit mode (ss, rsp,
 * rflags, cs, rip; the stack is first aligned on 16 bytes), the error code (0 pushed by the stub
 * for vectors without one), the vector number, then the 15 general registers pushed by trap.S. A
 * syscall instruction pushes nothing: its entry builds the same frame (vector VEC_SYSCALL, rip
 * from rcx, rflags from r11, the user's cs and ss).
 */
#ifndef HAL_X86_64_TRAP_FRAME_H
#define HAL_X86_64_TRAP_FRAME_H

#define TF_R15     0
#define TF_R14     8
#define TF_R13     16
#define TF_R12     24
#define TF_R11     32
#define TF_R10     40
#define TF_R9      48
#define TF_R8      56
#define TF_RBP     64
#define TF_RDI     72
#define TF_RSI     80
#define TF_RDX     88
#define TF_RCX     96
#define TF_RBX     104
#define TF_RAX     112
#define TF_VECTOR  120
#define TF_ERROR   128
#define TF_RIP     136
#define TF_CS      144
#define TF_RFLAGS  152
#define TF_RSP     160
#define TF_SS      168
#define TF_SIZE    176            /* a multiple of 16: frames stay aligned */

#ifndef __ASSEMBLER__
#include <hal_types.h>

typedef struct hal_trap_frame_s {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector;
	uint64_t error;
	uint64_t rip, cs, rflags, rsp, ss;
} hal_trap_frame_t;

_Static_assert(sizeof(hal_trap_frame_t) == TF_SIZE, "trap frame layout");
_Static_assert(__builtin_offsetof(hal_trap_frame_t, rax) == TF_RAX, "trap frame layout");
_Static_assert(__builtin_offsetof(hal_trap_frame_t, vector) == TF_VECTOR, "trap frame layout");
_Static_assert(__builtin_offsetof(hal_trap_frame_t, rip) == TF_RIP, "trap frame layout");
_Static_assert(__builtin_offsetof(hal_trap_frame_t, ss) == TF_SS, "trap frame layout");

/* trap.S */
extern const char x86_trap_stubs[], x86_trap_stubs_end[]; /* vector v enters at stubs + 16 v */
#define X86_TRAP_STUB_SIZE 16
void x86_syscall_entry(void);
/* trap.c: the name of a frame's cause (@vector, and its @error code): "load page fault", "timer
 * interrupt", "system call"... */
const char *x86_trap_name(uint64_t vector, uint64_t error);
/* The return addresses of trap.S's calls of the handlers: a backtrace crosses the trap there. */
extern const char x86_trap_called[], x86_syscall_called[];
_Noreturn void x86_resume_frame(hal_trap_frame_t *tf);
#endif

#endif /* HAL_X86_64_TRAP_FRAME_H */
