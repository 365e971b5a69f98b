/*
 * edit.c - ksh's line editor, used when stdin is a terminal (docs/shell.md has the keys).
 *
 * While a line is read the terminal is in raw mode (no ICANON, ECHO, ISIG, IEXTEN, ICRNL, IXON;
 * VMIN 1), set with TCSANOW so that input typed ahead stays queued; the shell's modes come back
 * before the line is returned. A console that refuses TCSETS (ENOTTY, EINVAL) is used as it is:
 * it then must not echo by itself, which is the case of Archipel's console before its line
 * discipline. Bytes are read one at a time, so nothing after the line is taken from the terminal.
 *
 * Display: typing at the end of the line writes just the character; any other change redraws the
 * line ("\r", prompt, text, erase to the end, cursor back). Lines longer than the terminal's width
 * are not handled specially (the redraw then starts on the wrapped row).
 */
#include "ksh.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HISTORY_MAX 64
#define KEY_CTRL(c) ((c) & 0x1f)
#define KEY_DEL 0x7f
#define KEY_ESC 0x1b

/* Virtual keys for escape sequences, above any byte. */
enum { KEY_LEFT = 256, KEY_RIGHT, KEY_UP, KEY_DOWN, KEY_HOME, KEY_END, KEY_DELETE, KEY_NONE };

static char *history[HISTORY_MAX]; /* oldest first */
static int history_len;

struct line {
	char *buf;
	size_t len, pos, cap;
	const char *prompt;
};

