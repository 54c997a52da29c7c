/* What a container is, as Docker's documents show it: the inspect document
 * (/containers/{id}/json), the list item (/containers/json's ContainerSummary), its Status
 * text, and the list's filters. Both front ends (the command line's inspect and ps, the API
 * service) print these; only the printing (tables, short ids, ages) is theirs. */
#ifndef BERTH_ENGINE_CONTAINER_VIEW_H
#define BERTH_ENGINE_CONTAINER_VIEW_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "engine/container.h"

struct berr;

/* Docker's ContainerInspectResponse (container_inspect.c): dockerd 20.10's keys in its order,
 * with dockerd's value ("", 0, false, null, []) where berth has none of its own; with size,
 * SizeRw and SizeRootFs too. Only what berth alone has adds keys: Config.SystemdMode
 * (podman's), HostConfig's IDMappings and a VM's Vm* keys. ENOENT when there is no record. */
json_t *eng_container_inspect(const struct eng_store *s, const char *id, bool size,
			      struct berr **err);
/* The inspect document's HostConfig of a record's (hc): dockerd's keys and forms (Binds of
 * the mount plan's binds and named volumes, Ulimits and Devices as objects, its defaults). */
json_t *eng_container_inspect_host(const struct eng_store *s, json_t *hc);
/* Docker's ContainerSummary: Id, Names, Image (as the user named it), ImageID, Command,
 * Created (unix seconds), Ports (a running one's), [SizeRw, SizeRootFs,] Labels, State,
 * Status, HostConfig {NetworkMode}, NetworkSettings {Networks}, Mounts. */
json_t *eng_container_summary(const struct eng_store *s, json_t *rec, json_t *state, const char *id,
			      bool size);
/* eng_container_summary without sizes, as compact JSON text (caller frees): the one made
 * before when s->records holds this parse of the record and it was made for the same state
 * and Status wording. */
char *eng_container_summary_text(const struct eng_store *s, json_t *rec, json_t *state,
				 const char *id);
/* s->records brought up to the store, each container's summary text made (the API's
 * listener, between connections: its connections inherit both). */
void eng_container_summaries_warm(const struct eng_store *s);
/* "Up 5 minutes", "Up 2 hours (Paused)", "Up 3 seconds (healthy)", "Exited (0) 2 minutes
 * ago", "Restarting (1) 5 seconds ago", "Created", as Docker's State.String(); now is the
 * present (time(NULL)), given so that tests can fix it. Caller frees. */
char *eng_container_status_text(json_t *state, time_t now);
/* Docker's MountPoint list (Type, Name, Source, Destination, Driver, Mode, RW, Propagation)
 * of the record's mount plan. */
json_t *eng_container_mounts(const struct eng_store *s, json_t *rec);
/* Path and Args as one line, space-separated, an argument with a space in single quotes
 * (Docker's Command: sh -c 'exit 2'). Caller frees. */
char *eng_container_command(json_t *rec);
/* The bytes of the container's own changes (its upper directory), and with its image's
 * layers: Docker's SizeRw and SizeRootFs. */
void eng_container_size(const struct eng_store *s, json_t *rec, const char *id, int64_t *out_rw,
			int64_t *out_rootfs);

/* The filters of /containers/json and `ps --filter` (util/filter.h's map): ancestor, before,
 * since, exited, health, id, is-task, label, name, network, restart-policy, status, volume.
 * Checks the keys and values (EINVAL "invalid filter 'KEY'" / "invalid filter 'KEY=VALUE'")
 * and resolves before/since, which name containers, to those containers' Created times
 * (rewritten in filters; ENOENT when one does not exist). Call once before matching. */
int eng_container_filter_check(const struct eng_store *s, json_t *filters, struct berr **err);
/* Whether the container (record, state as eng_state_load gives it, id) passes every key of
 * the checked filters: any value of a key may match, except label, where all must. */
bool eng_container_filter(json_t *filters, json_t *rec, json_t *st, const char *id);

#endif
