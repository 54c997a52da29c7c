/* Ignore patterns (see ignore.h). A pattern is compiled as patternmatcher's Pattern.compile
 * does: a plain name is an exact match, a plain name then "/" and "**" a prefix, "**" and
 * "**name" a suffix, and anything with wildcards a token list that an NFA runs over the path. The
 * tokens are the pieces of patternmatcher's regular expression: ? is [^/], * is [^/]*, "**"
 * followed by more is (.*\/)?, "**" at the end .*; like Go's `.`, neither of the last two crosses a
 * newline. */
#include "build/ignore.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "build/glob.h"
#include "build/text.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/xalloc.h"

enum pat_type { PAT_EXACT, PAT_PREFIX, PAT_SUFFIX, PAT_GLOB };

enum tok_type {
	T_LIT,   /* one rune: pattern bytes [off, off+len) */
	T_ANY1,  /* ? */
	T_STAR,  /* * */
	T_CLASS, /* [...]: ranges [off, off+len) of the class list */
	T_DIRS,  /* "**" before more: any directories, or none */
	T_ALL,   /* "**" at the end after other text: anything */
};

struct tok {
	enum tok_type type;
	size_t off, len;
	bool negated;
};

struct range {
	uint32_t lo, hi;
};

struct pattern {
	char *text; /* cleaned, without '!' */
	bool exception;
	enum pat_type type;
	struct tok *toks;
	size_t n_toks;
	struct range *ranges;
	size_t n_ranges;
};

struct bld_ignore {
	struct pattern *v;
	size_t n;
	bool exceptions;             /* some pattern starts with '!' */
	bool only_prefix_exceptions; /* no exception has wildcards (fsutil's shortcut) */
};

/* Go's filepath.Clean for a slash-separated path. */
static char *go_clean(const char *path)
{
	size_t n = strlen(path), r = 0, w = 0, dotdot = 0;
	if (n == 0)
		return xstrdup(".");
	char *out = xmalloc(n + 2);
	bool rooted = path[0] == '/';
	if (rooted) {
		out[w++] = '/';
		r = dotdot = 1;
	}
	while (r < n) {
		if (path[r] == '/') {
			r++;
		} else if (path[r] == '.' && (r + 1 == n || path[r + 1] == '/')) {
			r++;
		} else if (path[r] == '.' && path[r + 1] == '.' &&
			   (r + 2 == n || path[r + 2] == '/')) {
			r += 2;
			if (w > dotdot) {
				w--;
				while (w > dotdot && out[w] != '/')
					w--;
			} else if (!rooted) {
				if (w > 0)
					out[w++] = '/';
				out[w++] = '.';
				out[w++] = '.';
				dotdot = w;
			}
		} else {
			if ((rooted && w != 1) || (!rooted && w != 0))
				out[w++] = '/';
			for (; r < n && path[r] != '/'; r++)
				out[w++] = path[r];
		}
	}
	if (w == 0)
		out[w++] = '.';
	out[w] = '\0';
	return out;
}

/* A class at p[*i] (after '['), as filepath.Match reads it; ranges go to pat when given. */
static bool read_class(const char *p, size_t n, size_t *i, bool *negated, struct pattern *pat)
{
	*negated = *i < n && p[*i] == '^';
	*i += *negated;
	for (size_t nrange = 0;; nrange++) {
		if (*i < n && p[*i] == ']' && nrange > 0) {
			++*i;
			return true;
		}
		uint32_t lo, hi;
		if (!bld_glob_class_char(p, n, i, &lo))
			return false;
		hi = lo;
		if (p[*i] == '-') {
			++*i;
			if (!bld_glob_class_char(p, n, i, &hi))
				return false;
		}
		if (pat) {
			pat->ranges =
			    xrealloc(pat->ranges, (pat->n_ranges + 1) * sizeof(struct range));
			pat->ranges[pat->n_ranges++] = (struct range){lo, hi};
		}
	}
}

/* filepath.Match(p, ".") fails exactly when a chunk between stars is malformed: an escape at
 * the end, or a bad class. Also refused: a class range running backwards, which patternmatcher's
 * regexp cannot compile. */
static bool valid(const char *p)
{
	size_t n = strlen(p);
	for (size_t i = 0; i < n;) {
		if (p[i] == '[') {
			i++;
			bool neg;
			struct pattern tmp = {0};
			bool ok = read_class(p, n, &i, &neg, &tmp);
			for (size_t j = 0; ok && j < tmp.n_ranges; j++)
				ok = tmp.ranges[j].lo <= tmp.ranges[j].hi;
			free(tmp.ranges);
			if (!ok)
				return false;
		} else if (p[i] == '\\') {
			if (i + 1 >= n)
				return false;
			i += 1 + bld_rune_len(p + i + 1, n - i - 1);
		} else {
			i++;
		}
	}
	return true;
}

