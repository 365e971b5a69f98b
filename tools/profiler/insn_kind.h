/*
 * insn_kind.h - what archiprof needs to know of one kernel instruction, whatever the ISA: the
 * decoders (riscv_insn.h, x86_insn.h) map each instruction to one of these.
 */
#ifndef ARCHIPROF_INSN_KIND_H
#define ARCHIPROF_INSN_KIND_H

enum insn_kind {
	INSN_OTHER,
	INSN_CALL,      /* a call: the return address is the next instruction's */
	INSN_RET,       /* a return to the caller's return address */
	INSN_SRET,      /* a return from a trap: to the interrupted code, user or kernel */
};

#endif
