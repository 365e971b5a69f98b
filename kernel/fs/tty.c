/*
 * tty.c - the line discipline of a terminal (see tty.h, docs/tty.md). Pure: the caller holds
 * whatever lock guards @t; nothing here blocks or touches a device.
 *
 * The behaviour follows Linux's n_tty where the flags it honours meet: the same echo forms ("^C",
 * "\b \b" per erased character, twice for a character echoed as "^X"), the same word erase (BSD's
 * ALTWERASE: trailing non-word characters, then the word), a full canonical buffer keeps 4095
 * bytes and still takes the newline.
 */
#include <fs/tty.h>
#include <libk/string.h>

#define TTY_F_EOL 0x1 /* the slot ends a line (NL, VEOL, VEOL2, VEOF) */
#define TTY_F_EOF 0x2 /* an EOF mark: ends a line, never returned     */

#define SLOT(pos) ((pos) & (TTY_BUF_SIZE - 1))

_Static_assert((TTY_BUF_SIZE & (TTY_BUF_SIZE - 1)) == 0, "the ring is a power of two");

const struct vfs_termios tty_default_termios = {
	.c_iflag = TTY_ICRNL | TTY_IXON,
	.c_oflag = TTY_OPOST | TTY_ONLCR,
	.c_cflag = 0x04bf, /* B38400 | CS8 | CREAD | HUPCL */
	.c_lflag = TTY_ISIG | TTY_ICANON | TTY_ECHO | TTY_ECHOE | TTY_ECHOK | TTY_ECHOCTL |
		   TTY_ECHOKE | TTY_IEXTEN,
	.c_line = 0,
	/* INTR QUIT ERASE KILL EOF TIME MIN SWTC START STOP SUSP EOL REPRINT DISCARD WERASE LNEXT EOL2 */
	.c_cc = { 3, 0x1c, 0x7f, 0x15, 4, 0, 1, 0, 0x11, 0x13, 0x1a, 0, 0x12, 0x0f, 0x17, 0x16, 0 },
};

static bool lflag(const tty_ldisc_t *t, uint32_t f) { return t->termios.c_lflag & f; }
static bool iflag(const tty_ldisc_t *t, uint32_t f) { return t->termios.c_iflag & f; }

/* @c is the control character @idx of c_cc, and that character is not disabled (0). */
static bool is_cc(const tty_ldisc_t *t, int idx, uint8_t c)
{
	return t->termios.c_cc[idx] != 0 && t->termios.c_cc[idx] == c;
}

