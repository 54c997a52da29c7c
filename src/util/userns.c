/* Which user namespace we run in (see userns.h). */
#include "util/userns.h"

#include <fcntl.h>
#include <stdio.h>

#include "util/cleanup.h"
#include "util/fs.h"

bool userns_is_initial(void)
{
	autofree char *text = NULL;
	unsigned long a, b, c;
	if (fs_read_file(AT_FDCWD, "/proc/self/uid_map", 1 << 16, &text, NULL, NULL) < 0)
		return true;
	return sscanf(text, "%lu %lu %lu", &a, &b, &c) == 3 && a == 0 && b == 0 &&
	       c == 4294967295UL;
}

const char *userns_overlay_xattr_prefix(void)
{
	return userns_is_initial() ? "trusted.overlay." : "user.overlay.";
}

const char *userns_overlay_opaque(void)
{
	return userns_is_initial() ? "trusted.overlay.opaque" : "user.overlay.opaque";
}
