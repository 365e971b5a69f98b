/*
 * archiprof.c - Archipel's instruction profiler, a QEMU TCG plugin (docs/perf.md).
 *
 *   qemu-system-riscv64 -icount shift=0 ... -plugin archiprof.so,out=FILE[,ARG=VALUE]...
 *   qemu-system-x86_64 -icount shift=0 ... -plugin archiprof.so,out=FILE[,ARG=VALUE]...
 *
 * It counts every executed guest instruction per PC with an inline counter (exact: the counter
 * is incremented by generated code as each instruction starts), sums them over measurement
 * windows, and follows kernel calls, returns, traps and context switches to build a calling-context
 * tree (callstack.h). tools/profile.py computes the arguments from the kernel's and the program's
 * symbols, and symbolises the output. The instruction set is QEMU's target's: riscv64
 * (riscv_insn.h) or x86_64 (x86_insn.h).
 *
 * Arguments (addresses in hex):
 *   out=FILE            where the profile goes, written when QEMU exits (required)
 *   kernel=LO-HI        kernel code whose calls are followed (repeatable)
 *   firmware=LO-HI      M-mode firmware: transparent to the call stacks
 *   trap=PC             a trap entry: a trap's first block starts there (repeatable; riscv64's
 *                       S-mode vector, x86_64's syscall entry)
 *   traps=LO-HI         trap entries: a block starting anywhere in [LO, HI) is a trap's first
 *                       (x86_64's IDT stubs, one per vector)
 *   fault=PC            the entry of page faults only (x86_64's stub of vector 14; repeatable):
 *                       see fault_settle()
 *   switch_save=PC      the context-switch instruction storing to the outgoing thread's context
 *   switch_load=PC      ... and the one loading from the incoming thread's
 *   thread_start=PC     where a new thread's first context switch returns to
 *   open=PC, close=PC   a window opens when an instruction at an open PC starts, and closes at a
 *                       close PC (each repeatable); without open, the whole run is one window
 * Windows are global: while one is open, every vCPU's instructions count, which is what virtual
 * time measures under -icount.
 *
 * QEMU must run every vCPU on one host thread (-icount does, and the driver always passes it):
 * the counters and the call stacks are not atomic. A callback entered twice at once aborts.
 *
 * Output, one record a line: "archiprof 1", "vcpus N", "T insns" (the whole run), "W insns" per
 * window in order, "P pc window_count total_count [wfi]" per executed PC, then the tree and the
 * counters of callstack.h ("N ...", "S name value"). PC 0 stands for idle time (block_ended()).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callstack.h"
#include "qemu_plugin_api.h"
#include "riscv_insn.h"
#include "x86_insn.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = 1;

#define MAX_RANGES   8
#define MAX_MARKS    16
#define CHUNK_SHIFT  16          /* PC entries come in chunks: they never move once made */
#define CHUNK_SIZE   (1u << CHUNK_SHIFT)

struct range {
	uint64_t lo, hi;         /* [lo, hi) */
};

static struct {
	const char *out;
	struct range kernel[MAX_RANGES];
	unsigned int nkernel;
	struct range firmware;
	struct cs_range traps[CS_MAX_TRAPS];
	unsigned int ntraps;
	uint64_t faults[MAX_MARKS];
	unsigned int nfaults;
	uint64_t switch_save, switch_load, thread_start;
	uint64_t open[MAX_MARKS], close[MAX_MARKS];
	unsigned int nopen, nclose;
} opt;

/* One executed PC. count is the inline counter; measured sums it over the closed windows. */
struct pc_entry {
	uint64_t pc;
	uint64_t count;
	uint64_t base;           /* count when the current window opened */
	uint64_t measured;
	bool wfi;                /* the instruction is a wait for interrupt */
};

static struct pc_entry **chunks;
static uint32_t npcs, nchunks;
static uint32_t *pc_hash;        /* entry index + 1, 0 = empty */
static uint32_t pc_hash_size;

