/* User namespace plans and the ranges of host ids given to containers (see userns.h). */
#include "engine/userns.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/container.h"
#include "engine/rootless.h"
#include "image/layers_find.h"
#include "image/snapshot.h"
#include "image/store.h"
#include "runtime/spec.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#define POOLS_MAX 64
/* the maps auto's uidmapping= (or gidmapping=) may force (a map takes 340 lines) */
#define AUTO_FORCED_MAX 64

/* One kind of id: its maps' key in IDMappings, the file of its ranges, the engine's own map. */
struct id_kind {
	const char *key, *subids, *own;
};
static const struct id_kind uids = {"UidMap", "/etc/subuid", "/proc/self/uid_map"};
static const struct id_kind gids = {"GidMap", "/etc/subgid", "/proc/self/gid_map"};

/* "C:H:S" with each part a number and the ranges inside 32 bits. */
static int parse_map(const char *s, uint32_t out[3])
{
	uint64_t v[3];
	const char *p = s;
	for (int i = 0; i < 3; i++) {
		char *end = NULL;
		if (*p < '0' || *p > '9')
			return -1;
		errno = 0;
		v[i] = strtoull(p, &end, 10);
		if (errno || end == p || (i < 2 && *end != ':') || (i == 2 && *end))
			return -1;
		p = end + 1;
	}
	if (v[2] == 0 || v[0] + v[2] > (1ULL << 32) || v[1] + v[2] > (1ULL << 32))
		return -1;
	for (int i = 0; i < 3; i++)
		out[i] = (uint32_t)v[i];
	return 0;
}

static json_t *map_list(char *const *maps, const char *flag, struct berr **err)
{
	json_t *a = json_array();
	for (char *const *m = maps; m && *m; m++) {
		uint32_t v[3];
		if (parse_map(*m, v) < 0) {
			json_decref(a);
			berr_plain(err, EINVAL,
				   "invalid %s '%s': expected CONTAINER_ID:HOST_ID:SIZE", flag, *m);
			return NULL;
		}
		json_array_append_new(a, json_string(*m));
	}
	return a;
}

/* The size of an auto range without size=: a user's ids are few (65536 is Debian's range), so
 * a rootless one is estimated from the image when the range is claimed (0 here: image_ids),
 * as podman's; root's is ENG_USERNS_SIZE. */
static int64_t auto_default(void)
{
	return eng_rootless() ? 0 : ENG_USERNS_SIZE;
}

/* One option of auto's: "size=N", or "uidmapping=C:H:S" / "gidmapping=C:H:S" (podman's: that
 * map forced into the namespace, as many as given) appended to maps' UidMap or GidMap. */
static int auto_opt(const char *t, const char *mode, int64_t *size, json_t *maps, struct berr **err)
{
	static const char *const keys[][2] = {{"uidmapping=", "UidMap"}, {"gidmapping=", "GidMap"}};
	for (size_t i = 0; i < 2; i++) {
		size_t n = strlen(keys[i][0]);
		if (strncmp(t, keys[i][0], n))
			continue;
		uint32_t v[3];
		json_t *list = json_object_get(maps, keys[i][1]);
		if (!list)
			json_object_set_new(maps, keys[i][1], list = json_array());
		if (parse_map(t + n, v) < 0 || json_array_size(list) >= AUTO_FORCED_MAX)
			return berr_plain(err, EINVAL,
					  "invalid --userns option '%s' in '%s': expected %.*s"
					  "CONTAINER_ID:HOST_ID:SIZE, at most %d of each",
					  t, mode, (int)n, keys[i][0], AUTO_FORCED_MAX);
		json_array_append_new(list, json_string(t + n));
		return 0;
	}
	char *end = NULL;
	if (strncmp(t, "size=", 5) || !t[5])
		return berr_plain(err, EINVAL, "invalid --userns option '%s' in '%s'", t, mode);
	long long v = strtoll(t + 5, &end, 10);
	if (*end || v < 1 || v > (long long)ENG_USERNS_POOL_LEN)
		return berr_plain(err, EINVAL, "invalid --userns size '%s'", t + 5);
	*size = v;
	return 0;
}

