/* Platforms (see platform.h): containerd's platforms.Parse, reduced to what Linux builds name. */
#include "build/platform.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "build/text.h"
#include "util/err.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* containerd's knownOS and knownArch (platforms/database.go). */
static const char *const known_os[] = {
    "aix",   "android", "darwin", "dragonfly", "freebsd", "hurd",    "illumos", "ios", "js",
    "linux", "nacl",    "netbsd", "openbsd",   "plan9",   "solaris", "windows", "zos"};
static const char *const known_arch[] = {
    "386",     "amd64",   "amd64p32", "arm",    "armbe",  "arm64",    "arm64be",   "ppc64",
    "ppc64le", "loong64", "mips",     "mipsle", "mips64", "mips64le", "mips64p32", "mips64p32le",
    "ppc",     "riscv",   "riscv64",  "s390",   "s390x",  "sparc",    "sparc64",   "wasm"};

static void set_part(char *dst, const char *src)
{
	bld_text_lower(dst, BLD_PLATFORM_PART_MAX, src);
}

/* normalizeOS and normalizeArch, on p in place. */
void bld_platform_normalize(struct bld_platform *p)
{
	set_part(p->os, p->os);
	set_part(p->arch, p->arch);
	set_part(p->variant, p->variant);
	char *a = p->arch, *v = p->variant;
	if (!strcmp(p->os, "macos"))
		set_part(p->os, "darwin");
	if (!strcmp(a, "i386")) {
		set_part(a, "386");
		*v = '\0';
	} else if (!strcmp(a, "x86_64") || !strcmp(a, "x86-64") || !strcmp(a, "amd64")) {
		set_part(a, "amd64");
		if (!strcmp(v, "v1"))
			*v = '\0';
	} else if (!strcmp(a, "aarch64") || !strcmp(a, "arm64")) {
		set_part(a, "arm64");
		if (!strcmp(v, "8") || !strcmp(v, "v8"))
			*v = '\0';
		else if (!strcmp(v, "9"))
			set_part(v, "v9");
	} else if (!strcmp(a, "armhf")) {
		set_part(a, "arm");
		set_part(v, "v7");
	} else if (!strcmp(a, "armel")) {
		set_part(a, "arm");
		set_part(v, "v6");
	} else if (!strcmp(a, "arm")) {
		if (!*v || !strcmp(v, "7"))
			set_part(v, "v7");
		else if (!strcmp(v, "5") || !strcmp(v, "6") || !strcmp(v, "8"))
			snprintf(v, BLD_PLATFORM_PART_MAX, "v%c", v[0]);
	}
}

/* Components are ^[A-Za-z0-9_-]+$ (specifierRe). */
static bool good_part(const char *s, size_t n)
{
	if (n == 0 || n >= BLD_PLATFORM_PART_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') &&
		    !(s[i] >= '0' && s[i] <= '9') && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

int bld_platform_parse(const char *spec, const struct bld_platform *host, struct bld_platform *out,
		       struct berr **err)
{
	char parts[3][BLD_PLATFORM_PART_MAX] = {{0}};
	size_t n = 0;
	for (const char *s = spec;; n++) {
		const char *slash = strchr(s, '/');
		size_t len = slash ? (size_t)(slash - s) : strlen(s);
		if (!good_part(s, len))
			return berr_plain(err, EINVAL,
					  "'%.*s' is an invalid component of '%s': platform "
					  "specifier component must match '^[A-Za-z0-9_-]+$'",
					  (int)len, s, spec);
		if (n == 3)
			return berr_plain(err, EINVAL, "'%s': cannot parse platform specifier",
					  spec);
		memcpy(parts[n], s, len);
		if (!slash)
			break;
		s = slash + 1;
	}
	struct bld_platform p = {{0}};
	if (n == 0) {
		set_part(p.os, parts[0]);
		bld_platform_normalize(&p);
		if (bld_text_in_list(p.os, known_os, N_OF(known_os))) {
			set_part(p.arch, host->arch);
			set_part(p.variant, host->variant);
			bld_platform_normalize(&p);
		} else {
			p = (struct bld_platform){{0}};
			set_part(p.arch, parts[0]);
			bld_platform_normalize(&p);
			if (!bld_text_in_list(p.arch, known_arch, N_OF(known_arch)))
				return berr_plain(err, EINVAL,
						  "'%s': unknown operating system or architecture",
						  spec);
			set_part(p.os, host->os);
		}
	} else {
		set_part(p.os, parts[0]);
		set_part(p.arch, parts[1]);
		set_part(p.variant, parts[2]);
		bld_platform_normalize(&p);
	}
	/* Parse drops arm's default variant for "arm" alone or "os/arm", keeps it when written
	 * as os/arm/v7, and writes arm64's back when a variant was given. */
	if (n < 2 && !strcmp(p.arch, "arm") && !strcmp(p.variant, "v7"))
		p.variant[0] = '\0';
	if (n == 2 && !strcmp(p.arch, "arm64") && !p.variant[0])
		set_part(p.variant, "v8");
	*out = p;
	return 0;
}

const char *bld_platform_format(const struct bld_platform *p, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s%s%s", p->os, p->arch, p->variant[0] ? "/" : "", p->variant);
	return buf;
}

/* The variant an architecture has when none is written. */
static const char *default_variant(const struct bld_platform *p)
{
	if (p->variant[0])
		return p->variant;
	return !strcmp(p->arch, "arm") ? "v7" : !strcmp(p->arch, "arm64") ? "v8" : "";
}

bool bld_platform_same(const struct bld_platform *a, const struct bld_platform *b)
{
	return !strcmp(a->os, b->os) && !strcmp(a->arch, b->arch) &&
	       !strcmp(default_variant(a), default_variant(b));
}