/* A translated block: its instructions' entries, in order. Blocks translated again with the same
 * instructions share one (a hash by start address and length). */
struct block {
	uint64_t start;
	uint32_t n;
	struct block *next;      /* in its hash bucket */
	struct pc_entry *insn[];
};

#define BLOCK_BUCKETS (1u << 16)
static struct block *blocks[BLOCK_BUCKETS];
static const struct block *current_block; /* the last block that started, on last_vcpu */
static uint64_t current_block_base;       /* insns when it started */

/* Per vCPU: its last block and how many of its instructions started, known once the next block
 * of any vCPU starts. */
struct last_block {
	const struct block *block;
	uint64_t done;
	struct pc_entry *suspect;  /* a block's last instruction, then a page fault (fault_settle) */
	uint64_t suspect_epoch;    /* windows_epoch then */
	bool returning;            /* a trap return ran since: the next block settles the suspect */
};
static struct last_block *last_blocks;

static uint64_t insns;           /* inline: every instruction of every vCPU */
static uint64_t charged;         /* insns when the call stacks were last charged */
static unsigned int last_vcpu;   /* the vCPU that ran the instructions since then */

static uint64_t *windows;        /* instructions of each closed window */
static size_t nwindows, windows_cap;
static bool window_open;
static uint64_t windows_epoch;   /* windows opened and closed (a count is taken back in its own) */
static uint64_t window_base;
static struct pc_entry *idle;    /* PC 0: what icount charges for the blocks that halted */

static int busy;                 /* a callback is running: two at once means several threads */

/* The instruction set of QEMU's target. */
struct isa {
	const char *target;      /* qemu_info_t.target_name */
	enum insn_kind (*kind)(const uint8_t *bytes, size_t size);
	bool (*is_idle)(const uint8_t *bytes, size_t size); /* waits for an interrupt */
};

static const struct isa isas[] = {
	{ "riscv64", riscv_insn_kind, riscv_insn_is_wfi },
	{ "x86_64", x86_insn_kind, x86_insn_is_hlt },
};
static const struct isa *isa;

static void fatal(const char *what)
{
	fprintf(stderr, "archiprof: %s\n", what);
	abort();
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (p == NULL)
		fatal("out of memory");
	return p;
}

static void enter(void)
{
	if (__atomic_exchange_n(&busy, 1, __ATOMIC_ACQUIRE))
		fatal("callbacks from two host threads at once: run QEMU with -icount shift=0");
}

static void leave(void)
{
	__atomic_store_n(&busy, 0, __ATOMIC_RELEASE);
}

static struct pc_entry *entry_at(uint32_t index)
{
	return &chunks[index >> CHUNK_SHIFT][index & (CHUNK_SIZE - 1)];
}

static uint32_t pc_slot(uint64_t pc)
{
	uint64_t h = pc * 0x9e3779b97f4a7c15ULL;

	return (uint32_t)(h >> 32) & (pc_hash_size - 1);
}

static void pc_hash_grow(void)
{
	free(pc_hash);
	pc_hash_size = pc_hash_size ? 2 * pc_hash_size : 1u << 18;
	pc_hash = xcalloc(pc_hash_size, sizeof(*pc_hash));
	for (uint32_t i = 0; i < npcs; i++) {
		uint32_t s = pc_slot(entry_at(i)->pc);

		while (pc_hash[s] != 0)
			s = (s + 1) & (pc_hash_size - 1);
		pc_hash[s] = i + 1;
	}
}

/* The entry of @pc, made at its first translation. */
static struct pc_entry *pc_entry(uint64_t pc)
{
	uint32_t s = pc_slot(pc);

