/* newc cpio archives (see cpio.h). */
#include "vm/cpio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/xalloc.h"

#define HDR_LEN 110

static void grow(struct vm_cpio *c, size_t n)
{
	if (c->len + n <= c->cap)
		return;
	c->cap = (c->len + n) * 2 + 4096;
	c->data = xrealloc(c->data, c->cap);
}

static void pad4(struct vm_cpio *c)
{
	size_t p = (4 - c->len % 4) % 4;
	grow(c, p);
	memset(c->data + c->len, 0, p);
	c->len += p;
}

static void entry(struct vm_cpio *c, const char *name, uint32_t mode, const void *data, size_t len)
{
	size_t nlen = strlen(name) + 1;
	grow(c, HDR_LEN + nlen + 4 + len + 4);
	/* magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor,
	 * rdevminor, namesize, check: all hex, eight digits */
	int n = snprintf(c->data + c->len, HDR_LEN + 1,
			 "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
			 name[0] ? ++c->ino : 0, mode, 0, 0, S_ISDIR(mode) ? 2 : 1, 0,
			 (unsigned)len, 0, 0, 0, 0, (unsigned)nlen, 0);
	c->len += (size_t)n;
	memcpy(c->data + c->len, name, nlen);
	c->len += nlen;
	pad4(c);
	if (len) {
		memcpy(c->data + c->len, data, len);
		c->len += len;
	}
	pad4(c);
}

void vm_cpio_dir(struct vm_cpio *c, const char *name, mode_t mode)
{
	entry(c, name, S_IFDIR | (mode & 07777), NULL, 0);
}

void vm_cpio_file(struct vm_cpio *c, const char *name, mode_t mode, const void *data, size_t len)
{
	entry(c, name, S_IFREG | (mode & 07777), data, len);
}

void vm_cpio_trailer(struct vm_cpio *c)
{
	c->ino = 0;
	entry(c, "TRAILER!!!", 0, NULL, 0);
}

void vm_cpio_free(struct vm_cpio *c)
{
	free(c->data);
	memset(c, 0, sizeof(*c));
}

static unsigned long field(const char *p, int i)
{
	char b[9];
	memcpy(b, p + 6 + i * 8, 8);
	b[8] = '\0';
	return strtoul(b, NULL, 16);
}

int vm_cpio_next(const char *data, size_t len, size_t *off, char *name, size_t name_cap,
		 uint32_t *out_mode, const char **out_data, size_t *out_len)
{
	size_t o = *off;
	if (o + HDR_LEN > len || memcmp(data + o, "070701", 6))
		return -1;
	unsigned long mode = field(data + o, 1), size = field(data + o, 6),
		      nlen = field(data + o, 11);
	size_t name_at = o + HDR_LEN;
	if (nlen == 0 || nlen > name_cap || name_at + nlen > len || data[name_at + nlen - 1])
		return -1;
	memcpy(name, data + name_at, nlen);
	size_t data_at = (name_at + nlen + 3) & ~(size_t)3;
	if (data_at + size > len)
		return -1;
	if (!strcmp(name, "TRAILER!!!"))
		return -1;
	*out_mode = (uint32_t)mode;
	*out_data = data + data_at;
	*out_len = size;
	*off = (data_at + size + 3) & ~(size_t)3;
	return 0;
}
