/* Registry credentials (see auth.h). */
#include "image/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/reference.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

#define AUTH_FILE_MAX (1 << 20)

char *img_auth_path(void)
{
	const char *f = getenv("REGISTRY_AUTH_FILE");
	if (f && *f)
		return xstrdup(f);
	const char *dc = getenv("DOCKER_CONFIG");
	if (dc && *dc)
		return xasprintf("%s/config.json", dc);
	const char *home = getenv("HOME");
	return xasprintf("%s/.docker/config.json", home && *home ? home : "/root");
}

char *img_base64(const void *data, size_t len)
{
	char *out = xmalloc(4 * ((len + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

/* The key Docker writes for a domain. */
static const char *key_of(const char *domain)
{
	return !strcmp(domain, IMG_REF_DEFAULT_DOMAIN) ? "https://index.docker.io/v1/" : domain;
}

static json_t *load(const char *path, struct berr **err)
{
	if (access(path, F_OK) < 0 && errno == ENOENT)
		return json_object();
	json_t *j = json_load_path(AT_FDCWD, path, AUTH_FILE_MAX, err);
	if (j && !json_is_object(j)) {
		json_decref(j);
		berr_plain(err, EINVAL, "'%s': not a JSON object", path);
		return NULL;
	}
	return j;
}

/* The auths entry for domain under any of the spellings clients write. */
static json_t *find_entry(json_t *auths, const char *domain)
{
	const char *forms[] = {key_of(domain), domain, NULL, NULL};
	autofree char *https = xasprintf("https://%s", domain);
	autofree char *http = xasprintf("http://%s", domain);
	forms[2] = https;
	forms[3] = http;
	for (size_t i = 0; i < 4; i++) {
		json_t *e = json_object_get(auths, forms[i]);
		if (json_is_object(e))
			return e;
	}
	return NULL;
}

int img_auth_get(const char *domain, char **out_user, char **out_pass, struct berr **err)
{
	*out_user = *out_pass = NULL;
	autofree char *path = img_auth_path();
	json_auto_t *j = load(path, err);
	if (!j)
		return berr_ret(err);
	json_t *e = find_entry(json_object_get(j, "auths"), domain);
	const char *b64 = json_string_value(json_object_get(e, "auth"));
	if (!b64 || !*b64)
		return 0;
	size_t n = strlen(b64);
	autofree unsigned char *raw = xmalloc(n + 1);
	int len = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)n);
	/* EVP_DecodeBlock counts the padding's zero bytes */
	while (len > 0 && n > 0 && b64[n - 1] == '=') {
		len--;
		n--;
	}
	char *colon = len > 0 ? memchr(raw, ':', (size_t)len) : NULL;
	if (!colon)
		return berr_plain(err, EINVAL, "'%s': the credentials for %s are malformed", path,
				  domain);
	raw[len] = '\0';
	*colon = '\0';
	*out_user = xstrdup((char *)raw);
	*out_pass = xstrdup(colon + 1);
	return 0;
}

static int save(const char *path, json_t *j, struct berr **err)
{
	autofree char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		int r;
		if (access(dir, F_OK) < 0 && (r = fs_mkdir_p(dir, 0700, err)) < 0)
			return r;
	}
	autofree char *text = json_dumps(j, JSON_INDENT(8));
	return fs_write_file_atomic(path, text, strlen(text), 0600, err);
}

int img_auth_set(const char *domain, const char *user, const char *pass, struct berr **err)
{
	autofree char *path = img_auth_path();
	json_auto_t *j = load(path, err);
	if (!j)
		return berr_ret(err);
	json_t *auths = json_object_get(j, "auths");
	if (!json_is_object(auths)) {
		auths = json_object();
		json_object_set_new(j, "auths", auths);
	}
	autofree char *pair = xasprintf("%s:%s", user, pass);
	autofree char *b64 = img_base64(pair, strlen(pair));
	json_object_set_new(auths, key_of(domain), json_pack("{s:s}", "auth", b64));
	return save(path, j, err);
}

int img_auth_remove(const char *domain, struct berr **err)
{
	autofree char *path = img_auth_path();
	json_auto_t *j = load(path, err);
	if (!j)
		return berr_ret(err);
	json_t *auths = json_object_get(j, "auths");
	json_t *e = find_entry(auths, domain);
	if (!e)
		return berr_plain(err, ENOENT, "not logged in to %s", domain);
	const char *k;
	json_t *v;
	void *tmp;
	json_object_foreach_safe(auths, tmp, k, v) if (v == e) json_object_del(auths, k);
	return save(path, j, err);
}

char *img_auth_domain(const char *server)
{
	if (!strncmp(server, "https://", 8))
		server += 8;
	else if (!strncmp(server, "http://", 7))
		server += 7;
	char *d = xstrndup(server, strcspn(server, "/"));
	if (!strcmp(d, "index.docker.io") || !strcmp(d, "registry-1.docker.io")) {
		free(d);
		d = xstrdup("docker.io");
	}
	return d;
}
