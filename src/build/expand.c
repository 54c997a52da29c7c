/* Variable substitution (see expand.h): a port of BuildKit's shell lexer,
 * frontend/dockerfile/shell/lex.go, function for function: process_stop_on is processStopOn,
 * dollar is processDollar, and so on, so that the two can be read side by side. */
#include "build/expand.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "build/instr.h"
#include "build/shpattern.h"
#include "build/text.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

_Static_assert(BLD_SHPAT_RESULT_MAX == BLD_EXPAND_MAX, "a pattern's result is one expanded word");

struct lexer {
	const struct bld_expand *x;
	const char *s;
	size_t len, pos;
	bool raw_escapes; /* as x->flags, but on inside the word of ${x#...} and ${x/...} */
	unsigned depth;
	struct berr **err;
};

/* wordsStruct: words split on white space that came from the text or from a variable, never
 * on white space from quotes or escapes ("raw"). */
struct splitter {
	struct strbuf cur;
	bool in_word;
	char **v;
	size_t n;
};

static void split_raw(struct splitter *w, const char *s, size_t n)
{
	if (!w)
		return;
	strbuf_add(&w->cur, s, n);
	w->in_word = true;
}

/* addString: rune by rune, white space ends a word that has something in it. */
static void split_add(struct splitter *w, const char *s, size_t n)
{
	if (!w)
		return;
	for (size_t i = 0, rl; i < n; i += rl) {
		rl = bld_rune_len(s + i, n - i);
		if (bld_space_len(s + i, n - i) == 0) {
			split_raw(w, s + i, rl);
		} else if (w->in_word && w->cur.len) {
			bld_strv_push(&w->v, &w->n, strbuf_take(&w->cur));
			w->in_word = false;
		}
	}
}

static int put(struct lexer *l, struct strbuf *b, const char *s, size_t n)
{
	if (b->len + n > BLD_EXPAND_MAX)
		return berr_plain(l->err, E2BIG, "expansion longer than %u bytes", BLD_EXPAND_MAX);
	strbuf_add(b, s, n);
	return 0;
}

static int peek(const struct lexer *l)
{
	return l->pos < l->len ? (unsigned char)l->s[l->pos] : -1;
}

static int fail(struct lexer *l, const char *msg)
{
	return berr_plain(l->err, EINVAL, "%s", msg);
}

static int process_stop_on(struct lexer *l, int stop, bool raw_escapes, struct strbuf *out,
			   struct splitter *words);

/* processName: a run of digits, one special parameter, or [A-Za-z0-9_]+. */
static char *process_name(struct lexer *l)
{
	size_t start = l->pos;
	int c = peek(l);
	if (c >= '0' && c <= '9') {
		while ((c = peek(l)) >= '0' && c <= '9')
			l->pos++;
	} else if (c >= 0 && strchr("@*#?-$!", c) && c != 0) {
		l->pos++;
	} else {
		while ((c = peek(l)) == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		       (c >= '0' && c <= '9'))
			l->pos++;
	}
	return xstrndup(l->s + start, l->pos - start);
}

static const char *lookup(const struct lexer *l, const char *name)
{
	return l->x->lookup ? l->x->lookup(l->x->ctx, name) : NULL;
}

/* "${name<op><word>}" as written, for BLD_EXPAND_KEEP_UNSET. */
static int keep(struct lexer *l, struct strbuf *out, const char *name, const char *op,
		const char *word)
{
	autofree char *s = xasprintf("${%s%s%s}", name, op, word);
	return put(l, out, s, strlen(s));
}

/* The word after ${name<op>, up to the closing brace. */
static int brace_word(struct lexer *l, int stop, bool raw, const char *eof_msg, char **out)
{
	if (l->depth >= BLD_EXPAND_DEPTH)
		return berr_plain(l->err, E2BIG, "substitutions nested deeper than %d",
				  BLD_EXPAND_DEPTH);
	struct strbuf b = {0};
	l->depth++;
	int r = process_stop_on(l, stop, raw, &b, NULL);
	l->depth--;
	if (r < 0) {
		strbuf_clear(&b);
		if (peek(l) < 0) {
			berr_clear(l->err);
			return fail(l, eof_msg);
		}
		return r;
	}
	*out = strbuf_take(&b);
	return 0;
}

