/* Volumes (Docker's local driver): <root>/volumes/<name>/_data holds the data and
 * <root>/volumes/<name>/volume.json the record (Name, Driver, Mountpoint, CreatedAt, Labels,
 * Scope, Anonymous). And what -v, --mount and --tmpfs ask of a container, parsed into a plan
 * of mounts (eng_mount) kept in its record as HostConfig.Mounts. */
#ifndef BERTH_ENGINE_VOLUME_H
#define BERTH_ENGINE_VOLUME_H

#include <jansson.h>
#include <stdbool.h>

struct berr;
struct eng_store;

/* Create (name NULL: a random one, marked anonymous); an existing name is fine when create
 * is implicit (exist_ok). out_name (65 bytes, or NULL) gets the name. */
int eng_volume_create(const struct eng_store *s, const char *name, char *const *labels,
		      bool anonymous, bool exist_ok, char *out_name, struct berr **err);
json_t *eng_volume_load(const struct eng_store *s, const char *name, struct berr **err);
/* All volume names, sorted. */
int eng_volume_list(const struct eng_store *s, char ***out, struct berr **err);
/* Refused (EBUSY) while a container uses it, unless force. */
int eng_volume_remove(const struct eng_store *s, const char *name, bool force, struct berr **err);
/* The volumes named in made (eng_mounts_plan's) removed again, each unless a container's
 * record mounts it by now: a create that fails after its plan leaves none it made. */
void eng_volume_remove_made(const struct eng_store *s, json_t *made);
/* The containers (ids) whose records mount the volume. */
bool eng_volume_in_use(const struct eng_store *s, const char *name);
char *eng_volume_data(const struct eng_store *s, const char *name);
/* dockerd's volume events of a container's life: "mount" of each named volume its record
 * mounts (at its start, after its networks), or "unmount" (at its end, before its die). */
void eng_volume_events(const struct eng_store *s, const char *cid, json_t *rec, bool mount);

/* -v SRC:DST[:OPTS] / -v DST, --mount k=v,..., --tmpfs DST[:OPTS] → a list of
 * {"Type": "bind"|"volume"|"tmpfs", "Source", "Destination", "RW", "Options": [...]} with
 * volumes created as needed and anonymous ones for the image's Volumes not otherwise mounted.
 * A bind's or volume's Options hold podman's idmap option ("idmap" or "idmap=uids=...;gids=...")
 * when one was asked for, a tmpfs's its mount options. Bad specs are EINVAL naming them;
 * guest: the container is a VM, whose mounts take no idmap (eng_mounts_guest_check), refused
 * before the volume of that entry is made. The names of the volumes it made (not those that
 * existed) are appended to made, for eng_volume_remove_made when a later step fails; when the
 * plan itself fails it has removed them. */
json_t *eng_mounts_plan(const struct eng_store *s, char *const *volumes, char *const *mounts,
			char *const *tmpfs, char *const *image_volumes, bool guest, json_t *made,
			struct berr **err);
/* EINVAL naming the first bind or volume of a plan with an idmap option: a VM's mounts reach
 * its guest over virtiofs, and neither a user namespace nor virtiofsd maps their ids. */
int eng_mounts_guest_check(json_t *plan, struct berr **err);
/* The OCI mounts for a plan (appended to mounts); idmap: volumes as idmapped binds (the
 * container has a user namespace); a bind or volume with an idmap option gets that one. */
void eng_mounts_spec(const struct eng_store *s, json_t *plan, bool idmap, json_t *mounts);
/* Fill each named volume that is still empty from what the image has at its destination
 * (Docker's copy-up), once; rootfs is mounted. */
int eng_mounts_populate(const struct eng_store *s, json_t *plan, const char *rootfs,
			struct berr **err);

#endif
