/* What the process and stats endpoints parse: ps output (top), /proc/<pid>/net/dev, the
 * cgroup's block I/O files (v1 and v2) and v2 files, prune's until, the stats document's shape. */
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

#include "engine/container_proc.h"
#include "engine/container_prune.h"
#include "engine/stats.h"
#include "runtime/cgroup_stats.h"
#include "util/err.h"

static char *dump(json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return s;
}

static void top(void **state)
{
	static const char ps[] =
	    "UID          PID    PPID  C STIME TTY          TIME CMD\n"
	    "root           1       0  0 05:40 ?        00:00:00 /sbin/init\n"
	    "root          42       1  0 05:40 ?        00:00:00 sh -c sleep  9\n"
	    "root          43      42  0 05:40 ?        00:00:00 sleep 9\n";
	pid_t pids[] = {42, 43};
	char *s = dump(eng_top_parse(ps, pids, 2, NULL));
	/* the host's init is not the container's; the command keeps its words, joined by one
	 * space as dockerd joins them */
	assert_string_equal(
	    s,
	    "{\"Titles\":[\"UID\",\"PID\",\"PPID\",\"C\",\"STIME\",\"TTY\",\"TIME\",\"CMD\"],"
	    "\"Processes\":[[\"root\",\"42\",\"1\",\"0\",\"05:40\",\"?\",\"00:00:00\",\"sh -c "
	    "sleep 9\"],[\"root\",\"43\",\"42\",\"0\",\"05:40\",\"?\",\"00:00:00\",\"sleep 9\"]]}");
	free(s);
	/* ps -m: a thread's row ("-") goes with its process's */
	static const char threads[] = "PID TTY TIME CMD\n42 ? 00:00:00 sh\n- - 00:00:00 -\n"
				      "7 ? 00:00:00 init\n- - 00:00:00 -\n";
	s = dump(eng_top_parse(threads, pids, 2, NULL));
	assert_string_equal(s,
			    "{\"Titles\":[\"PID\",\"TTY\",\"TIME\",\"CMD\"],\"Processes\":[[\"42\","
			    "\"?\",\"00:00:00\",\"sh\"],[\"-\",\"-\",\"00:00:00\",\"-\"]]}");
	free(s);
	struct berr *err = NULL;
	assert_null(eng_top_parse("USER COMMAND\nroot sh\n", pids, 2, &err));
	assert_int_equal(berr_code(err), EINVAL);
	berr_free(err);
}

static void netdev(void **state)
{
	static const char text[] =
	    "Inter-|   Receive                                                |  Transmit\n"
	    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets "
	    "errs drop fifo colls carrier compressed\n"
	    "    lo:     100       2    0    0    0     0          0         0      100       2  "
	    "  0    0    0     0       0          0\n"
	    "  eth0:    5000      40    1    2    0     0          0         0      700       7  "
	    "  3    4    0     0       0          0\n";
	uint64_t rx, tx;
	char *s = dump(eng_stats_parse_netdev(text, &rx, &tx));
	assert_string_equal(s, "{\"eth0\":{\"rx_bytes\":5000,\"rx_packets\":40,\"rx_errors\":1,"
			       "\"rx_dropped\":2,\"tx_bytes\":700,\"tx_packets\":7,\"tx_errors\":3,"
			       "\"tx_dropped\":4}}");
	free(s);
	assert_int_equal(rx, 5000);
	assert_int_equal(tx, 700);
}

static void blkio(void **state)
{
	struct rt_cgroup_usage u = {0};
	rt_cgroup_parse_blkio_v1("254:0 Read 4096\n254:0 Write 8192\n254:0 Sync 8192\n"
				 "254:0 Total 12288\nTotal 12288\n",
				 &u);
	assert_int_equal(u.io_read_bytes, 4096);
	assert_int_equal(u.io_write_bytes, 8192);
	assert_int_equal(json_array_size(u.io_bytes), 4);
	rt_cgroup_usage_clear(&u);
	rt_cgroup_parse_io_v2("8:0 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0\n"
			      "8:16 rbytes=1 wbytes=2 rios=1 wios=1 dbytes=0 dios=0\n",
			      &u);
	assert_int_equal(u.io_read_bytes, 11);
	assert_int_equal(u.io_write_bytes, 22);
	char *s = dump(json_incref(json_array_get(u.io_bytes, 1)));
	assert_string_equal(s, "{\"major\":8,\"minor\":0,\"op\":\"write\",\"value\":20}");
	free(s);
	rt_cgroup_usage_clear(&u);
}

