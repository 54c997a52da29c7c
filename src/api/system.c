/* /_ping, /version, /info, /system/df: what a client asks first, as the command line's
 * `version`, `info` and `system df` have them (engine/info.h). */
#include "api/routes.h"
#include "engine/info.h"

int api_ping(struct api_req *r)
{
	/* the headers are what clients read (Api-Version: the version they then speak) */
	return api_reply_text(r, 200, "text/plain; charset=utf-8", "OK", 2);
}

int api_version(struct api_req *r)
{
	return api_reply_json(r, 200, eng_system_version());
}

int api_info(struct api_req *r)
{
	return api_reply_json(r, 200, eng_system_info(&r->ctx->es));
}

int api_system_df(struct api_req *r)
{
	return api_reply_json(r, 200, eng_system_df(&r->ctx->es));
}
