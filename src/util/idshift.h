/* Owners crossing into or out of a container's idmapped view. A container with a user
 * namespace of its own sees its files through idmapped mounts (docs/DESIGN.md "User
 * namespaces"): there, a file the container's root owns shows as the host id its map gives,
 * and a file can only be made by an fsuid the map holds. A copy between such a view and the
 * host translates each owner it writes, and makes its entries as the container's root. */
#ifndef BERTH_UTIL_IDSHIFT_H
#define BERTH_UTIL_IDSHIFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct berr;

struct idshift_range {
	uint32_t inside, outside, count; /* the container's id, the host's, how many */
};

struct idshift {
	const struct idshift_range *uid, *gid;
	size_t n_uid, n_gid;
	bool to_inside; /* host ids become the container's (a copy out of the view) */
};

/* The id translated (s NULL: unchanged); one no range holds becomes 65534, the overflow id
 * the kernel shows for it. */
uint32_t idshift_uid(const struct idshift *s, uint32_t id);
uint32_t idshift_gid(const struct idshift *s, uint32_t id);

/* fsuid and fsgid become uid and gid with every capability kept (SECBIT_NO_SETUID_FIXUP,
 * capabilities(7)), until idshift_fs_leave. Single-threaded callers only. */
struct idshift_creds {
	int securebits;
	bool active;
};
int idshift_fs_enter(uid_t uid, gid_t gid, struct idshift_creds *out, struct berr **err);
void idshift_fs_leave(struct idshift_creds *c);

#endif
