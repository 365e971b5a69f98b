/*
 * test_startup.c - KTAP test of what a program finds when it starts: argc, argv, envp and the
 * auxiliary vector laid out on the initial stack as Linux does, and the stack alignment.
 *
 * Usage: test_startup [ARG...]
 * The program checks the layout itself; the values are the caller's: every argument and
 * environment string is echoed as a diagnostic ("# argv[1] = "alpha"", "# envp[0] = "HOME=/""),
 * so a caller checks that they arrived as given by matching those lines. Exit status 0 only if
 * every result is ok.
 */
#include <elf.h>
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include <uarch.h>
#include "ktap.h"

#define MAX_AUXV    256     /* more entries than any kernel gives: the vector is unterminated */
#define MAX_ENVP    4096
#define PAGE_SIZE   4096

extern char **environ;
extern const Elf64_Ehdr __ehdr_start;   /* the linker's symbol for our own ELF header */
extern char _start[];                   /* glibc's entry point, our ELF e_entry */

/* What main() was given, and where the auxiliary vector is. */
struct startup {
	int argc;
	char **argv;
	char **envp;
	Elf64_auxv_t *auxv;     /* after envp's NULL, as Linux puts it */
	uintptr_t sp_in_main;
};

/* The raw auxv entry of @type: true and *value if present. */
static bool aux_find(const struct startup *s, unsigned long type, unsigned long *value)
{
	for (int i = 0; i < MAX_AUXV && s->auxv[i].a_type != AT_NULL; i++) {
		if (s->auxv[i].a_type == type) {
			*value = s->auxv[i].a_un.a_val;
			return true;
		}
	}
	return false;
}

static void echo_strings(const char *name, char **v, int max)
{
	for (int i = 0; i < max && v[i] != NULL; i++)
		ktap_diag("%s[%d] = \"%s\"", name, i, v[i]);
}

/* Layout checks: each returns true if the layout is right. */

static bool argv_terminated(const struct startup *s)
{
	return s->argc >= 1 && s->argv[s->argc] == NULL && s->argv[0] != NULL && s->argv[0][0] != '\0';
}

static bool envp_after_argv(const struct startup *s)
{
	return s->envp == s->argv + s->argc + 1 && environ == s->envp;
}

static bool envp_entries(const struct startup *s)
{
	int i;

	for (i = 0; i < MAX_ENVP && s->envp[i] != NULL; i++) {
		const char *eq = strchr(s->envp[i], '=');
		if (eq == NULL || eq == s->envp[i])
			return false;
	}
	return i < MAX_ENVP;
}

/* The System V ABI puts the strings in an information block above the vectors. */
static bool strings_above_vectors(const struct startup *s)
{
	int n = 0;

	while (n < MAX_AUXV && s->auxv[n].a_type != AT_NULL)
		n++;
	uintptr_t end = (uintptr_t)&s->auxv[n + 1];
	for (int i = 0; i < s->argc; i++)
		if ((uintptr_t)s->argv[i] < end)
			return false;
	for (int i = 0; s->envp[i] != NULL; i++)
		if ((uintptr_t)s->envp[i] < end)
			return false;
	return true;
}

/* The initial stack pointer points at argc, just below argv, and is 16-byte aligned. */
static bool stack_aligned_at_entry(const struct startup *s)
{
	long *sp = (long *)s->argv - 1;
	return (uintptr_t)sp % 16 == 0 && *sp == s->argc;
}

static bool stack_aligned_in_main(const struct startup *s)
{
	return s->sp_in_main % 16 == 0;
}

/* The vector ends with AT_NULL, and glibc's getauxval() sees the same values (but for those it
 * replaces by its own view on the architecture: uarch.h). */
static bool auxv_consistent(const struct startup *s)
{
	int i;

	for (i = 0; i < MAX_AUXV && s->auxv[i].a_type != AT_NULL; i++) {
		unsigned long type = s->auxv[i].a_type;
		if (type != AT_IGNORE && !uarch_auxv_libc_own(type) &&
		    getauxval(type) != s->auxv[i].a_un.a_val) {
			ktap_diag("auxv type %lu: 0x%lx on the stack, 0x%lx from getauxval", type,
				  (unsigned long)s->auxv[i].a_un.a_val, getauxval(type));
			return false;
		}
	}
	return i < MAX_AUXV;
}

/* Value checks of the auxiliary vector entries: true if @v is sane for the entry. */

static bool phdr_sane(unsigned long v)
{
	return v == (uintptr_t)&__ehdr_start + __ehdr_start.e_phoff;
}

static bool phent_sane(unsigned long v)
{
	return v == sizeof(Elf64_Phdr) && v == __ehdr_start.e_phentsize;
}

