/*
 * parse.c - ksh's words and grammar (docs/shell.md):
 *
 *   line      := pipeline { (';' | '&') pipeline } [ ';' | '&' ]
 *   pipeline  := command { '|' command }
 *   command   := { word | redirection }          (at least one word)
 *   redirection := [digit] ( '<' | '>' | '>>' ) word  |  [digit] '>&' digit
 *
 * Words: '...' is literal; "..." keeps everything but `\"`, `\\`, `\$` and expansions; outside
 * quotes a backslash takes the next character as is. Expansions, outside quotes and in "...":
 * $? (last status), $$ (the shell's pid), $! (the last background pid), $NAME (the environment;
 * empty if unset). A word that is empty and had no quotes disappears. `#` starting a word begins
 * a comment. No globbing, no variables of its own, no control structures.
 */
#include "ksh.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum tok_kind { T_WORD, T_PIPE, T_SEMI, T_AMP, T_REDIR, T_END };

struct token {
	enum tok_kind kind;
	char *word;             /* T_WORD                        */
	struct redir redir;     /* T_REDIR (target: next word)   */
	size_t start, end;      /* its characters in the line    */
};

struct lexer {
	const char *s;
	size_t i;
	struct token *toks;
	int ntoks, cap;
	char *buf;              /* the word being built          */
	size_t len, bufcap;
};

static void *xrealloc(void *p, size_t size)
{
	void *q = realloc(p, size ? size : 1);

	if (!q) {
		fprintf(stderr, "ksh: out of memory\n");
		exit(1);
	}
	return q;
}

static void put_char(struct lexer *lx, char c)
{
	if (lx->len + 1 >= lx->bufcap) {
		lx->bufcap = lx->bufcap ? lx->bufcap * 2 : 64;
		lx->buf = xrealloc(lx->buf, lx->bufcap);
	}
	lx->buf[lx->len++] = c;
	lx->buf[lx->len] = 0;
}

static void put_string(struct lexer *lx, const char *s)
{
	while (*s)
		put_char(lx, *s++);
}

static struct token *add_token(struct lexer *lx, enum tok_kind kind, size_t start)
{
	struct token *t;

	if (lx->ntoks == lx->cap) {
		lx->cap = lx->cap ? lx->cap * 2 : 16;
		lx->toks = xrealloc(lx->toks, (size_t)lx->cap * sizeof(*lx->toks));
	}
	t = &lx->toks[lx->ntoks++];
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	t->start = start;
	t->end = lx->i;
	return t;
}

/* After a '$' at lx->i - 1: append the expansion. A '$' without a name stays a '$'. */
static void expand(struct lexer *lx)
{
	const char *s = lx->s;
	char num[24];

	if (s[lx->i] == '?' || s[lx->i] == '$' || s[lx->i] == '!') {
		char c = s[lx->i++];
		long v = c == '?' ? sh.last_status : c == '$' ? (long)getpid() : (long)sh.last_bg_pid;

		if (c == '!' && sh.last_bg_pid == 0)
			return; /* no background job yet: empty, as sh */
		snprintf(num, sizeof(num), "%ld", v);
		put_string(lx, num);
	} else if (isalpha((unsigned char)s[lx->i]) || s[lx->i] == '_') {
		size_t start = lx->i;
		char name[128];
		const char *value;

		while (isalnum((unsigned char)s[lx->i]) || s[lx->i] == '_')
			lx->i++;
		snprintf(name, sizeof(name), "%.*s", (int)(lx->i - start), s + start);
		value = getenv(name);
		if (value)
			put_string(lx, value);
	} else {
		put_char(lx, '$');
	}
}

static bool is_special(char c)
{
	return c == 0 || c == ' ' || c == '\t' || c == '\n' || c == '|' || c == ';' || c == '&' ||
	       c == '<' || c == '>';
}

