/*
 * riscv_insn.h - the RISC-V instructions archiprof must recognise (RV64GC, RISC-V unprivileged
 * and privileged specifications). With x86_insn.h, the only ISA-specific part of the plugin; the
 * driver gives every address it needs (trap vector, context switch, windows) as arguments.
 *
 * The calling convention's link register is ra (x1): a call is jal/jalr with rd = ra (or c.jalr,
 * whose rd is ra implicitly), a return is "jalr x0, 0(ra)" (ret) or "c.jr ra". Jumps with rd = x0
 * are not calls (tail calls, switch tables, a new thread's first jump): they stay in the caller's
 * frame. The alternate link register t0 (x5), used only by -msave-restore millicode, is not
 * tracked: the kernel is not built with it.
 */
#ifndef ARCHIPROF_RISCV_INSN_H
#define ARCHIPROF_RISCV_INSN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "insn_kind.h"

#define RV_OP_JAL        0x6fu
#define RV_OP_JALR       0x67u
#define RV_REG_RA        1u
#define RV_RET           0x00008067u /* jalr x0, 0(ra) */
#define RV_SRET          0x10200073u
#define RV_WFI           0x10500073u
#define RV_C_JR_RA       0x8082u     /* c.jr ra */
#define RV_C_JALR_MASK   0xf07fu     /* funct4, rs2 and op of c.jalr */
#define RV_C_JALR_MATCH  0x9002u     /* 1001 rs1 00000 10 */

/* The kind of the instruction of @size bytes at @bytes (little-endian, as fetched). */
static inline enum insn_kind riscv_insn_kind(const uint8_t *bytes, size_t size)
{
	if (size == 2) {
		uint16_t h = (uint16_t)(bytes[0] | bytes[1] << 8);

		if (h == RV_C_JR_RA)
			return INSN_RET;
		/* rs1 = 0 would be c.ebreak's encoding */
		if ((h & RV_C_JALR_MASK) == RV_C_JALR_MATCH && (h >> 7 & 31) != 0)
			return INSN_CALL;
		return INSN_OTHER;
	}
	if (size != 4)
		return INSN_OTHER;
	uint32_t w = (uint32_t)bytes[0] | (uint32_t)bytes[1] << 8 | (uint32_t)bytes[2] << 16 |
		     (uint32_t)bytes[3] << 24;
	unsigned int opcode = w & 0x7f, rd = w >> 7 & 31, funct3 = w >> 12 & 7;

	if (w == RV_RET)
		return INSN_RET;
	if (w == RV_SRET)
		return INSN_SRET;
	if (rd == RV_REG_RA && (opcode == RV_OP_JAL || (opcode == RV_OP_JALR && funct3 == 0)))
		return INSN_CALL;
	return INSN_OTHER;
}

/* Whether it is wfi: the hart waits for an interrupt (idle). */
static inline bool riscv_insn_is_wfi(const uint8_t *bytes, size_t size)
{
	return size == 4 && ((uint32_t)bytes[0] | (uint32_t)bytes[1] << 8 | (uint32_t)bytes[2] << 16 |
			     (uint32_t)bytes[3] << 24) == RV_WFI;
}

#endif
