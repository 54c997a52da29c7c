/* Compiled seccomp programs kept under the runtime root (<root>/seccomp/<key>), so that the
 * next container with the same profile loads it without libseccomp: compiling a Docker-sized
 * allowlist (300 names, three architectures) takes libseccomp 8 ms. The key covers
 * everything the program depends on (the config, libseccomp's version, the architecture and
 * the kernel); the directory is the runtime's own (0700, root's), as trusted as its state.
 * A file that is not a whole program (wrong magic, size) is a miss and compiled again. */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/seccomp.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define MAGIC "BSC1"

struct header {
	char magic[4];
	uint32_t kflags;
	uint32_t notify;
	uint32_t n_insns;
};

void rt_seccomp_cache_key(json_t *seccomp, const char *build_id, char out_hex[65])
{
	json_t *copy = json_deep_copy(seccomp);
	json_object_del(copy, "listenerPath");
	json_object_del(copy, "listenerMetadata");
	autofree char *text = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(copy);
	struct sha256 h;
	sha256_init(&h);
	sha256_update(&h, build_id, strlen(build_id) + 1);
	if (text)
		sha256_update(&h, text, strlen(text));
	uint8_t d[SHA256_LEN];
	sha256_final(&h, d);
	digest_to_hex(d, sizeof(d), out_hex);
}

int rt_seccomp_cache_get(const char *dir, const char *key, struct rt_seccomp **out)
{
	autofree char *path = xasprintf("%s/seccomp/%s", dir, key);
	autofree char *data = NULL;
	size_t len = 0;
	if (fs_read_file(AT_FDCWD, path, sizeof(struct header) + RT_SECCOMP_INSNS_MAX * 8, &data,
			 &len, NULL) < 0)
		return -ENOENT;
	struct header h;
	if (len < sizeof(h))
		return -EINVAL;
	memcpy(&h, data, sizeof(h));
	if (memcmp(h.magic, MAGIC, 4) || h.n_insns == 0 || h.n_insns > RT_SECCOMP_INSNS_MAX ||
	    len != sizeof(h) + h.n_insns * sizeof(struct sock_filter))
		return -EINVAL;
	struct rt_seccomp *sc = xzalloc(sizeof(*sc));
	sc->kflags = h.kflags;
	sc->notify = h.notify != 0;
	sc->n_insns = h.n_insns;
	sc->insns = xmalloc(len - sizeof(h));
	memcpy(sc->insns, data + sizeof(h), len - sizeof(h));
	*out = sc;
	return 0;
}

void rt_seccomp_cache_put(const char *dir, const char *key, const struct rt_seccomp *sc)
{
	autofree char *sub = xasprintf("%s/seccomp", dir);
	if (mkdir(sub, 0700) < 0 && errno != EEXIST)
		return;
	struct header h = {
	    .kflags = sc->kflags, .notify = sc->notify, .n_insns = (uint32_t)sc->n_insns};
	memcpy(h.magic, MAGIC, 4);
	size_t n = sc->n_insns * sizeof(struct sock_filter);
	autofree char *buf = xmalloc(sizeof(h) + n);
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), sc->insns, n);
	autofree char *path = xasprintf("%s/%s", sub, key);
	(void)fs_replace_file(path, buf, sizeof(h) + n, 0600, NULL);
}
