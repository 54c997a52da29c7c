/* Which user namespace we run in, for the few places that behave differently inside one that
 * is not the host's (rootless berth, issue #22): overlayfs keeps its marks in "user.overlay."
 * xattrs there (trusted.* needs CAP_SYS_ADMIN in the host's namespace), and device nodes cannot
 * be made. */
#ifndef BERTH_UTIL_USERNS_H
#define BERTH_UTIL_USERNS_H

#include <stdbool.h>

/* True in the host's user namespace, whose uid_map maps every id to itself
 * ("0 0 4294967295"); false in any other (an unreadable map counts as the host's). Not cached:
 * rootless berth changes its namespace at start-up (eng_rootless_enter), and the callers are
 * few (a mount, an opaque directory, a device node in a layer). */
bool userns_is_initial(void);

/* "trusted.overlay." on the host, "user.overlay." inside another user namespace: where
 * overlayfs mounted with "userxattr" (Linux 5.11) reads its opaque and redirect marks. */
const char *userns_overlay_xattr_prefix(void);
/* The opaque mark's name under that prefix: "trusted.overlay.opaque" or "user.overlay.opaque". */
const char *userns_overlay_opaque(void);

#endif