	for (; pc_hash[s] != 0; s = (s + 1) & (pc_hash_size - 1))
		if (entry_at(pc_hash[s] - 1)->pc == pc)
			return entry_at(pc_hash[s] - 1);
	if ((npcs & (CHUNK_SIZE - 1)) == 0) {
		chunks = realloc(chunks, (nchunks + 1) * sizeof(*chunks));
		if (chunks == NULL)
			fatal("out of memory");
		chunks[nchunks++] = xcalloc(CHUNK_SIZE, sizeof(struct pc_entry));
	}
	struct pc_entry *e = entry_at(npcs);

	e->pc = pc;                     /* count 0, so base 0 is right even inside a window */
	pc_hash[s] = ++npcs;
	if (2 * npcs > pc_hash_size)
		pc_hash_grow();
	return e;
}

static bool in_range(const struct range *r, uint64_t pc)
{
	return pc >= r->lo && pc < r->hi;
}

static enum cs_class classify(uint64_t pc)
{
	for (unsigned int i = 0; i < opt.nkernel; i++)
		if (in_range(&opt.kernel[i], pc))
			return CS_KERNEL;
	return in_range(&opt.firmware, pc) ? CS_FIRMWARE : CS_OTHER;
}

/* Charge the instructions run since the last charge to the vCPU that ran them. */
static void charge(void)
{
	if (charged > insns) /* an instruction was taken back since */
		charged = insns;
	cs_charge(last_vcpu, insns - charged, window_open);
	charged = insns;
}

static void window_start(void)
{
	windows_epoch++;
	for (uint32_t i = 0; i < npcs; i++)
		entry_at(i)->base = entry_at(i)->count;
	window_base = insns;
	window_open = true;
}

static void window_end(void)
{
	windows_epoch++;
	for (uint32_t i = 0; i < npcs; i++) {
		struct pc_entry *e = entry_at(i);

		e->measured += e->count - e->base;
	}
	if (nwindows == windows_cap) {
		windows_cap = windows_cap ? 2 * windows_cap : 64;
		windows = realloc(windows, windows_cap * sizeof(*windows));
		if (windows == NULL)
			fatal("out of memory");
	}
	windows[nwindows++] = insns - window_base;
	window_open = false;
}

/*
 * The current block ended: record how far it went. If it stopped at a wfi that halted its vCPU,
 * charge the rest of it to PC 0, "idle": QEMU 7.2 leaves such a block without correcting icount,
 * whose virtual time then includes the block's instructions after the wfi, never executed there
 * (the vCPU resumes after the wfi in a new block). So the windows measure what the program's clock
 * measures. (The time icount skips while every vCPU waits for a timer is not seen at all.)
 */
static void block_ended(void)
{
	const struct block *c = current_block;
	uint64_t done = insns - current_block_base;

	if (c == NULL)
		return;
	last_blocks[last_vcpu].block = c;
	last_blocks[last_vcpu].done = done;
	if (done >= 1 && done < c->n && c->insn[done - 1]->wfi) {
		idle->count += c->n - done;
		insns += c->n - done;
	}
}

static bool is_mark(const uint64_t *marks, unsigned int n, uint64_t pc)
{
	for (unsigned int i = 0; i < n; i++)
		if (marks[i] == pc)
			return true;
	return false;
}

/*
 * Whether block @b starts because @last, the previous block of the same vCPU, raised an exception:
 * it stopped early, and @b is a trap entry (cs_is_trap_entry) or the firmware entered from
 * outside. The inline counter of the faulting instruction had counted it; it did not complete,
 * and runs again after the trap (a page fault), so it is taken back: a count is a completed
 * instruction, as in icount's virtual time. An exception on a block's last instruction cannot be
 * told from an interrupt taken after the block and stays counted (ecall and illegal instructions
 * always end their block, and icount counts them too), unless the trap is a page fault known by
 * its entry (fault=PC, x86_64's stub): fault_settle() decides then.
 */
static bool raised_exception(const struct last_block *last, const struct block *b)
{
	const struct block *c = last->block;

	if (c == NULL || last->done == 0 || last->done >= c->n || c->insn[last->done - 1]->wfi)
		return false;
	return cs_is_trap_entry(b->start) ||
	       (classify(b->start) == CS_FIRMWARE && classify(c->start) != CS_FIRMWARE);
}

