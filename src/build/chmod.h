/* --chmod of COPY and ADD: an octal mode, or chmod(1)'s symbolic modes as BuildKit (>= 1.14)
 * applies them ("u=rwX,go=rX", "+x"), with umask 0. */
#ifndef BERTH_BUILD_CHMOD_H
#define BERTH_BUILD_CHMOD_H

#include <sys/types.h>

struct berr;
struct bld_chmod;

int bld_chmod_parse(const char *s, struct bld_chmod **out, struct berr **err);
/* The permission bits (07777) a file of type and mode st_mode gets. */
mode_t bld_chmod_apply(const struct bld_chmod *c, mode_t st_mode);
void bld_chmod_free(struct bld_chmod *c);

#endif