static void add_tok(struct pattern *pat, struct tok t)
{
	pat->toks = xrealloc(pat->toks, (pat->n_toks + 1) * sizeof(t));
	pat->toks[pat->n_toks++] = t;
}

/* Pattern.compile. */
static void compile(struct pattern *pat)
{
	const char *p = pat->text;
	size_t n = strlen(p), pos = 0;
	enum pat_type type = PAT_EXACT;
	for (size_t iter = 0; pos < n; iter++) {
		uint32_t c;
		size_t w = bld_rune_at(p + pos, n - pos, &c);
		size_t start = pos;
		pos += w;
		if (c == '*' && pos < n && p[pos] == '*') {
			pos++;
			pos += pos < n && p[pos] == '/';
			if (pos == n && type == PAT_EXACT) {
				type = PAT_PREFIX;
			} else {
				add_tok(pat, (struct tok){.type = pos == n ? T_ALL : T_DIRS});
				type = PAT_GLOB;
			}
			if (iter == 0)
				type = PAT_SUFFIX;
		} else if (c == '*' || c == '?') {
			add_tok(pat, (struct tok){.type = c == '*' ? T_STAR : T_ANY1});
			type = PAT_GLOB;
		} else if (c == '\\' && pos < n) {
			w = bld_rune_len(p + pos, n - pos);
			add_tok(pat, (struct tok){.type = T_LIT, .off = pos, .len = w});
			pos += w;
			type = PAT_GLOB;
		} else if (c == '[') {
			struct tok t = {.type = T_CLASS, .off = pat->n_ranges};
			read_class(p, n, &pos, &t.negated, pat); /* valid() passed */
			t.len = pat->n_ranges - t.off;
			add_tok(pat, t);
			type = PAT_GLOB;
		} else {
			add_tok(pat, (struct tok){.type = T_LIT, .off = start, .len = w});
		}
	}
	pat->type = type;
}

static bool class_match(const struct pattern *pat, const struct tok *t, uint32_t c)
{
	bool in = false;
	for (size_t i = 0; i < t->len && !in; i++)
		in = pat->ranges[t->off + i].lo <= c && c <= pat->ranges[t->off + i].hi;
	return in != t->negated;
}

/* The token list as an NFA over path: state 2i waits before token i, 2i+1 is inside the
 * (.*\/)? of a T_DIRS. */
static bool glob_match(const struct pattern *pat, const char *s, size_t n)
{
	size_t ns = 2 * (pat->n_toks + 1);
	autofree bool *cur = xcalloc(ns, sizeof(bool));
	autofree bool *next = xcalloc(ns, sizeof(bool));
	cur[0] = true;
	for (size_t pos = 0;;) {
		for (size_t i = 0; i < pat->n_toks; i++) { /* epsilon moves only go forward */
			enum tok_type t = pat->toks[i].type;
			if (cur[2 * i] && (t == T_STAR || t == T_ALL || t == T_DIRS))
				cur[2 * i + 2] = true;
			if (cur[2 * i] && t == T_DIRS)
				cur[2 * i + 1] = true;
		}
		if (pos == n)
			return cur[2 * pat->n_toks];
		uint32_t c;
		size_t w = bld_rune_at(s + pos, n - pos, &c);
		memset(next, 0, ns * sizeof(bool));
		bool any = false;
		for (size_t i = 0; i < pat->n_toks; i++) {
			const struct tok *t = &pat->toks[i];
			if (cur[2 * i + 1]) { /* inside (.*\/)? */
				next[2 * i + 1] |= c != '\n';
				next[2 * i + 2] |= c == '/';
			}
			if (!cur[2 * i])
				continue;
			switch (t->type) {
			case T_LIT:
				next[2 * i + 2] |=
				    t->len == w && !memcmp(pat->text + t->off, s + pos, w);
				break;
			case T_ANY1:
				next[2 * i + 2] |= c != '/';
				break;
			case T_CLASS:
				next[2 * i + 2] |= class_match(pat, t, c);
				break;
			case T_STAR:
				next[2 * i] |= c != '/';
				break;
			case T_ALL:
				next[2 * i] |= c != '\n';
				break;
			case T_DIRS:
				break;
			}
		}
		for (size_t i = 0; i < ns; i++)
			any |= next[i];
		if (!any)
			return false;
		bool *tmp = cur;
		cur = next;
		next = tmp;
		pos += w;
	}
}

