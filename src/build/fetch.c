/* ADD <http(s) URL>: the source's kind, the file's name, --checksum, and the download on
 * libcurl (see fetch.h). Not the registry client's image/http.c: that one is for one
 * registry (its credentials from the auth file, its certs.d, token challenges, retries and
 * resumed blobs), none of which a URL in a Containerfile gets from BuildKit either. */
#include "build/fetch.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/version.h"
#include "util/xalloc.h"

/* ---- the source's kind ---- */

static bool prefix_nocase(const char *s, const char *p)
{
	return !strncasecmp(s, p, strlen(p));
}

/* sshutil's gitSSHRegex: user@host:path ("git@github.com:org/repo.git"). */
static bool scp_style(const char *s)
{
	size_t user = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_");
	if (!user || s[user] != '@')
		return false;
	const char *h = s + user + 1;
	size_t host = strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.");
	return host && h[host] == ':';
}

/* The URL's path: after "scheme://authority", before '?' and '#' (not unescaped). */
static void url_path(const char *url, const char **out, size_t *out_len)
{
	const char *p = strstr(url, "://");
	p = p ? p + 3 : url;
	p += strcspn(p, "/?#");
	*out = p;
	*out_len = strcspn(p, "?#");
}

enum bld_source_kind bld_fetch_kind(const char *src)
{
	if (prefix_nocase(src, "git://") || prefix_nocase(src, "ssh://") || scp_style(src))
		return BLD_SOURCE_GIT;
	/* dfgitutil.ParseGitRef: an http(s) URL is a repository when its path ends in ".git" */
	bool http = !strncmp(src, "http://", 7) || !strncmp(src, "https://", 8);
	if (http || prefix_nocase(src, "http://") || prefix_nocase(src, "https://")) {
		const char *p;
		size_t n;
		url_path(src, &p, &n);
		if (n >= 4 && !strncmp(p + n - 4, ".git", 4))
			return BLD_SOURCE_GIT;
	}
	if (http)
		return BLD_SOURCE_HTTP;
	return strstr(src, "://") ? BLD_SOURCE_URL : BLD_SOURCE_LOCAL;
}

/* ---- the file's name ---- */

static int hex_value(char c)
{
	return isdigit((unsigned char)c)    ? c - '0'
	       : isxdigit((unsigned char)c) ? tolower((unsigned char)c) - 'a' + 10
					    : -1;
}

/* Go's url.Parse unescaping of the path; NULL where it fails (a bad %-escape, a control
 * character). A %00 becomes 0x01: either is a control character, which SafeFileName refuses,
 * and a C string cannot hold the NUL. */
static char *path_unescape(const char *p, size_t n)
{
	char *out = xmalloc(n + 1), *o = out;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c < 0x20 || c == 0x7f) {
			free(out);
			return NULL;
		}
		if (c != '%') {
			*o++ = (char)c;
			continue;
		}
		int hi = i + 2 < n ? hex_value(p[i + 1]) : -1;
		int lo = i + 2 < n ? hex_value(p[i + 2]) : -1;
		if (hi < 0 || lo < 0) {
			free(out);
			return NULL;
		}
		*o++ = (char)(hi << 4 | lo) ?: 0x01;
		i += 2;
	}
	*o = '\0';
	return out;
}

/* The rune of the UTF-8 sequence at s (n bytes left) and its length; U+FFFD and 1 for a
 * byte that does not start a valid sequence, as Go decodes. */
static unsigned rune_at(const unsigned char *s, size_t n, size_t *out_len)
{
	*out_len = 1;
	if (s[0] < 0x80)
		return s[0];
	size_t k = s[0] >= 0xf0 && s[0] < 0xf5 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
	if (!k || k > n || (k == 3 && s[0] >= 0xf0))
		return 0xfffd;
	unsigned r = s[0] & (0x7f >> k);
	for (size_t i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0xfffd;
		r = r << 6 | (s[i] & 0x3f);
	}
	if ((k == 3 && r < 0x800) || (k == 4 && (r < 0x10000 || r > 0x10ffff)) ||
	    (r >= 0xd800 && r <= 0xdfff))
		return 0xfffd;
	*out_len = k;
	return r;
}

/* unicode.IsSpace */
static bool space_rune(unsigned r)
{
	return (r >= 9 && r <= 13) || r == ' ' || r == 0x85 || r == 0xa0 || r == 0x1680 ||
	       (r >= 0x2000 && r <= 0x200a) || r == 0x2028 || r == 0x2029 || r == 0x202f ||
	       r == 0x205f || r == 0x3000;
}