/* The v2 files' text, as the host's cgroupfs or a VM's guest gives it; "max" and a file that
 * is not there are 0. */
static void v2_usage(void **state)
{
	struct rt_cgroup_usage u = {0};
	const struct rt_cgroup_v2_files f = {
	    .cpu_stat = "usage_usec 30\nuser_usec 20\nsystem_usec 10\nnr_periods 4\n"
			"nr_throttled 2\nthrottled_usec 7\n",
	    .memory_current = "4096\n",
	    .memory_max = "max\n",
	    .memory_events = "low 0\nhigh 0\nmax 3\noom 1\noom_kill 5\n",
	    .memory_stat = "anon 100\nfile 200\n",
	    .pids_max = "64\n",
	    .io_stat = "8:0 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0\n",
	};
	rt_cgroup_v2_usage_parse(&f, &u);
	assert_true(u.v2);
	assert_int_equal(u.cpu_total_ns, 30000);
	assert_int_equal(u.cpu_user_ns, 20000);
	assert_int_equal(u.cpu_kernel_ns, 10000);
	assert_int_equal(u.throttle_periods, 4);
	assert_int_equal(u.throttled_periods, 2);
	assert_int_equal(u.throttled_ns, 7000);
	assert_int_equal(u.mem_usage, 4096);
	assert_int_equal(u.mem_limit, 0);
	assert_int_equal(u.mem_failcnt, 1);
	char *s = dump(json_incref(u.mem_stat));
	assert_string_equal(s, "{\"anon\":100,\"file\":200}");
	free(s);
	assert_int_equal(u.pids, 0);
	assert_int_equal(u.pids_limit, 64);
	assert_int_equal(u.io_read_bytes, 10);
	assert_int_equal(u.io_write_bytes, 20);
	rt_cgroup_usage_clear(&u);
}

static void until(void **state)
{
	time_t now = 1700000000;
	assert_true(eng_prune_until("1h", now) == now - 3600);
	assert_true(eng_prune_until("1h30m", now) == now - 5400);
	assert_true(eng_prune_until("90s", now) == now - 90);
	assert_true(eng_prune_until("1600000000", now) == 1600000000);
	assert_true(eng_prune_until("1600000000.5", now) == 1600000000.5);
	assert_true(eng_prune_until("2023-11-14T22:13:20Z", now) == 1700000000);
	assert_true(eng_prune_until("2023-11-14", now) == 1699920000);
	assert_true(eng_prune_until("soon", now) < 0);
	assert_true(eng_prune_until("10", now) == 10); /* unix seconds, not a duration */
	assert_true(eng_prune_until("1x", now) < 0);
	assert_true(eng_prune_until("", now) < 0);
}

/* A container that does not run: dockerd's zero document (its name and id only). */
static void zero_document(void **state)
{
	struct eng_stats_sample x = {0};
	char *s = dump(eng_stats_document("/web", "abc", &x, NULL));
	assert_non_null(strstr(s, "\"read\":\"0001-01-01T00:00:00Z\",\"preread\":"
				  "\"0001-01-01T00:00:00Z\",\"pids_stats\":{}"));
	assert_non_null(strstr(s, "\"io_service_bytes_recursive\":null"));
	assert_non_null(strstr(s, "\"memory_stats\":{},\"name\":\"/web\",\"id\":\"abc\"}"));
	assert_null(strstr(s, "networks"));
	assert_null(strstr(s, "system_cpu_usage"));
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(top),      cmocka_unit_test(netdev), cmocka_unit_test(blkio),
	    cmocka_unit_test(v2_usage), cmocka_unit_test(until),  cmocka_unit_test(zero_document),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
