/* What the service's image rooms share (internal to src/api): images.c (list, inspect, tag,
 * remove, history, prune; POST /images/create, which pulls or imports), registry.c (pull,
 * push, auth, search) and image_archive.c (save, load, import). */
#ifndef BERTH_API_IMAGES_H
#define BERTH_API_IMAGES_H

#include <jansson.h>
#include <stdbool.h>

#include "api/http.h"

struct berr;
struct img_store;

/* The store, with the engine's containers keeping their layers (as the command line's). */
struct img_store *api_image_store(struct api_req *r, struct berr **err);
/* err (taken) as the reply: ENOENT as dockerd's 404 "No such image: REF" (REF: NAME:latest for
 * a NAME without tag, sha256:ID for an id), else as
 * api_reply_berr says it. */
int api_reply_image_berr(struct api_req *r, struct berr *err, const char *name);

/* dockerd's insecure default: registries on the loopback speak plain HTTP when they must
 * (registry.c). */
bool api_registry_loopback(const char *domain);
/* A header of base64url JSON (X-Registry-Auth, X-Registry-Config) as an object; NULL when
 * absent or not decodable (dockerd then goes on without credentials). */
json_t *api_registry_header(struct api_req *r, const char *name);

/* POST /images/create?fromImage=: a pull, Docker's JSON progress (registry.c). */
int api_image_pull(struct api_req *r);
/* POST /images/create?fromSrc=: an import of the body's tar (image_archive.c). */
int api_image_import(struct api_req *r);

#endif