/*
 * A page fault (@b starts at a fault=PC entry) right after a block that ran to its end: either its
 * last instruction faulted (a call whose push meets a copy-on-write stack: a call always ends its
 * block) and runs again, uncounted by icount, or the next instruction's fetch faulted and the
 * block completed. Which one shows where the fault returns to: the first block after the next
 * trap return starts at the suspect's PC if it faulted, and its count is taken back then (unless a
 * window opened or closed since: the count stays where it fell).
 */
static void fault_settle(struct last_block *last, const struct block *b)
{
	const struct block *c = last->block;

	if (is_mark(opt.faults, opt.nfaults, b->start)) {
		last->suspect = NULL;
		if (c != NULL && last->done == c->n && !c->insn[c->n - 1]->wfi) {
			last->suspect = c->insn[c->n - 1];
			last->suspect_epoch = windows_epoch;
		}
		last->returning = false;
		return;
	}
	if (!last->returning || last->suspect == NULL)
		return;
	if (b->start == last->suspect->pc && last->suspect_epoch == windows_epoch &&
	    last->suspect->count > last->suspect->base) {
		last->suspect->count--;
		insns--;
	}
	last->suspect = NULL;
	last->returning = false;
}

static void on_block(unsigned int vcpu, void *block)
{
	const struct block *b = block;
	struct last_block *last = &last_blocks[vcpu];

	enter();
	block_ended();
	if (raised_exception(last, b)) {
		last->block->insn[last->done - 1]->count--;
		insns--;
	}
	fault_settle(last, b);
	charge();
	last_vcpu = vcpu;
	current_block = b;
	current_block_base = insns;
	cs_block(vcpu, b->start, classify(b->start), window_open);
	leave();
}

static void on_call(unsigned int vcpu, void *ret)
{
	cs_call(vcpu, (uintptr_t)ret);
}

static void on_ret(unsigned int vcpu, void *unused)
{
	(void)unused;
	cs_ret(vcpu);
}

static void on_sret(unsigned int vcpu, void *unused)
{
	(void)unused;
	last_blocks[vcpu].returning = true;
	cs_trap_return(vcpu);
}

static void on_switch_save(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void *u)
{
	(void)info, (void)u;
	cs_switch_from(vcpu, vaddr);
}

static void on_switch_load(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void *u)
{
	(void)info, (void)u;
	enter();
	charge();
	cs_switch_to(vcpu, vaddr);
	leave();
}

static void on_open(unsigned int vcpu, void *unused)
{
	(void)vcpu, (void)unused;
	enter();
	charge();               /* what ran before belongs to the state before */
	if (!window_open)
		window_start();
	leave();
}

static void on_close(unsigned int vcpu, void *unused)
{
	(void)vcpu, (void)unused;
	enter();
	charge();
	if (window_open)
		window_end();
	leave();
}

static void instrument_kernel_insn(struct qemu_plugin_insn *insn, uint64_t pc)
{
	size_t size = qemu_plugin_insn_size(insn);

	switch (isa->kind(qemu_plugin_insn_data(insn), size)) {
	case INSN_CALL:
		qemu_plugin_register_vcpu_insn_exec_cb(insn, on_call, QEMU_PLUGIN_CB_NO_REGS,
						       (void *)(uintptr_t)(pc + size));
		break;
	case INSN_RET:
		qemu_plugin_register_vcpu_insn_exec_cb(insn, on_ret, QEMU_PLUGIN_CB_NO_REGS, NULL);
		break;
	case INSN_SRET:
		qemu_plugin_register_vcpu_insn_exec_cb(insn, on_sret, QEMU_PLUGIN_CB_NO_REGS, NULL);
		break;
	case INSN_OTHER:
		break;
	}
	/* Each of the two makes one access. QEMU_PLUGIN_MEM_RW, because Debian's QEMU 7.2 never
	 * calls a callback registered with QEMU_PLUGIN_MEM_R alone. */
	if (pc == opt.switch_save)
		qemu_plugin_register_vcpu_mem_cb(insn, on_switch_save, QEMU_PLUGIN_CB_NO_REGS,
						 QEMU_PLUGIN_MEM_RW, NULL);
	if (pc == opt.switch_load)
		qemu_plugin_register_vcpu_mem_cb(insn, on_switch_load, QEMU_PLUGIN_CB_NO_REGS,
						 QEMU_PLUGIN_MEM_RW, NULL);
}

