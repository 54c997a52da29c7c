/* One instruction line (see instruction.h). Each instruction has a row in `kinds`: its word,
 * how its arguments are split (BuildKit's line parsers), the flags it takes and its checks
 * (BuildKit's instructions/parse.go). Messages are BuildKit's own where it has one, so that a
 * search for them finds Docker's documentation. */
#include "build/instruction.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "build/expand.h"
#include "build/text.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* parser.go's reWhitespace: what separates words in FROM, EXPOSE, ADD, COPY, VOLUME. */
static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

static bool is_ascii_space(char c)
{
	return is_blank(c) || c == '\n';
}

static int too_many(struct berr **err)
{
	return berr_plain(err, E2BIG, "more than %d arguments", BLD_ARGS_MAX);
}

static int push_arg(struct bld_instr *in, char *s, struct berr **err)
{
	if (in->n_args >= BLD_ARGS_MAX) {
		free(s);
		return too_many(err);
	}
	bld_strv_push(&in->args, &in->n_args, s);
	return 0;
}

/* parseStringsWhitespaceDelimited. */
static int split_blank(struct bld_instr *in, const char *rest, struct berr **err)
{
	while (*rest) {
		size_t n = 0;
		while (rest[n] && !is_blank(rest[n]))
			n++;
		int r = push_arg(in, xstrndup(rest, n), err);
		if (r < 0)
			return r;
		rest += n;
		while (is_blank(*rest))
			rest++;
	}
	return 0;
}

/* parseJSON: 1 with the strings when rest is a JSON array of strings, 0 when it is no JSON
 * array at all (the caller falls back to the shell form), < 0 when it holds something else. */
static int parse_json(struct bld_instr *in, const char *rest, struct berr **err)
{
	size_t len = strlen(rest), w;
	while ((w = bld_space_len(rest, len)) > 0) {
		rest += w;
		len -= w;
	}
	if (*rest != '[')
		return 0;
	json_error_t je;
	json_t *a = json_loadb(rest, len, JSON_ALLOW_NUL, &je);
	if (!json_is_array(a)) {
		json_decref(a);
		return 0;
	}
	size_t i;
	json_t *v;
	int r = 0;
	json_array_foreach(a, i, v)
	{
		if (!json_is_string(v)) {
			r = berr_plain(err, EINVAL,
				       "when using JSON array syntax, arrays must be "
				       "comprised of strings only");
			break;
		}
		/* Docker passes "\u0000" on; an argv cannot hold it, so say so here. */
		if (strlen(json_string_value(v)) != json_string_length(v)) {
			r = berr_plain(err, EINVAL, "a JSON string holds a NUL character");
			break;
		}
		r = push_arg(in, xstrdup(json_string_value(v)), err);
		if (r < 0)
			break;
	}
	json_decref(a);
	if (r < 0)
		return r;
	in->exec_form = true;
	return 1;
}

/* parseMaybeJSON: RUN CMD ENTRYPOINT SHELL. */
static int maybe_json(struct bld_instr *in, const char *rest, struct berr **err)
{
	if (!*rest)
		return 0;
	int r = parse_json(in, rest, err);
	if (r != 0)
		return r < 0 ? r : 0;
	return push_arg(in, xstrdup(rest), err);
}

/* parseMaybeJSONToList: ADD COPY VOLUME. */
static int json_or_words(struct bld_instr *in, const char *rest, struct berr **err)
{
	int r = parse_json(in, rest, err);
	if (r != 0)
		return r < 0 ? r : 0;
	return split_blank(in, rest, err);
}

/* parseWords (ENV LABEL ARG): words split on white space outside quotes; quotes and escapes
 * stay in the words for the expansion to remove. */
struct words {
	char **v;
	size_t n;
	struct strbuf cur;
	bool blank_ok;
};

static int words_end(struct words *ws, struct berr **err)
{
	if (ws->blank_ok || ws->cur.len) {
		if (ws->n >= BLD_ARGS_MAX)
			return too_many(err);
		bld_strv_push(&ws->v, &ws->n, strbuf_take(&ws->cur));
	}
	strbuf_clear(&ws->cur);
	ws->blank_ok = false;
	return 0;
}

