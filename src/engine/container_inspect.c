/* Docker's inspect document of a container (/containers/{id}/json, `berth inspect`): dockerd
 * 20.10's keys in dockerd's order, each with berth's value where the record has one and with
 * the value dockerd gives where berth has none ("", 0, false, null or [] as dockerd writes
 * them), so that clients and templates find every field they find with dockerd (api_peer.bats
 * compares the key sets with a real dockerd's). The record keeps berth's own shape (a mount
 * plan, ulimits as flags): here they become Docker's (Binds, Tmpfs, Ulimits objects). Only
 * what berth alone has adds keys: Config.SystemdMode (podman's) and HostConfig.IDMappings.
 * Nothing here changes a container. */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/container_view.h"
#include "engine/network_view.h"
#include "engine/volume.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static const char *zero_time(const char *t)
{
	return *t ? t : "0001-01-01T00:00:00Z";
}

/* The value dockerd writes for a key berth has nothing for: null, "", 0, false, [], {}; '?'
 * is an omitempty key of dockerd's, left out unless berth has a value. */
static json_t *zero_of(char kind)
{
	switch (kind) {
	case 's':
		return json_string("");
	case 'i':
		return json_integer(0);
	case 'b':
		return json_false();
	case 'a':
		return json_array();
	case 'o':
		return json_object();
	default:
		return json_null();
	}
}

struct key {
	const char *name;
	char zero;
};

/* out gets each of keys in order: have's value, else the zero of its kind (have's reference
 * is taken). */
static void put_keys(json_t *out, const struct key *keys, json_t *have)
{
	for (const struct key *k = keys; k->name; k++) {
		json_t *v = json_object_get(have, k->name);
		if (v)
			json_object_set(out, k->name, v);
		else if (k->zero != '?')
			json_object_set_new(out, k->name, zero_of(k->zero));
	}
	json_decref(have);
}

/* a list berth keeps as [] that dockerd gives as null when empty */
static json_t *null_if_empty(json_t *a)
{
	return json_array_size(a) ? json_incref(a) : json_null();
}

/* --ulimit's NAME=SOFT[:HARD] as Docker's {Name, Hard, Soft} */
static json_t *ulimits(json_t *flags)
{
	json_t *out = json_array();
	size_t i;
	json_t *v;
	json_array_foreach(flags, i, v)
	{
		const char *u = json_string_value(v);
		const char *eq = u ? strchr(u, '=') : NULL;
		if (!eq)
			continue;
		char *end = NULL;
		long long soft = strtoll(eq + 1, &end, 10);
		long long hard = end && *end == ':' ? strtoll(end + 1, NULL, 10) : soft;
		json_array_append_new(out, json_pack("{s:s%, s:I, s:I}", "Name", u,
						     (size_t)(eq - u), "Hard", (json_int_t)hard,
						     "Soft", (json_int_t)soft));
	}
	return out;
}

/* --device's HOST[:CONTAINER[:PERMISSIONS]] as Docker's DeviceMapping */
static json_t *devices(json_t *flags)
{
	json_t *out = json_array();
	size_t i;
	json_t *v;
	json_array_foreach(flags, i, v)
	{
		autofree char *d = xstrdup(json_string_value(v) ?: "");
		char *save = NULL, *host = strtok_r(d, ":", &save);
		char *in = strtok_r(NULL, ":", &save), *perms = strtok_r(NULL, ":", &save);
		json_array_append_new(out, json_pack("{s:s, s:s, s:s}", "PathOnHost", host ?: "",
						     "PathInContainer", in ?: (host ?: ""),
						     "CgroupPermissions", perms ?: "rwm"));
	}
	return out;
}

/* The mount plan as dockerd keeps -v and --tmpfs: a bind or a named volume in Binds
 * ("SRC:DST[:ro]", null without one), a tmpfs in Tmpfs; an anonymous volume is only in
 * Config.Volumes. */
