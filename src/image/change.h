/* Dockerfile instructions that only change an image's run configuration, as `import -c` and
 * `commit -c` take them (and the Containerfile builder reuses): CMD, ENTRYPOINT (JSON array or
 * shell form), ENV and LABEL (key=value pairs with quotes, or the old "ENV key value"), EXPOSE
 * ("80", "53/udp"), VOLUME (JSON array or words), USER, WORKDIR, STOPSIGNAL. */
#ifndef BERTH_IMAGE_CHANGE_H
#define BERTH_IMAGE_CHANGE_H

#include <jansson.h>

struct berr;

/* Apply one instruction ("ENV A=1") to cfg, the "config" object of an image config. */
int img_change_apply(json_t *cfg, const char *instruction, struct berr **err);

/* Split "a b='c d' e=\"f\"" into words as Dockerfile ENV/LABEL do (quotes removed, backslash
 * escapes). NULL-terminated list; NULL with err on an unterminated quote. */
char **img_change_words(const char *s, struct berr **err);

#endif
