/* What of berth pod (pod.c, pod_create.c, pod_logs.c) other commands call. */
#ifndef BERTH_CLI_POD_H
#define BERTH_CLI_POD_H

#include "cli/berth/berth.h"

int cmd_pod_create(struct cli_opts *o, int argc, char **argv); /* pod_create.c */
int cmd_pod_logs(struct cli_opts *o, int argc, char **argv);
/* system prune's pods (podman's): every pod none of whose containers runs is removed, with
 * them, under "Deleted Pods" (printed only when there are some); 125 after an error. */
int cli_pod_prune_all(struct cli_opts *o);

#endif
