/* berth unshare [COMMAND [ARG...]]: a command (default $SHELL) inside the rootless user's
 * namespaces, where berth's store carries the ids those namespaces map (podman unshare). main()
 * has joined them already (engine/rootless.h); BERTH_ROOT and BERTH_RUNROOT tell a berth started
 * inside where the store is (podman sets CONTAINERS_GRAPHROOT and CONTAINERS_RUNROOT). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/berth/berth.h"
#include "cli/berth/flags.h"
#include "engine/rootless.h"
#include "util/cleanup.h"

int cmd_unshare(struct cli_opts *o, int argc, char **argv)
{
	const struct flag flags[] = {FLAG_END};
	const struct flag_cmd cmd = {"berth unshare", "[COMMAND [ARG...]]",
				     "Run a command in the rootless user's namespaces", false,
				     FLAG_MIN_ARGS(0)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
	/* podman's words: as root there is nothing to enter */
	if (!eng_rootless())
		return cli_error(125, "please use unshare with rootless");
	if (setenv("BERTH_ROOT", o->root, 1) < 0 || setenv("BERTH_RUNROOT", o->runroot, 1) < 0)
		return cli_error(125, "set the environment: %s", strerror(errno));
	const char *shell = getenv("SHELL");
	char *deflt[] = {(char *)(shell && *shell ? shell : "/bin/sh"), NULL};
	char **args = n > 0 ? (char **)pos : deflt;
	execvp(args[0], args);
	int e = errno;
	cli_error(e == ENOENT ? 127 : 126, "exec '%s': %s", args[0], strerror(e));
	return e == ENOENT ? 127 : 126;
}
