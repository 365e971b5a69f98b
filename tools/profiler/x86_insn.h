/*
 * x86_insn.h - the x86_64 instructions archiprof must recognise (Intel SDM vol. 2: CALL, RET,
 * IRET, SYSRET, HLT). The other ISA-specific part of the plugin beside riscv_insn.h.
 *
 * A call pushes its return address, the next instruction's: CALL rel32 (E8) and the near indirect
 * CALL r/m64 (FF /2: through a register or memory, function pointers and switch-like dispatch).
 * A return is the near RET (C3, or C2 with a stack adjustment). A trap ends by IRETQ (REX.W CF)
 * or SYSRETQ (REX.W 0F 07), back to user mode or, for IRETQ, to interrupted kernel code: both are
 * trap returns. Far calls and far returns (FF /3, CB, CA) are left out: the kernel uses LRETQ
 * only to reload CS, as a jump, never as a return from a call. Jumps (JMP, Jcc) are not calls.
 * HLT waits for an interrupt, the idle instruction (riscv's wfi).
 *
 * Legacy prefixes (lock, rep, segment, operand and address size, CET's notrack 3E) and one REX
 * prefix may precede the opcode; QEMU gives the whole instruction, so its size bounds the walk.
 */
#ifndef ARCHIPROF_X86_INSN_H
#define ARCHIPROF_X86_INSN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "insn_kind.h"

#define X86_CALL_REL32   0xe8u
#define X86_GROUP5       0xffu /* INC/DEC/CALL/CALLF/JMP/JMPF/PUSH r/m by ModRM.reg */
#define X86_GROUP5_CALL  2u
#define X86_RET          0xc3u
#define X86_RET_IMM16    0xc2u
#define X86_IRET         0xcfu
#define X86_TWO_BYTE     0x0fu
#define X86_SYSRET       0x07u /* after 0F */
#define X86_HLT          0xf4u

static inline bool x86_is_legacy_prefix(uint8_t b)
{
	switch (b) {
	case 0xf0: case 0xf2: case 0xf3:                       /* lock, repne, rep */
	case 0x2e: case 0x36: case 0x3e: case 0x26: case 0x64: case 0x65: /* segments, notrack */
	case 0x66: case 0x67:                                  /* operand, address size */
		return true;
	default:
		return false;
	}
}

/* The index of the opcode's first byte in the @size bytes at @bytes (after the prefixes), or
 * @size if there is none. */
static inline size_t x86_opcode_index(const uint8_t *bytes, size_t size)
{
	size_t i = 0;

	while (i < size && x86_is_legacy_prefix(bytes[i]))
		i++;
	if (i < size && (bytes[i] & 0xf0u) == 0x40u) /* REX */
		i++;
	return i;
}

/* The kind of the instruction of @size bytes at @bytes, as fetched. */
static inline enum insn_kind x86_insn_kind(const uint8_t *bytes, size_t size)
{
	size_t i = x86_opcode_index(bytes, size);

	if (i >= size)
		return INSN_OTHER;
	switch (bytes[i]) {
	case X86_CALL_REL32:
		return INSN_CALL;
	case X86_GROUP5:
		return i + 1 < size && (bytes[i + 1] >> 3 & 7u) == X86_GROUP5_CALL ? INSN_CALL
									    : INSN_OTHER;
	case X86_RET:
	case X86_RET_IMM16:
		return INSN_RET;
	case X86_IRET:
		return INSN_SRET;
	case X86_TWO_BYTE:
		return i + 1 < size && bytes[i + 1] == X86_SYSRET ? INSN_SRET : INSN_OTHER;
	default:
		return INSN_OTHER;
	}
}

/* Whether it is hlt: the CPU waits for an interrupt (idle). */
static inline bool x86_insn_is_hlt(const uint8_t *bytes, size_t size)
{
	size_t i = x86_opcode_index(bytes, size);

	return i + 1 == size && bytes[i] == X86_HLT;
}

#endif
