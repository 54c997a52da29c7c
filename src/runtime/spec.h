/* The OCI runtime spec 1.1 config.json, parsed and validated into plain structs before anything
 * is done with it. Sections with their own planners keep their JSON (linux.resources goes to
 * cgroup.c, linux.seccomp to seccomp.c); the spec owns the JSON they point into. */
#ifndef BERTH_RUNTIME_SPEC_H
#define BERTH_RUNTIME_SPEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/cleanup.h"

struct berr;

#define RT_SPEC_MAX_BYTES (4u << 20) /* a config.json larger than this is refused */

enum rt_ns_kind {
	RT_NS_USER, /* first: joined before the others (they may be owned by it) */
	RT_NS_MOUNT,
	RT_NS_PID,
	RT_NS_NET,
	RT_NS_IPC,
	RT_NS_UTS,
	RT_NS_CGROUP,
	RT_NS_TIME,
	RT_NS_COUNT
};

struct rt_namespace {
	bool enabled; /* listed in linux.namespaces */
	char *path;   /* join this one instead of creating */
};

struct rt_idmap {
	uint32_t container_id, host_id, size;
};

struct rt_rlimit {
	int resource;
	uint64_t soft, hard;
};

enum rt_cap_set {
	RT_CAP_BOUNDING,
	RT_CAP_EFFECTIVE,
	RT_CAP_INHERITABLE,
	RT_CAP_PERMITTED,
	RT_CAP_AMBIENT,
	RT_CAP_SET_COUNT
};

struct rt_process {
	bool terminal;
	unsigned console_height, console_width;
	uid_t uid;
	gid_t gid;
	bool has_umask;
	mode_t umask;
	gid_t *additional_gids;
	size_t n_additional_gids;
	char **args;
	char **env;
	char *cwd;
	bool has_caps;
	uint64_t caps[RT_CAP_SET_COUNT]; /* bit n = capability n */
	struct rt_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privileges;
	bool has_oom_score_adj;
	int oom_score_adj;
	char *apparmor_profile;
	char *selinux_label;
};

struct rt_mount {
	char *destination;
	char *source;
	char *type;
	char **options;            /* as given, for hooks/state; parsed form below */
	unsigned long flags;       /* MS_* to set */
	unsigned long clear_flags; /* MS_* explicitly cleared (e.g. "rw", "suid") */
	unsigned long propagation; /* MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE (+MS_REC) */
	unsigned long attr_set;    /* MOUNT_ATTR_* for recursive options ("rro", "rnosuid"...) */
	unsigned long attr_clr;
	char *data; /* options the kernel filesystem gets as data */
	bool bind;
	bool recursive_bind;
	struct rt_idmap *uid_mappings, *gid_mappings;
	size_t n_uid_mappings, n_gid_mappings;
	bool idmap;         /* "idmap"/"ridmap" option or mappings given */
	char *idmap_option; /* crun's "idmap=uids=F-H-N#...;gids=..." value, or NULL */
};

struct rt_hook {
	char *path;
	char **args;
	char **env;
	int timeout_s; /* 0 = none */
};

enum rt_hook_kind {
	RT_HOOK_PRESTART,
	RT_HOOK_CREATE_RUNTIME,
	RT_HOOK_CREATE_CONTAINER,
	RT_HOOK_START_CONTAINER,
	RT_HOOK_POSTSTART,
	RT_HOOK_POSTSTOP,
	RT_HOOK_COUNT
};

struct rt_hooks {
	struct rt_hook *list;
	size_t n;
};

struct rt_device {
	char *path;
	char type; /* 'c', 'b', 'u', 'p' */
	int64_t major, minor;
	bool has_mode, has_uid, has_gid;
	mode_t mode;
	uid_t uid;
	gid_t gid;
};

struct rt_sysctl {
	char *key, *value;
};

struct rt_spec {
	json_t *json; /* the whole document; sections below may point into it */
	char *oci_version;
	char *root_path; /* absolute (resolved against the bundle) */
	bool root_readonly;
	char *hostname;
	char *domainname;
	struct rt_process *process; /* NULL if config.json has none */
	struct rt_mount *mounts;
	size_t n_mounts;
	struct rt_hooks hooks[RT_HOOK_COUNT];
	struct rt_namespace ns[RT_NS_COUNT];
	struct rt_idmap *uid_mappings, *gid_mappings;
	size_t n_uid_mappings, n_gid_mappings;
	struct rt_device *devices;
	size_t n_devices;
	struct rt_sysctl *sysctls;
	size_t n_sysctls;
	char **masked_paths;
	char **readonly_paths;
	unsigned long rootfs_propagation; /* 0 = default (rslave) */
	char *cgroups_path;
	json_t *resources;   /* linux.resources or NULL */
	json_t *seccomp;     /* linux.seccomp or NULL */
	json_t *annotations; /* object or NULL */
	char *mount_label;
	json_t *time_offsets; /* linux.timeOffsets or NULL */
	json_t *personality;
};

/* Parse config.json text. bundle_dir resolves a relative root.path. */
struct rt_spec *rt_spec_parse(const char *text, size_t len, const char *bundle_dir,
			      struct berr **err);
struct rt_spec *rt_spec_load(const char *config_path, const char *bundle_dir, struct berr **err);
void rt_spec_free(struct rt_spec *spec);
DEFINE_AUTOPTR(rt_spec)

/* Parsing helpers shared with exec's --process file. */
struct rt_process *rt_process_parse(json_t *obj, const char *where, struct berr **err);
void rt_process_free(struct rt_process *p);
DEFINE_AUTOPTR(rt_process)

const char *rt_ns_name(enum rt_ns_kind kind);      /* "pid", "network", ... as in config.json */
const char *rt_ns_proc_name(enum rt_ns_kind kind); /* "pid", "net", ... as in /proc/PID/ns */
int rt_ns_clone_flag(enum rt_ns_kind kind);
/* Capability name ("CAP_SYS_ADMIN") to number; -1 if unknown. */
int rt_cap_from_name(const char *name);
const char *rt_cap_name(int cap);
int rt_cap_last(void); /* highest capability the running kernel knows */
int rt_rlimit_from_name(const char *name);
/* Parse one mount options list into m (flags, propagation, data...). */
int rt_mount_parse_options(struct rt_mount *m, char *const *options, struct berr **err);
/* Append a bind mount (nosuid, nodev, noexec) the runtime adds itself. */
int rt_spec_add_bind(struct rt_spec *spec, const char *source, const char *destination,
		     struct berr **err);

#endif
