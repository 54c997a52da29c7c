/* Docker's events for what the engine does (the log itself is util/eventlog.h): who is the
 * actor and which attributes it carries, as dockerd's LogContainerEvent, LogNetworkEvent and
 * LogVolumeEvent give them, and the filters `docker events` and GET /events take. */
#ifndef BERTH_ENGINE_EVENT_H
#define BERTH_ENGINE_EVENT_H

#include <jansson.h>
#include <stdbool.h>

#include "engine/store.h"

struct berr;

/* A container event: the attributes image, name and the container's labels from its record
 * rec, plus those in more (NULL or an object of strings, not stolen: exitCode for die, signal
 * for kill, execID for exec_*). rec NULL: the id only (a container already gone); a caller
 * without the record at hand calls engine/container.h's eng_container_event, which loads it. */
void eng_event_container(const struct eng_store *s, const char *id, json_t *rec, const char *action,
			 json_t *more);
/* A network event: name and type, plus container for connect and disconnect. */
void eng_event_network(const struct eng_store *s, const char *net_id, const char *name,
		       const char *action, const char *container);
/* A volume event: driver (local), plus container (and destination) for mount. */
void eng_event_volume(const struct eng_store *s, const char *name, const char *action,
		      const char *container, const char *destination);
/* dockerd's volume "mount" of a container's start: container, destination, driver,
 * propagation and read/write. */
void eng_event_volume_mount(const struct eng_store *s, const char *name, const char *container,
			    const char *destination, bool rw);
/* A pod event (podman's Type "pod": create, start, stop, kill, remove): the pod's name. */
void eng_event_pod(const struct eng_store *s, const char *pod_id, const char *name,
		   const char *action);

/* EINVAL "invalid filter 'KEY'" for a key `docker events` does not take. */
int eng_event_filter_check(json_t *filters, struct berr **err);
/* Whether an event passes the filters (dockerd's events.Filter.Include). */
bool eng_event_match(json_t *filters, json_t *event);

#endif