static void binds_of(const struct eng_store *s, json_t *plan, json_t *fix)
{
	json_t *binds = json_array(), *tmpfs = json_object();
	size_t i;
	json_t *m;
	json_array_foreach(plan, i, m)
	{
		const char *type = str(m, "Type"), *src = str(m, "Source");
		const char *ro = json_is_true(json_object_get(m, "RW")) ? "" : ":ro";
		if (!strcmp(type, "tmpfs")) {
			json_object_set_new(tmpfs, str(m, "Destination"), json_string(""));
			continue;
		}
		if (!strcmp(type, "volume")) {
			json_t *vol = eng_volume_load(s, src, NULL);
			bool anonymous = json_is_true(json_object_get(vol, "Anonymous"));
			json_decref(vol);
			if (anonymous)
				continue;
		} else if (strcmp(type, "bind")) {
			continue;
		}
		/* an idmap option as -v took it, after ro (podman lists its options there) */
		json_t *idmap = json_array_get(json_object_get(m, "Options"), 0);
		json_array_append_new(binds, json_sprintf("%s:%s%s%s%s", src, str(m, "Destination"),
							  ro, idmap ? (*ro ? "," : ":") : "",
							  idmap ? json_string_value(idmap) : ""));
	}
	json_object_set_new(fix, "Binds", json_array_size(binds) ? binds : json_null());
	if (!json_array_size(binds))
		json_decref(binds);
	if (json_object_size(tmpfs))
		json_object_set(fix, "Tmpfs", tmpfs);
	json_decref(tmpfs);
}

static json_t *string_list(const char *const *list)
{
	json_t *out = json_array();
	for (size_t i = 0; list[i]; i++)
		json_array_append_new(out, json_string(list[i]));
	return out;
}

/* dockerd 20.10's HostConfig, in its order (api/types/container/host_config.go) */
static const struct key host_keys[] = {{"Binds", 'n'},
				       {"ContainerIDFile", 's'},
				       {"LogConfig", 'n'},
				       {"NetworkMode", 's'},
				       {"PortBindings", 'o'},
				       {"RestartPolicy", 'n'},
				       {"AutoRemove", 'b'},
				       {"VolumeDriver", 's'},
				       {"VolumesFrom", 'n'},
				       {"CapAdd", 'n'},
				       {"CapDrop", 'n'},
				       {"CgroupnsMode", 's'},
				       {"Dns", 'a'},
				       {"DnsOptions", 'a'},
				       {"DnsSearch", 'a'},
				       {"ExtraHosts", 'n'},
				       {"GroupAdd", 'n'},
				       {"IpcMode", 's'},
				       {"Cgroup", 's'},
				       {"Links", 'n'},
				       {"OomScoreAdj", 'i'},
				       {"PidMode", 's'},
				       {"Privileged", 'b'},
				       {"PublishAllPorts", 'b'},
				       {"ReadonlyRootfs", 'b'},
				       {"SecurityOpt", 'n'},
				       {"StorageOpt", '?'},
				       {"Tmpfs", '?'},
				       {"UTSMode", 's'},
				       {"UsernsMode", 's'},
				       {"ShmSize", 'i'},
				       {"Sysctls", '?'},
				       {"Runtime", 's'},
				       {"ConsoleSize", 'n'},
				       {"Isolation", 's'},
				       {"CpuShares", 'i'},
				       {"Memory", 'i'},
				       {"NanoCpus", 'i'},
				       {"CgroupParent", 's'},
				       {"BlkioWeight", 'i'},
				       {"BlkioWeightDevice", 'a'},
				       {"BlkioDeviceReadBps", 'n'},
				       {"BlkioDeviceWriteBps", 'n'},
				       {"BlkioDeviceReadIOps", 'n'},
				       {"BlkioDeviceWriteIOps", 'n'},
				       {"CpuPeriod", 'i'},
				       {"CpuQuota", 'i'},
				       {"CpuRealtimePeriod", 'i'},
				       {"CpuRealtimeRuntime", 'i'},
				       {"CpusetCpus", 's'},
				       {"CpusetMems", 's'},
				       {"Devices", 'a'},
				       {"DeviceCgroupRules", 'n'},
				       {"DeviceRequests", 'n'},
				       {"KernelMemory", 'i'},
				       {"KernelMemoryTCP", 'i'},
				       {"MemoryReservation", 'i'},
				       {"MemorySwap", 'i'},
				       {"MemorySwappiness", 'n'},
				       {"OomKillDisable", 'b'},
				       {"PidsLimit", 'n'},
				       {"Ulimits", 'n'},
				       {"CpuCount", 'i'},
				       {"CpuPercent", 'i'},
				       {"IOMaximumIOps", 'i'},
				       {"IOMaximumBandwidth", 'i'},
				       {"Mounts", '?'},
				       {"MaskedPaths", 'n'},
				       {"ReadonlyPaths", 'n'},
				       {"Init", '?'},
				       {"IDMappings", '?'},
				       {NULL, 0}};

