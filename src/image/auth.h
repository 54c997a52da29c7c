/* Registry credentials in the file Docker and Podman keep them in: $REGISTRY_AUTH_FILE, else
 * $DOCKER_CONFIG/config.json, else ~/.docker/config.json, as
 *   {"auths": {"<registry>": {"auth": base64("user:password")}}}
 * Docker Hub's key is "https://index.docker.io/v1/". The file is rewritten atomically with
 * mode 0600 (its directory 0700), keeping every other key as it was. */
#ifndef BERTH_IMAGE_AUTH_H
#define BERTH_IMAGE_AUTH_H

#include <stddef.h>

struct berr;

/* The file's path (caller frees). */
char *img_auth_path(void);
/* Credentials for a registry domain ("localhost:5000", "docker.io"); 0 and NULLs when none. */
int img_auth_get(const char *domain, char **out_user, char **out_pass, struct berr **err);
int img_auth_set(const char *domain, const char *user, const char *pass, struct berr **err);
/* ENOENT when there were none. */
int img_auth_remove(const char *domain, struct berr **err);

/* The registry domain a `login` server names: "https://host/v1/" is "host"; Docker Hub's
 * aliases (index.docker.io, registry-1.docker.io) are docker.io. Caller frees. */
char *img_auth_domain(const char *server);

/* Base64 (RFC 4648) of len bytes; caller frees. */
char *img_base64(const void *data, size_t len);

#endif
