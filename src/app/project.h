/* A project's objects in the engine, found by Compose's labels (never by their names): its
 * containers (each with its service, number, config hash, whether it is a one-off and what it
 * does now), its networks and volumes; and the progress lines the doing rooms (up.c, down.c)
 * report as they go. */
#ifndef BERTH_APP_PROJECT_H
#define BERTH_APP_PROJECT_H

#include <jansson.h>
#include <stdbool.h>

struct berr;
struct eng_store;

/* "Container", "myapp-web-1", "Started": the caller prints it (Compose's " Container
 * myapp-web-1  Started"). */
struct app_progress {
	void (*fn)(void *ctx, const char *kind, const char *name, const char *status);
	void *ctx;
};
void app_report(const struct app_progress *p, const char *kind, const char *name,
		const char *status);

/* The project's containers, sorted by service then number: [{Id, Name, Service, Number,
 * Hash, OneOff, State ("running", "exited", ...), Health, ExitCode, Record, Stateful}] where
 * Record is the container's record and Stateful its state. */
json_t *app_containers(const struct eng_store *s, const char *project, struct berr **err);
/* Every project any container names: {project: {"running": n, "total": n, "files": "..."}}. */
json_t *app_projects(const struct eng_store *s, struct berr **err);
/* Names of the networks / volumes whose labels say the project made them. */
json_t *app_networks(const struct eng_store *s, const char *project);
json_t *app_volumes(const struct eng_store *s, const char *project);

#endif
