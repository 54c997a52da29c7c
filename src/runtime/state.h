/* The runtime's record of one container: <root>/<id>/ holds status (the record), a private copy of
 * config.json (later edits to the bundle do not affect the container) and exec.fifo while
 * the container is created but not started. */
#ifndef BERTH_RUNTIME_STATE_H
#define BERTH_RUNTIME_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/cleanup.h"

struct berr;

enum rt_status {
	RT_STATUS_CREATING,
	RT_STATUS_CREATED,
	RT_STATUS_RUNNING,
	RT_STATUS_STOPPED,
	RT_STATUS_PAUSED
};

struct rt_state {
	char *id;
	char *dir; /* <root>/<id> */
	pid_t pid;
	uint64_t pid_start; /* start time of pid (field 22 of /proc/PID/stat): guards reuse */
	char *bundle;
	char *rootfs;
	char *created; /* RFC 3339 */
	char *cgroup_path;
	uid_t owner;
	bool systemd_cgroup;
	/* JSON array (as a string, crun's spelling) of what the init's fds 0-2 were opened on:
	 * a checkpoint needs them to restore the stdio. */
	char *external_descriptors;
	/* The caller's NOTIFY_SOCKET at create: start forwards the container's READY=1 there. */
	char *notify_socket;
};

#define RT_ID_MAX 1024
/* crun names the record `status` too; some tools (and crun's tests) look for it. */
#define RT_STATE_FILE "status"

int rt_state_validate_id(const char *id, struct berr **err);
/* Create <root>/<id> exclusively (EEXIST if the container exists). */
int rt_state_create_dir(const char *root, const char *id, char **out_dir, struct berr **err);
/* What fds 0-2 of this process refer to, as the JSON array string above. */
char *rt_state_stdio_descriptors(void);
int rt_state_save(const struct rt_state *st, struct berr **err);
struct rt_state *rt_state_load(const char *root, const char *id, struct berr **err);
void rt_state_free(struct rt_state *st);
DEFINE_AUTOPTR(rt_state)
enum rt_status rt_state_status(const struct rt_state *st);
const char *rt_status_name(enum rt_status s);
/* Start time of a process, 0 if it is gone or a zombie. */
uint64_t rt_proc_start_time(pid_t pid);
/* The state JSON of the runtime spec ("ociVersion","id","status","pid","bundle","annotations"). */
char *rt_state_spec_json(const struct rt_state *st, enum rt_status status,
			 const char *annotations_json);

#endif
