/* Patterns of ${x#p}, ${x%p}, ${x/p/r} (see shpattern.h). */
#include "build/shpattern.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "build/text.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

enum op { OP_CHAR, OP_ANY, OP_SPLIT, OP_JMP, OP_MATCH };

/* OP_CHAR matches the rune pat[off..off+len); OP_SPLIT tries x before y. */
struct inst {
	enum op op;
	uint32_t x, y;
	size_t off, len;
};

struct prog {
	const char *pat;
	struct inst *v;
	uint32_t n;
};

static uint32_t emit(struct prog *p, struct inst i)
{
	p->v[p->n] = i;
	return p->n++;
}

/* convertShellPatternToRegex, as a program: each * a loop over `.` (no newline), lazy unless
 * greedy. pat is kept by the program. */
static int compile(const char *pat, bool greedy, struct prog *out, struct berr **err)
{
	size_t len = strlen(pat);
	if (len > BLD_SHPAT_MAX)
		return berr_plain(err, E2BIG, "pattern longer than %d bytes in substitution",
				  BLD_SHPAT_MAX);
	struct prog p = {.pat = pat, .v = xmalloc((3 * len + 1) * sizeof(struct inst))};
	for (size_t i = 0; i < len;) {
		size_t w = bld_rune_len(pat + i, len - i);
		if (pat[i] == '*') {
			uint32_t l = p.n;
			emit(&p, (struct inst){.op = OP_SPLIT});
			emit(&p, (struct inst){.op = OP_ANY});
			emit(&p, (struct inst){.op = OP_JMP, .x = l});
			p.v[l].x = greedy ? l + 1 : p.n;
			p.v[l].y = greedy ? p.n : l + 1;
		} else if (pat[i] == '?') {
			emit(&p, (struct inst){.op = OP_ANY});
		} else if (pat[i] == '\\' && (pat[i + 1] == '}' || pat[i + 1] == '/')) {
			/* the escape that kept } or / inside ${...}; the next turn takes the char
			 */
		} else if (pat[i] == '\\') {
			char c = pat[i + 1];
			if (c != '*' && c != '?' && c != '\\') {
				free(p.v);
				if (!c)
					return berr_plain(err, EINVAL,
							  "invalid pattern '%s' in "
							  "substitution: invalid escape at the end",
							  pat);
				return berr_plain(err, EINVAL,
						  "invalid pattern '%s' in substitution: "
						  "invalid escape '\\%c'",
						  pat, c);
			}
			emit(&p, (struct inst){.op = OP_CHAR, .off = i + 1, .len = 1});
			w = 2;
		} else {
			emit(&p, (struct inst){.op = OP_CHAR, .off = i, .len = w});
		}
		i += w;
	}
	emit(&p, (struct inst){.op = OP_MATCH});
	*out = p;
	return 0;
}

struct thread {
	uint32_t pc;
	size_t start;
};

struct vm {
	const struct prog *p;
	struct thread *cl, *nl;
	size_t ncl, nnl;
	uint32_t *mark, *stack;
	uint32_t gen;
	size_t budget;
};

/* Follow jumps and splits from pc in priority order (a DFS with an explicit stack: a pattern of
 * many stars must not recurse deeply), adding the threads that wait on a character. */
static void add(struct vm *vm, struct thread *list, size_t *n, uint32_t pc, size_t start)
{
	size_t sp = 0;
	vm->stack[sp++] = pc;
	while (sp) {
		pc = vm->stack[--sp];
		if (vm->mark[pc] == vm->gen)
			continue;
		vm->mark[pc] = vm->gen;
		const struct inst *i = &vm->p->v[pc];
		if (i->op == OP_JMP) {
			vm->stack[sp++] = i->x;
		} else if (i->op == OP_SPLIT) {
			vm->stack[sp++] = i->y;
			vm->stack[sp++] = i->x;
		} else {
			list[(*n)++] = (struct thread){pc, start};
		}
	}
}

/* The leftmost-first match starting at from (anchored) or anywhere after it: 1 with
 * [*ms, *me), 0 for none, < 0 when the step budget ran out. */
static int run(struct vm *vm, const char *s, size_t len, size_t from, bool anchored, size_t *ms,
	       size_t *me, struct berr **err)
{
	bool matched = false;
	vm->ncl = 0;
	uint32_t gen_cl = ++vm->gen;
	for (size_t pos = from;;) {
		if (!matched && (!anchored || pos == from)) {
			vm->gen = gen_cl;
			add(vm, vm->cl, &vm->ncl, 0, pos);
		}
		if (vm->ncl == 0)
			break;
		size_t w = bld_rune_len(s + pos, len - pos);
		vm->gen = gen_cl + 1;
		vm->nnl = 0;
		for (size_t t = 0; t < vm->ncl; t++) {
			if (vm->budget-- == 0)
				return berr_plain(err, E2BIG, "pattern substitution too costly");
			const struct thread *th = &vm->cl[t];
			const struct inst *i = &vm->p->v[th->pc];
			if (i->op == OP_MATCH) {
				matched = true;
				*ms = th->start;
				*me = pos;
				break; /* lower-priority threads are cut off */
			}
			bool ok = i->op == OP_ANY
				      ? w > 0 && s[pos] != '\n'
				      : w == i->len && !memcmp(s + pos, vm->p->pat + i->off, w);
			if (ok)
				add(vm, vm->nl, &vm->nnl, th->pc + 1, th->start);
		}
		struct thread *tmp = vm->cl;
		vm->cl = vm->nl;
		vm->nl = tmp;
		vm->ncl = vm->nnl;
		gen_cl = vm->gen;
		if (w == 0)
			break;
		pos += w;
	}
	return matched;
}

