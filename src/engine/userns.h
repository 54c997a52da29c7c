/* User namespaces for containers: `--userns`, `--uidmap`, `--gidmap` (podman's flags; Docker's
 * `--userns=host` is the default) become HostConfig.UsernsMode and HostConfig.IDMappings
 * ({"UidMap": ["0:1073741824:65536"], "GidMap": [...]}, podman's CONTAINER:HOST:SIZE form).
 *
 * `auto` (and `private`) gives each container a range of host ids of its own, picked when the
 * container is created, under the containers lock, from the entries for "containers" in
 * /etc/subuid and /etc/subgid (podman's convention) or, where there are none, from berth's
 * pool [2^30, 2^31): ranges of SIZE (65536 unless `auto:size=N`) that no other container's
 * mapping overlaps. podman's `auto:uidmapping=C:H:S` and `gidmapping=` (as many as given) force
 * a map into that namespace: its container ids are left out of the range, and its host ids
 * out of the ids the range may take (c/storage's getAutoUserNSIDMappings). The image's files keep
 * their ids on disk: the container's root is an overlay of idmapped layers (image/snapshot.c), and
 * volumes are idmapped binds, so what the container writes as its root is stored as 0.
 *
 * As a user (rootless.h), podman's `keep-id[:uid=N,gid=N]` and `nomap` map into the engine's own
 * namespace (0: the user, 1..: the user's ranges): keep-id maps the user to its own id inside
 * (or uid=/gid=), 0 up to it to the ranges from 1, the rest of the ranges above it; its
 * IDMappings keep "KeepId": "UID:GID", the process's default user (user.h: eng_user_for).
 * nomap maps the ranges from 0 and leaves the user out. As root both are refused.
 * As a user, `--uidmap`/`--gidmap` C:H:S take H in that namespace (podman's rootless
 * "container_id:intermediate_id:size"; one past the user's ranges is refused at create, and
 * so is one given alone that is used for the other kind too, past that kind's ranges), and
 * `auto` picks its range there too (its uidmapping= and gidmapping= take H there as well): from the
 * intermediate ids 1.. (the user's ranges), first fit, clear of every other container's maps (a
 * keep-id or nomap one holds them all, as podman's); without size= its size is estimated from the
 * image as podman's (at least 1024, one past the largest id its /etc/passwd and /etc/group name, at
 * most 65536). */
#ifndef BERTH_ENGINE_USERNS_H
#define BERTH_ENGINE_USERNS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct berr;
struct eng_store;
struct rt_idmap;

#define ENG_USERNS_POOL_START (1ULL << 30)
#define ENG_USERNS_POOL_LEN   (1ULL << 30)
#define ENG_USERNS_SIZE       65536
/* the least a user's auto range without size= has (podman's auto-userns-min-size) */
#define ENG_USERNS_SIZE_ROOTLESS 1024

struct eng_userns_opts {
	/* --userns: NULL, "", "host", "auto[:size=N,uidmapping=C:H:S,gidmapping=C:H:S]",
	 * "private"; rootless also
	 * "keep-id[:uid=N,gid=N]" and "nomap" */
	const char *mode;
	char *const *uidmap, *const *gidmap; /* "CONTAINER:HOST:SIZE" */
};

/* The decision: *out_mode the UsernsMode to record, *out_maps the IDMappings (NULL: no user
 * namespace; {"Auto": size} for a range picked at create, size 0 for one estimated from the
 * image then, with UidMap and GidMap the maps it forces, if any). EINVAL names a bad value. */
int eng_userns_plan(const struct eng_userns_opts *o, char **out_mode, json_t **out_maps,
		    struct berr **err);

/* Under the containers lock (eng_container_add's claim): an "Auto" plan in rec gets its
 * ranges, clear of every other container's. */
int eng_userns_claim(const struct eng_store *s, json_t *rec, void *ctx, struct berr **err);

/* The first start >= pool_start, a multiple of align, of a range of size ids inside the pool
 * that overlaps none of taken (n pairs of [start, start + len)); -1 when none is free. */
int64_t eng_userns_pick(uint64_t pool_start, uint64_t pool_len, const uint64_t (*taken)[2],
			size_t n, uint64_t size, uint64_t align);

/* How many pool ids an auto range of size takes: the container ids 0..size-1 that forced
 * (its "C:H:S" uidmapping= or gidmapping=) leaves. */
uint64_t eng_userns_auto_need(uint64_t size, json_t *forced);
/* Its maps: those container ids in order from host id at on (a line per run between forced
 * ones) and forced's, in the order of their container ids. */
json_t *eng_userns_auto_maps(uint64_t size, json_t *forced, uint64_t at);

/* A rootless engine (rootless.h) cannot idmap the store's file system: the root of a container
 * with IDMappings is mounted through fuse-overlayfs with its maps (image/snapshot.h), 1. As
 * root: 0, nothing done (the caller idmaps). */
int eng_userns_mount_mapped(const struct eng_store *s, const char *id, json_t *rec,
			    struct berr **err);

/* "C:H:S" strings → OCI's [{"containerID", "hostID", "size"}]; NULL for a bad entry. */
json_t *eng_userns_oci(json_t *list);
/* The same as rt_idmap (caller frees *out); count or -EINVAL. */
int eng_userns_idmaps(json_t *list, struct rt_idmap **out);
/* The host id that id maps to, or -1. */
int64_t eng_userns_host_id(json_t *list, uint32_t id);
/* The host id of the container's root: the line that maps 0, whatever the lines' order
 * (--uidmap's are the user's), else the first line's; -1 for an empty list. */
int64_t eng_userns_root_id(json_t *list);

#endif