/* A quote opens: the word may now be empty ("" is a word) and ends only after its match. */
static bool open_quote(struct words *ws, char ch, char *quote)
{
	if (ch != '\'' && ch != '"')
		return false;
	*quote = ch;
	ws->blank_ok = true;
	return true;
}

static int parse_words(const char *s, char escape, struct words *ws, struct berr **err)
{
	enum { SPACES, WORD, QUOTE } phase = SPACES;
	size_t len = strlen(s), w = 0;
	char quote = 0;
	for (size_t pos = 0; pos < len; pos += w) {
		w = bld_rune_len(s + pos, len - pos);
		bool space = bld_space_len(s + pos, len - pos) > 0;
		char ch = s[pos];
		if (phase == SPACES) {
			if (space)
				continue;
			phase = WORD;
		}
		if (phase == WORD) {
			if (space) {
				phase = SPACES;
				int r = words_end(ws, err);
				if (r < 0)
					return r;
				continue;
			}
			if (open_quote(ws, ch, &quote)) {
				phase = QUOTE;
			} else if (ch == escape) {
				if (pos + w == len)
					continue; /* an escape at the very end is dropped */
				/* Outside quotes the escape stays with what it escapes, quote or
				 * not. */
				strbuf_addc(&ws->cur, ch);
				pos += w;
				w = bld_rune_len(s + pos, len - pos);
			}
			strbuf_add(&ws->cur, s + pos, w);
			continue;
		}
		if (ch == quote) {
			phase = WORD;
		} else if (ch == escape && quote != '\'') {
			if (pos + w == len) {
				phase = WORD;
				continue;
			}
			strbuf_addc(&ws->cur, ch);
			pos += w;
			w = bld_rune_len(s + pos, len - pos);
		}
		strbuf_add(&ws->cur, s + pos, w);
	}
	return phase == SPACES ? 0 : words_end(ws, err);
}

static int push_pair(struct bld_instr *in, char *key, char *value, bool eq, struct berr **err)
{
	if (in->n_pairs >= BLD_ARGS_MAX) {
		free(key);
		free(value);
		return too_many(err);
	}
	in->pairs = xrealloc(in->pairs, (in->n_pairs + 1) * sizeof(*in->pairs));
	in->pairs[in->n_pairs++] = (struct bld_kv){.key = key, .value = value, .eq = eq};
	return 0;
}

/* parseNameVal: "ENV k=v k2=v2", or the old "ENV k the value". */
static int name_val(struct bld_instr *in, const char *rest, char escape, struct berr **err)
{
	struct words ws = {0};
	int r = parse_words(rest, escape, &ws, err);
	if (r < 0 || ws.n == 0)
		goto out;
	if (!strchr(ws.v[0], '=')) {
		size_t k = 0;
		while (rest[k] && !is_blank(rest[k]))
			k++;
		const char *value = rest + k;
		while (is_blank(*value))
			value++;
		if (!*value) {
			r = berr_plain(err, EINVAL, "%s must have two arguments",
				       bld_kind_name(in->kind));
			goto out;
		}
		r = push_pair(in, xstrndup(rest, k), xstrdup(value), false, err);
		goto out;
	}
	for (size_t i = 0; i < ws.n && r == 0; i++) {
		char *eq = strchr(ws.v[i], '=');
		if (!eq) {
			r = berr_plain(err, EINVAL,
				       "syntax error - can't find = in '%s'. Must be of the form: "
				       "name=value",
				       ws.v[i]);
			break;
		}
		r = push_pair(in, xstrndup(ws.v[i], (size_t)(eq - ws.v[i])), xstrdup(eq + 1), true,
			      err);
	}
out:
	strv_free(ws.v);
	strbuf_clear(&ws.cur);
	return r;
}

