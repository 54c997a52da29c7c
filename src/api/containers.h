/* What the service's container rooms share (internal to src/api): containers.c (create,
 * lifecycle, logs, attach), container_proc.c (top, stats, pause, rename, update, resize,
 * prune), container_files.c (archive, export, changes), exec.c. */
#ifndef BERTH_API_CONTAINERS_H
#define BERTH_API_CONTAINERS_H

#include "api/http.h"
#include "engine/container.h"

/* The container the path names ({} of the route) into out_id; otherwise Docker's 404 "No such
 * container: NAME" is the reply and the return is -ENOENT. */
int api_container_target(struct api_req *r, char out_id[ENG_ID_LEN + 1]);

#endif