/* ${name-word} ${name:-word} ${name+word} ${name:+word} ${name?word} ${name:?word}
 * ${name#pat} ${name##pat} ${name%pat} ${name%%pat}; op is the character after the name. */
static int modifier(struct lexer *l, struct strbuf *out, const char *name, char op)
{
	bool null_is_unset = op == ':';
	char ops[3] = {op, 0, 0};
	if (null_is_unset) {
		int c = peek(l);
		if (c >= 0)
			l->pos++;
		ops[1] = (char)(c < 0 ? 0 : c);
		op = ops[1];
	}
	bool raw = op == '#' || op == '%';
	if (null_is_unset && raw)
		return berr_plain(l->err, EINVAL, "unsupported modifier (%s) in substitution", ops);
	autofree char *word = NULL;
	int r = brace_word(l, '}', raw, "syntax error: missing '}'", &word);
	if (r < 0)
		return r;
	const char *value = lookup(l, name);
	if (!value && (l->x->flags & BLD_EXPAND_KEEP_UNSET))
		return keep(l, out, name, ops, word);
	bool empty = !value || (null_is_unset && !*value);
	switch (op) {
	case '-':
		value = empty ? word : value;
		break;
	case '+':
		value = empty ? "" : word;
		break;
	case '?':
		if (empty)
			return berr_plain(l->err, EINVAL, "%s: %s", name,
					  *word    ? word
					  : !value ? "is not allowed to be unset"
						   : "is not allowed to be empty");
		break;
	case '#':
	case '%': {
		bool greedy = word[0] == op;
		const char *pat = word + greedy;
		autofree char *res = NULL;
		r = op == '#'
			? bld_shpat_trim_prefix(value ? value : "", pat, greedy, &res, l->err)
			: bld_shpat_trim_suffix(value ? value : "", pat, greedy, &res, l->err);
		return r < 0 ? r : put(l, out, res, strlen(res));
	}
	default:
		return berr_plain(l->err, EINVAL, "unsupported modifier (%s) in substitution", ops);
	}
	return put(l, out, value ? value : "", value ? strlen(value) : 0);
}

/* ${name/pat/repl} and ${name//pat/repl}. */
static int replace(struct lexer *l, struct strbuf *out, const char *name)
{
	bool all = peek(l) == '/';
	l->pos += all;
	autofree char *pat = NULL;
	autofree char *repl = NULL;
	int r = brace_word(l, '/', true, "syntax error: missing '/' in ${}", &pat);
	if (r == 0)
		r = brace_word(l, '}', true, "syntax error: missing '}'", &repl);
	if (r < 0)
		return r;
	const char *value = lookup(l, name);
	if (!value && (l->x->flags & BLD_EXPAND_KEEP_UNSET)) {
		autofree char *op = xasprintf("/%s/", pat);
		return keep(l, out, name, op, repl);
	}
	autofree char *res = NULL;
	r = bld_shpat_replace(value ? value : "", pat, repl, all, &res, l->err);
	return r < 0 ? r : put(l, out, res, strlen(res));
}

