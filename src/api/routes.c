/* The route table (see routes.h), in one visible array. */
#include "api/routes.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct route {
	const char *method; /* "GET", ...; "GET|HEAD" for both */
	const char *path;   /* "/containers/{}/start" */
	int (*handler)(struct api_req *r);
};

static const struct route routes[] = {
    {"GET|HEAD", "/_ping", api_ping},
    {"GET", "/version", api_version},
    {"GET", "/info", api_info},
    {"GET", "/system/df", api_system_df},
    {"GET", "/events", api_events},
    {"POST", "/commit", api_commit},
    {"GET", "/volumes", api_volumes_list},
    {"POST", "/volumes/create", api_volume_create},
    {"POST", "/volumes/prune", api_volumes_prune},
    {"GET", "/volumes/{}", api_volume_inspect},
    {"DELETE", "/volumes/{}", api_volume_delete},
    {"GET", "/networks", api_networks_list},
    {"POST", "/networks/create", api_network_create},
    {"POST", "/networks/prune", api_networks_prune},
    {"POST", "/networks/{}/connect", api_network_connect},
    {"POST", "/networks/{}/disconnect", api_network_disconnect},
    {"GET", "/networks/{}", api_network_inspect},
    {"DELETE", "/networks/{}", api_network_delete},
    {"GET", "/containers/json", api_containers_list},
    {"POST", "/containers/create", api_container_create},
    {"POST", "/containers/prune", api_containers_prune},
    {"GET", "/containers/{}/json", api_container_inspect},
    {"POST", "/containers/{}/start", api_container_start},
    {"POST", "/containers/{}/stop", api_container_stop},
    {"POST", "/containers/{}/restart", api_container_restart},
    {"POST", "/containers/{}/kill", api_container_kill},
    {"GET", "/containers/{}/top", api_container_top},
    {"GET", "/containers/{}/stats", api_container_stats},
    {"POST", "/containers/{}/pause", api_container_pause},
    {"POST", "/containers/{}/unpause", api_container_unpause},
    {"POST", "/containers/{}/rename", api_container_rename},
    {"POST", "/containers/{}/update", api_container_update},
    {"POST", "/containers/{}/resize", api_container_resize},
    {"POST", "/containers/{}/wait", api_container_wait},
    {"DELETE", "/containers/{}", api_container_delete},
    {"GET", "/containers/{}/logs", api_container_logs},
    {"POST", "/containers/{}/attach", api_container_attach},
    {"GET|HEAD", "/containers/{}/archive", api_container_archive},
    {"PUT", "/containers/{}/archive", api_container_archive_put},
    {"GET", "/containers/{}/export", api_container_export},
    {"GET", "/containers/{}/changes", api_container_changes},
    {"POST", "/containers/{}/exec", api_exec_create},
    {"POST", "/exec/{}/start", api_exec_start},
    {"POST", "/exec/{}/resize", api_exec_resize},
    {"GET", "/exec/{}/json", api_exec_inspect},
    {"GET", "/images/json", api_images_list},
    {"GET", "/images/get", api_images_get},
    {"POST", "/images/load", api_images_load},
    {"POST", "/images/prune", api_images_prune},
    {"GET", "/images/search", api_images_search},
    {"GET", "/images/{}/get", api_images_get},
    {"GET", "/images/{}/history", api_image_history},
    {"POST", "/images/{}/push", api_image_push},
    {"POST", "/auth", api_auth},
    {"GET", "/images/{}/json", api_image_inspect},
    {"POST", "/images/create", api_image_create},
    {"POST", "/images/{}/tag", api_image_tag},
    {"DELETE", "/images/{}", api_image_delete},
    {"POST", "/build", api_build},
    {"POST", "/session", api_build_session},
};

static bool method_is(const char *list, const char *m)
{
	size_t n = strlen(m);
	for (const char *p = list; *p;) {
		if (!strncmp(p, m, n) && (p[n] == '|' || !p[n]))
			return true;
		p = strchr(p, '|');
		if (!p)
			break;
		p++;
	}
	return false;
}

/* Whether path matches pattern, which has one "{}" at most: its text before and after it
 * match the path's ends, and what is between (not empty; image names hold '/') is the
 * parameter, copied into *out_param. */
static bool match(const char *pattern, const char *path, char **out_param)
{
	const char *hole = strstr(pattern, "{}");
	if (!hole)
		return !strcmp(pattern, path);
	size_t pre = (size_t)(hole - pattern), post = strlen(hole + 2), n = strlen(path);
	if (n <= pre + post || strncmp(path, pattern, pre) || strcmp(path + n - post, hole + 2))
		return false;
	*out_param = strndup(path + pre, n - pre - post);
	return *out_param != NULL;
}

void api_route(struct api_req *r)
{
	bool path_known = false;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		char *param = NULL;
		if (!match(routes[i].path, r->path, &param))
			continue;
		path_known = true;
		if (!method_is(routes[i].method, r->method)) {
			free(param);
			continue;
		}
		r->param = param;
		routes[i].handler(r);
		return;
	}
	if (path_known)
		api_reply_error(r, 405, "method %s not allowed for %s", r->method, r->path);
	else
		api_reply_error(r, 404, "page not found");
}
