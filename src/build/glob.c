/* Go's filepath.Match for one path component (see glob.h). */
#include "build/glob.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "build/text.h"
#include "util/err.h"

bool bld_glob_class_char(const char *c, size_t cn, size_t *ci, uint32_t *out)
{
	if (*ci >= cn || c[*ci] == '-' || c[*ci] == ']')
		return false;
	if (c[*ci] == '\\' && ++*ci >= cn)
		return false;
	size_t w = bld_rune_at(c + *ci, cn - *ci, out);
	if (*out == 0xfffd && w == 1)
		return false;
	*ci += w;
	return *ci < cn;
}

/* matchChunk: whether chunk c matches a prefix of s (*used bytes of it). -EINVAL: malformed. */
static int match_chunk(const char *c, size_t cn, const char *s, size_t sn, size_t *used)
{
	bool failed = false;
	size_t si = 0;
	for (size_t ci = 0; ci < cn;) {
		failed |= si == sn;
		uint32_t r = 0, lo, hi;
		switch (c[ci]) {
		case '[': {
			if (!failed)
				si += bld_rune_at(s + si, sn - si, &r);
			bool neg = ++ci < cn && c[ci] == '^', in = false;
			ci += neg;
			for (int nrange = 0;; nrange++) {
				if (ci < cn && c[ci] == ']' && nrange > 0) {
					ci++;
					break;
				}
				if (!bld_glob_class_char(c, cn, &ci, &lo))
					return -EINVAL;
				hi = lo;
				if (c[ci] == '-' && (++ci, !bld_glob_class_char(c, cn, &ci, &hi)))
					return -EINVAL;
				in |= lo <= r && r <= hi;
			}
			failed |= in == neg;
			break;
		}
		case '?':
			if (!failed) {
				failed = s[si] == '/';
				si += bld_rune_at(s + si, sn - si, &r);
			}
			ci++;
			break;
		case '\\':
			if (++ci >= cn)
				return -EINVAL;
			/* fallthrough */
		default:
			if (!failed) {
				failed = c[ci] != s[si];
				si++;
			}
			ci++;
		}
	}
	*used = si;
	return !failed;
}

/* scanChunk: the stars, then the chunk up to the next star outside brackets. */
static const char *scan_chunk(const char *p, bool *star, size_t *len)
{
	*star = false;
	while (*p == '*') {
		p++;
		*star = true;
	}
	bool inrange = false;
	size_t i = 0;
	for (; p[i]; i++) {
		if (p[i] == '\\' && p[i + 1])
			i++;
		else if (p[i] == '[')
			inrange = true;
		else if (p[i] == ']')
			inrange = false;
		else if (p[i] == '*' && !inrange)
			break;
	}
	*len = i;
	return p;
}

static int glob(const char *p, const char *s)
{
	size_t sn = strlen(s);
	while (*p) {
		bool star;
		size_t cn, used;
		const char *c = scan_chunk(p, &star, &cn);
		p = c + cn;
		if (star && cn == 0)
			return memchr(s, '/', sn) == NULL;
		int r = match_chunk(c, cn, s, sn, &used);
		if (r > 0 && (used == sn || *p)) {
			s += used;
			sn -= used;
			continue;
		}
		if (r < 0)
			return r;
		bool next = false;
		for (size_t i = 0; star && !next && i < sn && s[i] != '/'; i++) {
			r = match_chunk(c, cn, s + i + 1, sn - i - 1, &used);
			if (r < 0)
				return r;
			if (r > 0 && !(*p == '\0' && used < sn - i - 1)) {
				s += i + 1 + used;
				sn -= i + 1 + used;
				next = true;
			}
		}
		if (next)
			continue;
		while (*p) { /* the rest must still be well formed */
			c = scan_chunk(p, &star, &cn);
			p = c + cn;
			if (match_chunk(c, cn, "", 0, &used) < 0)
				return -EINVAL;
		}
		return 0;
	}
	return sn == 0;
}

int bld_glob_match(const char *pattern, const char *name, bool *out_match, struct berr **err)
{
	int r = glob(pattern, name);
	if (r < 0)
		return berr_plain(err, EINVAL, "syntax error in pattern '%s'", pattern);
	*out_match = r > 0;
	return 0;
}

bool bld_has_wildcards(const char *s)
{
	for (; *s; s++) {
		if (*s == '*' || *s == '?' || *s == '[')
			return true;
		if (*s == '\\' && s[1])
			s++;
	}
	return false;
}
