/* Platforms as builds name them ("linux/amd64", FROM --platform, TARGETPLATFORM). */
#ifndef BERTH_BUILD_PLATFORM_H
#define BERTH_BUILD_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>

struct berr;

/* An OCI platform, normalized as containerd's platforms.Parse does ("x86_64" is amd64,
 * "aarch64" arm64, "armhf" arm/v7; lower case). variant is "" when there is none. */
#define BLD_PLATFORM_PART_MAX 64
struct bld_platform {
	char os[BLD_PLATFORM_PART_MAX];
	char arch[BLD_PLATFORM_PART_MAX];
	char variant[BLD_PLATFORM_PART_MAX];
};

/* "os/arch[/variant]", or one part: a known OS (the host's architecture) or a known
 * architecture (the host's OS). Components are [A-Za-z0-9_-]+. */
int bld_platform_parse(const char *spec, const struct bld_platform *host, struct bld_platform *out,
		       struct berr **err);
/* p in place as containerd normalizes it (lower case; x86_64 is amd64, aarch64 arm64, ...). */
void bld_platform_normalize(struct bld_platform *p);
/* "linux/arm/v7" into buf (3 * BLD_PLATFORM_PART_MAX bytes suffice). */
const char *bld_platform_format(const struct bld_platform *p, char *buf, size_t size);
/* a and b name the same platform (arm64 and arm64/v8, arm and arm/v7 are one). */
bool bld_platform_same(const struct bld_platform *a, const struct bld_platform *b);

#endif