/* parseNameOrNameVal + parseArg: "ARG a b=c". */
static int arg_words(struct bld_instr *in, const char *rest, char escape, struct berr **err)
{
	struct words ws = {0};
	int r = parse_words(rest, escape, &ws, err);
	for (size_t i = 0; i < ws.n && r == 0; i++) {
		char *eq = strchr(ws.v[i], '=');
		if (eq == ws.v[i]) {
			r = berr_plain(err, EINVAL, "ARG names can not be blank");
			break;
		}
		if (eq)
			r = push_pair(in, xstrndup(ws.v[i], (size_t)(eq - ws.v[i])),
				      xstrdup(eq + 1), true, err);
		else
			r = push_pair(in, xstrdup(ws.v[i]), NULL, false, err);
	}
	strv_free(ws.v);
	strbuf_clear(&ws.cur);
	return r;
}

/* extractBuilderFlags: the leading "--name[=value]" words, quotes and escapes removed; a bare
 * "--" ends them. *out_rest is where the arguments start. */
static int extract_flags(const char *s, char escape, struct words *ws, size_t *out_rest,
			 struct berr **err)
{
	enum { SPACES, WORD, QUOTE } phase = SPACES;
	size_t len = strlen(s);
	char quote = 0;
	for (size_t pos = 0; pos < len; pos++) {
		char ch = s[pos];
		if (phase == SPACES) {
			if (is_ascii_space(ch))
				continue;
			if (ch != '-' || s[pos + 1] != '-') {
				*out_rest = pos;
				return 0;
			}
			phase = WORD;
		}
		if (phase == WORD) {
			if (is_ascii_space(ch)) {
				phase = SPACES;
				if (ws->cur.len == 2 && !memcmp(ws->cur.s, "--", 2)) {
					strbuf_clear(&ws->cur);
					*out_rest = pos;
					return 0;
				}
				int r = words_end(ws, err);
				if (r < 0)
					return r;
				continue;
			}
			if (open_quote(ws, ch, &quote)) {
				phase = QUOTE;
				continue;
			}
		} else if (ch == quote) {
			phase = WORD;
			continue;
		}
		if (ch == escape) {
			if (pos + 1 == len) {
				phase = WORD; /* a lone escape at the end is dropped */
				continue;
			}
			ch = s[++pos];
		}
		strbuf_addc(&ws->cur, ch);
	}
	*out_rest = len;
	if (phase == SPACES || (ws->cur.len == 2 && !memcmp(ws->cur.s, "--", 2))) {
		strbuf_clear(&ws->cur);
		return 0;
	}
	return words_end(ws, err);
}

enum flag_type { FLAG_BOOL, FLAG_STRING, FLAG_STRINGS };

struct flag_spec {
	const char *name;
	enum flag_type type;
};

/* BFlags.Parse: every flag known to the instruction, single ones once, values where needed. */
static int check_flags(struct bld_instr *in, char **words, size_t n, const struct flag_spec *spec,
		       struct berr **err)
{
	for (size_t i = 0; i < n; i++) {
		const char *name = words[i] + 2; /* extract_flags keeps only words starting "--" */
		const char *eq = strchr(name, '=');
		size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
		const struct flag_spec *f = spec;
		while (f && f->name && (strlen(f->name) != nlen || memcmp(f->name, name, nlen)))
			f++;
		if (!f || !f->name)
			return berr_plain(err, EINVAL, "unknown flag: --%.*s", (int)nlen, name);
		if (f->type != FLAG_STRINGS && bld_instr_flag(in, f->name))
			return berr_plain(err, EINVAL, "duplicate flag specified: --%s", f->name);
		const char *value = eq ? eq + 1 : NULL;
		if (f->type == FLAG_BOOL) {
			if (value && !*value)
				return berr_plain(err, EINVAL, "missing a value on flag: --%s",
						  f->name);
			if (!value || !strcasecmp(value, "true"))
				value = "true";
			else if (!strcasecmp(value, "false"))
				value = "false";
			else
				return berr_plain(err, EINVAL,
						  "expecting boolean value for flag --%s, not: %s",
						  f->name, value);
		} else if (!value) {
			return berr_plain(err, EINVAL, "missing a value on flag: --%s", f->name);
		}
		in->flags = xrealloc(in->flags, (in->n_flags + 1) * sizeof(*in->flags));
		in->flags[in->n_flags++] =
		    (struct bld_flag){.name = xstrdup(f->name), .value = xstrdup(value)};
	}
	return 0;
}

