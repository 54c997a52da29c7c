/* The Containerfile as a whole (see dockerfile.h): physical lines become instructions the way
 * BuildKit's parser.Parse does it (frontend/dockerfile/parser/parser.go), then instructions
 * become stages (instructions.Parse). Line by line:
 *   - parser directives are only read until the first line that is not one (a comment, a blank
 *     line, an instruction); a known directive may appear once;
 *   - an instruction's first line loses its leading white space, a line starting with '#' is a
 *     comment; a line ending in the escape character (then blanks) continues on the next, whose
 *     leading white space is kept; comment lines and blank lines inside a continuation are
 *     skipped, as BuildKit still does (with a warning we do not give);
 *   - after RUN, ADD or COPY in shell form (also under ONBUILD) that open here-documents, the
 *     following lines up to each delimiter are the bodies, taken verbatim. */
#include "build/dockerfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "build/instruction.h"
#include "build/text.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

struct parser {
	const char *name;
	const char *text;
	size_t len, pos;
	unsigned lineno;      /* physical lines read so far */
	bool directives_done; /* no more parser directives after the first other line */
	bool seen_syntax, seen_escape, seen_check;
	size_t n_instrs;
	struct bld_file *file;
};

/* The next physical line with its newline: 1, or 0 at the end of the text. */
static int next_line(struct parser *p, const char **out, size_t *out_n, struct berr **err)
{
	if (p->pos >= p->len)
		return 0;
	const char *s = p->text + p->pos;
	const char *nl = memchr(s, '\n', p->len - p->pos);
	size_t n = nl ? (size_t)(nl - s) + 1 : p->len - p->pos;
	p->lineno++;
	if (n - (nl != NULL) > BLD_LINE_MAX)
		return berr_plain(err, E2BIG, "%s:%u: line longer than %d bytes", p->name,
				  p->lineno, BLD_LINE_MAX);
	if (p->lineno > BLD_LINES_MAX)
		return berr_plain(err, E2BIG, "%s: more than %d lines", p->name, BLD_LINES_MAX);
	p->pos += n;
	*out = s;
	*out_n = n;
	return 1;
}

static void trim_newline(const char *s, size_t *n)
{
	while (*n && (s[*n - 1] == '\n' || s[*n - 1] == '\r'))
		(*n)--;
}

static void trim_left_space(const char **s, size_t *n)
{
	size_t w;
	while ((w = bld_space_len(*s, *n)) > 0) {
		*s += w;
		*n -= w;
	}
}

static bool is_comment(const char *s, size_t n)
{
	trim_left_space(&s, &n);
	return n > 0 && s[0] == '#';
}

/* Go's \s in the directive pattern. */
static bool re_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The line as DirectiveParser's expression reads it: "#" then
 * ^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$. True, with the key (*key_n bytes at *key) and the
 * value, when it matches. */
static bool directive_parts(const char *s, size_t n, const char **key, size_t *key_n,
			    const char **value, size_t *value_n)
{
	if (n == 0 || s[0] != '#')
		return false;
	s++;
	n--;
	trim_left_space(&s, &n);
	if (n == 0 || !is_alpha(s[0]))
		return false;
	size_t k = 1;
	while (k < n && (is_alpha(s[k]) || (s[k] >= '0' && s[k] <= '9')))
		k++;
	size_t i = k;
	while (i < n && re_space(s[i]))
		i++;
	if (i >= n || s[i] != '=')
		return false;
	size_t vs = ++i, ve = n;
	while (vs < n && re_space(s[vs]))
		vs++;
	while (ve > vs && re_space(s[ve - 1]))
		ve--;
	if (vs == ve) {
		if (i == n)
			return false;
		vs = n - 1; /* .+? needs one character: the last blank, as Go's matcher takes it */
	}
	*key = s;
	*key_n = k;
	*value = s + vs;
	*value_n = ve - vs;
	return true;
}

