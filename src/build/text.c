/* Text helpers for the build front end (see text.h). */
#include "build/text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

size_t bld_rune_len(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	unsigned char c = (unsigned char)s[0];
	size_t want = c < 0x80         ? 1
		      : (c >> 5) == 6  ? 2
		      : (c >> 4) == 14 ? 3
		      : (c >> 3) == 30 ? 4
				       : 1;
	if (want > n)
		return 1;
	for (size_t i = 1; i < want; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			return 1;
	return want;
}

size_t bld_rune_at(const char *s, size_t n, uint32_t *out)
{
	size_t w = bld_rune_len(s, n);
	const unsigned char *u = (const unsigned char *)s;
	if (w <= 1) {
		*out = n == 0 ? 0 : u[0] < 0x80 ? u[0] : 0xfffd;
		return w;
	}
	uint32_t r = u[0] & (0x7f >> w);
	for (size_t i = 1; i < w; i++)
		r = (r << 6) | (u[i] & 0x3f);
	*out = r;
	return w;
}

/* The code point of a valid multi-byte rune of length len. */
static uint32_t rune_value(const unsigned char *s, size_t len)
{
	uint32_t r = s[0] & (0x7f >> len);
	for (size_t i = 1; i < len; i++)
		r = (r << 6) | (s[i] & 0x3f);
	return r;
}

size_t bld_space_len(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	unsigned char c = (unsigned char)s[0];
	if (c < 0x80)
		return (c == ' ' || (c >= '\t' && c <= '\r')) ? 1 : 0;
	size_t len = bld_rune_len(s, n);
	if (len == 1)
		return 0;
	/* unicode.IsSpace beyond ASCII: NEL, NBSP, and the White_Space property. */
	uint32_t r = rune_value((const unsigned char *)s, len);
	bool space = r == 0x85 || r == 0xa0 || r == 0x1680 || (r >= 0x2000 && r <= 0x200a) ||
		     r == 0x2028 || r == 0x2029 || r == 0x202f || r == 0x205f || r == 0x3000;
	return space ? len : 0;
}

void bld_trim_space(const char **s, size_t *n)
{
	size_t w;
	while (*n && (w = bld_space_len(*s, *n)) > 0) {
		*s += w;
		*n -= w;
	}
	while (*n) {
		/* Find the start of the last rune: at most three continuation bytes back. */
		size_t start = *n - 1;
		while (start > 0 && *n - start < 4 && ((unsigned char)(*s)[start] & 0xc0) == 0x80)
			start--;
		w = bld_space_len(*s + start, *n - start);
		if (w == 0 || start + w != *n)
			break;
		*n = start;
	}
}

void bld_strv_push(char ***v, size_t *n, char *s)
{
	*v = xrealloc(*v, (*n + 2) * sizeof(char *));
	(*v)[(*n)++] = s;
	(*v)[*n] = NULL;
}

/* src lower-cased into dst of size bytes (src may be dst), cut to fit. */
void bld_text_lower(char *dst, size_t size, const char *src)
{
	size_t i = 0;
	for (; src[i] && i + 1 < size; i++)
		dst[i] = (char)(src[i] >= 'A' && src[i] <= 'Z' ? src[i] - 'A' + 'a' : src[i]);
	dst[i] = '\0';
}

bool bld_text_in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, list[i]))
			return true;
	return false;
}
