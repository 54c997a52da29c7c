/* Owner translation for copies across an idmapped view (see idshift.h). */
#include "util/idshift.h"

#include <errno.h>
#include <linux/securebits.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>

#include "util/err.h"

#define OVERFLOW_ID 65534

static uint32_t shift(const struct idshift_range *r, size_t n, bool to_inside, uint32_t id)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t from = to_inside ? r[i].outside : r[i].inside;
		uint32_t to = to_inside ? r[i].inside : r[i].outside;
		if (id >= from && id - from < r[i].count)
			return to + (id - from);
	}
	return OVERFLOW_ID;
}

uint32_t idshift_uid(const struct idshift *s, uint32_t id)
{
	return s ? shift(s->uid, s->n_uid, s->to_inside, id) : id;
}

uint32_t idshift_gid(const struct idshift *s, uint32_t id)
{
	return s ? shift(s->gid, s->n_gid, s->to_inside, id) : id;
}

int idshift_fs_enter(uid_t uid, gid_t gid, struct idshift_creds *out, struct berr **err)
{
	out->active = false;
	out->securebits = prctl(PR_GET_SECUREBITS);
	if (out->securebits < 0 ||
	    prctl(PR_SET_SECUREBITS, out->securebits | SECBIT_NO_SETUID_FIXUP) < 0)
		return berr_set(err, errno, "keep capabilities across setfsuid");
	(void)setfsgid(gid);
	(void)setfsuid(uid);
	out->active = true;
	return 0;
}

void idshift_fs_leave(struct idshift_creds *c)
{
	if (!c->active)
		return;
	(void)setfsuid(0);
	(void)setfsgid(0);
	(void)prctl(PR_SET_SECUREBITS, c->securebits);
	c->active = false;
}