/* DirectiveParser.ParseLine: a directive line (directive_parts) with a known key. *out_is
 * tells whether the line was a directive (it is then also a comment). */
static int directive(struct parser *p, const char *line, size_t n, bool *out_is, struct berr **err)
{
	*out_is = false;
	if (p->directives_done)
		return 0;
	p->directives_done = true; /* until shown otherwise below */
	const char *s, *v;
	size_t k, vn;
	if (!directive_parts(line, n, &s, &k, &v, &vn))
		return 0;
	bool *seen = NULL;
	char **slot = NULL;
	if (k == 6 && !strncasecmp(s, "syntax", k)) {
		seen = &p->seen_syntax;
		slot = &p->file->syntax;
	} else if (k == 6 && !strncasecmp(s, "escape", k)) {
		seen = &p->seen_escape;
	} else if (k == 5 && !strncasecmp(s, "check", k)) {
		seen = &p->seen_check;
		slot = &p->file->check;
	} else {
		return 0; /* unknown: a comment */
	}
	if (*seen)
		return berr_plain(err, EINVAL, "%s:%u: only one %s parser directive can be used",
				  p->name, p->lineno,
				  slot == &p->file->syntax ? "syntax"
				  : slot                   ? "check"
							   : "escape");
	*seen = true;
	if (slot) {
		*slot = xstrndup(v, vn);
	} else if (vn == 1 && (v[0] == '\\' || v[0] == '`')) {
		p->file->escape = v[0];
	} else {
		return berr_plain(err, EINVAL,
				  "%s:%u: invalid escape token '%.*s' does not match ` or \\",
				  p->name, p->lineno, (int)vn, v);
	}
	p->directives_done = false;
	*out_is = true;
	return 0;
}

/* trimContinuationCharacter: true when the line ends the instruction; otherwise the escape
 * character and the blanks after it are cut off. An escaped escape ("\\") ends it. */
static bool trim_continuation(const char *s, size_t *n, char escape)
{
	size_t k = *n;
	while (k && (s[k - 1] == ' ' || s[k - 1] == '\t'))
		k--;
	if (k == 0 || s[k - 1] != escape || (k >= 2 && s[k - 2] == escape))
		return true;
	*n = k - 1;
	return false;
}

static int add_text(struct parser *p, struct strbuf *b, const char *s, size_t n, unsigned start,
		    struct berr **err)
{
	if (b->len + n > BLD_INSTR_TEXT_MAX)
		return berr_plain(err, E2BIG, "%s:%u: instruction longer than %u bytes", p->name,
				  start, BLD_INSTR_TEXT_MAX);
	strbuf_add(b, s, n);
	return 0;
}

/* The rest of an instruction after its first line: its continuation lines joined. */
static int read_continuation(struct parser *p, struct strbuf *b, unsigned start, struct berr **err)
{
	const char *s;
	size_t n;
	int r;
	while ((r = next_line(p, &s, &n, err)) > 0) {
		if (is_comment(s, n))
			continue;
		trim_newline(s, &n);
		const char *t = s;
		size_t tn = n;
		trim_left_space(&t, &tn);
		if (tn == 0)
			continue; /* an empty continuation line */
		bool end = trim_continuation(s, &n, p->file->escape);
		r = add_text(p, b, s, n, start, err);
		if (r < 0 || end)
			return r;
	}
	return r;
}

/* ChompHeredocContent: (?m)^\t+ removed. */
static char *strip_tabs(const char *s)
{
	char *out = xmalloc(strlen(s) + 1), *o = out;
	bool at_start = true;
	for (; *s; s++) {
		if (at_start && *s == '\t')
			continue;
		at_start = *s == '\n';
		*o++ = *s;
	}
	*o = '\0';
	return out;
}

/* The bodies of the here-documents in->heredocs names, in order. When onbuild is given, each
 * is also added to it as BuildKit writes an ONBUILD trigger: "\n" body delimiter. */
