/* network create, ls, inspect, rm, prune, connect, disconnect: the `network` group. */
#include "engine/network.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/berth/berth.h"
#include "cli/berth/flags.h"
#include "cli/berth/format.h"
#include "cli/berth/prune.h"
#include "engine/container.h"
#include "engine/endpoint.h"
#include "engine/network_view.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/filter.h"
#include "util/json.h"
#include "util/xalloc.h"

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* The driver checked, and the --subnet flags and their --gateway ones in no (IPv4 first): 0,
 * or the status of a usage error. */
static int create_subnets(const char *driver, const struct flag_list *subnets,
			  const struct flag_list *gateways, struct eng_network_opts *no)
{
	if (strcmp(driver, "bridge"))
		return cli_error(125, "network driver '%s' is not available: only bridge", driver);
	if (subnets->n > 2 || gateways->n > subnets->n)
		return cli_error(125, "one --subnet of each family, a --gateway for each at most");
	for (int i = 0; i < subnets->n; i++) {
		bool v6 = strchr(subnets->v[i], ':') != NULL;
		*(v6 ? &no->subnet6 : &no->subnet) = subnets->v[i];
		if (i < gateways->n)
			*(v6 ? &no->gateway6 : &no->gateway) = gateways->v[i];
	}
	if (!no->subnet && no->subnet6 && no->ip_range)
		return cli_error(125, "--ip-range needs an IPv4 --subnet");
	return 0;
}

static int network_create(struct cli_opts *o, int argc, char **argv)
{
	struct flag_list labels = {0}, opts = {0}, subnets = {0}, gateways = {0};
	const char *driver = "bridge", *ip_range = NULL;
	bool internal = false, ipv6 = false, attachable = false;
	const struct flag flags[] = {
	    {"driver", 'd', FLAG_STRING, &driver, "Driver to manage the Network (bridge)",
	     "string"},
	    {"subnet", 0, FLAG_LIST, &subnets, "Subnet in CIDR format (one IPv4, one IPv6)",
	     "strings"},
	    {"gateway", 0, FLAG_LIST, &gateways, "Gateway for the subnet", "strings"},
	    {"ip-range", 0, FLAG_STRING, &ip_range, "Allocate container ip from a sub-range",
	     "string"},
	    {"internal", 0, FLAG_BOOL, &internal, "Restrict external access to the network"},
	    {"ipv6", 0, FLAG_BOOL, &ipv6, "Enable IPv6 networking"},
	    {"label", 0, FLAG_LIST, &labels, "Set metadata on a network", "list"},
	    {"opt", 'o', FLAG_LIST, &opts, "Set driver specific options (mtu=N)", "map"},
	    {"attachable", 0, FLAG_BOOL, &attachable, "Accepted (every network is attachable)"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth network create", "[OPTIONS] NETWORK",
				     "Create a network", true, FLAG_EXACT_ARGS(1)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	int status = 0;
	if (n < 0) {
		status = flags_status(n); /* nothing more for --help either */
		goto out;
	}
	struct eng_network_opts no = {.internal = internal,
				      .ipv6 = ipv6,
				      .ip_range = ip_range,
				      .labels = (char *const *)labels.v,
				      .options = (char *const *)opts.v};
	status = create_subnets(driver, &subnets, &gateways, &no);
	if (!status) {
		no.name = pos[0];
		struct eng_store es = cli_engine(o);
		struct berr *err = NULL;
		char id[65];
		if (eng_network_create(&es, &no, id, &err) < 0)
			status = cli_fail(err, 1);
		else
			printf("%s\n", id);
	}
out:;
	struct flag_list *all[] = {&labels, &opts, &subnets, &gateways};
	for (size_t i = 0; i < 4; i++)
		flag_list_free(all[i]);
	return status;
}

/* A network's row of network ls. */
static json_t *ls_row(json_t *net, bool no_trunc)
{
	char id[13];
	snprintf(id, sizeof(id), "%.12s", str(net, "Id"));
	return json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID", no_trunc ? str(net, "Id") : id, "Name",
	    str(net, "Name"), "Driver", str(net, "Driver"), "Scope", "local", "IPv6",
	    json_is_true(json_object_get(net, "EnableIPv6")) ? "true" : "false", "Internal",
	    eng_network_internal(net) ? "true" : "false", "CreatedAt", str(net, "Created") ?: "");
}

static int network_ls(struct cli_opts *o, int argc, char **argv)
{
	bool quiet = false, no_trunc = false;
	const char *format = NULL;
	struct flag_list filters = {0};
	const struct flag flags[] = {
	    {"quiet", 'q', FLAG_BOOL, &quiet, "Only display network IDs"},
	    {"no-trunc", 0, FLAG_BOOL, &no_trunc, "Do not truncate the output"},
	    {"format", 0, FLAG_STRING, &format, "Format output using a Go template", "string"},
	    {"filter", 'f', FLAG_LIST, &filters,
	     "Provide filter values (name=, id=, driver=, label=, type=custom|builtin, "
	     "dangling=true|false, scope=local)",
	     "filter"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth network ls", "[OPTIONS]", "List networks", true,
				     FLAG_NO_ARGS};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0) {
		flag_list_free(&filters);
		return flags_status(n);
	}
	struct berr *err = NULL;
	json_auto_t *fm = filter_parse_args((char *const *)filters.v, filters.n, &err);
	flag_list_free(&filters);
	if (!fm || eng_network_filter_check(fm, &err) < 0)
		return cli_fail(err, 125);
	struct eng_store es = cli_engine(o);
	json_auto_t *nets = eng_network_docs(&es, &err);
	if (!nets)
		return cli_fail(err, 1);
	json_auto_t *rows = json_array();
	size_t i;
	json_t *net;
	int status = 0;
	json_array_foreach(nets, i, net)
	{
		if (eng_network_filter(&es, fm, net))
			json_array_append_new(rows, ls_row(net, no_trunc));
	}
	if (quiet) {
		json_array_foreach(rows, i, net) puts(str(net, "ID"));
	} else {
		json_auto_t *headers =
		    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID", "NETWORK ID", "Name",
			      "NAME", "Driver", "DRIVER", "Scope", "SCOPE", "IPv6", "IPV6",
			      "Internal", "INTERNAL", "CreatedAt", "CREATED AT");
		status = fmt_rows(format, "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}",
				  headers, rows);
	}
	return status;
}

