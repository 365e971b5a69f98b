/*
 * test_insn.c - archiprof's instruction decoders (riscv_insn.h, x86_insn.h) on encodings taken
 * from the ISA manuals and from the kernel's own code: every call, return and trap return form
 * the kernels use, and the look-alikes (jumps, far returns, syscall) that must not count.
 */
#include <stdio.h>

#include "riscv_insn.h"
#include "x86_insn.h"

static unsigned int failures;

struct sample {
	const char *what;
	unsigned char bytes[15];
	size_t size;
	enum insn_kind kind;
};

static const struct sample x86[] = {
	{ "call rel32", { 0xe8, 0x10, 0x20, 0x00, 0x00 }, 5, INSN_CALL },
	{ "call *%rax", { 0xff, 0xd0 }, 2, INSN_CALL },
	{ "call *%r11", { 0x41, 0xff, 0xd3 }, 3, INSN_CALL },
	{ "call *0x8(%rax)", { 0xff, 0x50, 0x08 }, 3, INSN_CALL },
	{ "call *disp32(%rip)", { 0xff, 0x15, 0x00, 0x10, 0x00, 0x00 }, 6, INSN_CALL },
	{ "notrack call *%rax", { 0x3e, 0xff, 0xd0 }, 3, INSN_CALL },
	{ "call *(%rax,%rbx,8)", { 0xff, 0x14, 0xd8 }, 3, INSN_CALL },
	{ "jmp *%rbx", { 0xff, 0xe3 }, 2, INSN_OTHER },
	{ "jmp *disp32(%rip)", { 0xff, 0x25, 0x00, 0x10, 0x00, 0x00 }, 6, INSN_OTHER },
	{ "lcall *(%rax)", { 0xff, 0x18 }, 2, INSN_OTHER },
	{ "push (%rax)", { 0xff, 0x30 }, 2, INSN_OTHER },
	{ "inc %eax", { 0xff, 0xc0 }, 2, INSN_OTHER },
	{ "jmp rel32", { 0xe9, 0x00, 0x01, 0x00, 0x00 }, 5, INSN_OTHER },
	{ "ret", { 0xc3 }, 1, INSN_RET },
	{ "rep ret", { 0xf3, 0xc3 }, 2, INSN_RET },
	{ "ret $8", { 0xc2, 0x08, 0x00 }, 3, INSN_RET },
	{ "lretq", { 0x48, 0xcb }, 2, INSN_OTHER },
	{ "iretq", { 0x48, 0xcf }, 2, INSN_SRET },
	{ "iret", { 0xcf }, 1, INSN_SRET },
	{ "sysretq", { 0x48, 0x0f, 0x07 }, 3, INSN_SRET },
	{ "syscall", { 0x0f, 0x05 }, 2, INSN_OTHER },
	{ "ud2", { 0x0f, 0x0b }, 2, INSN_OTHER },
	{ "mov %rsp,(%rdi)", { 0x48, 0x89, 0x27 }, 3, INSN_OTHER },
	{ "c3 as an operand byte", { 0xb8, 0xc3, 0x00, 0x00, 0x00 }, 5, INSN_OTHER },
	{ "prefixes only", { 0x66, 0x66 }, 2, INSN_OTHER },
	{ "0f alone", { 0x0f }, 1, INSN_OTHER },
	{ "ff alone", { 0xff }, 1, INSN_OTHER },
};

static const struct sample riscv[] = {
	{ "jal ra, +16", { 0xef, 0x00, 0x00, 0x01 }, 4, INSN_CALL },
	{ "jalr ra, 0(a5)", { 0xe7, 0x80, 0x07, 0x00 }, 4, INSN_CALL },
	{ "c.jalr a5", { 0x82, 0x97 }, 2, INSN_CALL },
	{ "ret", { 0x67, 0x80, 0x00, 0x00 }, 4, INSN_RET },
	{ "c.jr ra", { 0x82, 0x80 }, 2, INSN_RET },
	{ "sret", { 0x73, 0x00, 0x20, 0x10 }, 4, INSN_SRET },
	{ "j +16 (jal x0)", { 0x6f, 0x00, 0x00, 0x01 }, 4, INSN_OTHER },
	{ "c.ebreak", { 0x02, 0x90 }, 2, INSN_OTHER },
	{ "ecall", { 0x73, 0x00, 0x00, 0x00 }, 4, INSN_OTHER },
};

static void check(const char *isa, const struct sample *s, size_t n,
		  enum insn_kind (*kind)(const uint8_t *, size_t))
{
	for (size_t i = 0; i < n; i++) {
		enum insn_kind got = kind(s[i].bytes, s[i].size);

		if (got != s[i].kind) {
			fprintf(stderr, "%s %s: kind %d, expected %d\n", isa, s[i].what, got, s[i].kind);
			failures++;
		}
	}
}

static void expect(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "check failed: %s\n", what);
		failures++;
	}
}

int main(void)
{
	static const uint8_t hlt[] = { 0xf4 }, not_hlt[] = { 0xb0, 0xf4 };
	static const uint8_t wfi[] = { 0x73, 0x00, 0x50, 0x10 };

	check("x86_64", x86, sizeof(x86) / sizeof(x86[0]), x86_insn_kind);
	check("riscv64", riscv, sizeof(riscv) / sizeof(riscv[0]), riscv_insn_kind);
	expect(x86_insn_is_hlt(hlt, 1), "hlt is x86's idle instruction");
	expect(!x86_insn_is_hlt(not_hlt, 2), "mov $0xf4,%al is not hlt");
	expect(riscv_insn_is_wfi(wfi, 4) && !riscv_insn_is_wfi(hlt, 1), "wfi is riscv's");
	if (failures) {
		fprintf(stderr, "test_insn: %u checks failed\n", failures);
		return 1;
	}
	printf("test_insn: all passed\n");
	return 0;
}