/* The block of @tb: a known one with the same instructions, or a new one. */
static struct block *block_of(struct qemu_plugin_tb *tb)
{
	uint64_t start = qemu_plugin_tb_vaddr(tb);
	uint32_t n = (uint32_t)qemu_plugin_tb_n_insns(tb);
	struct block *b = malloc(sizeof(*b) + n * sizeof(b->insn[0]));
	struct block **bucket = &blocks[(start * 0x9e3779b97f4a7c15ULL >> 48) & (BLOCK_BUCKETS - 1)];

	if (b == NULL)
		fatal("out of memory");
	b->start = start;
	b->n = n;
	for (uint32_t i = 0; i < n; i++)
		b->insn[i] = pc_entry(qemu_plugin_insn_vaddr(qemu_plugin_tb_get_insn(tb, i)));
	for (struct block *old = *bucket; old != NULL; old = old->next) {
		if (old->start == start && old->n == n &&
		    memcmp(old->insn, b->insn, n * sizeof(b->insn[0])) == 0) {
			free(b);
			return old;
		}
	}
	b->next = *bucket;
	*bucket = b;
	return b;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	struct block *b;
	bool kernel;

	(void)id;
	enter();
	b = block_of(tb);
	kernel = classify(b->start) == CS_KERNEL;
	qemu_plugin_register_vcpu_tb_exec_cb(tb, on_block, QEMU_PLUGIN_CB_NO_REGS, b);
	for (uint32_t i = 0; i < b->n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		uint64_t pc = qemu_plugin_insn_vaddr(insn);
		struct pc_entry *e = b->insn[i];

		e->wfi = isa->is_idle(qemu_plugin_insn_data(insn), qemu_plugin_insn_size(insn));
		qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64,
							   &e->count, 1);
		qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64,
							   &insns, 1);
		if (kernel)
			instrument_kernel_insn(insn, pc);
		if (is_mark(opt.open, opt.nopen, pc))
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_open, QEMU_PLUGIN_CB_NO_REGS,
							       NULL);
		if (is_mark(opt.close, opt.nclose, pc))
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_close, QEMU_PLUGIN_CB_NO_REGS,
							       NULL);
	}
	leave();
}

static void write_profile(FILE *f, unsigned int vcpus)
{
	fprintf(f, "archiprof 1\nvcpus %u\nT %" PRIu64 "\n", vcpus, insns);
	for (size_t i = 0; i < nwindows; i++)
		fprintf(f, "W %" PRIu64 "\n", windows[i]);
	for (uint32_t i = 0; i < npcs; i++) {
		const struct pc_entry *e = entry_at(i);

		if (e->count)
			fprintf(f, "P %" PRIx64 " %" PRIu64 " %" PRIu64 "%s\n", e->pc, e->measured,
				e->count, e->wfi ? " wfi" : "");
	}
	cs_write(f);
}

static unsigned int vcpu_count;

static void on_qemu_exit(qemu_plugin_id_t id, void *unused)
{
	FILE *f;

	(void)id, (void)unused;
	enter();
	charge();
	if (window_open)
		window_end();
	cs_finish();
	f = fopen(opt.out, "w");
	if (f == NULL) {
		fprintf(stderr, "archiprof: %s: %s\n", opt.out, strerror(errno));
	} else {
		write_profile(f, vcpu_count);
		if (fclose(f) != 0)
			fprintf(stderr, "archiprof: %s: %s\n", opt.out, strerror(errno));
	}
	leave();
}