/* The program for pattern and a machine to run it. */
static int vm_open(struct vm *vm, struct prog *p, const char *pattern, bool greedy,
		   struct berr **err)
{
	int r = compile(pattern, greedy, p, err);
	if (r < 0)
		return r;
	*vm = (struct vm){.p = p, .budget = BLD_SHPAT_BUDGET};
	vm->cl = xmalloc(p->n * sizeof(struct thread));
	vm->nl = xmalloc(p->n * sizeof(struct thread));
	vm->mark = xcalloc(p->n, sizeof(uint32_t));
	vm->stack = xmalloc(2 * p->n * sizeof(uint32_t));
	return 0;
}

static void vm_close(struct vm *vm, struct prog *p)
{
	free(vm->cl);
	free(vm->nl);
	free(vm->mark);
	free(vm->stack);
	free(p->v);
}

/* One anchored match of pattern at the start of s: its length, 0 for none, < 0 on error. */
static int prefix_len(const char *s, const char *pattern, bool greedy, size_t *out,
		      struct berr **err)
{
	struct prog p;
	struct vm vm;
	int r = vm_open(&vm, &p, pattern, greedy, err);
	if (r < 0)
		return r;
	size_t ms = 0, me = 0;
	r = run(&vm, s, strlen(s), 0, true, &ms, &me, err);
	vm_close(&vm, &p);
	*out = r > 0 ? me : 0;
	return r < 0 ? r : 0;
}

int bld_shpat_trim_prefix(const char *value, const char *pattern, bool greedy, char **out,
			  struct berr **err)
{
	size_t n;
	int r = prefix_len(value, pattern, greedy, &n, err);
	if (r < 0)
		return r;
	*out = xstrdup(value + n);
	return 0;
}

/* reverseString: runes in reverse order. */
static char *reverse_runes(const char *s)
{
	size_t len = strlen(s);
	char *out = xmalloc(len + 1);
	for (size_t i = 0, w; i < len; i += w) {
		w = bld_rune_len(s + i, len - i);
		memcpy(out + len - i - w, s + i, w);
	}
	out[len] = '\0';
	return out;
}

/* reversePattern: runes in reverse order, but an escape stays before what it escapes. */
static char *reverse_pattern(const char *s)
{
	size_t len = strlen(s);
	char *out = xmalloc(len + 1);
	for (size_t i = 0, w; i < len; i += w) {
		w = bld_rune_len(s + i, len - i);
		if (s[i] == '\\' && i + 1 < len)
			w += bld_rune_len(s + i + 1, len - i - 1);
		memcpy(out + len - i - w, s + i, w);
	}
	out[len] = '\0';
	return out;
}

int bld_shpat_trim_suffix(const char *value, const char *pattern, bool greedy, char **out,
			  struct berr **err)
{
	autofree char *rv = reverse_runes(value);
	autofree char *rp = reverse_pattern(pattern);
	size_t n;
	int r = prefix_len(rv, rp, greedy, &n, err);
	if (r < 0)
		return r;
	*out = xstrndup(value, strlen(value) - n);
	return 0;
}

/* Regexp.expand with no capture groups but the whole match: $0 or ${0} is the match, $$ is $,
 * any other $name or ${name} is empty, a $ that starts no name is itself. */
static void expand_template(struct strbuf *b, const char *t, const char *m, size_t mlen)
{
	while (*t) {
		const char *d = strchr(t, '$');
		if (!d) {
			strbuf_add(b, t, strlen(t));
			return;
		}
		strbuf_add(b, t, (size_t)(d - t));
		t = d + 1;
		if (*t == '$') {
			strbuf_addc(b, '$');
			t++;
			continue;
		}
		bool brace = *t == '{';
		const char *name = t + brace;
		size_t n = 0;
		while ((name[n] >= 'a' && name[n] <= 'z') || (name[n] >= 'A' && name[n] <= 'Z') ||
		       (name[n] >= '0' && name[n] <= '9') || name[n] == '_')
			n++;
		if (n == 0 || (brace && name[n] != '}')) {
			strbuf_addc(b, '$');
			continue;
		}
		if (n == 1 && name[0] == '0')
			strbuf_add(b, m, mlen);
		t = name + n + brace;
	}
}

int bld_shpat_replace(const char *value, const char *pattern, const char *repl, bool all,
		      char **out, struct berr **err)
{
	struct prog p;
	struct vm vm;
	int r = vm_open(&vm, &p, pattern, true, err);
	if (r < 0)
		return r;
	struct strbuf b = {0};
	size_t len = strlen(value), last_end = 0, search = 0, ms, me;
	/* Regexp.replaceAll: after an empty match move on by a character, and put no second
	 * replacement right behind a match. */
	while (search <= len && (r = run(&vm, value, len, search, false, &ms, &me, err)) > 0) {
		strbuf_add(&b, value + last_end, ms - last_end);
		if (!all)
			strbuf_add(&b, repl, strlen(repl));
		else if (me > last_end || ms == 0)
			expand_template(&b, repl, value + ms, me - ms);
		last_end = me;
		if (b.len > BLD_SHPAT_RESULT_MAX) {
			r = berr_plain(err, E2BIG, "expansion longer than %u bytes",
				       BLD_SHPAT_RESULT_MAX);
			break;
		}
		if (!all)
			break;
		size_t w = bld_rune_len(value + search, len - search);
		search = search + w > me ? search + w : search + 1 > me ? search + 1 : me;
	}
	vm_close(&vm, &p);
	if (r < 0) {
		strbuf_clear(&b);
		return r;
	}
	strbuf_add(&b, value + last_end, len - last_end);
	*out = strbuf_take(&b);
	return 0;
}
