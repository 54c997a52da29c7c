/* top of a member of a pod of one VM: ps options read into the guest's columns
 * (engine/pod_vm_ps.c), what procps would show for them, and what is refused. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
// clang-format on

#include "engine/pod_vm.h"
#include "util/err.h"

static void expect(const char *args, const char *cols)
{
	char *c = eng_pod_vm_ps_columns(args, NULL);
	assert_non_null(c);
	assert_string_equal(c, cols);
	free(c);
}

static void refused(const char *args, const char *why)
{
	struct berr *err = NULL;
	assert_null(eng_pod_vm_ps_columns(args, &err));
	assert_non_null(err);
	assert_int_equal(berr_code(err), EINVAL);
	char *msg = berr_string(err);
	assert_non_null(strstr(msg, why));
	free(msg);
	berr_free(err);
}

static void formats(void **state)
{
	(void)state;
	static const char ef[] =
	    "user=UID,pid=PID,ppid=PPID,c=C,stime=STIME,tty=TTY,time=TIME,args=CMD";
	expect("", ef);
	expect("-ef", ef);
	expect("-e -f", ef);
	expect("aux", "user=USER,pid=PID,pcpu=%CPU,pmem=%MEM,vsz=VSZ,rss=RSS,tty=TTY,stat=STAT,"
		      "stime=START,time=TIME,args=COMMAND");
	expect("-e", "pid=PID,tty=TTY,time=TIME,comm=CMD");
	expect("ax", "pid=PID,tty=TTY,stat=STAT,time=TIME,args=COMMAND");
	expect("-o pid,comm", "pid=PID,comm=COMMAND");
	expect("-eo pid,%cpu,cmd", "pid=PID,pcpu=%CPU,args=CMD");
	expect("-opid,uid", "pid=PID,uid=UID");
	expect("axo pid,etime", "pid=PID,etime=ELAPSED");
	expect("-o pid -o comm=NAME", "pid=PID,comm=NAME");
	/* a header ends at ',' (procps-ng 4's ps -o pid=A,comm: columns A and COMMAND) */
	expect("-o pid=A,comm", "pid=A,comm=COMMAND");
	expect("-o comm=A,pid=B", "comm=A,pid=B");
	expect("-o pid=A=B:C/é,%cpu=X%", "pid=A=B:C/é,pcpu=X%");
}

static void refusals(void **state)
{
	(void)state;
	refused("-C sleep", "'-C' is not supported");
	refused("--forest", "'--forest' is not supported");
	refused("-o pid,wchan", "the format key 'wchan' is not supported");
	refused("-o pid,comm=A,B", "the format key 'B' is not supported");
	refused("-o pid=", "a header must be a word");
	refused("-o", "the format list is missing");
	refused("e", "'e' is not supported");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(formats),
	    cmocka_unit_test(refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
