/* --chmod of COPY and ADD (see chmod.h). */
#include "build/chmod.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/err.h"
#include "util/xalloc.h"

/* chmod(1)'s symbolic modes as BSD setmode(3) compiles them, which BuildKit runs through
 * tonistiigi/dchapes-mode (the version it vendors: X counts for '=' too, "-X" clears x) with
 * umask 0: a list of commands applied in order. '+' and '-' set and clear bits, 'X' sets bits
 * when the file is a directory or was executable, 'u' 'g' 'o' copy a class's bits (set, clear
 * or both per `how`). */
struct chmod_cmd {
	char op;
	char how; /* for u g o: '+', '-' or '=' */
	mode_t bits;
	bool u, g, o; /* u g o: the classes written */
};

struct bld_chmod {
	bool octal;
	mode_t mode;
	struct chmod_cmd *cmds;
	size_t n;
};

#define STD_BITS (S_ISUID | S_ISGID | 0777)

static void chmod_add(struct bld_chmod *c, char op, mode_t who, mode_t arg)
{
	struct chmod_cmd cmd = {.op = op};
	if (op == '=') { /* clear the classes named (all but sticky when none), then '+' */
		cmd.op = '-';
		cmd.bits = who ? who : STD_BITS;
		c->cmds = xrealloc(c->cmds, (c->n + 1) * sizeof(cmd));
		c->cmds[c->n++] = cmd;
		cmd.op = op = '+';
	}
	if (op == 'u' || op == 'g' || op == 'o') {
		cmd.how = (char)arg;
		cmd.u = !who || (who & S_IRUSR);
		cmd.g = !who || (who & S_IRGRP);
		cmd.o = !who || (who & S_IROTH);
		cmd.bits = who ? (mode_t)~0 : 07777;
	} else {
		cmd.bits = who ? who & arg : arg; /* umask 0: no mask */
	}
	c->cmds = xrealloc(c->cmds, (c->n + 1) * sizeof(cmd));
	c->cmds[c->n++] = cmd;
}

/* One clause's operations after its "who" (setmode's getop/permLoop); *s moves past them. */
static int chmod_ops(struct bld_chmod *c, mode_t who, const char **s)
{
	bool equal_done = false;
	for (;;) {
		char op = **s;
		if (op != '+' && op != '-' && op != '=')
			return -1;
		(*s)++;
		equal_done = op == '=' ? false : equal_done;
		who &= ~(mode_t)S_ISVTX;
		mode_t perm = 0, permx = 0;
		for (;; (*s)++) {
			char b = **s;
			bool not_only_o = !who || (who & ~(mode_t)S_IRWXO);
			if (b == 'r')
				perm |= 0444;
			else if (b == 'w')
				perm |= 0222;
			else if (b == 'x')
				perm |= 0111;
			else if (b == 'X' && op == '-')
				perm |= 0111; /* the vendored fork: "-X" is "-x" */
			else if (b == 'X')
				permx = 0111;
			else if (b == 's')
				perm |= not_only_o ? S_ISUID | S_ISGID : 0;
			else if (b == 't' && not_only_o) {
				who |= S_ISVTX;
				perm |= S_ISVTX;
			} else if (b == 't') {
				continue;
			} else if (b == 'u' || b == 'g' || b == 'o') {
				if (perm)
					chmod_add(c, op, who, perm);
				perm = 0;
				equal_done |= op == '=';
				if (permx)
					chmod_add(c, 'X', who, permx);
				permx = 0;
				chmod_add(c, b, who, (mode_t)op);
			} else {
				if (perm || (op == '=' && !equal_done)) {
					equal_done |= op == '=';
					chmod_add(c, op, who, perm);
				}
				if (permx)
					chmod_add(c, 'X', who, permx);
				break;
			}
		}
		if (**s == '\0' || **s == ',')
			return 0;
	}
}

int bld_chmod_parse(const char *s, struct bld_chmod **out, struct berr **err)
{
	struct bld_chmod *c = xzalloc(sizeof(*c));
	int r = 0;
	if (isdigit((unsigned char)*s)) {
		/* BuildKit: ParseUint(s, 8, 32) and at most 07777; anything else that starts
		 * with a digit is this error too (dchapes-mode's ParseInt fails on it) */
		size_t n = strlen(s);
		c->octal = true;
		c->mode = strspn(s, "01234567") == n && n <= 11 ? (mode_t)strtoul(s, NULL, 8)
								: (mode_t)~0;
		if (c->mode > 07777)
			r = berr_plain(
			    err, EINVAL,
			    "invalid chmod parameter: '%s'. it should be octal string and "
			    "between 0 and 07777",
			    s);
	} else {
		/* setmode(3): clauses "who op perms [op perms]..." separated by ',' */
		for (const char *p = s; r == 0;) {
			mode_t who = 0;
			for (;; p++) {
				if (*p == 'a')
					who |= STD_BITS;
				else if (*p == 'u')
					who |= S_ISUID | S_IRWXU;
				else if (*p == 'g')
					who |= S_ISGID | S_IRWXG;
				else if (*p == 'o')
					who |= S_IRWXO;
				else
					break;
			}
			if (chmod_ops(c, who, &p) < 0 || (*p == ',' && !p[1]))
				r = -1;
			else if (*p == ',')
				p++;
			else
				break;
		}
		if (r < 0)
			r = berr_plain(err, EINVAL, "invalid chmod parameter: '%s': invalid syntax",
				       s);
	}
	if (r < 0) {
		free(c->cmds);
		free(c);
		return r;
	}
	*out = c;
	return 0;
}

mode_t bld_chmod_apply(const struct bld_chmod *c, mode_t st_mode)
{
	if (c->octal)
		return c->mode & 07777;
	mode_t old = st_mode & 07777, m = old;
	for (size_t i = 0; i < c->n; i++) {
		const struct chmod_cmd *k = &c->cmds[i];
		mode_t v = k->op == 'u'   ? (m & S_IRWXU) >> 6
			   : k->op == 'g' ? (m & S_IRWXG) >> 3
					  : m & 7;
		switch (k->op) {
		case '+':
			m |= k->bits;
			break;
		case '-':
			m &= ~k->bits;
			break;
		case 'X':
			if ((old & 0111) || S_ISDIR(st_mode))
				m |= k->bits;
			break;
		default:
			if (k->how == '-' || k->how == '=') {
				mode_t clr = k->how == '=' ? 7 : v;
				m &= ~(((k->u ? clr << 6 : 0) | (k->g ? clr << 3 : 0) |
					(k->o ? clr : 0)) &
				       k->bits);
			}
			if (k->how == '+' || k->how == '=')
				m |= ((k->u ? v << 6 : 0) | (k->g ? v << 3 : 0) | (k->o ? v : 0)) &
				     k->bits;
		}
	}
	return m & 07777;
}

void bld_chmod_free(struct bld_chmod *c)
{
	if (c)
		free(c->cmds);
	free(c);
}
