/* Parsed container records by file identity (see record_cache.h). An open-addressing table
 * keyed by container id; a file's identity is its device, inode, size, modification and change
 * times: records are replaced by rename (json_write_atomic), which gives a new inode and a new
 * change time, so a record read after any rewrite is never taken for the old one. */
#include "engine/record_cache.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "engine/store.h"
#include "util/json.h"
#include "util/xalloc.h"

/* What says a file is the one read before. */
struct file_id {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

struct entry {
	char id[ENG_ID_LEN + 1]; /* "" for a free slot */
	struct file_id file;     /* container.json's */
	json_t *rec;
	char *view_key, *view; /* a text made from rec and what view_key names, or NULL */
	/* a settled state (engine/container.h eng_state_peek) and its state.json's identity;
	 * state_absent: made for no file at all */
	struct file_id state_file;
	bool state_absent;
	json_t *state;
};

struct eng_record_cache {
	struct entry *slots;
	size_t cap, used; /* cap a power of two, used at most half of it */
};

struct eng_record_cache *eng_record_cache_new(void)
{
	struct eng_record_cache *c = xzalloc(sizeof(*c));
	c->cap = 64;
	c->slots = xcalloc(c->cap, sizeof(*c->slots));
	return c;
}

static void forget(struct entry *e)
{
	json_decref(e->rec);
	json_decref(e->state);
	free(e->view_key);
	free(e->view);
	e->rec = e->state = NULL;
	e->view_key = e->view = NULL;
}

void eng_record_cache_free(struct eng_record_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->cap; i++)
		forget(&c->slots[i]);
	free(c->slots);
	free(c);
}

/* FNV-1a of the id (ids are random hex already; names are not keys here) */
static size_t hash(const char *id)
{
	uint64_t h = 1469598103934665603ull;
	for (; *id; id++)
		h = (h ^ (unsigned char)*id) * 1099511628211ull;
	return (size_t)h;
}

static struct entry *slot(struct entry *slots, size_t cap, const char *id)
{
	for (size_t i = hash(id) & (cap - 1);; i = (i + 1) & (cap - 1))
		if (!slots[i].id[0] || !strcmp(slots[i].id, id))
			return &slots[i];
}

static bool same_file(const struct file_id *f, const struct stat *st)
{
	return f->dev == st->st_dev && f->ino == st->st_ino && f->size == st->st_size &&
	       f->mtime.tv_sec == st->st_mtim.tv_sec && f->mtime.tv_nsec == st->st_mtim.tv_nsec &&
	       f->ctime.tv_sec == st->st_ctim.tv_sec && f->ctime.tv_nsec == st->st_ctim.tv_nsec;
}

static struct file_id file_id_of(const struct stat *st)
{
	return (struct file_id){.dev = st->st_dev,
				.ino = st->st_ino,
				.size = st->st_size,
				.mtime = st->st_mtim,
				.ctime = st->st_ctim};
}

json_t *eng_record_cache_get(struct eng_record_cache *c, const char *id, const struct stat *st)
{
	if (strlen(id) != ENG_ID_LEN)
		return NULL;
	struct entry *e = slot(c->slots, c->cap, id);
	return e->id[0] && same_file(&e->file, st) ? json_incref(e->rec) : NULL;
}

static void grow(struct eng_record_cache *c)
{
	size_t cap = c->cap * 2;
	struct entry *slots = xcalloc(cap, sizeof(*slots));
	for (size_t i = 0; i < c->cap; i++)
		if (c->slots[i].id[0])
			*slot(slots, cap, c->slots[i].id) = c->slots[i];
	free(c->slots);
	c->slots = slots;
	c->cap = cap;
}

void eng_record_cache_put(struct eng_record_cache *c, const char *id, const struct stat *st,
			  json_t *rec)
{
	if (strlen(id) != ENG_ID_LEN)
		return;
	if (2 * (c->used + 1) > c->cap)
		grow(c);
	struct entry *e = slot(c->slots, c->cap, id);
	if (!e->id[0]) {
		memcpy(e->id, id, sizeof(e->id));
		c->used++;
	}
	forget(e);
	e->rec = json_incref(rec);
	e->file = file_id_of(st);
}

void eng_record_cache_keep(struct eng_record_cache *c, char *const *ids, json_t *const *recs,
			   size_t n)
{
	if (!c)
		return;
	/* the listed ones into a new table: what was removed is left behind and freed */
	struct eng_record_cache fresh = {.cap = 64};
	while (fresh.cap < 2 * n)
		fresh.cap *= 2;
	fresh.slots = xcalloc(fresh.cap, sizeof(*fresh.slots));
	for (size_t i = 0; i < n; i++) {
		if (strlen(ids[i]) != ENG_ID_LEN)
			continue;
		struct entry *e = slot(c->slots, c->cap, ids[i]);
		if (recs[i] && e->id[0] && e->rec == recs[i]) {
			*slot(fresh.slots, fresh.cap, ids[i]) = *e;
			/* moved: what it points to is the new table's now; the id stays, so that
			 * probing for the ids after it still finds them */
			e->rec = e->state = NULL;
			e->view_key = e->view = NULL;
			fresh.used++;
		}
	}
	for (size_t i = 0; i < c->cap; i++)
		forget(&c->slots[i]);
	free(c->slots);
	*c = fresh;
}

/* the entry holding this very parse of id's record, or NULL */
static struct entry *holding(struct eng_record_cache *c, const char *id, json_t *rec)
{
	if (!c || strlen(id) != ENG_ID_LEN)
		return NULL;
	struct entry *e = slot(c->slots, c->cap, id);
	return e->id[0] && e->rec == rec ? e : NULL;
}

const char *eng_record_cache_view(struct eng_record_cache *c, const char *id, json_t *rec,
				  const char *key)
{
	struct entry *e = holding(c, id, rec);
	return e && e->view_key && !strcmp(e->view_key, key) ? e->view : NULL;
}

void eng_record_cache_set_view(struct eng_record_cache *c, const char *id, json_t *rec,
			       const char *key, const char *text)
{
	struct entry *e = holding(c, id, rec);
	if (!e)
		return;
	free(e->view_key);
	free(e->view);
	e->view_key = xstrdup(key);
	e->view = xstrdup(text);
}

json_t *eng_record_cache_state(struct eng_record_cache *c, const char *id, const struct stat *st)
{
	if (!c || strlen(id) != ENG_ID_LEN)
		return NULL;
	struct entry *e = slot(c->slots, c->cap, id);
	if (!e->id[0] || !e->state || e->state_absent != !st ||
	    (st && !same_file(&e->state_file, st)))
		return NULL;
	return json_incref(e->state);
}

void eng_record_cache_set_state(struct eng_record_cache *c, const char *id, const struct stat *st,
				json_t *state)
{
	if (!c || strlen(id) != ENG_ID_LEN)
		return;
	struct entry *e = slot(c->slots, c->cap, id);
	if (!e->id[0])
		return; /* its record is not here: neither is its state */
	json_decref(e->state);
	e->state = json_incref(state);
	e->state_absent = !st;
	if (st)
		e->state_file = file_id_of(st);
}