/* Pattern.match. */
static bool pattern_match(const struct pattern *pat, const char *s, size_t n)
{
	size_t tl = strlen(pat->text);
	switch (pat->type) {
	case PAT_EXACT:
		return n == tl && !memcmp(s, pat->text, n);
	case PAT_PREFIX:
		return n >= tl - 2 && !memcmp(s, pat->text, tl - 2);
	case PAT_SUFFIX: {
		const char *suffix = pat->text + 2;
		size_t sl = tl - 2;
		if (n >= sl && !memcmp(s + n - sl, suffix, sl))
			return true;
		return sl > 0 && suffix[0] == '/' && n == sl - 1 && !memcmp(s, suffix + 1, n);
	}
	case PAT_GLOB:
		return glob_match(pat, s, n);
	}
	return false;
}

static void pattern_clear(struct pattern *pat)
{
	free(pat->text);
	free(pat->toks);
	free(pat->ranges);
}

void bld_ignore_free(struct bld_ignore *ign)
{
	if (!ign)
		return;
	for (size_t i = 0; i < ign->n; i++)
		pattern_clear(&ign->v[i]);
	free(ign->v);
	free(ign);
}

/* patternmatcher.New for one pattern; where names it in messages. */
static int add_pattern(struct bld_ignore *ign, const char *raw, const char *where,
		       struct berr **err)
{
	const char *s = raw;
	size_t n = strlen(raw);
	bld_trim_space(&s, &n);
	if (n == 0)
		return 0;
	if (n > BLD_IGNORE_PATTERN_MAX)
		return berr_plain(err, E2BIG, "%s: pattern longer than %d bytes", where,
				  BLD_IGNORE_PATTERN_MAX);
	if (ign->n >= BLD_IGNORE_PATTERNS_MAX)
		return berr_plain(err, E2BIG, "more than %d patterns", BLD_IGNORE_PATTERNS_MAX);
	autofree char *trimmed = xstrndup(s, n);
	autofree char *clean = go_clean(trimmed);
	bool exception = clean[0] == '!';
	if (exception && !clean[1])
		return berr_plain(err, EINVAL, "%s: illegal exclusion pattern: '!'", where);
	const char *text = clean + exception;
	if (!valid(text))
		return berr_plain(err, EINVAL, "%s: syntax error in pattern '%s'", where, text);
	struct pattern pat = {.text = xstrdup(text), .exception = exception};
	compile(&pat);
	ign->v = xrealloc(ign->v, (ign->n + 1) * sizeof(pat));
	ign->v[ign->n++] = pat;
	return 0;
}

/* fsutil's patternWithoutTrailingGlob. */
static size_t without_trailing_glob(const char *s)
{
	size_t n = strlen(s);
	if (n >= 3 && !memcmp(s + n - 3, "/**", 3))
		n -= 3;
	if (n >= 2 && !memcmp(s + n - 2, "/*", 2))
		n -= 2;
	return n;
}

static void finish(struct bld_ignore *ign)
{
	ign->only_prefix_exceptions = true;
	for (size_t i = 0; i < ign->n; i++) {
		if (!ign->v[i].exception)
			continue;
		ign->exceptions = true;
		size_t n = without_trailing_glob(ign->v[i].text);
		for (size_t j = 0; j < n; j++)
			if (strchr("*[]?^\\", ign->v[i].text[j]))
				ign->only_prefix_exceptions = false;
	}
}

int bld_ignore_compile(char *const *patterns, size_t n, struct bld_ignore **out, struct berr **err)
{
	struct bld_ignore *ign = xzalloc(sizeof(*ign));
	for (size_t i = 0; i < n; i++) {
		autofree char *where = xasprintf("pattern %zu", i + 1);
		int r = add_pattern(ign, patterns[i], where, err);
		if (r < 0) {
			bld_ignore_free(ign);
			return r;
		}
	}
	finish(ign);
	*out = ign;
	return 0;
}

/* ignorefile.ReadAll for one line: comments, blanks, '!' and cleaning (a leading '/' goes). */
static char *read_line(const char *s, size_t n)
{
	if (n && s[0] == '#')
		return NULL;
	bld_trim_space(&s, &n);
	if (n == 0)
		return NULL;
	bool invert = s[0] == '!';
	if (invert) {
		s++;
		n--;
		bld_trim_space(&s, &n);
	}
	autofree char *p = xstrndup(s, n);
	if (n) {
		char *c = go_clean(p);
		free(p);
		p = c;
		if (strlen(p) > 1 && p[0] == '/')
			memmove(p, p + 1, strlen(p));
	}
	return xasprintf("%s%s", invert ? "!" : "", p);
}