static void out(const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(1, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static void outs(const char *s)
{
	out(s, strlen(s));
}

/* One byte from the terminal; -1 for a read of 0 bytes (end of input, or ^D on a plain console). */
static int read_byte(void)
{
	unsigned char c;

	for (;;) {
		ssize_t n = read(0, &c, 1);

		if (n == 1)
			return c;
		if (n < 0 && errno == EINTR)
			continue;
		return -1;
	}
}

/* After ESC: the key of a CSI or SS3 sequence (ESC [ A, ESC O H, ESC [ 1 ~ ...), or KEY_NONE. */
static int read_escape(void)
{
	int c = read_byte(), n = 0;

	if (c != '[' && c != 'O')
		return KEY_NONE;
	c = read_byte();
	while (c >= '0' && c <= '9') {
		n = n * 10 + (c - '0');
		c = read_byte();
	}
	switch (c) {
	case 'A': return KEY_UP;
	case 'B': return KEY_DOWN;
	case 'C': return KEY_RIGHT;
	case 'D': return KEY_LEFT;
	case 'H': return KEY_HOME;
	case 'F': return KEY_END;
	case '~':
		if (n == 1 || n == 7)
			return KEY_HOME;
		if (n == 4 || n == 8)
			return KEY_END;
		if (n == 3)
			return KEY_DELETE;
		return KEY_NONE;
	default:
		return KEY_NONE;
	}
}

static void refresh(struct line *l)
{
	char move[32];

	outs("\r");
	outs(l->prompt);
	out(l->buf, l->len);
	outs("\x1b[K");
	if (l->pos < l->len) {
		snprintf(move, sizeof(move), "\x1b[%zuD", l->len - l->pos);
		outs(move);
	}
}

static bool reserve(struct line *l, size_t len)
{
	if (len + 1 <= l->cap)
		return true;
	size_t cap = l->cap ? l->cap * 2 : 128;
	while (cap < len + 1)
		cap *= 2;
	char *buf = realloc(l->buf, cap);
	if (!buf)
		return false;
	l->buf = buf;
	l->cap = cap;
	return true;
}

static void set_text(struct line *l, const char *text)
{
	size_t n = strlen(text);

	if (!reserve(l, n))
		return;
	memcpy(l->buf, text, n + 1);
	l->len = l->pos = n;
	refresh(l);
}

static void insert(struct line *l, char c)
{
	if (!reserve(l, l->len + 1))
		return;
	memmove(l->buf + l->pos + 1, l->buf + l->pos, l->len - l->pos);
	l->buf[l->pos++] = c;
	l->buf[++l->len] = 0;
	if (l->pos == l->len)
		out(&c, 1);
	else
		refresh(l);
}

/* Remove [from, to) of the line. */
static void erase(struct line *l, size_t from, size_t to)
{
	bool backspace_at_end = to - from == 1 && l->pos == to && to == l->len;

	if (from >= to)
		return;
	memmove(l->buf + from, l->buf + to, l->len - to + 1);
	l->len -= to - from;
	l->pos = from;
	if (backspace_at_end)
		outs("\b \b");
	else
		refresh(l);
}

static void history_add(const char *text)
{
	char *copy;

	if (!*text || (history_len && !strcmp(history[history_len - 1], text)))
		return;
	copy = strdup(text);
	if (!copy)
		return;
	if (history_len == HISTORY_MAX) {
		free(history[0]);
		memmove(history, history + 1, (HISTORY_MAX - 1) * sizeof(*history));
		history_len--;
	}
	history[history_len++] = copy;
}

/* Up/down: show entry @idx (history_len: the line being typed, kept in *@scratch). */
static void history_move(struct line *l, int *idx, int to, char **scratch)
{
	if (to < 0 || to > history_len || to == *idx)
		return;
	if (*idx == history_len) {
		free(*scratch);
		*scratch = strdup(l->buf);
	}
	*idx = to;
	set_text(l, to == history_len ? (*scratch ? *scratch : "") : history[to]);
}

/* Set raw mode; returns true if it was set (and must be undone). */
static bool raw_mode(void)
{
	struct termios raw = sh.tmodes;

	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG | IEXTEN);
	raw.c_iflag &= ~(tcflag_t)(ICRNL | INLCR | IXON);
	raw.c_oflag &= ~(tcflag_t)OPOST; /* the editor writes "\r\n" itself: no NL -> CR NL on top */
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	return tcsetattr(0, TCSANOW, &raw) == 0;
}

/* Handle key @c; returns 1 when the line is complete, -1 at the end of input, 0 otherwise. */
static int key(struct line *l, int c, int *hidx, char **scratch, int *zero_reads)
{
	size_t p;

	*zero_reads = c < 0 ? *zero_reads + 1 : 0;
	switch (c) {
	case -1: /* ^D of a console without raw mode, or the end of input */
	case KEY_CTRL('D'):
		if (l->len == 0)
			return -1;
		if (c < 0 && *zero_reads > 1)
			return 1; /* really the end: run what was typed, then end */
		erase(l, l->pos, l->pos < l->len ? l->pos + 1 : l->pos);
		return 0;
	case '\r':
	case '\n':
		return 1;
	case KEY_CTRL('C'):
		outs("^C\r\n");
		l->len = l->pos = 0;
		l->buf[0] = 0;
		*hidx = history_len;
		outs(l->prompt);
		return 0;
	case KEY_DEL:
	case KEY_CTRL('H'):
		if (l->pos > 0)
			erase(l, l->pos - 1, l->pos);
		return 0;
	case KEY_DELETE:
		erase(l, l->pos, l->pos < l->len ? l->pos + 1 : l->pos);
		return 0;
	case KEY_CTRL('A'):
	case KEY_HOME:
		l->pos = 0;
		break;
	case KEY_CTRL('E'):
	case KEY_END:
		l->pos = l->len;
		break;
	case KEY_CTRL('B'):
	case KEY_LEFT:
		if (l->pos > 0)
			l->pos--;
		break;
	case KEY_CTRL('F'):
	case KEY_RIGHT:
		if (l->pos < l->len)
			l->pos++;
		break;
	case KEY_CTRL('U'):
		erase(l, 0, l->pos);
		return 0;
	case KEY_CTRL('K'):
		erase(l, l->pos, l->len);
		return 0;
	case KEY_CTRL('W'):
		p = l->pos;
		while (p > 0 && l->buf[p - 1] == ' ')
			p--;
		while (p > 0 && l->buf[p - 1] != ' ')
			p--;
		erase(l, p, l->pos);
		return 0;
	case KEY_CTRL('P'):
	case KEY_UP:
		history_move(l, hidx, *hidx - 1, scratch);
		return 0;
	case KEY_CTRL('N'):
	case KEY_DOWN:
		history_move(l, hidx, *hidx + 1, scratch);
		return 0;
	case KEY_CTRL('L'):
		outs("\x1b[H\x1b[2J");
		break;
	case KEY_ESC:
		return key(l, read_escape(), hidx, scratch, zero_reads);
	default:
		if (c >= ' ' && c < KEY_DEL)
			insert(l, (char)c);
		else if (c >= 0x80 && c < 0x100)
			insert(l, (char)c); /* UTF-8 bytes pass; the cursor may drift on them */
		return 0;
	}
	refresh(l); /* a move */
	return 0;
}

char *edit_read_line(const char *prompt)
{
	struct line l = { .prompt = prompt };
	bool raw = raw_mode();
	int hidx = history_len, zero_reads = 0, done = 0;
	char *scratch = NULL;

	if (!reserve(&l, 0)) {
		if (raw)
			tcsetattr(0, TCSANOW, &sh.tmodes);
		return NULL;
	}
	l.buf[0] = 0;
	outs(prompt);
	while (done == 0)
		done = key(&l, read_byte(), &hidx, &scratch, &zero_reads);
	outs("\r\n");
	if (raw)
		tcsetattr(0, TCSANOW, &sh.tmodes);
	free(scratch);
	if (done < 0) {
		free(l.buf);
		return NULL;
	}
	history_add(l.buf);
	return l.buf;
}