static bool is_cntrl(uint8_t c) { return c < 0x20 || c == 0x7f; }
static bool is_word(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* The byte and the flags of the slot of position @pos. */
static uint8_t byte_at(const tty_ldisc_t *t, uint32_t pos)
{
	return hal_remote_lb(t->ring_xp + SLOT(pos));
}

static uint8_t flags_at(const tty_ldisc_t *t, uint32_t pos)
{
	return hal_remote_lb(t->ring_xp + TTY_BUF_SIZE + SLOT(pos));
}

static void set_slot(tty_ldisc_t *t, uint32_t pos, uint8_t c, uint8_t flags)
{
	hal_remote_sb(t->ring_xp + SLOT(pos), c);
	hal_remote_sb(t->ring_xp + TTY_BUF_SIZE + SLOT(pos), flags);
}

void tty_init(tty_ldisc_t *t, xptr_t ring_xp, const struct vfs_termios *termios, tty_emit_t emit,
	      void *ctx)
{
	memset(t, 0, sizeof(*t));
	t->ring_xp = ring_xp;
	t->termios = termios ? *termios : tty_default_termios;
	t->emit = emit;
	t->emit_ctx = ctx;
}

/* ---- output ---- */

size_t tty_output(uint32_t oflag, const char *src, size_t n, char *dst, size_t cap, size_t *used)
{
	bool onlcr = (oflag & (TTY_OPOST | TTY_ONLCR)) == (TTY_OPOST | TTY_ONLCR);
	size_t i = 0, o = 0;

	for (; i < n; i++) {
		if (onlcr && src[i] == '\n') {
			if (o + 2 > cap)
				break;
			dst[o++] = '\r';
		} else if (o + 1 > cap) {
			break;
		}
		dst[o++] = src[i];
	}
	*used = i;
	return o;
}

/* Echo @n bytes, through output processing. */
static void echo_raw(tty_ldisc_t *t, const char *s, size_t n)
{
	char out[32];

	while (n > 0) {
		size_t used, m = tty_output(t->termios.c_oflag, s, n, out, sizeof(out), &used);

		t->emit(t->emit_ctx, out, m);
		s += used;
		n -= used;
	}
}

/* Echo one input character: a control character other than TAB as "^X" under ECHOCTL (a NL of
 * raw mode too: "^J", as Linux; canonical mode echoes NL through echo_raw). */
static void echo_char(tty_ldisc_t *t, uint8_t c)
{
	char s[2] = { (char)c, 0 };

	if (lflag(t, TTY_ECHOCTL) && is_cntrl(c) && c != '\t') {
		s[0] = '^';
		s[1] = (char)(c ^ 0x40); /* 0x03 -> 'C', 0x7f -> '?' */
		echo_raw(t, s, 2);
		return;
	}
	echo_raw(t, s, 1);
}

/* ---- the input ring ---- */

static void store(tty_ldisc_t *t, uint8_t c, uint8_t flags)
{
	set_slot(t, t->tail, c, flags);
	t->tail++;
	if (!lflag(t, TTY_ICANON) || (flags & TTY_F_EOL))
		t->canon = t->tail;
}

/* Room for a byte: a line end may use the last slot, other bytes of a canonical line may not
 * (the newline of a full line must still fit). */
static bool has_room(const tty_ldisc_t *t, bool line_end)
{
	uint32_t used = t->tail - t->head;

	if (lflag(t, TTY_ICANON) && !line_end)
		return used < TTY_BUF_SIZE - 1;
	return used < TTY_BUF_SIZE;
}

void tty_flush_input(tty_ldisc_t *t)
{
	t->head = t->canon = t->tail;
}

/* ---- editing ---- */

/* Erase the last character of the line being edited, echoing its removal; false if none. */
static bool erase_one(tty_ldisc_t *t, bool echo_as_erase_char)
{
	uint8_t c;

	if (t->tail == t->canon)
		return false;
	c = byte_at(t, t->tail - 1);
	t->tail--;
	if (!lflag(t, TTY_ECHO))
		return true;
	if (echo_as_erase_char) { /* ECHO without ECHOE: show the erase character itself */
		echo_char(t, t->termios.c_cc[TTY_VERASE]);
		return true;
	}
	if (is_cntrl(c) && c != '\t' && lflag(t, TTY_ECHOCTL))
		echo_raw(t, "\b \b", 3); /* the '^' of "^X" */
	if (!is_cntrl(c) || c == '\t' || lflag(t, TTY_ECHOCTL))
		echo_raw(t, "\b \b", 3);
	return true;
}

/* VERASE (or backspace), VWERASE, VKILL on the line being edited. */
static void erase(tty_ldisc_t *t, uint8_t c)
{
	bool plain = !lflag(t, TTY_ECHOE);

	if (is_cc(t, TTY_VERASE, c) || c == '\b') {
		erase_one(t, plain);
		return;
	}
	if (is_cc(t, TTY_VWERASE, c)) {
		uint32_t seen_word = 0;

		while (t->tail != t->canon) {
			uint8_t last = byte_at(t, t->tail - 1);

			if (is_word(last))
				seen_word++;
			else if (seen_word)
				break;
			erase_one(t, false); /* Linux shows "\b \b" here even without ECHOE */
		}
		return;
	}
	/* VKILL */
	if (t->tail == t->canon)
		return;
	if (!lflag(t, TTY_ECHO)) {
		t->tail = t->canon;
		return;
	}
	if (!lflag(t, TTY_ECHOK) || !lflag(t, TTY_ECHOKE) || plain) {
		t->tail = t->canon;
		echo_char(t, c);
		if (lflag(t, TTY_ECHOK))
			echo_raw(t, "\n", 1);
		return;
	}
	while (erase_one(t, false))
		;
}

/* ---- receiving ---- */

/* A signal character with ISIG: its signal, or 0. */
static int signal_of(const tty_ldisc_t *t, uint8_t c)
{
	if (!lflag(t, TTY_ISIG))
		return 0;
	if (is_cc(t, TTY_VINTR, c))
		return 2;  /* SIGINT  */
	if (is_cc(t, TTY_VQUIT, c))
		return 3;  /* SIGQUIT */
	if (is_cc(t, TTY_VSUSP, c))
		return 20; /* SIGTSTP */
	return 0;
}

/* A canonical line end: its flags (0 if @c is none). */
static uint8_t line_end_of(const tty_ldisc_t *t, uint8_t c)
{
	if (c == '\n' || is_cc(t, TTY_VEOL, c) || (lflag(t, TTY_IEXTEN) && is_cc(t, TTY_VEOL2, c)))
		return TTY_F_EOL;
	if (is_cc(t, TTY_VEOF, c))
		return TTY_F_EOL | TTY_F_EOF;
	return 0;
}

uint32_t tty_input(tty_ldisc_t *t, uint8_t c)
{
	bool canon = lflag(t, TTY_ICANON);
	uint8_t end;
	int sig;

	if (iflag(t, TTY_ISTRIP))
		c &= 0x7f;
	if (c == '\r') {
		if (iflag(t, TTY_IGNCR))
			return 0;
		if (iflag(t, TTY_ICRNL))
			c = '\n';
	} else if (c == '\n' && iflag(t, TTY_INLCR)) {
		c = '\r';
	}

	sig = signal_of(t, c);
	if (sig) {
		if (!lflag(t, TTY_NOFLSH))
			tty_flush_input(t);
		if (lflag(t, TTY_ECHO))
			echo_char(t, c);
		return (uint32_t)sig;
	}

	if (canon && c == TTY_STATUS_CHAR && lflag(t, TTY_IEXTEN))
		return TTY_R_STATUS;
	if (canon && (is_cc(t, TTY_VERASE, c) || c == '\b' || is_cc(t, TTY_VKILL, c) ||
		      (lflag(t, TTY_IEXTEN) && is_cc(t, TTY_VWERASE, c)))) {
		erase(t, c);
		return 0;
	}

	end = canon ? line_end_of(t, c) : 0;
	if (!has_room(t, end != 0)) {
		t->dropped++;
		return 0;
	}
	if (end & TTY_F_EOF) {
		store(t, c, end); /* not echoed, as Linux */
		return TTY_R_READABLE;
	}
	if (lflag(t, TTY_ECHO) && (!canon || c != '\n'))
		echo_char(t, c);
	else if (canon && c == '\n' && lflag(t, TTY_ECHO | TTY_ECHONL))
		echo_raw(t, "\n", 1);
	store(t, c, end);
	return (!canon || end) ? TTY_R_READABLE : 0;
}

/* ---- reading ---- */

bool tty_readable(const tty_ldisc_t *t, size_t count)
{
	uint32_t avail = t->canon - t->head;
	uint32_t vmin = t->termios.c_cc[TTY_VMIN];

	if (lflag(t, TTY_ICANON))
		return avail > 0;
	if (vmin == 0)
		vmin = 1;
	return avail >= (count < vmin ? count : vmin);
}

size_t tty_take(tty_ldisc_t *t, uint8_t *out, size_t max, bool *line_done)
{
	bool canon = lflag(t, TTY_ICANON);
	size_t n = 0;

	*line_done = false;
	while (t->head != t->canon && n < max) {
		uint8_t c = byte_at(t, t->head), f = flags_at(t, t->head);

		t->head++;
		if (!(f & TTY_F_EOF))
			out[n++] = c;
		if (canon && (f & TTY_F_EOL)) {
			*line_done = true;
			return n;
		}
	}
	/* the buffer filled up to an EOF mark: consume it now, not as a later end of file */
	if (canon && t->head != t->canon && (flags_at(t, t->head) & TTY_F_EOF)) {
		t->head++;
		*line_done = true;
	}
	return n;
}

uint32_t tty_inq(const tty_ldisc_t *t)
{
	uint32_t n = 0;

	for (uint32_t pos = t->head; pos != t->canon; pos++)
		if (!(flags_at(t, pos) & TTY_F_EOF))
			n++;
	return n;
}

uint32_t tty_set_termios(tty_ldisc_t *t, const struct vfs_termios *termios)
{
	bool was_canon = lflag(t, TTY_ICANON);

	t->termios = *termios;
	if (was_canon && !lflag(t, TTY_ICANON)) {
		t->canon = t->tail;
	} else if (!was_canon && lflag(t, TTY_ICANON)) {
		/*
		 * Bytes received in raw mode and not read yet (typed ahead of a program that
		 * reads lines, while a shell's line editor had the terminal raw): as Linux, they
		 * are readable at once, not an unfinished line waiting for an end that already
		 * came. Each NL ends a line, and so does the last byte.
		 */
		for (uint32_t pos = t->head; pos != t->tail; pos++) {
			uint8_t c = byte_at(t, pos);
			set_slot(t, pos, c, (c == '\n' || pos + 1 == t->tail) ? TTY_F_EOL : 0);
		}
		t->canon = t->tail;
	}
	return t->canon != t->head ? TTY_R_READABLE : 0;
}