/* "auto[:OPTIONS]", "private": the size of the range, the maps forced into it in maps; -1 for
 * anything else. */
static int64_t auto_size(const char *mode, json_t *maps, struct berr **err)
{
	if (!strcmp(mode, "private") || !strcmp(mode, "auto"))
		return auto_default();
	if (strncmp(mode, "auto:", 5))
		return -1;
	int64_t size = -1;
	autofree char *opts = xstrdup(mode + 5);
	for (char *save = NULL, *t = strtok_r(opts, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		int r = auto_opt(t, mode, &size, maps, err);
		if (r < 0)
			return r;
	}
	return size < 0 ? auto_default() : size;
}

/* The engine's own user namespace as rootless.h makes it (0: the user, 1..: the ranges):
 * *outside0 the host id of its 0, *total how many ids from 1 on its other lines map. */
static int own_map(const char *file, uint32_t *outside0, uint64_t *total, struct berr **err)
{
	autofree char *data = NULL;
	size_t len = 0;
	if (fs_read_file(AT_FDCWD, file, 1 << 16, &data, &len, err) < 0)
		return berr_ret(err);
	*outside0 = 0;
	*total = 0;
	for (char *save = NULL, *line = strtok_r(data, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long long in, out, size;
		if (sscanf(line, "%llu %llu %llu", &in, &out, &size) != 3)
			continue;
		if (in == 0)
			*outside0 = (uint32_t)out;
		else
			*total += size;
	}
	return 0;
}

/* As a user, the middle ids of --uidmap and --gidmap are the engine's own namespace's
 * (podman's rootless "container_id:intermediate_id:size": 0 the user, 1..R the user's ranges):
 * an id past R is refused here, naming what there is, not by the kernel at start (EPERM
 * writing uid_map). As root they are the host's: nothing to check. */
static int within_own(json_t *list, const struct id_kind *k, const char *flag, const char *note,
		      struct berr **err)
{
	if (!eng_rootless() || !json_array_size(list))
		return 0;
	uint32_t user;
	uint64_t total;
	if (own_map(k->own, &user, &total, err) < 0)
		return berr_ret(err);
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v)
	{
		uint32_t m[3];
		if (parse_map(json_string_value(v) ?: "", m) == 0 &&
		    (uint64_t)m[1] + m[2] > total + 1)
			return berr_plain(err, EINVAL,
					  "invalid %s '%s'%s: as a user the middle ids are your "
					  "namespace's, 0 (you) and 1 to %" PRIu64
					  " (your subordinate ids in %s)",
					  flag, json_string_value(v), note, total, k->subids);
	}
	return 0;
}

/* podman's GetKeepIDMapping (rootless): the user's id (or uid=/gid=) is the user, 0 up to it
 * the ranges from 1, the rest of the ranges above it where they are. */
static json_t *keep_id_list(uint32_t id, uint64_t max)
{
	json_t *a = json_array();
	uint64_t low = id < max ? id : max;
	if (low)
		json_array_append_new(a, json_sprintf("0:1:%" PRIu64, low));
	json_array_append_new(a, json_sprintf("%u:0:1", id));
	if (max > id)
		json_array_append_new(a, json_sprintf("%u:%u:%" PRIu64, id + 1, id + 1, max - id));
	return a;
}

/* "keep-id[:uid=N,gid=N]": *uid and *gid the ids inside (the user's own by default). */
static int keep_id_opts(const char *mode, uint32_t *uid, uint32_t *gid, struct berr **err)
{
	if (!mode[7])
		return 0;
	autofree char *opts = xstrdup(mode + 8);
	for (char *save = NULL, *t = strtok_r(opts, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		char *end = NULL;
		bool u = !strncmp(t, "uid=", 4), g = !strncmp(t, "gid=", 4);
		errno = 0;
		unsigned long long v = u || g ? strtoull(t + 4, &end, 10) : 0;
		if ((!u && !g) || !t[4] || *end || errno || v >= UINT32_MAX || t[4] == '-')
			return berr_plain(err, EINVAL, "invalid --userns option '%s' in '%s'", t,
					  mode);
		*(u ? uid : gid) = (uint32_t)v;
	}
	return 0;
}

/* keep-id and nomap (podman's, rootless only): maps into the engine's own namespace. */
static int plan_rootless(const char *mode, bool keep, json_t **out_maps, struct berr **err)
{
	if (!eng_rootless())
		return berr_plain(err, EINVAL, "%s is only supported in rootless mode",
				  keep ? "keep-id" : "nomap");
	uint32_t user, group;
	uint64_t umax, gmax;
	if (own_map(uids.own, &user, &umax, err) < 0 || own_map(gids.own, &group, &gmax, err) < 0)
		return berr_ret(err);
	if (!keep) {
		if (!umax || !gmax)
			return berr_plain(err, EINVAL,
					  "nomap requires additional UIDs or GIDs defined in "
					  "/etc/subuid and /etc/subgid to function correctly");
		*out_maps =
		    json_pack("{s:[o], s:[o]}", "UidMap", json_sprintf("0:1:%" PRIu64, umax),
			      "GidMap", json_sprintf("0:1:%" PRIu64, gmax));
		return 0;
	}
	uint32_t uid = user, gid = group;
	int r = keep_id_opts(mode, &uid, &gid, err);
	if (r < 0)
		return r;
	*out_maps = json_pack("{s:o, s:o, s:o}", "UidMap", keep_id_list(uid, umax), "GidMap",
			      keep_id_list(gid, gmax), "KeepId", json_sprintf("%u:%u", uid, gid));
	return 0;
}

/* --uidmap and --gidmap given (with --userns "" or host): the maps as given, "private". */
static int plan_explicit(const struct eng_userns_opts *o, json_t **out_maps, struct berr **err)
{
	if (o->mode && !strcmp(o->mode, "host"))
		return berr_plain(err, EINVAL,
				  "--userns=host cannot be used with --uidmap or --gidmap");
	json_t *u = map_list(o->uidmap, "--uidmap", err);
	json_t *g = u ? map_list(o->gidmap, "--gidmap", err) : NULL;
	if (!g) {
		json_decref(u);
		return berr_ret(err);
	}
	/* only one of them given: the other is the same, as podman has it; checked against
	 * the other kind's ids too (a user with fewer subgids than subuids would meet the
	 * kernel's EPERM at start) */
	bool u_given = json_array_size(u), g_given = json_array_size(g);
	if (!u_given)
		json_array_extend(u, g);
	if (!g_given)
		json_array_extend(g, u);
	int r = within_own(
	    u, &uids, u_given ? "--uidmap" : "--gidmap",
	    u_given ? "" : " for the uids too (without --uidmap it is both: give --uidmap)", err);
	if (r == 0)
		r = within_own(
		    g, &gids, g_given ? "--gidmap" : "--uidmap",
		    g_given ? "" : " for the gids too (without --gidmap it is both: give --gidmap)",
		    err);
	if (r < 0) {
		json_decref(u);
		json_decref(g);
		return r;
	}
	*out_maps = json_pack("{s:o, s:o}", "UidMap", u, "GidMap", g);
	return 0;
}

/* "auto[:OPTIONS]" or "private": {"Auto": size} and the maps it forces (claimed then). */
static int plan_auto(const char *mode, bool explicit, json_t **out_maps, struct berr **err)
{
	json_auto_t *maps = json_object();
	int64_t size = auto_size(mode, maps, err);
	if (size == -EINVAL)
		return -EINVAL;
	if (size < 0)
		return berr_plain(err, EINVAL,
				  "unsupported --userns '%s': host, auto[:size=N], private, "
				  "keep-id[:uid=N,gid=N] or nomap",
				  mode);
	if (explicit)
		return berr_plain(err, EINVAL,
				  "--userns=%s cannot be used with --uidmap or --gidmap", mode);
	int r = within_own(json_object_get(maps, "UidMap"), &uids, "--userns uidmapping", "", err);
	if (r == 0)
		r = within_own(json_object_get(maps, "GidMap"), &gids, "--userns gidmapping", "",
			       err);
	if (r < 0)
		return r;
	json_object_set_new(maps, "Auto", json_integer(size));
	*out_maps = json_incref(maps);
	return 0;
}

int eng_userns_plan(const struct eng_userns_opts *o, char **out_mode, json_t **out_maps,
		    struct berr **err)
{
	const char *mode = o->mode ? o->mode : "";
	bool explicit = (o->uidmap && *o->uidmap) || (o->gidmap && *o->gidmap);
	if (!*mode || !strcmp(mode, "host")) {
		*out_maps = NULL;
		int r = explicit ? plan_explicit(o, out_maps, err) : 0;
		if (r < 0)
			return r;
		*out_mode = xstrdup(explicit ? "private" : mode);
		return 0;
	}
	bool keep = !strcmp(mode, "keep-id") || !strncmp(mode, "keep-id:", 8);
	if (keep || !strcmp(mode, "nomap")) {
		if (explicit)
			return berr_plain(err, EINVAL,
					  "--userns=%s cannot be used with --uidmap or --gidmap",
					  mode);
		int r = plan_rootless(mode, keep, out_maps, err);
		if (r < 0)
			return r;
		*out_mode = xstrdup(mode);
		return 0;
	}
	int r = plan_auto(mode, explicit, out_maps, err);
	if (r < 0)
		return r;
	*out_mode = xstrdup(mode);
	return 0;
}

int64_t eng_userns_pick(uint64_t pool_start, uint64_t pool_len, const uint64_t (*taken)[2],
			size_t n, uint64_t size, uint64_t align)
{
	uint64_t at = (pool_start + align - 1) / align * align;
	while (at + size <= pool_start + pool_len) {
		uint64_t next = 0;
		for (size_t i = 0; i < n; i++)
			if (taken[i][0] < at + size && at < taken[i][0] + taken[i][1] &&
			    taken[i][0] + taken[i][1] > next)
				next = taken[i][0] + taken[i][1];
		if (!next)
			return (int64_t)at;
		at = (next + align - 1) / align * align;
	}
	return -1;
}

/* The "containers" entries of /etc/subuid or /etc/subgid as [start, len) pairs; berth's own
 * pool when there are none. */
static size_t read_pools(const char *file, uint64_t pools[POOLS_MAX][2])
{
	autofree char *data = NULL;
	size_t len = 0, n = 0;
	if (fs_read_file(AT_FDCWD, file, 1 << 20, &data, &len, NULL) == 0) {
		for (char *save = NULL, *line = strtok_r(data, "\n", &save); line && n < POOLS_MAX;
		     line = strtok_r(NULL, "\n", &save)) {
			unsigned long long start, count;
			if (sscanf(line, "containers:%llu:%llu", &start, &count) == 2 && count &&
			    start + count <= (1ULL << 32)) {
				pools[n][0] = start;
				pools[n++][1] = count;
			}
		}
	}
	if (n == 0) {
		pools[0][0] = ENG_USERNS_POOL_START;
		pools[0][1] = ENG_USERNS_POOL_LEN;
		n = 1;
	}
	return n;
}

/* The host ranges of list's maps appended to *t (n of *cap). */
static void add_ranges(uint64_t (**t)[2], size_t *n, size_t *cap, json_t *list)
{
	size_t k;
	json_t *v;
	json_array_foreach(list, k, v)
	{
		uint32_t m[3];
		if (parse_map(json_string_value(v) ?: "", m) < 0)
			continue;
		if (*n == *cap)
			*t = xrealloc(*t, (*cap *= 2) * sizeof(**t));
		(*t)[*n][0] = m[1];
		(*t)[(*n)++][1] = m[2];
	}
}

/* Host ranges of every other container's maps of one kind, and of more (this one's forced). */
static uint64_t (*taken_ranges(const struct eng_store *s, const char *key, const char *self,
			       json_t *more, size_t *out_n))[2]
{
	char **ids = NULL;
	size_t n = 0, cap = 16;
	uint64_t(*t)[2] = xcalloc(cap, sizeof(*t));
	add_ranges(&t, &n, &cap, more);
	if (eng_container_list(s, &ids, NULL) < 0) {
		*out_n = n;
		return t;
	}
	for (size_t i = 0; ids[i]; i++) {
		if (self && !strcmp(ids[i], self))
			continue;
		json_t *rec = eng_container_load(s, ids[i], NULL);
		add_ranges(
		    &t, &n, &cap,
		    json_object_get(
			json_object_get(json_object_get(rec, "HostConfig"), "IDMappings"), key));
		json_decref(rec);
	}
	strv_free(ids);
	*out_n = n;
	return t;
}

static int range_cmp(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;
	return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* The container ids 0..size-1 that forced's maps leave, as [start, end) runs in order. */
static size_t auto_runs(uint64_t size, json_t *forced, uint64_t runs[AUTO_FORCED_MAX + 1][2])
{
	uint64_t f[AUTO_FORCED_MAX][2];
	size_t nf = 0, n = 0, i;
	json_t *v;
	json_array_foreach(forced, i, v)
	{
		uint32_t m[3];
		if (nf < AUTO_FORCED_MAX && parse_map(json_string_value(v) ?: "", m) == 0) {
			f[nf][0] = m[0];
			f[nf++][1] = (uint64_t)m[0] + m[2];
		}
	}
	qsort(f, nf, sizeof(f[0]), range_cmp);
	uint64_t at = 0;
	for (i = 0; i <= nf && at < size; i++) {
		uint64_t end = i < nf && f[i][0] < size ? f[i][0] : size;
		if (end > at) {
			runs[n][0] = at;
			runs[n++][1] = end;
		}
		if (i < nf && f[i][1] > at)
			at = f[i][1];
	}
	return n;
}

uint64_t eng_userns_auto_need(uint64_t size, json_t *forced)
{
	uint64_t runs[AUTO_FORCED_MAX + 1][2], need = 0;
	size_t n = auto_runs(size, forced, runs);
	for (size_t i = 0; i < n; i++)
		need += runs[i][1] - runs[i][0];
	return need;
}

json_t *eng_userns_auto_maps(uint64_t size, json_t *forced, uint64_t at)
{
	uint64_t runs[AUTO_FORCED_MAX + 1][2], m[2 * AUTO_FORCED_MAX + 1][3];
	size_t n = auto_runs(size, forced, runs), nm = 0, i;
	for (i = 0; i < n; i++) {
		uint64_t len = runs[i][1] - runs[i][0];
		m[nm][0] = runs[i][0];
		m[nm][1] = at;
		m[nm++][2] = len;
		at += len;
	}
	json_t *v;
	json_array_foreach(forced, i, v)
	{
		uint32_t f[3];
		if (i < AUTO_FORCED_MAX && parse_map(json_string_value(v) ?: "", f) == 0) {
			m[nm][0] = f[0];
			m[nm][1] = f[1];
			m[nm++][2] = f[2];
		}
	}
	/* in the order of the container's ids, the root's first */
	qsort(m, nm, sizeof(m[0]), range_cmp);
	json_t *a = json_array();
	for (i = 0; i < nm; i++)
		json_array_append_new(
		    a, json_sprintf("%" PRIu64 ":%" PRIu64 ":%" PRIu64, m[i][0], m[i][1], m[i][2]));
	return a;
}

/* Where auto ranges come from and how they are placed: as root the "containers" entries of
 * /etc/subuid or /etc/subgid (podman's) or berth's pool, each range aligned to its size (up to
 * ENG_USERNS_SIZE); as a user the engine's own namespace's ids from 1, the user's ranges
 * (podman's rootless auto: intermediate ids, first fit, no alignment). */
static int auto_pools(const struct id_kind *k, uint64_t pools[POOLS_MAX][2], size_t *out_n,
		      uint64_t *out_align, uint64_t size, struct berr **err)
{
	if (!eng_rootless()) {
		*out_n = read_pools(k->subids, pools);
		*out_align = size < ENG_USERNS_SIZE ? size : ENG_USERNS_SIZE;
		return 0;
	}
	uint32_t user;
	uint64_t total;
	if (own_map(k->own, &user, &total, err) < 0)
		return berr_ret(err);
	pools[0][0] = 1;
	pools[0][1] = total;
	*out_n = 1;
	*out_align = 1;
	return 0;
}

/* One kind's maps of an auto range of size: the ids forced (uidmapping= or gidmapping=, as
 * c/storage's getAutoUserNSIDMappings: left out of the range's container ids and of the host
 * ids it may take), the rest from a free range of the pool. */
static int claim_one(const struct eng_store *s, const char *self, const struct id_kind *k,
		     uint64_t size, json_t *forced, json_t **out, struct berr **err)
{
	uint64_t pools[POOLS_MAX][2], align = 1;
	size_t np = 0, nt = 0;
	int r = auto_pools(k, pools, &np, &align, size, err);
	if (r < 0)
		return r;
	uint64_t need = eng_userns_auto_need(size, forced);
	autofree uint64_t(*taken)[2] = taken_ranges(s, k->key, self, forced, &nt);
	for (size_t i = 0; i < np; i++) {
		int64_t at =
		    need ? eng_userns_pick(pools[i][0], pools[i][1], taken, nt, need, align) : 0;
		if (at >= 0) {
			*out = eng_userns_auto_maps(size, forced, (uint64_t)at);
			return 0;
		}
	}
	if (eng_rootless())
		return berr_plain(err, ENOSPC,
				  "no free range of %" PRIu64 " ids for --userns=auto among your "
				  "%" PRIu64 " subordinate ids (%s): other containers' maps hold "
				  "the rest (a keep-id or nomap container holds them all)",
				  need, pools[0][1], k->subids);
	return berr_plain(err, ENOSPC,
			  "no free range of %" PRIu64 " ids for --userns=auto in %s "
			  "(containers:START:COUNT) or berth's pool",
			  need, k->subids);
}

/* One past the largest id a passwd (fields 3 and 4) or group (field 3) text names, nobody
 * and nogroup (and 65534) aside, as c/storage's parseMountedFiles: else most images would
 * want 65536 ids. */
static uint64_t db_ids(const char *text, bool passwd)
{
	uint64_t size = 0;
	autofree char *copy = xstrdup(text);
	for (char *save = NULL, *line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *f[4] = {NULL};
		char *p = line;
		for (int i = 0; i < 4 && p; i++) {
			f[i] = p;
			if ((p = strchr(p, ':')))
				*p++ = '\0';
		}
		if (!strcmp(f[0], "nobody") || !strcmp(f[0], "nogroup"))
			continue;
		for (int i = 2; i < (passwd ? 4 : 3); i++) {
			char *end = NULL;
			errno = 0;
			unsigned long long v = f[i] && *f[i] ? strtoull(f[i], &end, 10) : 65534;
			if (!errno && !*end && v != 65534 && v < UINT32_MAX && v + 1 > size)
				size = v + 1;
		}
	}
	return size;
}

/* podman's estimate of an auto range for an image (c/storage getMaxSizeFromImage): at least
 * ENG_USERNS_SIZE_ROOTLESS (its auto-userns-min-size), one past the largest id the image's
 * /etc/passwd and /etc/group name. (c/storage also counts the ids of the layers' files, which
 * it records at unpack; berth does not.) An image it cannot read counts as none. */
static uint64_t image_ids(const struct eng_store *s, json_t *layers)
{
	static const char *const files[] = {"etc/passwd", "etc/group"};
	uint64_t size = ENG_USERNS_SIZE_ROOTLESS;
	autoptr(img_store) st = NULL;
	if (!json_array_size(layers) || img_store_open(s->root, &st, NULL) < 0)
		return size;
	for (size_t i = 0; i < 2; i++) {
		autoclose int fd = img_layers_open(st, layers, files[i], NULL);
		autofree char *text = NULL;
		if (fd < 0 || fs_read_fd(fd, 1 << 20, &text, NULL, NULL) < 0)
			continue;
		uint64_t n = db_ids(text, i == 0);
		size = n > size ? n : size;
	}
	return size;
}

int eng_userns_claim(const struct eng_store *s, json_t *rec, void *ctx, struct berr **err)
{
	json_t *maps = json_object_get(json_object_get(rec, "HostConfig"), "IDMappings");
	json_t *want = json_object_get(maps, "Auto");
	if (!json_is_integer(want))
		return 0;
	uint64_t size = (uint64_t)json_integer_value(want);
	if (!size && (size = image_ids(s, json_object_get(rec, "Layers"))) > ENG_USERNS_SIZE)
		return berr_plain(err, ENOSPC,
				  "the container needs a user namespace with size %" PRIu64
				  " that is bigger than the maximum value allowed with userns=auto "
				  "%d (podman's words): give --userns auto:size=N",
				  size, ENG_USERNS_SIZE);
	const char *self = json_string_value(json_object_get(rec, "Id"));
	json_t *u = NULL, *g = NULL;
	int r = claim_one(s, self, &uids, size, json_object_get(maps, "UidMap"), &u, err);
	if (r < 0)
		return r;
	r = claim_one(s, self, &gids, size, json_object_get(maps, "GidMap"), &g, err);
	if (r < 0) {
		json_decref(u);
		return r;
	}
	json_object_del(maps, "Auto");
	json_object_set_new(maps, "UidMap", u);
	json_object_set_new(maps, "GidMap", g);
	return 0;
}

json_t *eng_userns_oci(json_t *list)
{
	json_t *a = json_array();
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v)
	{
		uint32_t m[3];
		if (parse_map(json_string_value(v) ?: "", m) < 0) {
			json_decref(a);
			return NULL;
		}
		json_array_append_new(a, json_pack("{s:I, s:I, s:I}", "containerID",
						   (json_int_t)m[0], "hostID", (json_int_t)m[1],
						   "size", (json_int_t)m[2]));
	}
	return a;
}

int eng_userns_idmaps(json_t *list, struct rt_idmap **out)
{
	size_t n = json_array_size(list);
	struct rt_idmap *maps = xcalloc(n ? n : 1, sizeof(*maps));
	for (size_t i = 0; i < n; i++) {
		uint32_t m[3];
		if (parse_map(json_string_value(json_array_get(list, i)) ?: "", m) < 0) {
			free(maps);
			return -EINVAL;
		}
		maps[i] = (struct rt_idmap){.container_id = m[0], .host_id = m[1], .size = m[2]};
	}
	*out = maps;
	return (int)n;
}

int64_t eng_userns_host_id(json_t *list, uint32_t id)
{
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v)
	{
		uint32_t m[3];
		if (parse_map(json_string_value(v) ?: "", m) == 0 && id >= m[0] && id - m[0] < m[2])
			return (int64_t)m[1] + (id - m[0]);
	}
	return -1;
}

int64_t eng_userns_root_id(json_t *list)
{
	uint32_t m[3];
	int64_t root = eng_userns_host_id(list, 0);
	if (root < 0 && parse_map(json_string_value(json_array_get(list, 0)) ?: "", m) == 0)
		root = m[1];
	return root;
}

/* Whether some entry of list maps host id host. */
static bool host_mapped(json_t *list, uint32_t host)
{
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v)
	{
		uint32_t m[3];
		if (parse_map(json_string_value(v) ?: "", m) == 0 && host >= m[1] &&
		    host - m[1] < m[2])
			return true;
	}
	return false;
}

