/* A registry login's check (see login.h). */
#include "image/login.h"

#include <errno.h>

#include "image/http.h"
#include "util/err.h"

static const char *status_text(long status)
{
	switch (status) {
	case 401:
		return " Unauthorized";
	case 403:
		return " Forbidden";
	case 404:
		return " Not Found";
	case 500:
		return " Internal Server Error";
	case 502:
		return " Bad Gateway";
	case 503:
		return " Service Unavailable";
	}
	return "";
}

int img_login(const char *domain, const struct img_http_opts *o, struct berr **err)
{
	struct img_http *h = NULL;
	int r = img_http_open(domain, o, &h, err);
	if (r < 0)
		return r;
	struct img_http_req rq = {.method = "GET", .url = "/v2/", .body_fd = -1, .max_body = 65536};
	struct img_http_resp resp;
	r = img_http_do(h, &rq, &resp, err);
	if (r == 0) {
		if (resp.status != 200)
			r = berr_plain(err, resp.status == 401 || resp.status == 403 ? EACCES : EIO,
				       "login attempt to %s/v2/ failed with status: %ld%s", h->base,
				       resp.status, status_text(resp.status));
		img_http_resp_clear(&resp);
	}
	img_http_free(h);
	return r;
}