/* A word from lx->i (not at a special character). Returns -1 on an unterminated quote. */
static int lex_word(struct lexer *lx)
{
	const char *s = lx->s;
	size_t start = lx->i;
	bool quoted = false;

	put_char(lx, 0); /* the buffer exists and holds "" */
	lx->len = 0;
	while (!is_special(s[lx->i])) {
		char c = s[lx->i++];

		if (c == '\\') {
			if (s[lx->i])
				put_char(lx, s[lx->i++]);
			quoted = true;
		} else if (c == '\'') {
			quoted = true;
			while (s[lx->i] && s[lx->i] != '\'')
				put_char(lx, s[lx->i++]);
			if (!s[lx->i])
				return -1;
			lx->i++;
		} else if (c == '"') {
			quoted = true;
			while (s[lx->i] && s[lx->i] != '"') {
				c = s[lx->i++];
				if (c == '\\' && (s[lx->i] == '"' || s[lx->i] == '\\' || s[lx->i] == '$'))
					put_char(lx, s[lx->i++]);
				else if (c == '$')
					expand(lx);
				else
					put_char(lx, c);
			}
			if (!s[lx->i])
				return -1;
			lx->i++;
		} else if (c == '$') {
			expand(lx);
		} else {
			put_char(lx, c);
		}
	}
	if (lx->len > 0 || quoted) {
		struct token *t = add_token(lx, T_WORD, start);

		t->word = xrealloc(NULL, lx->len + 1);
		memcpy(t->word, lx->buf, lx->len + 1);
	}
	return 0;
}

/* A redirection operator at lx->i, @fd the digit before it or -1. */
static void lex_redir(struct lexer *lx, size_t start, int fd)
{
	const char *s = lx->s;
	struct token *t;
	struct redir r = { .fd = fd, .dup_fd = -1 };

	if (s[lx->i] == '<') {
		lx->i++;
		r.kind = REDIR_IN;
		if (fd < 0)
			r.fd = 0;
	} else {
		lx->i++;
		r.kind = REDIR_OUT;
		if (s[lx->i] == '>') {
			lx->i++;
			r.kind = REDIR_APPEND;
		} else if (s[lx->i] == '&' && isdigit((unsigned char)s[lx->i + 1]) &&
			   is_special(s[lx->i + 2])) {
			r.kind = REDIR_DUP;
			r.dup_fd = s[lx->i + 1] - '0';
			lx->i += 2;
		}
		if (fd < 0)
			r.fd = 1;
	}
	t = add_token(lx, T_REDIR, start);
	t->redir = r;
}

static void lex_free(struct lexer *lx)
{
	for (int i = 0; i < lx->ntoks; i++)
		free(lx->toks[i].word);
	free(lx->toks);
	free(lx->buf);
}

static int lex(struct lexer *lx)
{
	const char *s = lx->s;

	for (;;) {
		size_t start;

		while (s[lx->i] == ' ' || s[lx->i] == '\t' || s[lx->i] == '\n')
			lx->i++;
		start = lx->i;
		if (s[lx->i] == '#' || !s[lx->i]) {
			add_token(lx, T_END, start);
			return 0;
		}
		if (s[lx->i] == '|' || s[lx->i] == ';' || s[lx->i] == '&') {
			char c = s[lx->i++];

			add_token(lx, c == '|' ? T_PIPE : c == ';' ? T_SEMI : T_AMP, start);
		} else if (s[lx->i] == '<' || s[lx->i] == '>') {
			lex_redir(lx, start, -1);
		} else if (isdigit((unsigned char)s[lx->i]) &&
			   (s[lx->i + 1] == '<' || s[lx->i + 1] == '>')) {
			int fd = s[lx->i] - '0';

			lx->i++;
			lex_redir(lx, start, fd);
		} else if (lex_word(lx) < 0) {
			fprintf(stderr, "ksh: syntax error: unterminated quote\n");
			return -1;
		}
	}
}

