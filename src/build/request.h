/* What a front end asks of a build, checked before anything runs, the same way for `berth
 * build`'s flags and the API's POST /build query: the names to give the result (-t, ?t=), the
 * platform (this host's only), RUN's network mode. Each refusal is EINVAL with the message
 * both front ends show. */
#ifndef BERTH_BUILD_REQUEST_H
#define BERTH_BUILD_REQUEST_H

#include <stddef.h>

struct berr;

/* n tags as names the store takes ("x" is docker.io/library/x:latest), NULL-terminated
 * (strv_free); a digest or a malformed name refused. */
char **bld_tag_names(char *const *tags, size_t n, struct berr **err);
/* --platform, ?platform= (NULL or "": unset): linux/amd64, linux or amd64. */
int bld_platform_check(const char *platform, struct berr **err);
/* --network, ?networkmode= (NULL: unset): default, bridge, none or host; *out_network the
 * network RUN's containers join ("bridge" for default). */
int bld_network_mode(const char *mode, const char **out_network, struct berr **err);

#endif