/* processDollar: at '$'. */
static int dollar(struct lexer *l, struct strbuf *out)
{
	l->pos++;
	if (peek(l) != '{') {
		autofree char *name = process_name(l);
		if (!*name)
			return put(l, out, "$", 1);
		const char *value = lookup(l, name);
		if (!value && (l->x->flags & BLD_EXPAND_KEEP_UNSET)) {
			autofree char *s = xasprintf("$%s", name);
			return put(l, out, s, strlen(s));
		}
		return put(l, out, value ? value : "", value ? strlen(value) : 0);
	}
	l->pos++;
	int c = peek(l);
	if (c < 0)
		return fail(l, "syntax error: missing '}'");
	if (c == '{' || c == '}' || c == ':')
		return fail(l, "syntax error: bad substitution");
	autofree char *name = process_name(l);
	c = peek(l);
	if (c < 0)
		return fail(l, "syntax error: missing '}'");
	l->pos++;
	switch (c) {
	case '}': {
		const char *value = lookup(l, name);
		if (!value && (l->x->flags & BLD_EXPAND_KEEP_UNSET))
			return keep(l, out, name, "", "");
		return put(l, out, value ? value : "", value ? strlen(value) : 0);
	}
	case ':':
	case '+':
	case '-':
	case '?':
	case '#':
	case '%':
		return modifier(l, out, name, (char)c);
	case '/':
		return replace(l, out, name);
	default: {
		char op[2] = {(char)c, 0};
		return berr_plain(l->err, EINVAL, "unsupported modifier (%s) in substitution", op);
	}
	}
}

/* processSingleQuote: everything up to the next ' is literal. */
static int single_quote(struct lexer *l, struct strbuf *out)
{
	bool raw = l->x->flags & BLD_EXPAND_RAW_QUOTES;
	size_t start = ++l->pos;
	const char *end = memchr(l->s + start, '\'', l->len - start);
	if (!end)
		return fail(l, "unexpected end of statement while looking for matching "
			       "single-quote");
	l->pos = (size_t)(end - l->s) + 1;
	int r = put(l, out, l->s + start - raw, (size_t)(end - (l->s + start)) + 2 * raw);
	return r;
}

/* processDoubleQuote: $ expands; the escape character escapes only " $ and itself. */
static int double_quote(struct lexer *l, struct strbuf *out)
{
	bool raw = l->x->flags & BLD_EXPAND_RAW_QUOTES;
	char esc = l->x->escape;
	int r = raw ? put(l, out, "\"", 1) : 0;
	l->pos++;
	while (r == 0) {
		int c = peek(l);
		if (c < 0)
			return fail(l, "unexpected end of statement while looking for matching "
				       "double-quote");
		if (c == '"') {
			l->pos++;
			return raw ? put(l, out, "\"", 1) : 0;
		}
		if (c == '$') {
			r = dollar(l, out);
			continue;
		}
		l->pos++;
		if (c == esc) {
			if (l->raw_escapes)
				r = put(l, out, &esc, 1);
			int n = peek(l);
			if (n < 0)
				continue;
			if (n == '"' || n == '$' || n == esc)
				c = l->s[l->pos++];
		}
		if (r == 0)
			r = put(l, out, (const char *)&(char){(char)c}, 1);
	}
	return r;
}

/* processPossibleHeredoc: "<<" and the blanks after it stay together in one word. */
static int heredoc_op(struct lexer *l, struct strbuf *out)
{
	size_t start = l->pos++;
	if (peek(l) == '<') {
		l->pos++;
		while (peek(l) == ' ' || peek(l) == '\t' || peek(l) == '\r')
			l->pos++;
	}
	return put(l, out, l->s + start, l->pos - start);
}

/* processStopOn: the text up to stop (-1: the end). */
static int process_stop_on(struct lexer *l, int stop, bool raw_escapes, struct strbuf *out,
			   struct splitter *words)
{
	bool saved = l->raw_escapes;
	bool quotes = !(l->x->flags & BLD_EXPAND_NO_QUOTES);
	char esc = l->x->escape;
	int r = 0;
	l->raw_escapes = raw_escapes;
	while (r == 0 && l->pos < l->len) {
		char c = l->s[l->pos];
		if (stop >= 0 && c == stop) {
			l->pos++;
			l->raw_escapes = saved;
			return 0;
		}
		if (c == '$' || c == '<' || (quotes && (c == '\'' || c == '"'))) {
			struct strbuf part = {0};
			r = c == '$'   ? dollar(l, &part)
			    : c == '<' ? heredoc_op(l, &part)
			    : c == '"' ? double_quote(l, &part)
				       : single_quote(l, &part);
			if (r == 0)
				r = put(l, out, part.s, part.len);
			if (r == 0 && c == '$')
				split_add(words, part.s, part.len);
			else if (r == 0)
				split_raw(words, part.s, part.len);
			strbuf_clear(&part);
			continue;
		}
		size_t w = bld_rune_len(l->s + l->pos, l->len - l->pos);
		if (c == esc) {
			l->pos++;
			if (l->raw_escapes) {
				split_raw(words, &esc, 1);
				r = put(l, out, &esc, 1);
			}
			if (l->pos >= l->len)
				break;
			w = bld_rune_len(l->s + l->pos, l->len - l->pos);
			split_raw(words, l->s + l->pos, w);
		} else {
			split_add(words, l->s + l->pos, w);
		}
		if (r == 0)
			r = put(l, out, l->s + l->pos, w);
		l->pos += w;
	}
	l->raw_escapes = saved;
	if (r < 0)
		return r;
	if (stop >= 0)
		return berr_plain(l->err, EINVAL,
				  "unexpected end of statement while looking for matching %c",
				  stop);
	return 0;
}