/* ParseHeredoc: ^(\d*)<<(-?)\s*([^<]*)$, then the delimiter read as one shell word twice, with
 * and without its quotes: a quote anywhere in it turns expansion off. */
int bld_heredoc_word(const char *word, struct bld_heredoc *out, struct berr **err)
{
	const char *p = word;
	unsigned long long fd = 0;
	for (; *p >= '0' && *p <= '9'; p++)
		fd = fd > UINT_MAX ? fd : fd * 10 + (unsigned)(*p - '0');
	if (strncmp(p, "<<", 2))
		return 0;
	p += 2;
	bool strip = *p == '-';
	p += strip;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\f' || *p == '\r')
		p++;
	if (!*p || strchr(p, '<'))
		return 0;
	struct bld_expand x = {.escape = '\\', .flags = BLD_EXPAND_KEEP_UNSET};
	char **words = NULL, **raw = NULL;
	int r = bld_expand_words(&x, p, &words, err);
	if (r < 0 || strv_len(words) != 1)
		goto out;
	x.flags |= BLD_EXPAND_RAW_QUOTES;
	r = bld_expand_words(&x, p, &raw, err);
	if (r < 0)
		goto out;
	if (strv_len(raw) != 1) {
		r = berr_plain(err, EINVAL,
			       "internal lexing of heredoc produced inconsistent "
			       "results: %s",
			       p);
		goto out;
	}
	size_t quotes = 0, raw_quotes = 0;
	for (const char *c = words[0]; *c; c++)
		quotes += *c == '\'' || *c == '"';
	for (const char *c = raw[0]; *c; c++)
		raw_quotes += *c == '\'' || *c == '"';
	*out = (struct bld_heredoc){.name = take_ptr(&words[0]),
				    .fd = fd > UINT_MAX ? UINT_MAX : (unsigned)fd,
				    .strip_tabs = strip,
				    .expand = quotes == raw_quotes};
	r = 1;
out:
	strv_free(words);
	strv_free(raw);
	return r < 0 ? r : r == 1;
}

/* heredocsFromLine: the line read as shell words with quotes and escapes kept; each word that
 * names a here-document opens one. A line that does not lex (an unbalanced quote) opens none. */
static int heredocs_from_line(struct bld_instr *in, const char *line, struct berr **err)
{
	if (!strstr(line, "<<"))
		return 0;
	struct bld_expand x = {.escape = '\\',
			       .flags = BLD_EXPAND_RAW_QUOTES | BLD_EXPAND_RAW_ESCAPES |
					BLD_EXPAND_KEEP_UNSET};
	char **words = NULL;
	if (bld_expand_words(&x, line, &words, NULL) < 0)
		return 0;
	int r = 0;
	for (size_t i = 0; words[i] && r >= 0; i++) {
		struct bld_heredoc h;
		r = bld_heredoc_word(words[i], &h, err);
		if (r <= 0)
			continue;
		if (in->n_heredocs >= BLD_ARGS_MAX) {
			free(h.name);
			r = too_many(err);
			break;
		}
		in->heredocs = xrealloc(in->heredocs, (in->n_heredocs + 1) * sizeof(h));
		in->heredocs[in->n_heredocs++] = h;
	}
	strv_free(words);
	return r < 0 ? r : 0;
}

