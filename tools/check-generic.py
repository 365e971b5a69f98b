#!/usr/bin/env python3
"""check-generic.py - generic code knows no architecture (docs/user.md, "One ABI per architecture").

Usage: tools/check-generic.py [ROOT]      check the tree at ROOT (default: this script's tree)
       tools/check-generic.py --self-test  plant each kind of violation in a scratch tree and check
                                           that it is found, and that clean code passes

Generic code is kernel/, hal/generic/, hal/common/ (C sources and headers) and params.h. What an architecture
defines reaches it only through <arch/NAME.h> (hal/<arch>/include/arch/). The check reports, as
PATH:LINE: KIND: what, and exits 1 if anything was found:

  include   an #include of anything under hal/<arch>/ or boot/<arch>/ (by path, by "../", or by the
            name of a header that only an architecture's folder has), other than <arch/NAME.h>;
  arch-if   an #if/#ifdef/#elif on the architecture (__riscv, __x86_64__, riscv*, x86*, CONFIG_ARCH*,
            ARCHIPEL_ARCH...);
  register  a RISC-V register, CSR or instruction name used in code: an identifier with a
            '_'-separated part that is a CSR or instruction (sepc, sstatus, satp, scause, stval,
            stvec, sscratch, sip, sie, ecall, sret, mret, sbi, csr*...: read_sstatus), or a short
            register name (a0-a7, t0-t6, s0-s11, tp, gp) as a part of a longer identifier
            (sig_restart_a0, REG_A7, hal_user_regs_tp) or as a member (->tp, .a0); inline assembly
            with a non-empty template; or such a name inside a string. A variable called t0 (a
            start time) is not a register; comments are not code (a contract may say what RISC-V
            does); ra, sp, fp and pc are ideas every architecture has (a return address...);
  syscall   a system call named by number: a #define of SYS_* / __NR_* to a number, a table entry
            [N] = sys_x or ENTRY(N, x), syscall(N), a syscall-number variable compared with or a
            `case` of a number of some architecture's table, or a line of code that names a call of
            an architecture's table (sys_x, SYS_X, __NR_x) next to that call's number there;
  layout    a number that an architecture's <arch/user_layout.h> gives its user address space
            (1 GiB or more: 0x4000000000 is Sv39's end of user space), or an Sv39 identifier.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

GENERIC_DIRS = ("kernel", "hal/generic", "hal/common")
GENERIC_FILES = ("params.h",)
SOURCE_EXT = (".c", ".h", ".S")

# Short register names: flagged as a part of a longer identifier (sig_restart_a0, REG_A7) or as a
# member (->tp, .a0); alone, such a name is just a variable (t0 = a start time).
SHORT_REGS = {f"a{i}" for i in range(8)} | {f"t{i}" for i in range(7)} | {f"s{i}" for i in range(12)}
SHORT_REGS |= {"tp", "gp"}
# CSR and instruction names: flagged wherever they appear in code.
REG_PARTS = {"sepc", "sstatus", "satp", "scause", "stval", "stvec", "sscratch", "sip",
              "sie", "ecall", "ebreak", "sret", "mret", "sbi", "sfence", "csrr", "csrw", "csrs",
              "csrc", "csrrw", "csrrs", "csrrc", "mhartid", "mstatus", "mepc", "mcause"}
STRING_WORDS = re.compile(r"\b(ecall|ebreak|sret|mret|csrr[wsc]?i?|csr[wsc]i?|sfence\.vma|fence\.i|"
                          r"sepc|sstatus|satp|scause|stval|stvec|sscratch|"
                          r"a[0-7]|t[0-6]|s(?:1[01]|[0-9])|ra|sp|tp|gp)\b")
ARCH_IF = re.compile(r"(?i)\b\w*(riscv|x86|amd64|i386|aarch64|__arm__)\w*\b|"
                     r"\b(CONFIG_ARCH\w*|ARCHIPEL_ARCH\w*|ARCH)\b")
SV39 = re.compile(r"(?i)\b\w*sv(39|48|57)\w*\b")
IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
NUMBER = re.compile(r"\b(0[xX][0-9a-fA-F]+|[0-9]+)[uUlL]*\b")
SYSNUM_VAR = r"(nr|sysno|scno|sc_nr|syscall_nr|syscall_no|syscall_number)"


def number_value(literal):
    """The value of a C integer literal (suffixes removed): hex, octal, binary or decimal."""
    if literal[:2].lower() in ("0x", "0b"):
        return int(literal, 0)
    if len(literal) > 1 and literal[0] == "0":
        return int(literal, 8) if re.fullmatch(r"[0-7]+", literal) else -1
    return int(literal)


ASM = re.compile(r'\b(?:asm|__asm__|__asm)\b(?:\s|volatile|__volatile__|goto|inline)*\(\s*"((?:\\.|[^"\\])*)"')


def strip_comments(text):
    """The code of @text: comments become spaces (newlines kept), strings and chars stay."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(re.sub(r"[^\n]", " ", text[i:end]))
            i = end
        elif text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            out.append(" " * (end - i))
            i = end
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def split_strings(line):
    """(the line with string literals blanked, the list of string literal contents)."""
    strings = []

    def keep(m):
        strings.append(m.group(0)[1:-1])
        return '""'
    return re.sub(r'"(?:\\.|[^"\\])*"', keep, line), strings


