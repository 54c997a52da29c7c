/* What an image is, as Docker's documents show it: the inspect document
 * (/images/{name}/json), the list item (/images/json's ImageSummary) and the history. Both
 * front ends (the command line's `image inspect`, `images` and `history`, the API service)
 * print these; tables, short ids and ages are theirs. */
#ifndef BERTH_IMAGE_IMAGE_VIEW_H
#define BERTH_IMAGE_IMAGE_VIEW_H

#include <jansson.h>

struct berr;
struct img_config;
struct img_store;

/* The record a name means and its parsed config (the built-in image loaded when named); the
 * caller frees both. ENOENT "no such image: NAME". */
json_t *img_image_open(struct img_store *s, const char *name, struct img_config **out_cfg,
		       struct berr **err);
/* Docker's image inspect: Id, RepoTags, RepoDigests, Parent, Comment, Created, Container,
 * ContainerConfig, DockerVersion, Author, Config (every field filled, as Docker's),
 * Architecture, [Variant,] Os, Size, VirtualSize, GraphDriver, RootFS, Metadata. */
json_t *img_image_inspect(struct img_store *s, const char *name, struct berr **err);
/* The same from a record and its config already at hand. */
json_t *img_image_inspect_of(struct img_store *s, json_t *rec, const struct img_config *c);
/* Docker's ImageSummary of a record: Id, ParentId, RepoTags, RepoDigests (familiar names;
 * ["<none>:<none>"], ["<none>@<none>"] for an image with neither, as 20.10 lists them),
 * Created (unix seconds), Size, SharedSize (-1), VirtualSize, Labels (the config's, {} when
 * none or unreadable), Containers (-1: not counted). */
json_t *img_image_summary(struct img_store *s, json_t *rec);
/* Docker's image history (/images/{name}/history, `history`): an item per entry of the
 * config's history, newest first: Id (the image's for the newest, else "<missing>"), Created
 * (unix seconds, 0 when unreadable), CreatedBy, Tags (the familiar names on the newest, else
 * null), Size (of the layer the entry made, 0 for an empty one), Comment. */
json_t *img_image_history(struct img_store *s, json_t *rec, const struct img_config *c);

#endif