/* ^[a-z][a-z0-9-_.]*$ after lower-casing (parseBuildStageName). */
static int check_from(struct bld_instr *in, struct berr **err)
{
	if (in->n_args == 3 && !strcasecmp(in->args[1], "as")) {
		const char *name = in->args[2];
		bool ok = (*name | 0x20) >= 'a' && (*name | 0x20) <= 'z';
		for (const char *c = name; ok && *c; c++)
			ok = ((*c | 0x20) >= 'a' && (*c | 0x20) <= 'z') ||
			     (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' || *c == '.';
		if (!ok)
			return berr_plain(err, EINVAL,
					  "invalid name for build stage: '%s', name can't start "
					  "with a number or contain symbols",
					  name);
		return 0;
	}
	if (in->n_args != 1)
		return berr_plain(err, EINVAL, "FROM requires either one or three arguments");
	return 0;
}

static int check_run(struct bld_instr *in, struct berr **err)
{
	/* BuildKit lets an empty RUN through to fail in the shell; say it here. */
	if (in->n_args == 0)
		return berr_plain(err, EINVAL, "RUN requires at least one argument");
	const char *net = bld_instr_flag(in, "network");
	if (net && strcmp(net, "default") && strcmp(net, "none") && strcmp(net, "host"))
		return berr_plain(err, EINVAL, "invalid network mode '%s'", net);
	const char *sec = bld_instr_flag(in, "security");
	if (sec && strcmp(sec, "sandbox") && strcmp(sec, "insecure"))
		return berr_plain(err, EINVAL, "security '%s' is not valid", sec);
	return 0;
}

static int check_shell(struct bld_instr *in, struct berr **err)
{
	if (in->n_args == 0)
		return berr_plain(err, EINVAL, "SHELL requires at least one argument");
	if (!in->exec_form)
		return berr_plain(err, EINVAL, "SHELL requires the arguments to be in JSON form");
	return 0;
}

static int check_one(struct bld_instr *in, struct berr **err)
{
	if (in->n_args != 1)
		return berr_plain(err, EINVAL, "%s requires exactly one argument",
				  bld_kind_name(in->kind));
	return 0;
}

static int check_some(struct bld_instr *in, struct berr **err)
{
	if (in->n_args == 0 && in->n_pairs == 0 && !in->trigger)
		return berr_plain(err, EINVAL, "%s requires at least one argument",
				  bld_kind_name(in->kind));
	for (size_t i = 0; i < in->n_pairs; i++)
		if (!in->pairs[i].key[0])
			return berr_plain(err, EINVAL, "%s names can not be blank",
					  bld_kind_name(in->kind));
	return 0;
}

static int check_volume(struct bld_instr *in, struct berr **err)
{
	int r = check_some(in, err);
	for (size_t i = 0; r == 0 && i < in->n_args; i++) {
		const char *s = in->args[i];
		size_t n = strlen(s);
		bld_trim_space(&s, &n);
		if (n == 0)
			return berr_plain(err, EINVAL,
					  "VOLUME specified can not be an empty string");
		char *t = xstrndup(s, n);
		free(in->args[i]);
		in->args[i] = t;
	}
	return r;
}

/* parseSourcesAndDest: a source may name a here-document of the line, the destination not. */
static int check_copy(struct bld_instr *in, struct berr **err)
{
	const char *what = bld_kind_name(in->kind);
	if (in->n_args < 2)
		return berr_plain(err, EINVAL,
				  "%s requires at least two arguments, but only one was provided. "
				  "Destination could not be determined",
				  what);
	in->arg_heredoc = xmalloc(in->n_args * sizeof(int));
	for (size_t i = 0; i < in->n_args; i++) {
		struct bld_heredoc h;
		in->arg_heredoc[i] = -1;
		if (bld_heredoc_word(in->args[i], &h, NULL) <= 0)
			continue;
		autofree char *name = h.name;
		if (i == in->n_args - 1)
			return berr_plain(err, EINVAL,
					  "%s cannot accept a heredoc as a destination", what);
		for (size_t j = 0; j < in->n_heredocs; j++)
			if (!strcmp(in->heredocs[j].name, name))
				in->arg_heredoc[i] =
				    (int)j; /* the last of a name wins, as in BuildKit */
		/* BuildKit copies an empty file when the line's words did not open it (an
		 * unbalanced quote, or the exec form); that is never what was meant. */
		if (in->arg_heredoc[i] < 0)
			return berr_plain(err, EINVAL,
					  "%s source '%s' names a here-document that the line does "
					  "not open",
					  what, in->args[i]);
	}
	return 0;
}

enum arg_form {
	FORM_MAYBE_JSON,     /* RUN CMD ENTRYPOINT SHELL */
	FORM_JSON_OR_BLANKS, /* ADD COPY VOLUME */
	FORM_BLANKS,         /* FROM EXPOSE */
	FORM_STRING,         /* MAINTAINER USER WORKDIR STOPSIGNAL */
	FORM_NAME_VAL,       /* ENV LABEL */
	FORM_ARG,            /* ARG */
	FORM_HEALTH,         /* HEALTHCHECK: the type word, then like FORM_MAYBE_JSON */
	FORM_SUB,            /* ONBUILD */
};

static const struct flag_spec no_flags[] = {{NULL, 0}};
static const struct flag_spec from_flags[] = {{"platform", FLAG_STRING}, {NULL, 0}};
static const struct flag_spec run_flags[] = {
    {"mount", FLAG_STRINGS}, {"network", FLAG_STRING}, {"security", FLAG_STRING}, {NULL, 0}};
static const struct flag_spec add_flags[] = {{"chown", FLAG_STRING},    {"chmod", FLAG_STRING},
					     {"link", FLAG_BOOL},       {"keep-git-dir", FLAG_BOOL},
					     {"checksum", FLAG_STRING}, {"unpack", FLAG_BOOL},
					     {"exclude", FLAG_STRINGS}, {NULL, 0}};
static const struct flag_spec copy_flags[] = {{"chown", FLAG_STRING},
					      {"from", FLAG_STRING},
					      {"chmod", FLAG_STRING},
					      {"link", FLAG_BOOL},
					      {"exclude", FLAG_STRINGS},
					      {"parents", FLAG_BOOL},
					      {NULL, 0}};
static const struct flag_spec health_flags[] = {
    {"interval", FLAG_STRING},       {"timeout", FLAG_STRING}, {"start-period", FLAG_STRING},
    {"start-interval", FLAG_STRING}, {"retries", FLAG_STRING}, {NULL, 0}};

struct kind_spec {
	enum arg_form form;
	const struct flag_spec *flags;
	int (*check)(struct bld_instr *in, struct berr **err);
};

/* Every instruction of frontend 1.x, indexed by enum bld_kind. */
static const struct kind_spec kinds[] = {
    [BLD_FROM] = {FORM_BLANKS, from_flags, check_from},
    [BLD_RUN] = {FORM_MAYBE_JSON, run_flags, check_run},
    [BLD_CMD] = {FORM_MAYBE_JSON, no_flags, NULL},
    [BLD_LABEL] = {FORM_NAME_VAL, no_flags, check_some},
    [BLD_MAINTAINER] = {FORM_STRING, no_flags, check_one},
    [BLD_EXPOSE] = {FORM_BLANKS, no_flags, check_some},
    [BLD_ENV] = {FORM_NAME_VAL, no_flags, check_some},
    [BLD_ADD] = {FORM_JSON_OR_BLANKS, add_flags, check_copy},
    [BLD_COPY] = {FORM_JSON_OR_BLANKS, copy_flags, check_copy},
    [BLD_ENTRYPOINT] = {FORM_MAYBE_JSON, no_flags, NULL},
    [BLD_VOLUME] = {FORM_JSON_OR_BLANKS, no_flags, check_volume},
    [BLD_USER] = {FORM_STRING, no_flags, check_one},
    [BLD_WORKDIR] = {FORM_STRING, no_flags, check_one},
    [BLD_ARG] = {FORM_ARG, no_flags, check_some},
    [BLD_ONBUILD] = {FORM_SUB, no_flags, check_some},
    [BLD_STOPSIGNAL] = {FORM_STRING, no_flags, check_one},
    [BLD_HEALTHCHECK] = {FORM_HEALTH, health_flags, bld_health_check},
    [BLD_SHELL] = {FORM_MAYBE_JSON, no_flags, check_shell},
};

/* parseSubCommand + parseOnBuild: the trigger word is checked before the trigger is read. */
static int parse_onbuild(struct bld_instr *in, const char *rest, char escape, struct berr **err)
{
	if (!*rest)
		return 0;
	size_t k = 0;
	while (rest[k] && !is_blank(rest[k]))
		k++;
	if (k == 7 && !strncasecmp(rest, "ONBUILD", k))
		return berr_plain(err, EINVAL,
				  "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
	if ((k == 4 && !strncasecmp(rest, "FROM", k)) ||
	    (k == 10 && !strncasecmp(rest, "MAINTAINER", k)))
		return berr_plain(err, EINVAL, "%.*s isn't allowed as an ONBUILD trigger", (int)k,
				  rest);
	struct bld_instr *t = xzalloc(sizeof(*t));
	int r = bld_instr_parse(rest, escape, t, err);
	if (r < 0) {
		free(t);
		return r;
	}
	in->trigger = t;
	return 0;
}

static int parse_form(const struct kind_spec *spec, struct bld_instr *in, const char *rest,
		      char escape, struct berr **err)
{
	switch (spec->form) {
	case FORM_MAYBE_JSON:
		return maybe_json(in, rest, err);
	case FORM_JSON_OR_BLANKS:
		return json_or_words(in, rest, err);
	case FORM_BLANKS:
		return split_blank(in, rest, err);
	case FORM_STRING:
		return *rest ? push_arg(in, xstrdup(rest), err) : 0;
	case FORM_NAME_VAL:
		return name_val(in, rest, escape, err);
	case FORM_ARG:
		return arg_words(in, rest, escape, err);
	case FORM_HEALTH: {
		size_t k = 0;
		while (rest[k] && !is_ascii_space(rest[k]))
			k++;
		if (k == 0)
			return 0;
		int r = push_arg(in, xstrndup(rest, k), err);
		while (is_ascii_space(rest[k]))
			k++;
		return r < 0 ? r : maybe_json(in, rest + k, err);
	}
	case FORM_SUB:
		return parse_onbuild(in, rest, escape, err);
	}
	return 0;
}

static const struct kind_spec *find_kind(const char *word, size_t n)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		const char *name = bld_kind_name((enum bld_kind)i);
		if (strlen(name) == n && !strncasecmp(name, word, n))
			return &kinds[i];
	}
	return NULL;
}