/* The maps as fuse-overlayfs takes them: "C:H:S:C:H:S...". */
static char *fuse_mapping(json_t *list)
{
	struct strbuf b = {0};
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v) strbuf_addf(&b, "%s%s", i ? ":" : "", json_string_value(v));
	return strbuf_take(&b);
}

/* Where the user (the engine's 0) is not in the container's maps (auto, nomap, --uidmap), the
 * runtime, as the container's root, must pass through the store's parents. As podman does
 * (libpod's makeAccessible, the home's 0700 included), the user's own that others may not
 * search get that permission (o+x alone: names stay unlisted); someone else's is named. */
static int grant_reach(const struct eng_store *s, json_t *maps, struct berr **err)
{
	if (host_mapped(json_object_get(maps, "UidMap"), 0))
		return 0;
	autofree char *dir = xstrdup(s->root);
	for (char *slash = strrchr(dir, '/'); slash && slash != dir; slash = strrchr(dir, '/')) {
		*slash = '\0';
		struct stat st;
		if (stat(dir, &st) < 0 || (st.st_mode & S_IXOTH))
			continue;
		if (st.st_uid != 0)
			return berr_plain(err, EACCES,
					  "the container's root, which is not you, cannot reach "
					  "berth's store through '%s' (mode %04o, not yours): its "
					  "owner may give others search permission (chmod o+x "
					  "'%s'), or put the store elsewhere (XDG_DATA_HOME)",
					  dir, (unsigned)(st.st_mode & 07777), dir);
		if (chmod(dir, (st.st_mode & 07777) | S_IXOTH) < 0)
			return berr_set(err, errno, "give others search permission on '%s'", dir);
	}
	return 0;
}