/* strings.TrimSpace, in place. */
static void trim_space(char *s)
{
	size_t n = strlen(s), start = 0, k;
	while (start < n && space_rune(rune_at((unsigned char *)s + start, n - start, &k)))
		start += k;
	while (n > start) {
		/* the last rune: the sequence that ends exactly at n (else a bad byte, U+FFFD) */
		size_t at = n - 1;
		while (at > start && n - at < 4 && ((unsigned char)s[at] & 0xc0) == 0x80)
			at--;
		unsigned r = rune_at((unsigned char *)s + at, n - at, &k);
		if (k != n - at || !space_rune(r))
			break;
		n = at;
	}
	memmove(s, s + start, n - start);
	s[n - start] = '\0';
}

/* pathutil.SafeFileName, on a name that holds no '/'. */
static char *safe_file_name(char *name)
{
	trim_space(name);
	bool bad = !*name || !strcmp(name, ".") || !strcmp(name, "..");
	size_t n = strlen(name), k;
	for (size_t i = 0; !bad && i < n; i += k) {
		unsigned r = rune_at((unsigned char *)name + i, n - i, &k);
		bad = r < 0x20 || (r >= 0x7f && r <= 0x9f); /* unicode.IsControl */
	}
	if (!bad)
		return name;
	free(name);
	return xstrdup("download");
}

char *bld_fetch_name(const char *url)
{
	const char *p;
	size_t n;
	url_path(url, &p, &n);
	autofree char *path = path_unescape(p, n);
	if (!path)
		return xstrdup("__unnamed__");
	/* path.Base: trailing slashes dropped, then the last element; "." and "/" are no name */
	size_t len = strlen(path);
	while (len && path[len - 1] == '/')
		len--;
	path[len] = '\0';
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	if (!*base || !strcmp(base, "."))
		return xstrdup("__unnamed__");
	return safe_file_name(xstrdup(base));
}

/* ---- --checksum ---- */

int bld_fetch_checksum_parse(const char *value, char out[BLD_FETCH_DIGEST_LEN + 1],
			     struct berr **err)
{
	/* go-digest's Parse, then the HTTP source's SHA-256 (see fetch.h) */
	const char *colon = strchr(value, ':');
	if (!colon || colon == value || !colon[1])
		return berr_plain(err, EINVAL, "invalid checksum digest format: '%s'", value);
	size_t alen = (size_t)(colon - value);
	if ((alen == 6 && !strncmp(value, "sha384", 6)) ||
	    (alen == 6 && !strncmp(value, "sha512", 6)))
		return berr_plain(err, ENOTSUP,
				  "checksum '%s': only sha256 is supported for HTTP sources "
				  "(BuildKit digests the download with SHA-256)",
				  value);
	if (alen != 6 || strncmp(value, "sha256", 6))
		return berr_plain(err, ENOTSUP, "unsupported digest algorithm: '%.*s'", (int)alen,
				  value);
	if (strlen(colon + 1) != SHA256_HEX_LEN)
		return berr_plain(err, EINVAL, "invalid checksum digest length: '%s'", value);
	for (const char *c = colon + 1; *c; c++)
		if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
			return berr_plain(err, EINVAL, "invalid checksum digest format: '%s'",
					  value);
	snprintf(out, BLD_FETCH_DIGEST_LEN + 1, "%s", value);
	return 0;
}

/* ---- the download ---- */

char *bld_fetch_redact(const char *url)
{
	const char *auth = strstr(url, "://");
	if (!auth)
		return xstrdup(url);
	auth += 3;
	size_t alen = strcspn(auth, "/?#");
	const char *at = memrchr(auth, '@', alen);
	const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	if (!colon)
		return xstrdup(url);
	return xasprintf("%.*sxxxxx%s", (int)(colon + 1 - url), url, at);
}

struct sink {
	volatile int *interrupted;
	int fd;
	struct sha256 h;
	uint64_t n, max;
	bool too_big;
	int werr; /* a failed write's errno */
};

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
	struct sink *s = ctx;
	size_t len = size * n;
	if (len > s->max - s->n) {
		s->too_big = true;
		return 0;
	}
	int r = fs_write_all(s->fd, data, len);
	if (r < 0) {
		s->werr = -r;
		return 0;
	}
	sha256_update(&s->h, data, len);
	s->n += len;
	return len;
}

