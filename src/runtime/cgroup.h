/* cgroups v1 and v2 behind one interface. Deciding is separate from doing: linux.resources
 * becomes a plan (a list of controller-file writes, in order) by the v1 or v2 planner; the
 * doer creates the directories, writes the plan and moves processes. */
#ifndef BERTH_RUNTIME_CGROUP_H
#define BERTH_RUNTIME_CGROUP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/cleanup.h"

struct berr;

enum rt_cgroup_mode { RT_CGROUP_V1, RT_CGROUP_V2 };

struct rt_cgroup_write {
	char *controller; /* v1 hierarchy name ("memory"), or "" for the v2 tree */
	char *file;
	char *value;
};

struct rt_cgroup_plan {
	struct rt_cgroup_write *writes;
	size_t n;
};

struct rt_cgroup_ops {
	const char *name;
	/* Translate linux.resources into writes. */
	int (*plan)(json_t *resources, struct rt_cgroup_plan *plan, struct berr **err);
};

extern const struct rt_cgroup_ops rt_cgroup_v1_ops, rt_cgroup_v2_ops;

/* A part of linux.resources ("memory", an object; "hugepageLimits", an array) and what one
 * version plans for it. */
struct rt_cgroup_section {
	const char *key;
	bool array;
	int (*plan)(json_t *part, struct rt_cgroup_plan *plan, struct berr **err);
};
/* Each of sections[0..n) that resources (NULL: none) has, checked for its type and handed to
 * its plan, in the table's order (the order of the writes); the first failure's code. */
int rt_cgroup_plan_sections(json_t *resources, const struct rt_cgroup_section *sections, size_t n,
			    struct rt_cgroup_plan *plan, struct berr **err);

void rt_cgroup_plan_add(struct rt_cgroup_plan *plan, const char *controller, const char *file,
			const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void rt_cgroup_plan_clear(struct rt_cgroup_plan *plan);

/* The host's layout, probed from /proc/self/mountinfo once per process. */
enum rt_cgroup_mode rt_cgroup_mode(void);
/* The cgroup path for a container: cgroupsPath as given (relative ones are placed under the
 * hierarchy root, like runc's cgroupfs driver), or "/berth/<id>" when none is given. */
char *rt_cgroup_path(const char *cgroups_path, const char *id);
/* Create the cgroup everywhere and apply resources (rt_cgroup_enter moves processes in). */
int rt_cgroup_create(const char *path, json_t *resources, struct berr **err);
/* v2: each level above the cgroup at root+path hands its controllers down (cgroup_v2.c). */
void rt_cgroup_v2_enable(const char *root, const char *path);
/* Apply resources to an existing cgroup (update). */
int rt_cgroup_update(const char *path, json_t *resources, struct berr **err);
/* Move pid into an existing cgroup. */
int rt_cgroup_enter(const char *path, pid_t pid, struct berr **err);
/* Move the calling single-threaded process into an existing cgroup, the cheap way on v1
 * (see cgroup.c); v2_done: it is in the v2 (or hybrid "unified") cgroup already. */
int rt_cgroup_enter_self(const char *path, bool v2_done, struct berr **err);
/* The cgroup an exec joins: the container's (path), or on a v2 host where the container has
 * made its cgroup one that hands controllers to its children, its init's (init_pid's, below
 * path). Caller frees. */
char *rt_cgroup_exec_path(const char *path, pid_t init_pid);
/* O_DIRECTORY fd of the cgroup in the v2 tree (the "unified" one on a hybrid host), for
 * clone3(CLONE_INTO_CGROUP); -1 if there is none. */
int rt_cgroup_open_v2(const char *path);
int rt_cgroup_freeze(const char *path, bool frozen, struct berr **err);
/* Pids in the cgroup and the cgroups below it (from the pids or the v2 tree); caller frees. */
int rt_cgroup_pids(const char *path, pid_t **out_pids, size_t *out_n, struct berr **err);
/* Remove the cgroup directories with the cgroups made below them (all must be empty of
 * processes). */
int rt_cgroup_destroy(const char *path, struct berr **err);
/* Whether the cgroup is there in any hierarchy. */
bool rt_cgroup_exists(const char *path);
/* How many processes the OOM killer has killed in the cgroup (v1 memory.oom_control, v2
 * memory.events: "oom_kill"); -1 if the kernel does not say. */
int64_t rt_cgroup_oom_kills(const char *path);
/* Stats for `events --stats`, as runc's JSON "data" object. */
json_t *rt_cgroup_stats(const char *path);

#endif