static bool phnum_sane(unsigned long v)
{
	return v > 0 && v == __ehdr_start.e_phnum;
}

static bool pagesz_sane(unsigned long v)
{
	return v == PAGE_SIZE && sysconf(_SC_PAGESIZE) == PAGE_SIZE;
}

/* e_entry is an address (ET_EXEC) or an offset from the load address (static-pie ET_DYN). */
static bool entry_sane(unsigned long v)
{
	uintptr_t bias = __ehdr_start.e_type == ET_DYN ? (uintptr_t)&__ehdr_start : 0;

	return v == (uintptr_t)_start && v == __ehdr_start.e_entry + bias;
}

static bool random_sane(unsigned long v)
{
	const unsigned char *bytes = (const unsigned char *)v;
	unsigned char any = 0;

	if (bytes == NULL)
		return false;
	for (int i = 0; i < 16; i++)
		any |= bytes[i];
	return any != 0;
}

static bool uid_sane(unsigned long v)  { return v == (unsigned long)getuid(); }
static bool euid_sane(unsigned long v) { return v == (unsigned long)geteuid(); }
static bool gid_sane(unsigned long v)  { return v == (unsigned long)getgid(); }
static bool egid_sane(unsigned long v) { return v == (unsigned long)getegid(); }

static bool secure_sane(unsigned long v)
{
	bool same_ids = getuid() == geteuid() && getgid() == getegid();
	return v == 0 || (v == 1 && !same_ids);
}

static bool execfn_sane(unsigned long v)
{
	const char *path = (const char *)v;
	const char *base;

	if (path == NULL || path[0] == '\0')
		return false;
	ktap_diag("AT_EXECFN = \"%s\"", path);
	base = strrchr(path, '/');
	return strcmp(base ? base + 1 : path, "test_startup") == 0;
}

struct layout_check {
	const char *name;
	bool (*check)(const struct startup *s);
};

static const struct layout_check layout_checks[] = {
	{ "argv_terminated", argv_terminated },
	{ "envp_after_argv", envp_after_argv },
	{ "envp_entries", envp_entries },
	{ "strings_above_vectors", strings_above_vectors },
	{ "stack_aligned_at_entry", stack_aligned_at_entry },
	{ "stack_aligned_in_main", stack_aligned_in_main },
	{ "auxv_consistent", auxv_consistent },
};

struct aux_check {
	unsigned long type;
	const char *name;
	bool (*sane)(unsigned long v);
};

static const struct aux_check aux_checks[] = {
	{ AT_PHDR, "AT_PHDR", phdr_sane },       { AT_PHENT, "AT_PHENT", phent_sane },
	{ AT_PHNUM, "AT_PHNUM", phnum_sane },    { AT_PAGESZ, "AT_PAGESZ", pagesz_sane },
	{ AT_ENTRY, "AT_ENTRY", entry_sane },    { AT_RANDOM, "AT_RANDOM", random_sane },
	{ AT_UID, "AT_UID", uid_sane },          { AT_EUID, "AT_EUID", euid_sane },
	{ AT_GID, "AT_GID", gid_sane },          { AT_EGID, "AT_EGID", egid_sane },
	{ AT_SECURE, "AT_SECURE", secure_sane }, { AT_HWCAP, "AT_HWCAP", uarch_hwcap_sane },
	{ AT_EXECFN, "AT_EXECFN", execfn_sane },
};

#define NCHECKS(table) ((int)(sizeof(table) / sizeof((table)[0])))

static void check_aux(const struct startup *s, const struct aux_check *c)
{
	unsigned long v;

	if (!aux_find(s, c->type, &v)) {
		ktap_ok(false, "%s", c->name);
		ktap_diag("%s is missing from the auxiliary vector", c->name);
		return;
	}
	if (!ktap_ok(c->sane(v), "%s", c->name))
		ktap_diag("%s = 0x%lx", c->name, v);
}

int main(int argc, char **argv, char **envp)
{
	struct startup s = { .argc = argc, .argv = argv, .envp = envp };
	char **p = envp;

	s.sp_in_main = uarch_stack_pointer();
	for (int i = 0; i < MAX_ENVP && *p != NULL; i++)
		p++;
	s.auxv = (Elf64_auxv_t *)(p + 1);

	ktap_plan(NCHECKS(layout_checks) + NCHECKS(aux_checks));
	ktap_diag("argc = %d", argc);
	echo_strings("argv", argv, argc);
	echo_strings("envp", envp, MAX_ENVP);
	for (int i = 0; i < NCHECKS(layout_checks); i++)
		ktap_ok(layout_checks[i].check(&s), "%s", layout_checks[i].name);
	for (int i = 0; i < NCHECKS(aux_checks); i++)
		check_aux(&s, &aux_checks[i]);
	return ktap_exit();
}