/* libcurl calls it at least once a second, data or not */
static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	const struct sink *s = ctx;
	return s->interrupted && *s->interrupted;
}

/* GET url into s; *out_mtime gets Last-Modified (-1: none). */
static int get(const char *url, const char *shown, struct sink *s, time_t *out_mtime,
	       struct berr **err)
{
	/* curl_easy_init runs curl_global_init the first time when nobody has (libcurl >= 7.84
	 * does so thread-safely; the build is single-threaded anyway) */
	CURL *c = curl_easy_init();
	if (!c)
		return berr_plain(err, ENOMEM, "download '%s': libcurl could not start", shown);
	char errbuf[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "berth/" BERTH_VERSION);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, BLD_FETCH_REDIRECTS_MAX);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "gzip");
	curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(c, CURLOPT_FILETIME, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, BLD_FETCH_CONNECT_S);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, BLD_FETCH_STALL_S);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)s->max);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, s);
	CURLcode rc = curl_easy_perform(c);
	long status = 0;
	curl_off_t mtime = -1;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(c, CURLINFO_FILETIME_T, &mtime);
	curl_easy_cleanup(c);
	*out_mtime = (time_t)mtime;
	if (rc == CURLE_OK)
		return 0;
	if (s->too_big || rc == CURLE_FILESIZE_EXCEEDED)
		return berr_plain(err, EFBIG, "download '%s': larger than %llu bytes", shown,
				  (unsigned long long)s->max);
	if (rc == CURLE_ABORTED_BY_CALLBACK)
		return berr_plain(err, EINTR, "the build was interrupted");
	if (s->werr)
		return berr_set(err, s->werr, "download '%s': write", shown);
	if (rc == CURLE_HTTP_RETURNED_ERROR)
		return berr_plain(err, status == 404 ? ENOENT : EIO,
				  "download '%s': invalid response status %ld", shown, status);
	if (rc == CURLE_OPERATION_TIMEDOUT)
		return berr_plain(err, ETIMEDOUT, "download '%s': %s", shown,
				  *errbuf ? errbuf : curl_easy_strerror(rc));
	return berr_plain(err, EIO, "download '%s': %s", shown,
			  *errbuf ? errbuf : curl_easy_strerror(rc));
}

int bld_fetch(int dirfd, const struct bld_fetch_opts *o, struct bld_fetched *out, struct berr **err)
{
	autofree char *name = bld_fetch_name(o->url);
	autofree char *shown = bld_fetch_redact(o->url);
	/* a directory of the caller's own: O_EXCL and O_NOFOLLOW all the same, nothing there
	 * is ever opened for us */
	autoclose int fd =
	    openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return berr_set(err, errno, "download '%s': create '%s'", shown, name);
	struct sink s = {.interrupted = o->interrupted,
			 .fd = fd,
			 .max = o->max_bytes ? o->max_bytes : BLD_FETCH_BYTES_MAX};
	sha256_init(&s.h);
	time_t mtime = -1;
	int r = get(o->url, shown, &s, &mtime, err);
	uint8_t d[SHA256_LEN];
	sha256_final(&s.h, d);
	char digest[BLD_FETCH_DIGEST_LEN + 1] = "sha256:";
	digest_to_hex(d, SHA256_LEN, digest + 7);
	if (r == 0 && o->checksum && strcmp(digest, o->checksum))
		r = berr_plain(err, EIO, "digest mismatch for %s: %s (expected: %s)", shown, digest,
			       o->checksum);
	/* the umask may have taken bits of 0600 */
	if (r == 0 && fchmod(fd, 0600) < 0)
		r = berr_set(err, errno, "download '%s': chmod '%s'", shown, name);
	struct timespec t = {.tv_sec = mtime < 0 ? 0 : mtime};
	struct timespec times[2] = {t, t};
	if (r == 0 && futimens(fd, times) < 0)
		r = berr_set(err, errno, "download '%s': set the times of '%s'", shown, name);
	if (r < 0) {
		(void)unlinkat(dirfd, name, 0);
		return r;
	}
	*out = (struct bld_fetched){.name = take_ptr(&name), .mtime = t};
	memcpy(out->digest, digest, sizeof(digest));
	return 0;
}

void bld_fetched_clear(struct bld_fetched *f)
{
	free(f->name);
	*f = (struct bld_fetched){0};
}
