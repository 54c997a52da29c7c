/* `login`'s check of credentials against a registry, apart from their file (image/auth.h),
 * which the registry client (image/http.h) reads: so neither room includes the other. */
#ifndef BERTH_IMAGE_LOGIN_H
#define BERTH_IMAGE_LOGIN_H

struct berr;
struct img_http_opts;

/* Whether the registry takes the credentials in o: GET /v2/ answered 200 after any challenge,
 * as dockerd's login asks it. Any other answer fails with dockerd's words, "login attempt to
 * https://HOST/v2/ failed with status: 401 Unauthorized" (EACCES for 401 and 403, else EIO);
 * nothing is stored (img_auth_set does that). */
int img_login(const char *domain, const struct img_http_opts *o, struct berr **err);

#endif
