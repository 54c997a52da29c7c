/* The service's routes (internal to src/api): method and path pattern ("{}" a path part given
 * to the handler in r->param) to a handler of system.c, containers.c, images.c. */
#ifndef BERTH_API_ROUTES_H
#define BERTH_API_ROUTES_H

#include "api/http.h"

/* The handler for r's method and path: run (it replies), or 404/405 as dockerd answers. */
void api_route(struct api_req *r);

/* The handlers, by room. */
int api_ping(struct api_req *r);
int api_version(struct api_req *r);
int api_info(struct api_req *r);
int api_system_df(struct api_req *r);
int api_events(struct api_req *r);
int api_commit(struct api_req *r);

int api_volumes_list(struct api_req *r);
int api_volume_create(struct api_req *r);
int api_volume_inspect(struct api_req *r);
int api_volume_delete(struct api_req *r);
int api_volumes_prune(struct api_req *r);

int api_networks_list(struct api_req *r);
int api_network_create(struct api_req *r);
int api_network_inspect(struct api_req *r);
int api_network_delete(struct api_req *r);
int api_network_connect(struct api_req *r);
int api_network_disconnect(struct api_req *r);
int api_networks_prune(struct api_req *r);

int api_containers_list(struct api_req *r);
int api_container_create(struct api_req *r);
int api_container_inspect(struct api_req *r);
int api_container_start(struct api_req *r);
int api_container_stop(struct api_req *r);
int api_container_restart(struct api_req *r);
int api_container_kill(struct api_req *r);
int api_container_top(struct api_req *r);
int api_container_stats(struct api_req *r);
int api_container_pause(struct api_req *r);
int api_container_unpause(struct api_req *r);
int api_container_rename(struct api_req *r);
int api_container_update(struct api_req *r);
int api_container_resize(struct api_req *r);
int api_containers_prune(struct api_req *r);
int api_container_wait(struct api_req *r);
int api_container_delete(struct api_req *r);
int api_container_logs(struct api_req *r);
int api_container_attach(struct api_req *r);
int api_container_archive(struct api_req *r);
int api_container_archive_put(struct api_req *r);
int api_container_export(struct api_req *r);
int api_container_changes(struct api_req *r);

int api_exec_create(struct api_req *r);
int api_exec_start(struct api_req *r);
int api_exec_inspect(struct api_req *r);
int api_exec_resize(struct api_req *r);

int api_images_list(struct api_req *r);
int api_images_get(struct api_req *r);
int api_images_load(struct api_req *r);
int api_images_prune(struct api_req *r);
int api_images_search(struct api_req *r);
int api_image_history(struct api_req *r);
int api_image_push(struct api_req *r);
int api_auth(struct api_req *r);
int api_image_inspect(struct api_req *r);
int api_image_create(struct api_req *r);
int api_image_tag(struct api_req *r);
int api_image_delete(struct api_req *r);

int api_build(struct api_req *r);
int api_build_session(struct api_req *r);

#endif
