/* Flag entries that `berth run`/`berth create` (container.c) and `berth pod create`
 * (pod_create.c) both take (issue #23): each entry's name, short name, kind and value's name
 * once; each table gives its target and, where they differ, its help (a pod's says "of the
 * pod"), so both --help outputs stay as they were. */
#ifndef BERTH_CLI_BERTH_SHARED_FLAGS_H
#define BERTH_CLI_BERTH_SHARED_FLAGS_H

#include "cli/berth/flags.h"

#define FLAG_VOLUME(target, help)                                                                  \
	{                                                                                          \
		"volume", 'v', FLAG_LIST, &(target), (help), "list"                                \
	}
#define FLAG_VOLUMES_FROM(target)                                                                  \
	{                                                                                          \
		"volumes-from", 0, FLAG_LIST, &(target),                                           \
		    "Mount volumes from the specified container(s)", "list"                        \
	}
#define FLAG_DEVICE(target, help)                                                                  \
	{                                                                                          \
		"device", 0, FLAG_LIST, &(target), (help), "list"                                  \
	}
#define FLAG_MEMORY(target, help)                                                                  \
	{                                                                                          \
		"memory", 'm', FLAG_STRING, &(target), (help), "bytes"                             \
	}
#define FLAG_MEMORY_SWAP(target, help)                                                             \
	{                                                                                          \
		"memory-swap", 0, FLAG_STRING, &(target), (help), "bytes"                          \
	}
#define FLAG_CPUS(target, help)                                                                    \
	{                                                                                          \
		"cpus", 0, FLAG_STRING, &(target), (help), "decimal"                               \
	}

#endif