int eng_userns_mount_mapped(const struct eng_store *s, const char *id, json_t *rec,
			    struct berr **err)
{
	if (!eng_rootless())
		return 0;
	json_t *maps = json_object_get(json_object_get(rec, "HostConfig"), "IDMappings");
	int r = grant_reach(s, maps, err);
	if (r < 0)
		return r;
	autofree char *upper = eng_container_path(s, id, "diff");
	autofree char *work = eng_container_path(s, id, "work");
	autofree char *rootfs = eng_container_path(s, id, "rootfs");
	if ((r = fs_mkdir_p(upper, 0755, err)) < 0 || (r = fs_mkdir_p(work, 0700, err)) < 0 ||
	    (r = fs_mkdir_p(rootfs, 0755, err)) < 0)
		return r;
	autoptr(img_store) st = NULL;
	if ((r = img_store_open(s->root, &st, err)) < 0)
		return r;
	json_t *layers = json_object_get(rec, "Layers");
	size_t n = json_array_size(layers);
	autofree char **chains = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		chains[i] = (char *)json_string_value(json_array_get(layers, i));
	autofree char *u = fuse_mapping(json_object_get(maps, "UidMap"));
	autofree char *g = fuse_mapping(json_object_get(maps, "GidMap"));
	r = img_snapshot_mount_mapped(st, chains, n, upper, work, u, g, rootfs, err);
	return r < 0 ? r : 1;
}