int bld_ignore_parse(const char *text, size_t len, struct bld_ignore **out, struct berr **err)
{
	if (len > BLD_IGNORE_FILE_MAX)
		return berr_plain(err, EFBIG, "larger than %u bytes", BLD_IGNORE_FILE_MAX);
	if (memchr(text, '\0', len))
		return berr_plain(err, EINVAL, "NUL byte in the file");
	struct bld_ignore *ign = xzalloc(sizeof(*ign));
	unsigned line = 0;
	for (size_t pos = 0; pos < len;) {
		const char *s = text + pos;
		const char *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		pos += n + (nl != NULL);
		if (n && s[n - 1] == '\r')
			n--; /* bufio.ScanLines drops a CR before the newline */
		if (++line == 1 && n >= 3 && !memcmp(s, "\xef\xbb\xbf", 3)) {
			s += 3;
			n -= 3;
		}
		autofree char *p = read_line(s, n);
		if (!p)
			continue;
		autofree char *where = xasprintf("line %u", line);
		int r = add_pattern(ign, p, where, err);
		if (r < 0) {
			bld_ignore_free(ign);
			return r;
		}
	}
	finish(ign);
	*out = ign;
	return 0;
}

/* MatchesUsingParentResults for one path: parent holds each pattern's result for the parent
 * directory (NULL at the top, where the path's own parents are tried instead, as
 * MatchesOrParentMatches does); out receives this path's. */
static bool match_step(const struct bld_ignore *ign, const char *path, size_t n, const bool *parent,
		       bool *out)
{
	bool matched = false;
	for (size_t i = 0; i < ign->n; i++) {
		const struct pattern *pat = &ign->v[i];
		bool m = parent && parent[i];
		if (!m) {
			out[i] = false;
			if (pat->exception != matched)
				continue;
			m = pattern_match(pat, path, n);
			for (size_t k = 0; !m && !parent && k < n; k++)
				if (path[k] == '/')
					m = pattern_match(pat, path, k);
		}
		out[i] = m;
		if (m)
			matched = !pat->exception;
	}
	return matched;
}

enum bld_ignore_verdict bld_ignore_match(const struct bld_ignore *ign, const char *relpath,
					 bool is_dir)
{
	autofree char *path = go_clean(relpath);
	const char *p = path;
	while (*p == '/')
		p++;
	size_t n = strlen(p);
	if (ign->n == 0 || !strcmp(p, ".") || n == 0)
		return BLD_IGNORE_KEEP;
	autofree bool *parent = xcalloc(ign->n, sizeof(bool));
	autofree bool *cur = xcalloc(ign->n, sizeof(bool));
	bool matched = false, top = true;
	/* The walker meets every directory above the path first, and keeps its results. */
	for (size_t k = 0; k <= n; k++) {
		if (k < n && p[k] != '/')
			continue;
		matched = match_step(ign, p, k, top ? NULL : parent, cur);
		top = false;
		bool *tmp = parent;
		parent = cur;
		cur = tmp;
	}
	if (!matched)
		return BLD_IGNORE_KEEP;
	if (!is_dir)
		return BLD_IGNORE_EXCLUDE;
	/* filter.go: walk into an excluded directory only when an exception may keep something
	 * below it; with wildcards in an exception, always. */
	if (!ign->exceptions)
		return BLD_IGNORE_PRUNE;
	if (!ign->only_prefix_exceptions)
		return BLD_IGNORE_EXCLUDE;
	for (size_t i = 0; i < ign->n; i++) {
		const struct pattern *pat = &ign->v[i];
		size_t pl = without_trailing_glob(pat->text);
		/* HasPrefix(pattern + "/", dir + "/") */
		if (pat->exception && pl >= n && !memcmp(pat->text, p, n) &&
		    (pl == n || pat->text[n] == '/'))
			return BLD_IGNORE_EXCLUDE;
	}
	return BLD_IGNORE_PRUNE;
}

const char *bld_ignore_pattern(const struct bld_ignore *ign, size_t i, bool *out_exception)
{
	if (i >= ign->n)
		return NULL;
	if (out_exception)
		*out_exception = ign->v[i].exception;
	return ign->v[i].text;
}