/* moby's oci/defaults.go, which bundle.c masks too; a privileged container has none */
static const char *const masked[] = {"/proc/asound",
				     "/proc/acpi",
				     "/proc/kcore",
				     "/proc/keys",
				     "/proc/latency_stats",
				     "/proc/timer_list",
				     "/proc/timer_stats",
				     "/proc/sched_debug",
				     "/proc/scsi",
				     "/sys/firmware",
				     NULL};
static const char *const readonly[] = {"/proc/bus",           "/proc/fs", "/proc/irq", "/proc/sys",
				       "/proc/sysrq-trigger", NULL};

/* What of the record's HostConfig dockerd shows otherwise (its form, its defaults). */
static json_t *host_fix(const struct eng_store *s, json_t *hc)
{
	json_t *fix = json_deep_copy(hc);
	binds_of(s, json_object_get(hc, "Mounts"), fix);
	if (!json_object_get(hc, "LogConfig"))
		json_object_set_new(fix, "LogConfig",
				    json_pack("{s:s, s:{}}", "Type", "json-file", "Config"));
	static const char *const nullable[] = {"CapAdd", "CapDrop", "ExtraHosts", "SecurityOpt",
					       NULL};
	for (size_t i = 0; nullable[i]; i++)
		json_object_set_new(fix, nullable[i],
				    null_if_empty(json_object_get(hc, nullable[i])));
	json_object_set_new(fix, "Ulimits", ulimits(json_object_get(hc, "Ulimits")));
	json_object_set_new(fix, "Devices", devices(json_object_get(hc, "Devices")));
	json_int_t pids = json_integer_value(json_object_get(hc, "PidsLimit"));
	json_object_set_new(fix, "PidsLimit", pids > 0 ? json_integer(pids) : json_null());
	/* the defaults berth applies, as dockerd writes them: a private IPC and cgroup
	 * namespace, 64 MiB of /dev/shm */
	if (!*str(hc, "IpcMode"))
		json_object_set_new(fix, "IpcMode", json_string("private"));
	if (!*str(hc, "CgroupnsMode"))
		json_object_set_new(fix, "CgroupnsMode", json_string("private"));
	if (json_integer_value(json_object_get(hc, "ShmSize")) <= 0)
		json_object_set_new(fix, "ShmSize", json_integer(64 << 20));
	bool vm = !strcmp(str(hc, "Isolation"), "vm");
	json_object_set_new(fix, "Isolation", json_string(vm ? "vm" : ""));
	json_object_set_new(fix, "Runtime", json_string(vm ? "berth-runtime-vm" : "berth-runtime"));
	bool priv = json_is_true(json_object_get(hc, "Privileged"));
	json_object_set_new(fix, "MaskedPaths", priv ? json_null() : string_list(masked));
	json_object_set_new(fix, "ReadonlyPaths", priv ? json_null() : string_list(readonly));
	/* omitempty in dockerd's: present when set */
	static const char *const omitted[] = {"Mounts", "StorageOpt", NULL};
	for (size_t i = 0; omitted[i]; i++)
		json_object_del(fix, omitted[i]);
	if (!json_object_size(json_object_get(hc, "Sysctls")))
		json_object_del(fix, "Sysctls");
	if (!json_is_true(json_object_get(hc, "Init")))
		json_object_del(fix, "Init");
	return fix;
}