static bool parse_hex(const char *s, uint64_t *out)
{
	char *end;

	if (*s == '\0')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 16);
	return errno == 0 && *end == '\0';
}

static bool parse_range(const char *s, struct range *r)
{
	char lo[32];
	const char *dash = strchr(s, '-');

	if (dash == NULL || (size_t)(dash - s) >= sizeof(lo))
		return false;
	memcpy(lo, s, dash - s);
	lo[dash - s] = '\0';
	return parse_hex(lo, &r->lo) && parse_hex(dash + 1, &r->hi) && r->lo < r->hi;
}

static bool add_mark(uint64_t *marks, unsigned int *n, const char *value)
{
	return *n < MAX_MARKS && parse_hex(value, &marks[(*n)++]);
}

/* One NAME=VALUE argument; false if it is not one of ours or its value is bad. */
static bool parse_arg(const char *arg)
{
	const char *eq = strchr(arg, '=');
	const char *v = eq ? eq + 1 : "";
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);

#define IS(name) (len == sizeof(name) - 1 && strncmp(arg, name, len) == 0)
	if (IS("out"))
		return (opt.out = v)[0] != '\0';
	if (IS("kernel"))
		return opt.nkernel < MAX_RANGES && parse_range(v, &opt.kernel[opt.nkernel++]);
	if (IS("firmware"))
		return parse_range(v, &opt.firmware);
	if (IS("trap") || IS("traps")) {
		struct range r = { 0, 0 };

		if (opt.ntraps == CS_MAX_TRAPS)
			return false;
		if (IS("trap") ? !parse_hex(v, &r.lo) : !parse_range(v, &r))
			return false;
		opt.traps[opt.ntraps++] = (struct cs_range){ r.lo, IS("trap") ? r.lo + 1 : r.hi };
		return true;
	}
	if (IS("switch_save"))
		return parse_hex(v, &opt.switch_save);
	if (IS("switch_load"))
		return parse_hex(v, &opt.switch_load);
	if (IS("thread_start"))
		return parse_hex(v, &opt.thread_start);
	if (IS("fault"))
		return add_mark(opt.faults, &opt.nfaults, v);
	if (IS("open"))
		return add_mark(opt.open, &opt.nopen, v);
	if (IS("close"))
		return add_mark(opt.close, &opt.nclose, v);
#undef IS
	return false;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
					   char **argv)
{
	struct cs_config cfg;

	for (int i = 0; i < argc; i++) {
		if (!parse_arg(argv[i])) {
			fprintf(stderr, "archiprof: bad argument '%s'\n", argv[i]);
			return -1;
		}
	}
	if (opt.out == NULL || !info->system_emulation) {
		fprintf(stderr, "archiprof: needs out=FILE and a system emulator\n");
		return -1;
	}
	for (size_t i = 0; i < sizeof(isas) / sizeof(isas[0]); i++)
		if (strcmp(info->target_name, isas[i].target) == 0)
			isa = &isas[i];
	if (isa == NULL) {
		fprintf(stderr, "archiprof: no decoder for QEMU's target %s\n", info->target_name);
		return -1;
	}
	vcpu_count = (unsigned int)info->system.max_vcpus;
	last_blocks = xcalloc(vcpu_count, sizeof(*last_blocks));
	cfg = (struct cs_config){ .vcpus = vcpu_count, .ntraps = opt.ntraps,
				  .thread_start = opt.thread_start };
	memcpy(cfg.traps, opt.traps, sizeof(cfg.traps));
	if (cs_init(&cfg) != 0)
		return -1;
	pc_hash_grow();
	idle = pc_entry(0);
	if (opt.nopen == 0)
		window_start(); /* the whole run */
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, on_qemu_exit, NULL);
	return 0;
}