def arch_facts(root):
    """The architectures' syscall tables {nr: name}, names {name: {nrs}}, layout numbers, and the
    names of headers only an architecture's folder has."""
    numbers, names, layout, private = set(), {}, set(), set()
    generic_headers = set()
    for d in GENERIC_DIRS + (".",):
        base = os.path.join(root, d)
        if os.path.isdir(base):
            for dirpath, _, files in os.walk(base) if d != "." else [(base, None, os.listdir(base))]:
                generic_headers |= {f for f in files if f.endswith(".h")}
    for top in ("hal", "boot"):
        base = os.path.join(root, top)
        if not os.path.isdir(base):
            continue
        for arch in os.listdir(base):
            adir = os.path.join(base, arch)
            if top == "hal" and arch in ("generic", "common") or not os.path.isdir(adir):
                continue
            for dirpath, _, files in os.walk(adir):
                public = os.path.relpath(dirpath, adir).split(os.sep)[0] == "include"
                for f in files:
                    if f.endswith(".h") and not public and f not in generic_headers:
                        private.add(f)
            table = os.path.join(adir, "include", "arch", "syscall_table.h")
            if os.path.exists(table):
                for m in re.finditer(r"ENTRY\(\s*(\d+)\s*,\s*(\w+)\s*\)", open(table).read()):
                    numbers.add(int(m.group(1)))
                    names.setdefault(m.group(2), set()).add(int(m.group(1)))
            lay = os.path.join(adir, "include", "arch", "user_layout.h")
            if os.path.exists(lay):
                for m in re.finditer(r"#\s*define\s+\w+\s+(0[xX][0-9a-fA-F]+|\d+)", open(lay).read()):
                    value = int(m.group(1), 0)
                    if value >= 1 << 30:
                        layout.add(value)
    return numbers, names, layout, private


def check_include(path_in, private):
    if path_in.startswith("arch/"):
        return None
    if re.search(r"(^|/)(hal|boot)/", path_in) or "../" in path_in:
        return f"includes {path_in}: an architecture's folder (use <arch/NAME.h>)"
    if os.path.basename(path_in) in private:
        return f"includes {path_in}, a header of an architecture's folder (use <arch/NAME.h>)"
    return None