static const char *tok_name(const struct token *t)
{
	static const char *names[] = { "word", "'|'", "';'", "'&'", "redirection", "end of line" };

	return names[t->kind];
}

static int syntax_error(const struct token *t)
{
	fprintf(stderr, "ksh: syntax error near %s\n", tok_name(t));
	return -1;
}

/* One command from toks[*k]: its words and redirections. */
static int parse_command(struct token *toks, int *k, struct command *c)
{
	for (;;) {
		struct token *t = &toks[*k];

		if (t->kind == T_WORD) {
			c->argv = xrealloc(c->argv, (size_t)(c->argc + 2) * sizeof(char *));
			c->argv[c->argc++] = t->word;
			c->argv[c->argc] = NULL;
			t->word = NULL; /* now the command's */
			(*k)++;
		} else if (t->kind == T_REDIR) {
			struct redir r = t->redir;

			if (r.kind != REDIR_DUP) {
				if (toks[*k + 1].kind != T_WORD)
					return syntax_error(&toks[*k + 1]);
				r.target = toks[*k + 1].word;
				toks[*k + 1].word = NULL;
				(*k)++;
			}
			(*k)++;
			c->redirs = xrealloc(c->redirs, (size_t)(c->nredirs + 1) * sizeof(r));
			c->redirs[c->nredirs++] = r;
		} else {
			return c->argc > 0 ? 0 : syntax_error(t);
		}
	}
}

static int parse_pipeline(const char *line, struct token *toks, int *k, struct pipeline *p)
{
	size_t start = toks[*k].start, end;

	for (;;) {
		struct command *c;

		p->cmds = xrealloc(p->cmds, (size_t)(p->ncmds + 1) * sizeof(*p->cmds));
		c = &p->cmds[p->ncmds++];
		memset(c, 0, sizeof(*c));
		if (parse_command(toks, k, c) < 0)
			return -1;
		if (toks[*k].kind != T_PIPE)
			break;
		(*k)++;
	}
	end = toks[*k - 1].end;
	p->text = xrealloc(NULL, end - start + 1);
	memcpy(p->text, line + start, end - start);
	p->text[end - start] = 0;
	return 0;
}

int parse_line(const char *line, struct parsed *out)
{
	struct lexer lx = { .s = line };
	int k = 0;

	memset(out, 0, sizeof(*out));
	if (lex(&lx) < 0) {
		lex_free(&lx);
		return -1;
	}
	while (lx.toks[k].kind != T_END) {
		struct pipeline *p;

		out->pipes = xrealloc(out->pipes, (size_t)(out->npipes + 1) * sizeof(*out->pipes));
		p = &out->pipes[out->npipes++];
		memset(p, 0, sizeof(*p));
		if (parse_pipeline(line, lx.toks, &k, p) < 0) {
			lex_free(&lx);
			parsed_free(out);
			return -1;
		}
		if (lx.toks[k].kind == T_SEMI || lx.toks[k].kind == T_AMP) {
			p->background = lx.toks[k].kind == T_AMP;
			k++;
		} else if (lx.toks[k].kind != T_END) {
			syntax_error(&lx.toks[k]);
			lex_free(&lx);
			parsed_free(out);
			return -1;
		}
	}
	lex_free(&lx);
	return 0;
}

void parsed_free(struct parsed *p)
{
	for (int i = 0; i < p->npipes; i++) {
		struct pipeline *pl = &p->pipes[i];

		for (int j = 0; j < pl->ncmds; j++) {
			struct command *c = &pl->cmds[j];

			for (int a = 0; a < c->argc; a++)
				free(c->argv[a]);
			for (int r = 0; r < c->nredirs; r++)
				free(c->redirs[r].target);
			free(c->argv);
			free(c->redirs);
		}
		free(pl->cmds);
		free(pl->text);
	}
	free(p->pipes);
	memset(p, 0, sizeof(*p));
}