static int read_heredocs(struct parser *p, struct bld_instr *in, struct strbuf *onbuild,
			 struct berr **err)
{
	for (size_t i = 0; i < in->n_heredocs; i++) {
		struct bld_heredoc *h = &in->heredocs[i];
		struct strbuf body = {0};
		size_t name_len = strlen(h->name);
		bool ended = false;
		const char *s;
		size_t n;
		int r = 0;
		while (!ended && (r = next_line(p, &s, &n, err)) > 0) {
			const char *t = s;
			size_t tn = n;
			trim_newline(t, &tn);
			while (h->strip_tabs && tn && *t == '\t') {
				t++;
				tn--;
			}
			ended = tn == name_len && !memcmp(t, h->name, tn);
			if (ended)
				break;
			if (body.len + n > BLD_HEREDOC_MAX) {
				strbuf_clear(&body);
				return berr_plain(err, E2BIG,
						  "%s:%u: here-document '%s' longer than %u bytes",
						  p->name, in->line, h->name, BLD_HEREDOC_MAX);
			}
			strbuf_add(&body, s, n);
		}
		if (!ended) {
			strbuf_clear(&body);
			return r < 0 ? r
				     : berr_plain(err, EINVAL, "%s:%u: unterminated heredoc",
						  p->name, in->line);
		}
		autofree char *raw = strbuf_take(&body);
		if (onbuild) {
			strbuf_addc(onbuild, '\n');
			strbuf_add(onbuild, raw, strlen(raw));
			strbuf_add(onbuild, h->name, name_len);
		}
		h->content = h->strip_tabs ? strip_tabs(raw) : take_ptr(&raw);
	}
	return 0;
}

/* ONBUILD's entry in the image config: the line without "ONBUILD", then the bodies. */
static void onbuild_text(struct bld_instr *in, struct strbuf *b)
{
	const char *t = in->original + strlen("ONBUILD");
	while (re_space(*t))
		t++;
	char *text = xasprintf("%s%s", t, b->s ? b->s : "");
	strbuf_clear(b);
	in->trigger_text = text;
}

