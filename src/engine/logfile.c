/* The json-file log (see logfile.h). */
#include "engine/logfile.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/err.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define LINE_MAX_BYTES (16 << 10)

int eng_log_open(struct eng_log *l, const char *path, struct berr **err)
{
	memset(l, 0, sizeof(*l));
	l->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (l->fd < 0)
		return berr_set(err, errno, "open log '%s'", path);
	return 0;
}

/* Length of a valid UTF-8 sequence at s (1..4), or 0 if it is not one. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	if (s[0] < 0x80)
		return 1;
	size_t k = (s[0] & 0xe0) == 0xc0   ? 2
		   : (s[0] & 0xf0) == 0xe0 ? 3
		   : (s[0] & 0xf8) == 0xf0 ? 4
					   : 0;
	if (!k || k > n || (k == 2 && s[0] < 0xc2))
		return 0;
	for (size_t i = 1; i < k; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return k;
}

static char *valid_utf8(const char *s, size_t n, size_t *out_len)
{
	char *out = xmalloc(n * 3 + 1);
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		size_t k = utf8_len((const unsigned char *)s + i, n - i);
		if (k) {
			memcpy(out + o, s + i, k);
			o += k;
			i += k;
		} else {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	out[o] = '\0';
	*out_len = o;
	return out;
}

static void emit(struct eng_log *l, int stream, const char *text, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char when[48];
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t w = strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + w, sizeof(when) - w, ".%09ldZ", ts.tv_nsec);
	size_t vlen = 0;
	char *v = valid_utf8(text, len, &vlen);
	json_t *j = json_pack("{s:s%, s:s, s:s}", "log", v, vlen, "stream",
			      stream == 2 ? "stderr" : "stdout", "time", when);
	free(v);
	char *line = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (line) {
		size_t n = strlen(line);
		line[n] = '\n'; /* json_dumps' NUL becomes the newline: one write, one line */
		(void)fs_write_all(l->fd, line, n + 1);
	}
	free(line);
}

void eng_log_write(struct eng_log *l, int stream, const char *data, size_t len)
{
	if (l->fd < 0 || (stream != 1 && stream != 2))
		return;
	while (len) {
		const char *nl = memchr(data, '\n', len);
		size_t take = nl ? (size_t)(nl - data) + 1 : len;
		size_t have = l->pending_len[stream];
		l->pending[stream] = xrealloc(l->pending[stream], have + take + 1);
		memcpy(l->pending[stream] + have, data, take);
		l->pending_len[stream] = have + take;
		if (nl || l->pending_len[stream] >= LINE_MAX_BYTES) {
			emit(l, stream, l->pending[stream], l->pending_len[stream]);
			l->pending_len[stream] = 0;
		}
		data += take;
		len -= take;
	}
}

void eng_log_close(struct eng_log *l)
{
	for (int s = 1; s <= 2; s++) {
		if (l->pending_len[s])
			emit(l, s, l->pending[s], l->pending_len[s]);
		free(l->pending[s]);
		l->pending[s] = NULL;
	}
	if (l->fd >= 0)
		(void)close(l->fd);
	l->fd = -1;
}

static int64_t parse_ns(const char *t)
{
	struct tm tm = {0};
	const char *p = t ? strptime(t, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	if (!p)
		return 0;
	int64_t ns = (int64_t)timegm(&tm) * 1000000000LL;
	if (*p == '.') {
		int64_t frac = 0, digits = 0;
		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 9)
				frac = frac * 10 + (*p - '0');
		for (; digits < 9; digits++)
			frac *= 10;
		ns += frac;
	}
	return ns;
}

int eng_log_read(int fd, int64_t *offset, void (*fn)(const struct eng_log_entry *e, void *ctx),
		 void *ctx)
{
	int count = 0;
	char buf[1 << 16];
	char *carry = NULL;
	size_t carry_len = 0;
	for (;;) {
		ssize_t n = pread(fd, buf, sizeof(buf), *offset + (off_t)carry_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		carry = xrealloc(carry, carry_len + (size_t)n + 1);
		memcpy(carry + carry_len, buf, (size_t)n);
		carry_len += (size_t)n;
		char *start = carry, *nl;
		while ((nl = memchr(start, '\n', carry_len - (size_t)(start - carry)))) {
			*nl = '\0';
			json_t *j = json_loads(start, 0, NULL);
			if (j) {
				struct eng_log_entry e = {
				    .stream =
					!strcmp(json_string_value(json_object_get(j, "stream"))
						    ?: "",
						"stderr")
					    ? 2
					    : 1,
				    .text = (char *)json_string_value(json_object_get(j, "log")),
				    .time = (char *)json_string_value(json_object_get(j, "time"))};
				e.time_ns = parse_ns(e.time);
				if (e.text)
					fn(&e, ctx);
				count++;
				json_decref(j);
			}
			start = nl + 1;
		}
		size_t used = (size_t)(start - carry);
		*offset += (int64_t)used;
		memmove(carry, start, carry_len - used);
		carry_len -= used;
	}
	free(carry);
	return count;
}
