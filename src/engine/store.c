/* The engine's store (see store.h). */
#include "engine/store.h"

#include <ctype.h>
#include <string.h>

#include "util/xalloc.h"

char *eng_container_path(const struct eng_store *s, const char *id, const char *file)
{
	return file ? xasprintf("%s/containers/%s/%s", s->root, id, file)
		    : xasprintf("%s/containers/%s", s->root, id);
}

bool eng_name_valid(const char *name)
{
	if (!name || !isalnum((unsigned char)name[0]) || strlen(name) < 2 || strlen(name) > 253)
		return false;
	for (const char *p = name + 1; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
			return false;
	return true;
}
