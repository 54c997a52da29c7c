/* A running container's processes, for both front ends (`berth pause|unpause|top`, the
 * API's /containers/{id}/pause|unpause|top|resize): freezing and thawing them (the cgroup
 * freezer, or a VM's vCPUs through QMP), listing them with the host's ps as dockerd does, and
 * sizing the container's terminal through its monitor. Errors carry dockerd's text; a
 * container that does not run (or is not paused, or is already) is EBUSY (409). */
#ifndef BERTH_ENGINE_CONTAINER_PROC_H
#define BERTH_ENGINE_CONTAINER_PROC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "engine/container.h"

struct berr;

/* Pause (or unpause) the container id (resolved): "Container ID is not running", "... is
 * already paused", "... is not paused" (EBUSY). */
int eng_container_pause(const struct eng_store *s, const char *id, bool pause, struct berr **err);
/* The same as its pod pauses it (eng_pod_pause): a member of a pod of one VM, whose VM is
 * the pod's and pauses with it, gets only its state (the "paused" marker and the event), no
 * freezing of its own; any other container as eng_container_pause. */
int eng_container_pause_in_pod(const struct eng_store *s, const char *id, bool pause,
			       struct berr **err);

/* The running container's processes as dockerd's top gives them: {Titles, Processes} from
 * `ps ARGS -q<pids>` (ARGS: ps_args split at spaces, "-ef" when NULL or empty; without -q
 * again if ps refuses it), the rows of its processes only. EINVAL for ps_args dockerd
 * refuses, or when ps fails (its first line of stderr). */
int eng_container_top(const struct eng_store *s, const char *id, const char *ps_args,
		      json_t **out_doc, struct berr **err);
/* ps's output (text) to {Titles, Processes}, keeping the rows whose PID is one of pids (for
 * tests); EINVAL when there is no PID column. */
json_t *eng_top_parse(const char *text, const pid_t *pids, size_t n, struct berr **err);

/* Size the running container's terminal (its monitor sets it on its pty, or a VM's console);
 * a container without a terminal takes it as nothing to do. */
int eng_container_resize(const struct eng_store *s, const char *id, unsigned rows, unsigned cols,
			 struct berr **err);

#endif
