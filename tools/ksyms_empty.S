/* The empty symbol table of the first link (see config/kernel.cmake and tools/mksyms.py). */
	.section .ksyms, "a"
	.balign 8
	.globl ksyms_count, ksyms_addrs, ksyms_offsets, ksyms_names, ksyms_text_end
ksyms_count:	.quad 0
ksyms_text_end:	.quad 0
ksyms_addrs:
ksyms_offsets:
ksyms_names:	.byte 0