json_t *eng_container_inspect_host(const struct eng_store *s, json_t *hc)
{
	json_t *host = json_object();
	put_keys(host, host_keys, host_fix(s, hc));
	return host;
}

/* dockerd 20.10's Config (api/types/container/config.go); ExposedPorts, Healthcheck,
 * ArgsEscaped, NetworkDisabled, MacAddress, StopSignal, StopTimeout and Shell only when set */
static const struct key config_keys[] = {
    {"Hostname", 's'},        {"Domainname", 's'},   {"User", 's'},
    {"AttachStdin", 'b'},     {"AttachStdout", 'b'}, {"AttachStderr", 'b'},
    {"ExposedPorts", '?'},    {"Tty", 'b'},          {"OpenStdin", 'b'},
    {"StdinOnce", 'b'},       {"Env", 'n'},          {"Cmd", 'n'},
    {"Healthcheck", '?'},     {"ArgsEscaped", '?'},  {"Image", 's'},
    {"Volumes", 'n'},         {"WorkingDir", 's'},   {"Entrypoint", 'n'},
    {"NetworkDisabled", '?'}, {"MacAddress", '?'},   {"OnBuild", 'n'},
    {"Labels", 'o'},          {"StopSignal", '?'},   {"StopTimeout", '?'},
    {"Shell", '?'},           {"SystemdMode", '?'},  {NULL, 0}};

static json_t *inspect_config(json_t *rec)
{
	json_t *have = json_deep_copy(json_object_get(rec, "Config"));
	if (!have)
		have = json_object();
	if (!json_object_size(json_object_get(have, "ExposedPorts")))
		json_object_del(have, "ExposedPorts");
	/* dockerd's generateHostname: no --hostname is the id's first 12 digits (the name the
	 * container has), the host's own with --network host */
	const char *h = str(have, "Hostname");
	if (!h || !*h) {
		const char *mode = str(json_object_get(rec, "HostConfig"), "NetworkMode");
		char host[256] = "";
		if (mode && !strcmp(mode, "host") && gethostname(host, sizeof(host) - 1) == 0)
			json_object_set_new(have, "Hostname", json_string(host));
		else
			json_object_set_new(have, "Hostname",
					    json_sprintf("%.12s", str(rec, "Id") ?: ""));
	}
	/* podman's keep-id without --user: the process runs as the user's ids, "UID:GID" */
	const char *keep =
	    str(json_object_get(json_object_get(rec, "HostConfig"), "IDMappings"), "KeepId");
	if (*keep && !*str(have, "User"))
		json_object_set_new(have, "User", json_string(keep));
	json_t *out = json_object();
	put_keys(out, config_keys, have);
	return out;
}

/* dockerd's EndpointSettings (api/types/network/network.go) */
static const struct key endpoint_keys[] = {{"IPAMConfig", 'n'},
					   {"Links", 'n'},
					   {"Aliases", 'n'},
					   {"NetworkID", 's'},
					   {"EndpointID", 's'},
					   {"Gateway", 's'},
					   {"IPAddress", 's'},
					   {"IPPrefixLen", 'i'},
					   {"IPv6Gateway", 's'},
					   {"GlobalIPv6Address", 's'},
					   {"GlobalIPv6PrefixLen", 'i'},
					   {"MacAddress", 's'},
					   {"DriverOpts", 'n'},
					   {NULL, 0}};

static json_t *endpoint(json_t *ep)
{
	json_t *out = json_object();
	put_keys(out, endpoint_keys, json_incref(ep));
	return out;
}

/* The record's networks; a container in the host's or no network is in dockerd's host or
 * none network (an endpoint with only its NetworkID: the pseudo network's id). */
static json_t *networks(const struct eng_store *s, json_t *rec)
{
	json_t *out = json_object();
	const char *k;
	json_t *ep;
	json_object_foreach(json_object_get(json_object_get(rec, "NetworkSettings"), "Networks"), k,
			    ep) json_object_set_new(out, k, endpoint(ep));
	const char *mode = str(json_object_get(rec, "HostConfig"), "NetworkMode");
	if (!json_object_size(out) && (!strcmp(mode, "none") || !strcmp(mode, "host"))) {
		json_t *net = eng_network_inspect(s, mode, false, NULL);
		json_t *ep0 = json_pack("{s:s}", "NetworkID", str(net, "Id"));
		json_object_set_new(out, mode, endpoint(ep0));
		json_decref(ep0);
		json_decref(net);
	}
	return out;
}

