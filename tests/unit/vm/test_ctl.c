/* The control port's config frame (vm/proto.h): what the host writes first on berth.ctl, and
 * what the guest init accepts of it. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
// clang-format on

#include "vm/proto.h"

static void config_frame(void **state)
{
	unsigned char h[VM_FRAME_HEADER];
	vm_frame_header(h, (enum vm_frame)VM_C_CONFIG, 0, 1234);
	assert_int_equal(vm_config_parse(h), 1234);
	vm_frame_header(h, (enum vm_frame)VM_C_CONFIG, 0, 0);
	assert_int_equal(vm_config_parse(h), 0);
	vm_frame_header(h, (enum vm_frame)VM_C_CONFIG, 0, VM_CONFIG_MAX);
	assert_int_equal(vm_config_parse(h), VM_CONFIG_MAX);
	/* a guest takes no more than the limit, whatever the host says */
	vm_frame_header(h, (enum vm_frame)VM_C_CONFIG, 0, VM_CONFIG_MAX + 1);
	assert_int_equal(vm_config_parse(h), -1);
	/* nor a frame of another type or session, nor a line where the frame should be */
	vm_frame_header(h, VM_X_OPEN, 0, 10);
	assert_int_equal(vm_config_parse(h), -1);
	vm_frame_header(h, (enum vm_frame)VM_C_CONFIG, 1, 10);
	assert_int_equal(vm_config_parse(h), -1);
	vm_frame_header(h, (enum vm_frame)VM_C_CONFIG, 0, 10);
	h[1] = 1;
	assert_int_equal(vm_config_parse(h), -1);
	memcpy(h, "signal 1", VM_FRAME_HEADER);
	assert_int_equal(vm_config_parse(h), -1);
}

/* The config's type is no exec frame: on berth.exec it ends the channel. */
static void config_not_exec(void **state)
{
	unsigned char h[VM_FRAME_HEADER];
	vm_frame_header(h, (enum vm_frame)VM_C_CONFIG, 0, 4);
	enum vm_frame t;
	unsigned id;
	size_t len;
	assert_int_equal(vm_frame_parse(h, sizeof(h), &t, &id, &len), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(config_frame),
	    cmocka_unit_test(config_not_exec),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