def check_line(code, numbers, names, layout, in_syscalls):
    """Violations (kind, what) of one line of code (comments already removed)."""
    found = []
    bare, strings = split_strings(code)
    directive = re.match(r"\s*#\s*(if|ifdef|ifndef|elif)\b(.*)", bare)
    if directive:
        m = ARCH_IF.search(directive.group(2))
        if m:
            found.append(("arch-if", f"#{directive.group(1)} on the architecture ({m.group(0)})"))
    for m in IDENT.finditer(bare):
        ident = m.group(0)
        parts = [p.lower() for p in ident.split("_") if p]
        bad = [p for p in parts if p in REG_PARTS or re.fullmatch(r"csr\w*", p)]
        if len(parts) > 1 or re.search(r"(\.|->)\s*$", bare[:m.start()]):
            bad += [p for p in parts if p in SHORT_REGS]
        if bad:
            found.append(("register", f"{ident}: the RISC-V name {bad[0]}"))
        if SV39.fullmatch(ident):
            found.append(("layout", f"{ident}: an Sv39 name"))
    for s in strings:
        m = STRING_WORDS.search(s)
        if m:
            found.append(("register", f'"{s}": the RISC-V name {m.group(0)}'))
    # numbers of the line, array sizes and subscripts aside (args[6], args[0])
    nums = {number_value(m.group(1)) for m in NUMBER.finditer(re.sub(r"\[\s*\w+\s*\]", "[]", bare))}
    for v in nums & layout:
        found.append(("layout", f"{v:#x}: a number of an architecture's user layout"))
    m = re.match(r"\s*#\s*define\s+((?:SYS|__NR|NR|SYSCALL)_\w+)\s+\(?\s*(0[xX][0-9a-fA-F]+|\d+)\b", bare)
    if m:
        found.append(("syscall", f"{m.group(1)} defined as the number {m.group(2)}"))
    for m in re.finditer(r"\[\s*(\d+)\s*\]\s*=\s*(sys_\w+)", bare):
        found.append(("syscall", f"[{m.group(1)}] = {m.group(2)}: a table by number"))
    for m in re.finditer(r"\b(?:SYSCALL_)?ENTRY\s*\(\s*(\d+)\s*,", bare):
        found.append(("syscall", f"ENTRY({m.group(1)}, ...): the architecture's table's business"))
    for m in re.finditer(r"\b(?:kernel_)?syscall\s*\(\s*(\d+)\s*[,)]", bare):
        found.append(("syscall", f"syscall({m.group(1)}): a call by number"))
    cmp = r"(?:==|!=|<=|>=|<|>)"
    for m in re.finditer(rf"\b{SYSNUM_VAR}\s*{cmp}\s*(\d+)\b|\b(\d+)\s*{cmp}\s*{SYSNUM_VAR}\b", bare):
        v = int(m.group(2) or m.group(3))
        if v in numbers and v > 1:  # 0 and 1 are every count's
            found.append(("syscall", f"{m.group(0).strip()}: compares with a syscall number"))
    if in_syscalls:
        for m in re.finditer(r"\bcase\s+(\d+)\s*:", bare):
            if int(m.group(1)) in numbers:
                found.append(("syscall", f"case {m.group(1)}: a syscall number"))
    for ident in IDENT.findall(bare):
        call = re.fullmatch(r"(?:sys_|SYS_|__NR_)(\w+)", ident)
        if call:
            # small numbers (x86_64's read is 0, write 1...) are every constant's: tables are
            # caught by the rules above
            hits = {v for v in names.get(call.group(1).lower(), set()) & nums if v >= 10}
            for v in sorted(hits):
                found.append(("syscall", f"{ident} next to {v}, its number in a table"))
    return found


def generic_files(root):
    for f in GENERIC_FILES:
        if os.path.exists(os.path.join(root, f)):
            yield os.path.join(root, f)
    for d in GENERIC_DIRS:
        base = os.path.join(root, d)
        for dirpath, _, files in os.walk(base):
            for f in sorted(files):
                if f.endswith(SOURCE_EXT):
                    yield os.path.join(dirpath, f)


def check_tree(root):
    numbers, names, layout, private = arch_facts(root)
    reports = []
    for path in generic_files(root):
        rel = os.path.relpath(path, root)
        code = strip_comments(open(path, encoding="utf-8", errors="replace").read())
        in_syscalls = "syscall" in rel
        for m in ASM.finditer(code):  # the template may be on a later line than asm(
            if m.group(1).strip():
                reports.append((rel, code.count("\n", 0, m.start()) + 1, "register",
                                "inline assembly in generic code"))
        for lineno, line in enumerate(code.split("\n"), 1):
            inc = re.match(r'\s*#\s*include\s*[<"]([^>"]+)[>"]', line)
            if inc:
                what = check_include(inc.group(1), private)
                if what:
                    reports.append((rel, lineno, "include", what))
                continue
            for kind, what in check_line(line, numbers, names, layout, in_syscalls):
                reports.append((rel, lineno, kind, what))
    return reports


def main(root):
    if not os.path.isdir(os.path.join(root, "kernel")):
        print(f"check-generic: {root} has no kernel/ folder", file=sys.stderr)
        return 2
    reports = check_tree(root)
    for rel, lineno, kind, what in reports:
        print(f"{rel}:{lineno}: {kind}: {what}")
    files = sum(1 for _ in generic_files(root))
    print(f"check-generic: {files} generic files, {len(reports)} problem(s)")
    return 1 if reports else 0


# ---- self-test ----