/* Docker's NetworkSettings: the networks, the running one's ports, the legacy top-level
 * fields of the default network; no hairpin, link-local or secondary addresses. */
static json_t *network_settings(const struct eng_store *s, json_t *rec, json_t *st, const char *id)
{
	bool running = json_is_true(json_object_get(st, "Running"));
	json_t *ports = running && json_is_object(json_object_get(st, "Ports"))
			    ? json_incref(json_object_get(st, "Ports"))
			    : json_object();
	json_t *def = json_object_get(
	    json_object_get(json_object_get(rec, "NetworkSettings"), "Networks"), "bridge");
	pid_t pid = (pid_t)json_integer_value(json_object_get(st, "Pid"));
	json_t *key =
	    running && pid > 0 ? json_sprintf("/proc/%d/ns/net", (int)pid) : json_string("");
	return json_pack(
	    "{s:s, s:s, s:b, s:s, s:i, s:o, s:o, s:n, s:n, s:s, s:s, s:s, s:i, s:s, s:i, s:s, "
	    "s:s, s:o}",
	    "Bridge", "", "SandboxID", running ? id : "", "HairpinMode", 0, "LinkLocalIPv6Address",
	    "", "LinkLocalIPv6PrefixLen", 0, "Ports", ports, "SandboxKey", key,
	    "SecondaryIPAddresses", "SecondaryIPv6Addresses", "EndpointID", "", "Gateway",
	    str(def, "Gateway"), "GlobalIPv6Address", str(def, "GlobalIPv6Address"),
	    "GlobalIPv6PrefixLen",
	    (int)json_integer_value(json_object_get(def, "GlobalIPv6PrefixLen")), "IPAddress",
	    str(def, "IPAddress"), "IPPrefixLen",
	    (int)json_integer_value(json_object_get(def, "IPPrefixLen")), "IPv6Gateway",
	    str(def, "IPv6Gateway"), "MacAddress", str(def, "MacAddress"), "Networks",
	    networks(s, rec));
}

static json_t *inspect_state(json_t *st)
{
	const char *status = str(st, "Status");
	json_t *state = json_pack(
	    "{s:s, s:b, s:b, s:b, s:b, s:b, s:I, s:I, s:s, s:s, s:s}", "Status", status, "Running",
	    json_is_true(json_object_get(st, "Running")), "Paused", !strcmp(status, "paused"),
	    "Restarting", !strcmp(status, "restarting"), "OOMKilled", 0, "Dead", 0, "Pid",
	    (json_int_t)json_integer_value(json_object_get(st, "Pid")), "ExitCode",
	    (json_int_t)json_integer_value(json_object_get(st, "ExitCode")), "Error",
	    str(st, "Error"), "StartedAt", zero_time(str(st, "StartedAt")), "FinishedAt",
	    zero_time(str(st, "FinishedAt")));
	if (json_object_get(st, "Health"))
		json_object_set(state, "Health", json_object_get(st, "Health"));
	return state;
}

/* overlayfs's directories as dockerd's overlay2 names them: the image's layers (top first)
 * under the container's own upper directory */
static json_t *graph_driver(const struct eng_store *s, json_t *rec, const char *id)
{
	autofree char *dir = eng_container_path(s, id, NULL);
	autofree char *lower = xstrdup("");
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(rec, "Layers"), i, v)
	{
		const char *chain = json_string_value(v);
		if (!chain || strncmp(chain, "sha256:", 7))
			continue;
		char *next = xasprintf("%s/layers/%s/diff%s%s", s->root, chain + 7,
				       *lower ? ":" : "", lower);
		free(lower);
		lower = next;
	}
	json_t *data = json_object();
	if (*lower)
		json_object_set_new(data, "LowerDir", json_string(lower));
	json_object_set_new(data, "MergedDir", json_sprintf("%s/rootfs", dir));
	json_object_set_new(data, "UpperDir", json_sprintf("%s/diff", dir));
	json_object_set_new(data, "WorkDir", json_sprintf("%s/work", dir));
	return json_pack("{s:o, s:s}", "Data", data, "Name", "overlay");
}