static int process(const struct bld_expand *x, const char *word, char **out_word, char ***out_words,
		   struct berr **err)
{
	struct lexer l = {.x = x,
			  .s = word,
			  .len = strlen(word),
			  .raw_escapes = x->flags & BLD_EXPAND_RAW_ESCAPES,
			  .err = err};
	struct strbuf b = {0};
	struct splitter w = {0};
	int r = process_stop_on(&l, -1, l.raw_escapes, &b, out_words ? &w : NULL);
	if (r < 0) {
		strbuf_clear(&b);
		strbuf_clear(&w.cur);
		strv_free(w.v);
		return berr_wrap(err, "failed to process '%s'", word);
	}
	if (out_word)
		*out_word = strbuf_take(&b);
	strbuf_clear(&b);
	if (out_words) {
		if (w.cur.len)
			bld_strv_push(&w.v, &w.n, strbuf_take(&w.cur));
		strbuf_clear(&w.cur);
		*out_words = w.v ? w.v : xcalloc(1, sizeof(char *));
	}
	return 0;
}

int bld_expand_word(const struct bld_expand *x, const char *word, char **out, struct berr **err)
{
	return process(x, word, out, NULL, err);
}

int bld_expand_words(const struct bld_expand *x, const char *word, char ***out, struct berr **err)
{
	return process(x, word, NULL, out, err);
}

void bld_env_set(struct bld_env *env, const char *key, const char *value)
{
	char *entry = xasprintf("%s=%s", key, value);
	size_t klen = strlen(key);
	for (size_t i = 0; i < env->n; i++)
		if (!strncmp(env->vars[i], key, klen) && env->vars[i][klen] == '=') {
			free(env->vars[i]);
			env->vars[i] = entry;
			return;
		}
	bld_strv_push(&env->vars, &env->n, entry);
}

void bld_env_clear(struct bld_env *env)
{
	strv_free(env->vars);
	*env = (struct bld_env){0};
}

const char *bld_env_lookup(void *ctx, const char *name)
{
	const struct bld_env *env = ctx;
	size_t klen = strlen(name);
	for (size_t i = 0; i < env->n; i++)
		if (!strncmp(env->vars[i], name, klen) && env->vars[i][klen] == '=')
			return env->vars[i] + klen + 1;
	return NULL;
}

/* Replace *s by its expansion. */
static int expand_in_place(const struct bld_expand *x, char **s, struct berr **err)
{
	char *v = NULL;
	int r = bld_expand_word(x, *s, &v, err);
	if (r < 0)
		return r;
	free(*s);
	*s = v;
	return 0;
}

static int expand_flag(struct bld_instr *in, const char *name, const struct bld_expand *x,
		       struct berr **err)
{
	for (size_t i = 0; i < in->n_flags; i++) {
		if (strcmp(in->flags[i].name, name))
			continue;
		int r = expand_in_place(x, &in->flags[i].value, err);
		if (r < 0)
			return berr_wrap(err, "--%s", name);
	}
	return 0;
}

