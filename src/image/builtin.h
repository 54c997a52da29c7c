/* The built-in default image, `berth/default` (docker.io/berth/default:latest): busybox (from
 * Debian's busybox-static) and the test probe, made at build time into an OCI archive that is
 * installed beside the binary (<prefix>/share/berth/default-image.tar). It is loaded into a
 * store the first time a command names it, so `berth run berth/default ...` works offline on a
 * fresh machine. BERTH_DEFAULT_IMAGE names another archive. */
#ifndef BERTH_IMAGE_BUILTIN_H
#define BERTH_IMAGE_BUILTIN_H

#include <stdbool.h>

struct berr;
struct img_store;

#define IMG_BUILTIN_NAME "docker.io/berth/default:latest"

/* Whether name (as a user wrote it) means the built-in image. */
bool img_builtin_is(const char *name);
/* A file berth installs in <prefix>/share/berth (the archive, --init's reaper): beside the
 * binary first, then the install directory (caller frees; NULL with err when missing). */
char *img_builtin_file(const char *name, struct berr **err);
/* The archive's path (caller frees), or NULL with err when it cannot be found. */
char *img_builtin_path(struct berr **err);
/* Load the built-in image into s unless it is there. */
int img_builtin_ensure(struct img_store *s, struct berr **err);

#endif