static bool is_exec_record(const char *name)
{
	size_t n = strspn(name, "0123456789abcdef");
	return n == ENG_ID_LEN && !strcmp(name + n, ".json");
}

/* The ids of the container's execs that have not ended (made or running), as dockerd's
 * ExecIDs; null when there is none. */
static json_t *exec_ids(const struct eng_store *s, const char *id)
{
	autofree char *path = eng_container_path(s, id, "execs");
	autoclosedir DIR *d = opendir(path);
	json_t *out = json_array();
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (!is_exec_record(e->d_name))
			continue;
		autofree char *file = xasprintf("%s/%s", path, e->d_name);
		json_t *x = json_load_file(file, 0, NULL);
		if (x && !json_is_integer(json_object_get(x, "ExitCode")))
			json_array_append_new(out, json_stringn(e->d_name, ENG_ID_LEN));
		json_decref(x);
	}
	if (json_array_size(out))
		return out;
	json_decref(out);
	return json_null();
}

/* Where the container's files are: its directory's names, in Docker's fields. */
static void inspect_paths(const struct eng_store *s, const char *id, json_t *out)
{
	autofree char *dir = eng_container_path(s, id, NULL);
	json_object_set_new(out, "ResolvConfPath", json_sprintf("%s/resolv.conf", dir));
	json_object_set_new(out, "HostnamePath", json_sprintf("%s/hostname", dir));
	json_object_set_new(out, "HostsPath", json_sprintf("%s/hosts", dir));
	json_object_set_new(out, "LogPath", json_sprintf("%s/%s-json.log", dir, id));
}

json_t *eng_container_inspect(const struct eng_store *s, const char *id, bool size,
			      struct berr **err)
{
	json_t *rec = eng_container_load(s, id, err);
	if (!rec)
		return NULL;
	json_t *st = eng_state_load(s, id);
	json_t *out = json_object();
	const char *head[] = {"Id", "Created", "Path", "Args"};
	for (size_t i = 0; i < 4; i++)
		json_object_set(out, head[i], json_object_get(rec, head[i]));
	json_object_set_new(out, "State", inspect_state(st));
	json_object_set(out, "Image", json_object_get(rec, "Image"));
	inspect_paths(s, id, out);
	json_object_set(out, "Name", json_object_get(rec, "Name"));
	json_object_set_new(out, "RestartCount",
			    json_integer(json_integer_value(json_object_get(st, "RestartCount"))));
	json_object_set_new(out, "Driver", json_string(str(rec, "Driver")));
	json_object_set_new(out, "Platform",
			    json_string(*str(rec, "Platform") ? str(rec, "Platform") : "linux"));
	/* no SELinux or AppArmor labels: berth applies none */
	json_object_set_new(out, "MountLabel", json_string(""));
	json_object_set_new(out, "ProcessLabel", json_string(""));
	json_object_set_new(out, "AppArmorProfile", json_string(""));
	json_object_set_new(out, "ExecIDs", exec_ids(s, id));
	json_object_set_new(out, "HostConfig",
			    eng_container_inspect_host(s, json_object_get(rec, "HostConfig")));
	json_object_set_new(out, "GraphDriver", graph_driver(s, rec, id));
	if (size) {
		int64_t rw = 0, rootfs = 0;
		eng_container_size(s, rec, id, &rw, &rootfs);
		json_object_set_new(out, "SizeRw", json_integer(rw));
		json_object_set_new(out, "SizeRootFs", json_integer(rootfs));
	}
	json_object_set_new(out, "Mounts", eng_container_mounts(s, rec));
	json_object_set_new(out, "Config", inspect_config(rec));
	json_object_set_new(out, "NetworkSettings", network_settings(s, rec, st, id));
	json_decref(st);
	json_decref(rec);
	return out;
}
