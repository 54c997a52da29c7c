/* ADD <http(s) URL>: the download, as BuildKit's HTTP source (source/http/source.go) makes it
 * for the Dockerfile frontend (dockerfile2llb/convert_copy.go), before the copy plan (copy.h)
 * takes the file from a directory of ours as it takes a context's.
 *
 * What BuildKit does, and so this room:
 *   - a source is an HTTP source when it starts with "http://" or "https://" and is not a git
 *     repository (a URL whose path ends in ".git"); git@, git:// and ssh:// are git too;
 *   - GET, redirects followed (http and https only, at most 10), "Accept-Encoding: gzip" and
 *     a gzip body decoded (Go's transport asks and decodes); a final status below 200 or from
 *     400 on fails the step ("invalid response status 404"); no retries;
 *   - the file's name is the last element of the URL's path, unescaped (the query and the
 *     fragment are not part of it; no Content-Disposition: the frontend names the file, and
 *     the source takes that name over the header's), "__unnamed__" when the path has none,
 *     then pathutil.SafeFileName: spaces trimmed, "download" for "", ".", ".." or a name
 *     with a control character;
 *   - the file is 0600, owned by 0:0, its mtime (and atime) the Last-Modified header's time,
 *     or the epoch when there is none;
 *   - --checksum=sha256:<hex> (go-digest's format: lower-case hex of the length) is compared
 *     with the SHA-256 of what came; a mismatch is "digest mismatch for <url>: <got>
 *     (expected: <want>)". go-digest parses sha384 and sha512 too, but the source only ever
 *     digests with SHA-256, so such a pin can never match (the Dockerfile reference: "SHA-256
 *     is the only supported hash algorithm"): here it is refused before anything is fetched.
 * Credentials in a URL are redacted in messages (Go's URL.Redacted: the password as "xxxxx").
 *
 * Bounds (anything a remote server sends is untrusted): BLD_FETCH_BYTES_MAX bytes of body
 * after decoding, a connection made within BLD_FETCH_CONNECT_S, a transfer that receives
 * nothing for BLD_FETCH_STALL_S fails. The file is created with O_CREAT | O_EXCL |
 * O_NOFOLLOW in a directory the caller made for it (never in a container's root). */
#ifndef BERTH_BUILD_FETCH_H
#define BERTH_BUILD_FETCH_H

#include <stdint.h>
#include <time.h>

struct berr;

#define BLD_FETCH_BYTES_MAX     (8ull << 30) /* one download, decoded */
#define BLD_FETCH_CONNECT_S     30L
#define BLD_FETCH_STALL_S       60L
#define BLD_FETCH_REDIRECTS_MAX 10L
#define BLD_FETCH_DIGEST_LEN    71 /* "sha256:" + 64 hex */

enum bld_source_kind {
	BLD_SOURCE_LOCAL, /* a path in the source root */
	BLD_SOURCE_HTTP,  /* http:// or https://, not a git repository */
	BLD_SOURCE_GIT,   /* a git repository: https://host/repo.git, git@host:repo, git:// */
	BLD_SOURCE_URL,   /* some other scheme://, which berth refuses rather than take as a path */
};

/* What kind of COPY/ADD source src (variables expanded) is. */
enum bld_source_kind bld_fetch_kind(const char *src);

/* The name the file downloaded from url gets (never "", ".", ".." and never holding '/');
 * caller frees. */
char *bld_fetch_name(const char *url);

/* --checksum's value checked: out gets it ("sha256:<64 hex>"). */
int bld_fetch_checksum_parse(const char *value, char out[BLD_FETCH_DIGEST_LEN + 1],
			     struct berr **err);

/* url with a password in it replaced by "xxxxx", for messages; caller frees. */
char *bld_fetch_redact(const char *url);

struct bld_fetch_opts {
	const char *url;
	const char *checksum;      /* "sha256:<hex>" from bld_fetch_checksum_parse, or NULL */
	uint64_t max_bytes;        /* 0: BLD_FETCH_BYTES_MAX */
	volatile int *interrupted; /* set by a signal handler: the download stops (EINTR) */
};

struct bld_fetched {
	char *name;                            /* the file's name in the directory */
	char digest[BLD_FETCH_DIGEST_LEN + 1]; /* SHA-256 of its content */
	struct timespec mtime;                 /* Last-Modified, or the epoch */
};

/* Download o->url into dirfd as bld_fetch_name(url). On failure nothing is left in dirfd. */
int bld_fetch(int dirfd, const struct bld_fetch_opts *o, struct bld_fetched *out,
	      struct berr **err);
void bld_fetched_clear(struct bld_fetched *f);

#endif
