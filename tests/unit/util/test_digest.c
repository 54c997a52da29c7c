/* SHA-256 against FIPS 180-4 test vectors, and OCI digest string parsing. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
// clang-format on

#include "util/digest.h"
#include "util/err.h"

static void test_vectors(void **state)
{
	char hex[SHA256_HEX_LEN + 1];
	sha256_hex("", 0, hex);
	assert_string_equal(hex,
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha256_hex("abc", 3, hex);
	assert_string_equal(hex,
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	sha256_hex(two, strlen(two), hex);
	assert_string_equal(hex,
			    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_million_a_streamed(void **state)
{
	struct sha256 s;
	uint8_t out[SHA256_LEN];
	char hex[SHA256_HEX_LEN + 1];
	char chunk[1000];
	memset(chunk, 'a', sizeof(chunk));
	sha256_init(&s);
	/* Odd-sized pieces cross block boundaries in every way. */
	size_t done = 0, step = 1;
	while (done < 1000000) {
		size_t n = step < 1000000 - done ? step : 1000000 - done;
		if (n > sizeof(chunk))
			n = sizeof(chunk);
		sha256_update(&s, chunk, n);
		done += n;
		step = step * 7 % 997 + 1;
	}
	sha256_final(&s, out);
	digest_to_hex(out, SHA256_LEN, hex);
	assert_string_equal(hex,
			    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* The portable block function (a stream's first 64 KiB) and OpenSSL's (the rest) share one
 * state: every length around a block and around the switch, in one piece and in pieces of
 * every phase, against OpenSSL's own one-shot SHA256(). */
static void check_against_openssl(const uint8_t *data, size_t len, size_t step)
{
	uint8_t want[SHA256_LEN], got[SHA256_LEN];
	SHA256(data, len, want);
	struct sha256 s;
	sha256_init(&s);
	for (size_t done = 0; done < len;) {
		size_t n = step < len - done ? step : len - done;
		sha256_update(&s, data + done, n);
		done += n;
	}
	sha256_final(&s, got);
	assert_memory_equal(got, want, SHA256_LEN);
}

static void test_small_and_switch(void **state)
{
	size_t max = 64 * 1024 + 300;
	uint8_t *data = malloc(max);
	assert_non_null(data);
	for (size_t i = 0; i < max; i++)
		data[i] = (uint8_t)(i * 131 + (i >> 8));
	for (size_t len = 0; len <= 300; len++)
		check_against_openssl(data, len, len ? len : 1);
	for (size_t len = 64 * 1024 - 130; len <= max; len++)
		for (size_t step = 1; step < 200; step += 61)
			check_against_openssl(data, len, step == 1 ? len : step * 17);
	free(data);
}

static void test_parse(void **state)
{
	char hex[SHA256_HEX_LEN + 1];
	struct berr *err = NULL;
	const char *good =
	    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	assert_int_equal(digest_parse(good, hex, &err), 0);
	assert_string_equal(hex, good + 7);
	assert_true(digest_parse("sha512:abcd", hex, &err) < 0);
	berr_clear(&err);
	assert_true(digest_parse("sha256:E3B0", hex, &err) < 0);
	berr_clear(&err);
	assert_true(
	    digest_parse("sha256:../../../../etc/passwd00000000000000000000000000000000000000", hex,
			 &err) < 0);
	berr_clear(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vectors),
	    cmocka_unit_test(test_million_a_streamed),
	    cmocka_unit_test(test_small_and_switch),
	    cmocka_unit_test(test_parse),
	};
	return cmocka_run_group_tests_name("util/digest", tests, NULL, NULL);
}
