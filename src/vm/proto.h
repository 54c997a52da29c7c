/* The exec channel between the host and berth's guest init: the virtio-serial port
 * berth.exec carries the processes run into a running VM (`berth exec`), many at once, as
 * frames of 8 bytes (type, 0, session id: 16 bits big-endian, payload length: 32 bits
 * big-endian) and the payload. Header-only: the guest init is built without berth's
 * libraries. Either side treats the other as untrusted: a frame over VM_FRAME_MAX or of an
 * unknown type ends the channel.
 *
 * The control port berth.ctl starts with one frame of the same shape, host → guest: the
 * VM's config (VM_C_CONFIG, session 0, at most VM_CONFIG_MAX), the first thing the host
 * writes there; lines follow it both ways ("started", "signal N", ...). The config is not in
 * the initramfs, so that one initramfs serves every VM of a guest shape and a template can be
 * saved before anything of a container exists (docs/DESIGN.md "VM templates"). */
#ifndef BERTH_VM_PROTO_H
#define BERTH_VM_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define VM_FRAME_MAX    (32 << 10)
#define VM_FRAME_HEADER 8

enum vm_frame {
	VM_X_OPEN = 1,      /* host → guest: the process, as NUL-separated records (guestcfg.h) */
	VM_X_STDIN = 2,     /* host → guest: input */
	VM_X_STDIN_EOF = 3, /* host → guest: no more input */
	VM_X_SIGNAL = 4,    /* host → guest: "N", for the session's process */
	VM_X_RESIZE = 5,    /* host → guest: "rows cols" of its terminal */
	VM_X_STARTED = 6,   /* guest → host: the process runs */
	VM_X_STDOUT = 7,    /* guest → host: output (a terminal's too) */
	VM_X_STDERR = 8,    /* guest → host */
	VM_X_EXIT = 9,      /* guest → host: "N", the exit status as a shell gives it; the end */
	VM_X_ERROR = 10,    /* guest → host: "CODE message", it could not be run; the end */
	VM_X_FILE = 11,     /* host → guest, session 0: "PATH\0CONTENT", a bound file changed */
};

/* berth.ctl's one frame: not an exec frame (vm_frame_parse refuses its type) */
#define VM_C_CONFIG   0x43
#define VM_CONFIG_MAX (8 << 20) /* the records: 16 bound files of 256 KiB fit, with room */

static inline void vm_frame_header(unsigned char h[VM_FRAME_HEADER], enum vm_frame type,
				   unsigned id, size_t len)
{
	h[0] = (unsigned char)type;
	h[1] = 0;
	h[2] = (unsigned char)(id >> 8);
	h[3] = (unsigned char)id;
	h[4] = (unsigned char)(len >> 24);
	h[5] = (unsigned char)(len >> 16);
	h[6] = (unsigned char)(len >> 8);
	h[7] = (unsigned char)len;
}

/* A frame at the start of buf (have bytes): its whole length (header and payload) when it
 * is all there, 0 when more is needed, -1 when it is malformed. */
static inline long vm_frame_parse(const unsigned char *buf, size_t have, enum vm_frame *type,
				  unsigned *id, size_t *len)
{
	if (have < VM_FRAME_HEADER)
		return 0;
	uint32_t n = (uint32_t)buf[4] << 24 | (uint32_t)buf[5] << 16 | (uint32_t)buf[6] << 8 |
		     (uint32_t)buf[7];
	if (buf[0] < VM_X_OPEN || buf[0] > VM_X_FILE || buf[1] || n > VM_FRAME_MAX)
		return -1;
	*type = (enum vm_frame)buf[0];
	*id = (unsigned)buf[2] << 8 | buf[3];
	*len = n;
	return have < VM_FRAME_HEADER + (size_t)n ? 0 : (long)(VM_FRAME_HEADER + n);
}

/* The config frame's header at the start of buf (VM_FRAME_HEADER bytes): its payload's
 * length, or -1 when it is not one (another type, a session, over VM_CONFIG_MAX). */
static inline long vm_config_parse(const unsigned char buf[VM_FRAME_HEADER])
{
	uint32_t n = (uint32_t)buf[4] << 24 | (uint32_t)buf[5] << 16 | (uint32_t)buf[6] << 8 |
		     (uint32_t)buf[7];
	if (buf[0] != VM_C_CONFIG || buf[1] || buf[2] || buf[3] || n > VM_CONFIG_MAX)
		return -1;
	return (long)n;
}

#endif