static int network_inspect(struct cli_opts *o, int argc, char **argv)
{
	const char *format = NULL;
	const struct flag flags[] = {
	    {"format", 'f', FLAG_STRING, &format, "Format output using a Go template", "string"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth network inspect", "[OPTIONS] NETWORK [NETWORK...]",
				     "Display detailed information on one or more networks", true,
				     FLAG_MIN_ARGS(1)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
	struct eng_store es = cli_engine(o);
	json_t *out = json_array();
	int status = 0;
	for (int i = 0; i < n; i++) {
		struct berr *err = NULL;
		json_t *net = eng_network_inspect(&es, pos[i], true, &err);
		if (!net) {
			status = cli_fail(err, 1);
			continue;
		}
		json_array_append_new(out, net);
	}
	if (fmt_inspect(format, out))
		status = 1;
	json_decref(out);
	return status;
}

static int network_rm(struct cli_opts *o, int argc, char **argv)
{
	bool force = false;
	const struct flag flags[] = {
	    {"force", 'f', FLAG_BOOL, &force, "Do not error if the network does not exist"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth network rm", "NETWORK [NETWORK...]",
				     "Remove one or more networks", true, FLAG_MIN_ARGS(1)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
	struct eng_store es = cli_engine(o);
	int status = 0;
	for (int i = 0; i < n; i++) {
		struct berr *err = NULL;
		if (!strcmp(pos[i], "host") || !strcmp(pos[i], "none")) {
			status = cli_error(1, "%s is a pre-defined network and cannot be removed",
					   pos[i]);
			continue;
		}
		int r = eng_network_remove(&es, pos[i], &err);
		status = cli_rm_result(r, err, force, pos[i]) ?: status;
	}
	return status;
}

static bool prune_match(void *ctx, json_t *net)
{
	return prune_filter_match(ctx, str(net, "Created"), json_object_get(net, "Labels"));
}

static int network_prune(struct cli_opts *o, int argc, char **argv)
{
	bool force = false;
	struct flag_list filters = {0};
	const struct flag flags[] = {
	    {"force", 'f', FLAG_BOOL, &force, "Do not prompt for confirmation"},
	    {"filter", 0, FLAG_LIST, &filters, "Provide filter values (until=, label=, label!=)",
	     "filter"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth network prune", "[OPTIONS]",
				     "Remove all unused networks", true, FLAG_NO_ARGS};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	struct prune_filter pf = {0};
	int bad = n < 0 ? 0 : prune_filter_parse(&filters, true, &pf);
	flag_list_free(&filters);
	if (n < 0)
		return flags_status(n);
	if (bad)
		return bad;
	if (!force && !prune_confirm("WARNING! This will remove all custom networks not used by at "
				     "least one container.")) {
		prune_filter_free(&pf);
		return 0;
	}
	struct eng_store es = cli_engine(o);
	json_t *gone = json_array();
	eng_network_prune(&es, prune_match, &pf, gone);
	if (json_array_size(gone))
		printf("Deleted Networks:\n");
	size_t i;
	json_t *name;
	json_array_foreach(gone, i, name) printf("%s\n", json_string_value(name));
	json_decref(gone);
	prune_filter_free(&pf);
	return 0;
}

static int connect_or_not(struct cli_opts *o, int argc, char **argv, bool connect)
{
	const char *ip = NULL, *ip6 = NULL;
	bool force = false;
	struct flag_list aliases = {0};
	const struct flag cflags[] = {
	    {"ip", 0, FLAG_STRING, &ip, "IPv4 address (e.g., 172.30.100.104)", "string"},
	    {"ip6", 0, FLAG_STRING, &ip6, "IPv6 address (e.g., 2001:db8::33)", "string"},
	    {"alias", 0, FLAG_LIST, &aliases, "Add network-scoped alias for the container", "list"},
	    FLAG_END};
	const struct flag dflags[] = {
	    {"force", 'f', FLAG_BOOL, &force, "Force the container to disconnect from a network"},
	    FLAG_END};
	const struct flag_cmd cmd = {connect ? "berth network connect" : "berth network disconnect",
				     "[OPTIONS] NETWORK CONTAINER",
				     connect ? "Connect a container to a network"
					     : "Disconnect a container from a network",
				     true, FLAG_EXACT_ARGS(2)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, connect ? cflags : dflags, argc, argv, &pos);
	int status = n < 0 ? flags_status(n) : 0;
	if (n >= 0 && ip && ip6)
		status = cli_error(125, "one of --ip and --ip6, not both");
	if (n >= 0 && !status) { /* not after --help either */
		struct eng_store es = cli_engine(o);
		struct berr *err = NULL;
		char id[ENG_ID_LEN + 1];
		int r = eng_container_resolve(&es, pos[1], id, &err);
		if (r == 0 && connect)
			r = eng_network_connect(&es, pos[0], id, ip ? ip : ip6,
						(char *const *)aliases.v, &err);
		else if (r == 0)
			r = eng_network_disconnect(&es, pos[0], id, &err);
		if (r < 0)
			status = cli_fail(err, 1);
	}
	flag_list_free(&aliases);
	return status;
}

static int network_connect(struct cli_opts *o, int argc, char **argv)
{
	return connect_or_not(o, argc, argv, true);
}

static int network_disconnect(struct cli_opts *o, int argc, char **argv)
{
	return connect_or_not(o, argc, argv, false);
}

int cmd_network(struct cli_opts *o, int argc, char **argv)
{
	static const struct cli_command sub[] = {
	    {"create", "Create a network", network_create},
	    {"ls", "List networks", network_ls},
	    {"list", NULL, network_ls},
	    {"inspect", "Display detailed information on one or more networks", network_inspect},
	    {"rm", "Remove one or more networks", network_rm},
	    {"remove", NULL, network_rm},
	    {"prune", "Remove all unused networks", network_prune},
	    {"connect", "Connect a container to a network", network_connect},
	    {"disconnect", "Disconnect a container from a network", network_disconnect},
	    {NULL, NULL, NULL}};
	return cli_group(o, "network", "Manage networks", sub, argc, argv);
}
