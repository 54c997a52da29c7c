/* SHA-256 (OpenSSL's for streams, a portable one for short inputs), and parsing of OCI digest
 * strings (image-spec descriptor.md). */
#include "util/digest.h"

#include <errno.h>
#include <string.h>

#include "util/err.h"

/* Two block functions, one state. OpenSSL's uses the CPU's SHA extensions where present
 * (about 1.3 GB/s here against 0.17 GB/s for a portable C loop), and every byte of every image
 * goes through it at least twice (compressed blob, uncompressed layer). But mapping and
 * relocating libcrypto costs about 1.5 ms of CPU at every start, and every `berth run` starts
 * berth twice (the command and the container's monitor) only to hash a few short strings
 * (a seccomp cache key, an endpoint's name): so libcrypto is opened on first use (lazy_crypto.c)
 * and a stream's first SHA256_SMALL bytes go through the portable function below, on
 * OpenSSL's own SHA256_CTX (h, Nl/Nh in bits, the partial block in data, num its length:
 * crypto/md32_common.h), which OpenSSL's SHA256_Update and SHA256_Final then carry on from.
 * SHA256_* is deprecated in OpenSSL 3 in favour of EVP, whose context is heap-allocated; the
 * by-value context keeps our API free of a release call (OPENSSL_API_COMPAT in digest.h). */
#define SHA256_SMALL (64u * 1024)

static const uint32_t k256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror(uint32_t x, int n)
{
	return (x >> n) | (x << (32 - n));
}

/* FIPS 180-4 6.2.2: one 64-byte block into the state h. */
static void sha256_block(uint32_t h[8], const uint8_t *p)
{
	uint32_t w[64], v[8];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	memcpy(v, h, sizeof(v));
	for (int i = 0; i < 64; i++) {
		uint32_t t1 = v[7] + (ror(v[4], 6) ^ ror(v[4], 11) ^ ror(v[4], 25)) +
			      ((v[4] & v[5]) ^ (~v[4] & v[6])) + k256[i] + w[i];
		uint32_t t2 = (ror(v[0], 2) ^ ror(v[0], 13) ^ ror(v[0], 22)) +
			      ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
		memmove(v + 1, v, 7 * sizeof(v[0]));
		v[4] += t1;
		v[0] = t1 + t2;
	}
	for (int i = 0; i < 8; i++)
		h[i] += v[i];
}

static uint64_t sha256_bytes(const SHA256_CTX *c)
{
	return ((uint64_t)c->Nh << 32 | c->Nl) >> 3;
}

void sha256_init(struct sha256 *s)
{
	static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
				       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	memset(&s->ctx, 0, sizeof(s->ctx));
	for (int i = 0; i < 8; i++)
		s->ctx.h[i] = iv[i];
	s->ctx.md_len = SHA256_LEN;
}

void sha256_update(struct sha256 *s, const void *data, size_t len)
{
	SHA256_CTX *c = &s->ctx;
	if (sha256_bytes(c) + len > SHA256_SMALL) {
		SHA256_Update(c, data, len);
		return;
	}
	uint64_t bits = (sha256_bytes(c) + len) << 3;
	c->Nl = (SHA_LONG)bits;
	c->Nh = (SHA_LONG)(bits >> 32);
	uint8_t *buf = (uint8_t *)c->data;
	const uint8_t *p = data;
	while (len > 0) {
		size_t n = SHA256_CBLOCK - c->num < len ? SHA256_CBLOCK - c->num : len;
		memcpy(buf + c->num, p, n);
		c->num += (unsigned int)n;
		p += n;
		len -= n;
		if (c->num == SHA256_CBLOCK) {
			sha256_block(c->h, buf);
			c->num = 0;
		}
	}
}

void sha256_final(struct sha256 *s, uint8_t out[SHA256_LEN])
{
	SHA256_CTX *c = &s->ctx;
	if (sha256_bytes(c) > SHA256_SMALL) {
		SHA256_Final(out, c);
		return;
	}
	/* FIPS 180-4 5.1.1: 0x80, zeros, the length in bits big-endian in the last 8 bytes */
	uint64_t bits = sha256_bytes(c) << 3;
	uint8_t *buf = (uint8_t *)c->data;
	buf[c->num++] = 0x80;
	if (c->num > SHA256_CBLOCK - 8) {
		memset(buf + c->num, 0, SHA256_CBLOCK - c->num);
		sha256_block(c->h, buf);
		c->num = 0;
	}
	memset(buf + c->num, 0, SHA256_CBLOCK - 8 - c->num);
	for (int i = 0; i < 8; i++)
		buf[SHA256_CBLOCK - 1 - i] = (uint8_t)(bits >> (8 * i));
	sha256_block(c->h, buf);
	for (int i = 0; i < 8; i++)
		for (int j = 0; j < 4; j++)
			out[4 * i + j] = (uint8_t)(c->h[i] >> (24 - 8 * j));
	memset(c, 0, sizeof(*c));
}

void digest_to_hex(const uint8_t *bin, size_t len, char *out_hex)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out_hex[2 * i] = hex[bin[i] >> 4];
		out_hex[2 * i + 1] = hex[bin[i] & 15];
	}
	out_hex[2 * len] = '\0';
}

void sha256_hex(const void *data, size_t len, char out_hex[SHA256_HEX_LEN + 1])
{
	struct sha256 s;
	uint8_t bin[SHA256_LEN];
	sha256_init(&s);
	sha256_update(&s, data, len);
	sha256_final(&s, bin);
	digest_to_hex(bin, SHA256_LEN, out_hex);
}

int digest_parse(const char *digest, char out_hex[SHA256_HEX_LEN + 1], struct berr **err)
{
	static const char prefix[] = "sha256:";
	if (strncmp(digest, prefix, sizeof(prefix) - 1) != 0)
		return berr_plain(err, EINVAL, "digest '%s': unsupported algorithm", digest);
	const char *h = digest + sizeof(prefix) - 1;
	if (strlen(h) != SHA256_HEX_LEN)
		return berr_plain(err, EINVAL, "digest '%s': want 64 hex digits", digest);
	for (const char *c = h; *c; c++)
		if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
			return berr_plain(err, EINVAL, "digest '%s': not lower-case hex", digest);
	memcpy(out_hex, h, SHA256_HEX_LEN + 1);
	return 0;
}