int bld_instr_parse(const char *line, char escape, struct bld_instr *out, struct berr **err)
{
	const char *s = line;
	size_t n = strlen(line);
	bld_trim_space(&s, &n);
	autofree char *text = xstrndup(s, n);
	size_t k = 0;
	while (text[k] && !is_blank(text[k]))
		k++;
	const struct kind_spec *spec = find_kind(text, k);
	if (!spec)
		return berr_plain(err, EINVAL, "unknown instruction: %.*s", (int)k, text);

	struct bld_instr in = {.kind = (enum bld_kind)(spec - kinds)};
	struct words flags = {0};
	const char *rest = text + k;
	while (is_blank(*rest))
		rest++;
	size_t off = 0;
	int r = extract_flags(rest, escape, &flags, &off, err);
	if (r == 0) {
		const char *a = rest + off;
		size_t an = strlen(a);
		bld_trim_space(&a, &an);
		autofree char *args = xstrndup(a, an);
		r = parse_form(spec, &in, args, escape, err);
	}
	if (r < 0)
		goto out;
	/* canContainHeredoc: RUN, ADD and COPY in shell form (for ONBUILD, its trigger, which
	 * read its own line above). */
	if ((in.kind == BLD_RUN || in.kind == BLD_ADD || in.kind == BLD_COPY) && !in.exec_form)
		r = heredocs_from_line(&in, text, err);
	if (r == 0)
		r = check_flags(&in, flags.v, flags.n, spec->flags, err);
	if (r == 0 && spec->check)
		r = spec->check(&in, err);
out:
	strv_free(flags.v);
	strbuf_clear(&flags.cur);
	if (r < 0) {
		bld_instr_clear(&in);
		return r;
	}
	in.original = take_ptr(&text);
	*out = in;
	return 0;
}