static char *lower(const char *s)
{
	char *out = xstrdup(s);
	for (char *c = out; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	return out;
}

/* instructions.Parse: ARGs may come before the first FROM, everything else belongs to a stage. */
static int place(struct parser *p, struct bld_instr *in, struct berr **err)
{
	struct bld_file *f = p->file;
	if (++p->n_instrs > BLD_INSTRS_MAX)
		return berr_plain(err, E2BIG, "%s:%u: more than %d instructions", p->name, in->line,
				  BLD_INSTRS_MAX);
	if (in->kind == BLD_FROM) {
		if (f->n_stages >= BLD_STAGES_MAX)
			return berr_plain(err, E2BIG, "%s:%u: more than %d stages", p->name,
					  in->line, BLD_STAGES_MAX);
		const char *platform = bld_instr_flag(in, "platform");
		f->stages = xrealloc(f->stages, (f->n_stages + 1) * sizeof(*f->stages));
		f->stages[f->n_stages++] = (struct bld_stage){
		    .name = in->n_args == 3 ? lower(in->args[2]) : NULL,
		    .base = xstrdup(in->args[0]),
		    .platform = platform ? xstrdup(platform) : NULL,
		    .line = in->line,
		    .from = *in,
		};
	} else if (f->n_stages > 0) {
		struct bld_stage *st = &f->stages[f->n_stages - 1];
		st->instrs = xrealloc(st->instrs, (st->n_instrs + 1) * sizeof(*st->instrs));
		st->instrs[st->n_instrs++] = *in;
	} else if (in->kind == BLD_ARG) {
		f->meta_args = xrealloc(f->meta_args, (f->n_meta_args + 1) * sizeof(*f->meta_args));
		f->meta_args[f->n_meta_args++] = *in;
	} else {
		return berr_plain(err, EINVAL, "%s:%u: no build stage in current context", p->name,
				  in->line);
	}
	*in = (struct bld_instr){0};
	return 0;
}

/* One instruction from its first physical line (already read) on. */
static int instruction(struct parser *p, const char *s, size_t n, struct berr **err)
{
	unsigned start = p->lineno;
	struct strbuf b = {0};
	bool end = trim_continuation(s, &n, p->file->escape);
	if (end && n == 0)
		return 0;
	int r = add_text(p, &b, s, n, start, err);
	if (r == 0 && !end)
		r = read_continuation(p, &b, start, err);
	autofree char *line = strbuf_take(&b);
	if (r < 0)
		return r;
	struct bld_instr in = {0};
	r = bld_instr_parse(line, p->file->escape, &in, err);
	if (r < 0)
		return berr_wrap(err, "%s:%u", p->name, start);
	in.line = start;
	struct bld_instr *docs = in.trigger ? in.trigger : &in;
	docs->line = start;
	r = read_heredocs(p, docs, in.trigger ? &b : NULL, err);
	if (r == 0 && in.kind == BLD_ONBUILD)
		onbuild_text(&in, &b);
	in.end_line = docs->end_line = p->lineno;
	if (r == 0)
		r = place(p, &in, err);
	strbuf_clear(&b);
	bld_instr_clear(&in);
	return r;
}

static int parse(struct parser *p, struct berr **err)
{
	const char *s;
	size_t n;
	int r;
	while ((r = next_line(p, &s, &n, err)) > 0) {
		if (p->lineno == 1 && n >= 3 && !memcmp(s, "\xef\xbb\xbf", 3)) {
			s += 3;
			n -= 3;
		}
		trim_newline(s, &n);
		trim_left_space(&s, &n);
		bool is_directive;
		r = directive(p, s, n, &is_directive, err);
		if (r < 0)
			return r;
		if (is_directive || is_comment(s, n))
			continue;
		r = instruction(p, s, n, err);
		if (r < 0)
			return r;
	}
	if (r < 0)
		return r;
	if (p->n_instrs == 0)
		return berr_plain(err, EINVAL, "%s: file with no instructions", p->name);
	if (p->file->n_stages == 0)
		return berr_plain(err, EINVAL, "%s: file contains no stages to build", p->name);
	return 0;
}

struct bld_file *bld_file_parse(const char *name, const char *text, size_t len, struct berr **err)
{
	if (len > BLD_FILE_MAX) {
		berr_plain(err, EFBIG, "%s: larger than %u bytes", name, BLD_FILE_MAX);
		return NULL;
	}
	const char *nul = memchr(text, '\0', len);
	if (nul) {
		unsigned line = 1;
		for (const char *c = text; c < nul; c++)
			line += *c == '\n';
		berr_plain(err, EINVAL, "%s:%u: NUL byte in the file", name, line);
		return NULL;
	}
	struct bld_file *f = xzalloc(sizeof(*f));
	f->name = xstrdup(name);
	f->escape = '\\';
	struct parser p = {.name = name, .text = text, .len = len, .file = f};
	if (parse(&p, err) < 0) {
		bld_file_free(f);
		return NULL;
	}
	return f;
}

void bld_file_free(struct bld_file *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n_meta_args; i++)
		bld_instr_clear(&f->meta_args[i]);
	free(f->meta_args);
	for (size_t i = 0; i < f->n_stages; i++) {
		struct bld_stage *st = &f->stages[i];
		free(st->name);
		free(st->base);
		free(st->platform);
		bld_instr_clear(&st->from);
		for (size_t j = 0; j < st->n_instrs; j++)
			bld_instr_clear(&st->instrs[j]);
		free(st->instrs);
	}
	free(f->stages);
	free(f->name);
	free(f->syntax);
	free(f->check);
	free(f);
}
