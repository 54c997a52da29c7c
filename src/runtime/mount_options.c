/* The "mounts" array of config.json and the option words of each mount, turned into mount(2)
 * flags, propagation, mount_setattr(2) attributes (the recursive "r*" options) and a data string
 * for the filesystem. Word list as runc and crun accept it. */
#include <errno.h>
#include <linux/mount.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "runtime/spec.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"

int rt_spec_parse_mounts(struct rt_spec *spec, json_t *arr, struct berr **err);
int rt_spec_parse_idmaps(json_t *arr, const char *where, struct rt_idmap **out, size_t *out_n,
			 struct berr **err);

#ifndef MOUNT_ATTR_NOSYMFOLLOW
#define MOUNT_ATTR_NOSYMFOLLOW 0x00200000
#endif
#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

struct word {
	const char *name;
	bool clear;
	unsigned long flag;
};

static const struct word flag_words[] = {
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"nosuid", false, MS_NOSUID},
    {"suid", true, MS_NOSUID},
    {"nodev", false, MS_NODEV},
    {"dev", true, MS_NODEV},
    {"noexec", false, MS_NOEXEC},
    {"exec", true, MS_NOEXEC},
    {"sync", false, MS_SYNCHRONOUS},
    {"async", true, MS_SYNCHRONOUS},
    {"dirsync", false, MS_DIRSYNC},
    {"remount", false, MS_REMOUNT},
    {"mand", false, MS_MANDLOCK},
    {"nomand", true, MS_MANDLOCK},
    {"noatime", false, MS_NOATIME},
    {"atime", true, MS_NOATIME},
    {"nodiratime", false, MS_NODIRATIME},
    {"diratime", true, MS_NODIRATIME},
    {"relatime", false, MS_RELATIME},
    {"norelatime", true, MS_RELATIME},
    {"strictatime", false, MS_STRICTATIME},
    {"nostrictatime", true, MS_STRICTATIME},
    {"lazytime", false, MS_LAZYTIME},
    {"nolazytime", true, MS_LAZYTIME},
    {"silent", false, MS_SILENT},
    {"loud", true, MS_SILENT},
    {"iversion", false, MS_I_VERSION},
    {"noiversion", true, MS_I_VERSION},
    {"nosymfollow", false, MS_NOSYMFOLLOW},
    {"symfollow", true, MS_NOSYMFOLLOW},
};

static const struct word prop_words[] = {
    {"private", false, MS_PRIVATE},       {"rprivate", false, MS_PRIVATE | MS_REC},
    {"shared", false, MS_SHARED},         {"rshared", false, MS_SHARED | MS_REC},
    {"slave", false, MS_SLAVE},           {"rslave", false, MS_SLAVE | MS_REC},
    {"unbindable", false, MS_UNBINDABLE}, {"runbindable", false, MS_UNBINDABLE | MS_REC},
};

/* Recursive variants applied with mount_setattr(AT_RECURSIVE) (runc 1.1 "rro" etc.). */
static const struct word attr_words[] = {
    {"rro", false, MOUNT_ATTR_RDONLY},
    {"rrw", true, MOUNT_ATTR_RDONLY},
    {"rnosuid", false, MOUNT_ATTR_NOSUID},
    {"rsuid", true, MOUNT_ATTR_NOSUID},
    {"rnodev", false, MOUNT_ATTR_NODEV},
    {"rdev", true, MOUNT_ATTR_NODEV},
    {"rnoexec", false, MOUNT_ATTR_NOEXEC},
    {"rexec", true, MOUNT_ATTR_NOEXEC},
    {"rnodiratime", false, MOUNT_ATTR_NODIRATIME},
    {"rdiratime", true, MOUNT_ATTR_NODIRATIME},
    {"rnoatime", false, MOUNT_ATTR_NOATIME},
    {"ratime", true, MOUNT_ATTR_NOATIME},
    {"rrelatime", false, MOUNT_ATTR_RELATIME},
    {"rnorelatime", true, MOUNT_ATTR_RELATIME},
    {"rstrictatime", false, MOUNT_ATTR_STRICTATIME},
    {"rnosymfollow", false, MOUNT_ATTR_NOSYMFOLLOW},
    {"rsymfollow", true, MOUNT_ATTR_NOSYMFOLLOW},
};

static const struct word *find(const struct word *list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i].name, name))
			return &list[i];
	return NULL;
}

#define FIND(list, name) find(list, sizeof(list) / sizeof(list[0]), name)

static void append_data(char **data, const char *opt)
{
	if (!*data) {
		*data = xstrdup(opt);
		return;
	}
	char *n = xasprintf("%s,%s", *data, opt);
	free(*data);
	*data = n;
}