/* SourcesAndDest.Expand and ExpandRaw, plus toCommand's refusal of variables in COPY --from. */
static int expand_copy(struct bld_instr *in, const struct bld_expand *x, struct berr **err)
{
	int r = expand_flag(in, "chown", x, err);
	if (r == 0)
		r = expand_flag(in, "chmod", x, err);
	if (r == 0 && in->kind == BLD_ADD)
		r = expand_flag(in, "checksum", x, err);
	const char *from = bld_instr_flag(in, "from");
	if (r == 0 && from) {
		struct bld_expand none = {.escape = x->escape};
		autofree char *v = NULL;
		r = bld_expand_word(&none, from, &v, err);
		if (r == 0 && strcmp(v, from))
			r = berr_plain(
			    err, EINVAL,
			    "variable expansion is not supported for --from, define a new "
			    "stage with FROM using ARG from global scope as a workaround");
	}
	for (size_t i = 0; r == 0 && i < in->n_args; i++)
		if (!in->arg_heredoc || in->arg_heredoc[i] < 0)
			r = expand_in_place(x, &in->args[i], err);
	/* Bodies go through a lexer of their own: \ escapes, quotes are text (SkipProcessQuotes).
	 */
	struct bld_expand body = {
	    .escape = '\\', .flags = BLD_EXPAND_NO_QUOTES, .lookup = x->lookup, .ctx = x->ctx};
	for (size_t i = 0; r == 0 && i < in->n_heredocs; i++)
		if (in->heredocs[i].expand &&
		    expand_in_place(&body, &in->heredocs[i].content, err) < 0)
			r = berr_wrap(err, "here-document '%s'", in->heredocs[i].name);
	return r;
}

/* ExposeCommand: each word is split again once expanded. */
static int expand_split(struct bld_instr *in, const struct bld_expand *x, struct berr **err)
{
	char **args = in->args;
	size_t n = in->n_args;
	in->args = NULL;
	in->n_args = 0;
	int r = 0;
	for (size_t i = 0; r == 0 && i < n; i++) {
		char **words = NULL;
		r = bld_expand_words(x, args[i], &words, err);
		for (size_t j = 0; r == 0 && words[j]; j++) {
			if (in->n_args >= BLD_ARGS_MAX)
				r = berr_plain(err, E2BIG, "more than %d arguments", BLD_ARGS_MAX);
			else
				bld_strv_push(&in->args, &in->n_args, xstrdup(words[j]));
		}
		strv_free(words);
	}
	strv_free(args);
	return r;
}

int bld_instr_expand(const struct bld_instr *in, const struct bld_expand *x, struct bld_instr *out,
		     struct berr **err)
{
	struct bld_instr o;
	bld_instr_copy(&o, in);
	int r = 0;
	switch (in->kind) {
	case BLD_ADD:
	case BLD_COPY:
		r = expand_copy(&o, x, err);
		break;
	case BLD_ENV:
	case BLD_LABEL:
	case BLD_ARG:
		/* dispatchArg expands only a default value, and only when no --build-arg is given:
		 * the caller decides which. */
		for (size_t i = 0; r == 0 && i < o.n_pairs; i++) {
			if (in->kind != BLD_ARG)
				r = expand_in_place(x, &o.pairs[i].key, err);
			if (r == 0 && o.pairs[i].value)
				r = expand_in_place(x, &o.pairs[i].value, err);
		}
		break;
	case BLD_EXPOSE:
		r = expand_split(&o, x, err);
		break;
	case BLD_FROM:
		r = expand_in_place(x, &o.args[0], err);
		if (r == 0)
			r = expand_flag(&o, "platform", x, err);
		break;
	case BLD_STOPSIGNAL:
	case BLD_USER:
	case BLD_WORKDIR:
	case BLD_VOLUME:
		for (size_t i = 0; r == 0 && i < o.n_args; i++)
			r = expand_in_place(x, &o.args[i], err);
		break;
	default:
		break;
	}
	if (r < 0) {
		bld_instr_clear(&o);
		return r;
	}
	*out = o;
	return 0;
}