CLEAN = r'''
/* Comments may say what RISC-V does: a0 holds the result, tp the thread pointer, ecall traps,
 * and read is 63 there (SYS_READ 63); #include "../hal/riscv/riscv.h" in a comment is no include. */
#include <hal_context.h>
#include <arch/uabi.h>
#include <kern/signal.h>
#define PAGE_COUNT 64
#if CONFIG_DEBUG
static int ok(uintptr_t sp, uintptr_t ra, uintptr_t fp, uintptr_t pc, int nr)
{
	const char *why = "a stack pointer of 0x10";
	asm volatile("" ::: "memory");   /* a compiler barrier is no assembly */
	switch (nr) { case 1: return 2; }
	uint64_t t0 = nr, tp = t0 + 1;    /* variables, not registers */
	return sp && ra && fp && pc && why && nr + PAGE_COUNT && tp && sys_read(args[6]) && nr == 0;
}
#endif
'''

VIOLATIONS = [
    ("include", '#include "../../hal/riscv/riscv.h"\n'),
    ("include", "#include <hal/riscv/include/arch/uabi.h>\n"),
    ("include", '#include "riscv.h"\n'),
    ("include", "#include <boot/riscv/boot.h>\n"),
    ("arch-if", "#ifdef __riscv\nint x;\n#endif\n"),
    ("arch-if", "#if defined(__x86_64__) || 0\nint x;\n#endif\n"),
    ("arch-if", "#if ARCHIPEL_ARCH_RISCV\n#endif\n"),
    ("register", "uint64_t sig_restart_a0;\n"),
    ("register", "uintptr_t f(const regs_t *r) { return r->tp; }\n"),
    ("register", "#define REG_A7 17\n"),
    ("register", "static void f(void) { __asm__ volatile(\"ecall\"); }\n"),
    ("register", "static const char *s = \"mv %0, sp\";\n"),
    ("register", "uint64_t v = read_sstatus();\n"),
    ("register", "uint64_t f(const struct frame *f) { return f->a0 + f->sp; }\n"),
    ("register", "struct regs { uint64_t s11; } r = { .s11 = 0 };\n"),
    ("syscall", "#define SYS_READ 63\n"),
    ("syscall", "#define __NR_exit 93\n"),
    ("syscall", "static const void *t[] = { [63] = sys_read };\n"),
    ("syscall", "static int f(uint64_t nr) { return nr == 139; }\n"),
    ("syscall", "static long g(void) { return syscall(93, 0); }\n"),
    ("syscall", "static const struct { int n; void *f; } t[] = { { 63, sys_read } };\n"),
    ("syscall", "ENTRY(63, read)\n"),
    ("layout", "#define USER_END 0x4000000000UL\n"),
    ("layout", "int sv39_levels;\n"),
]


def self_test():
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for d in ("kernel/kern", "hal/generic", "hal/riscv/include/arch", "boot/riscv"):
            os.makedirs(os.path.join(tmp, d))
        for f in ("syscall_table.h", "user_layout.h"):
            shutil.copy(os.path.join(here, "hal/riscv/include/arch", f),
                        os.path.join(tmp, "hal/riscv/include/arch", f))
        open(os.path.join(tmp, "hal/riscv/riscv.h"), "w").close()
        open(os.path.join(tmp, "boot/riscv/boot.h"), "w").close()
        clean = os.path.join(tmp, "kernel/kern/clean.c")
        open(clean, "w").write(CLEAN)
        reports = check_tree(tmp)
        if reports:
            failures += 1
            print("not ok: clean code reported:", reports)
        else:
            print("ok: clean code passes")
        planted = os.path.join(tmp, "kernel/kern/planted.c")
        for kind, text in VIOLATIONS:
            open(planted, "w").write(text)
            kinds = {r[2] for r in check_tree(tmp)}
            if kind not in kinds:
                failures += 1
                print(f"not ok: {kind} not found in: {text.strip()!r} (found {sorted(kinds)})")
            else:
                print(f"ok: {kind}: {text.strip()!r}")
        os.remove(planted)
        # the command line: exit status 1 and the report on a planted violation, 0 when clean
        script = os.path.abspath(__file__)
        open(planted, "w").write(VIOLATIONS[0][1])
        bad = subprocess.run([sys.executable, script, tmp], capture_output=True, text=True)
        os.remove(planted)
        good = subprocess.run([sys.executable, script, tmp], capture_output=True, text=True)
        if bad.returncode != 1 or "planted.c:1: include" not in bad.stdout or good.returncode != 0:
            failures += 1
            print("not ok: exit statuses", bad.returncode, good.returncode, bad.stdout)
        else:
            print("ok: exit status 1 with a violation, 0 without")
    print(f"check-generic self-test: {len(VIOLATIONS) + 2 - failures} ok, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--self-test":
        sys.exit(self_test())
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else
                  os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