int rt_mount_parse_options(struct rt_mount *m, char *const *options, struct berr **err)
{
	for (char *const *o = options; o && *o; o++) {
		const struct word *w;
		if ((w = FIND(flag_words, *o))) {
			if (w->clear) {
				m->flags &= ~w->flag;
				m->clear_flags |= w->flag;
			} else {
				m->flags |= w->flag;
				m->clear_flags &= ~w->flag;
			}
		} else if ((w = FIND(prop_words, *o))) {
			m->propagation = w->flag;
		} else if ((w = FIND(attr_words, *o))) {
			if (w->clear)
				m->attr_clr |= w->flag;
			else
				m->attr_set |= w->flag;
		} else if (!strcmp(*o, "bind")) {
			m->bind = true;
		} else if (!strcmp(*o, "rbind")) {
			m->bind = true;
			m->recursive_bind = true;
		} else if (!strcmp(*o, "idmap") || !strcmp(*o, "ridmap")) {
			m->idmap = true;
		} else if (!strncmp(*o, "idmap=", 6) || !strncmp(*o, "ridmap=", 7)) {
			/* crun's spelling with the mappings in the option; read at mount time. */
			m->idmap = true;
			free(m->idmap_option);
			m->idmap_option = xstrdup(strchr(*o, '=') + 1);
		} else if (!strcmp(*o, "tmpcopyup") || !strcmp(*o, "copy-symlink") ||
			   !strcmp(*o, "src-nofollow") || !strcmp(*o, "dest-nofollow") ||
			   !strncmp(*o, "x-", 2)) {
			/* crun extensions and userspace-only options: not for the kernel. */
		} else {
			if (strlen(*o) > 4096)
				return berr_set(err, EINVAL, "mount option too long");
			append_data(&m->data, *o);
		}
	}
	if (!strcmp(m->type ? m->type : "", "bind"))
		m->bind = true;
	return 0;
}

int rt_spec_parse_mounts(struct rt_spec *spec, json_t *arr, struct berr **err)
{
	size_t n = json_array_size(arr), i;
	json_t *v;
	if (n > 4096)
		return berr_set(err, EINVAL, "mounts: more than 4096 entries");
	spec->mounts = xcalloc(n + 1, sizeof(*spec->mounts));
	json_array_foreach(arr, i, v)
	{
		struct rt_mount *m = &spec->mounts[spec->n_mounts++];
		const char *dst = NULL, *src = NULL, *type = NULL;
		json_t *maps = NULL;
		if (!json_is_object(v))
			return berr_set(err, EINVAL, "mounts[%zu]: expected object", i);
		if (json_opt_str(v, "mounts", "destination", &dst, err) < 0 ||
		    json_opt_str(v, "mounts", "source", &src, err) < 0 ||
		    json_opt_str(v, "mounts", "type", &type, err) < 0 ||
		    json_opt_strv(v, "mounts", "options", &m->options, err) < 0)
			return -EINVAL;
		if (!dst || !*dst)
			return berr_set(err, EINVAL, "mounts[%zu].destination: missing", i);
		if (dst[0] != '/')
			return berr_set(err, EINVAL,
					"mounts[%zu].destination: '%s' is not an absolute path", i,
					dst);
		m->destination = xstrdup(dst);
		m->source = src ? xstrdup(src) : NULL;
		m->type = type ? xstrdup(type) : NULL;
		if (json_opt_array(v, "mounts", "uidMappings", &maps, err) < 0 ||
		    (maps && rt_spec_parse_idmaps(maps, "mounts.uidMappings", &m->uid_mappings,
						  &m->n_uid_mappings, err) < 0))
			return -EINVAL;
		maps = NULL;
		if (json_opt_array(v, "mounts", "gidMappings", &maps, err) < 0 ||
		    (maps && rt_spec_parse_idmaps(maps, "mounts.gidMappings", &m->gid_mappings,
						  &m->n_gid_mappings, err) < 0))
			return -EINVAL;
		if (rt_mount_parse_options(m, m->options, err) < 0)
			return berr_wrap(err, "mounts '%s'", dst);
		if (m->n_uid_mappings || m->n_gid_mappings)
			m->idmap = true;
		if (!m->bind && !m->type)
			return berr_set(err, EINVAL, "mounts '%s': type missing", dst);
	}
	return 0;
}

int rt_spec_add_bind(struct rt_spec *spec, const char *source, const char *destination,
		     struct berr **err)
{
	spec->mounts = xrealloc(spec->mounts, (spec->n_mounts + 2) * sizeof(*spec->mounts));
	struct rt_mount *m = &spec->mounts[spec->n_mounts];
	memset(m, 0, 2 * sizeof(*m));
	m->destination = xstrdup(destination);
	m->source = xstrdup(source);
	m->type = xstrdup("bind");
	char *opts[] = {"bind", "nosuid", "nodev", "noexec", NULL};
	m->options = strv_dup(opts);
	spec->n_mounts++;
	if (rt_mount_parse_options(m, m->options, err) < 0)
		return berr_wrap(err, "mounts '%s'", destination);
	return 0;
}
