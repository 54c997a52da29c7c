/* berth's nftables table (see nft.h). */
#include "net/nft.h"

#include <errno.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/err.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#define T "inet " NET_NFT_TABLE

/* dnat by the published-port maps, the host address given first, then any: a packet not
 * to one of this host's addresses leaves at once, so a new connection costs one FIB
 * lookup (nat chains see only a connection's first packet) */
static void dnat_rules(struct strbuf *c, const char *chain)
{
	static const char *const fam[][2] = {{"ip", "4"}, {"ip6", "6"}};
	strbuf_addf(c, "add rule " T " %s fib daddr type != local return\n", chain);
	for (int i = 0; i < 2; i++) {
		strbuf_addf(c,
			    "add rule " T " %s meta nfproto %s dnat %s to %s daddr "
			    ". meta l4proto . th dport map @pub%s_ip\n",
			    chain, i ? "ipv6" : "ipv4", fam[i][0], fam[i][0], fam[i][1]);
		strbuf_addf(c,
			    "add rule " T " %s meta nfproto %s dnat %s to meta l4proto "
			    ". th dport map @pub%s\n",
			    chain, i ? "ipv6" : "ipv4", fam[i][0], fam[i][1]);
	}
}

char *net_nft_base(void)
{
	struct strbuf c = {0};
	strbuf_addf(&c, "add table " T "\n");
	strbuf_addf(&c, "add set " T " bridges { type ifname; }\n");
	strbuf_addf(&c, "add set " T " nat4 { type ipv4_addr; flags interval; }\n");
	strbuf_addf(&c, "add set " T " nat6 { type ipv6_addr; flags interval; }\n");
	strbuf_addf(&c, "add map " T
			" pub4 { type inet_proto . inet_service : ipv4_addr . inet_service; }\n");
	strbuf_addf(&c, "add map " T
			" pub6 { type inet_proto . inet_service : ipv6_addr . inet_service; }\n");
	strbuf_addf(&c, "add map " T " pub4_ip { type ipv4_addr . inet_proto . inet_service : "
			"ipv4_addr . inet_service; }\n");
	strbuf_addf(&c, "add map " T " pub6_ip { type ipv6_addr . inet_proto . inet_service : "
			"ipv6_addr . inet_service; }\n");
	strbuf_addf(&c, "add map " T " fwd_in { type ifname : verdict; }\n");
	strbuf_addf(&c, "add map " T " fwd_out { type ifname : verdict; }\n");
	/* published ports, from other hosts and from this one */
	strbuf_addf(&c, "add chain " T " prerouting { type nat hook prerouting priority dstnat; "
			"policy accept; }\n");
	strbuf_addf(&c, "flush chain " T " prerouting\n");
	dnat_rules(&c, "prerouting");
	strbuf_addf(&c, "add chain " T
			" output { type nat hook output priority -100; policy accept; }\n");
	strbuf_addf(&c, "flush chain " T " output\n");
	dnat_rules(&c, "output");
	strbuf_addf(&c, "add chain " T " postrouting { type nat hook postrouting priority srcnat; "
			"policy accept; }\n");
	strbuf_addf(&c, "flush chain " T " postrouting\n");
	strbuf_addf(&c, "add rule " T " postrouting ip saddr @nat4 ip daddr != @nat4 masquerade\n");
	strbuf_addf(&c,
		    "add rule " T " postrouting ip6 saddr @nat6 ip6 daddr != @nat6 masquerade\n");
	/* 127.0.0.1:PORT → a container: the source must become the bridge's address */
	strbuf_addf(&c, "add rule " T
			" postrouting ip saddr 127.0.0.0/8 oifname @bridges masquerade\n");
	/* a container reaching a published port: the reply must come back through us */
	strbuf_addf(&c, "add rule " T " postrouting ct status dnat ip saddr @nat4 oifname @bridges "
			"masquerade\n");
	strbuf_addf(&c,
		    "add rule " T " postrouting ct status dnat ip6 saddr @nat6 oifname @bridges "
		    "masquerade\n");
	strbuf_addf(&c, "add chain " T " forward { type filter hook forward priority filter; "
			"policy accept; }\n");
	strbuf_addf(&c, "flush chain " T " forward\n");
	/* a flow's later packets are taken at once: every flow here was let through by the
	 * bridges' chains when it began */
	strbuf_addf(&c, "add rule " T " forward ct state established,related accept\n");
	strbuf_addf(&c, "add rule " T " forward iifname vmap @fwd_in\n");
	strbuf_addf(&c, "add rule " T " forward oifname vmap @fwd_out\n");
	return c.s;
}

char *net_nft_network(const struct net_nft_network *n, bool add_)
{
	struct strbuf c = {0};
	const char *b = n->bridge;
	if (!add_) {
		strbuf_addf(&c, "delete element " T " fwd_in { \"%s\" }\n", b);
		strbuf_addf(&c, "delete element " T " fwd_out { \"%s\" }\n", b);
		strbuf_addf(&c, "delete element " T " bridges { \"%s\" }\n", b);
		if (n->subnet4 && !n->internal)
			strbuf_addf(&c, "delete element " T " nat4 { %s }\n", n->subnet4);
		if (n->subnet6 && !n->internal)
			strbuf_addf(&c, "delete element " T " nat6 { %s }\n", n->subnet6);
		strbuf_addf(&c, "delete chain " T " in-%s\n", b);
		strbuf_addf(&c, "delete chain " T " out-%s\n", b);
		return c.s;
	}
	/* from the bridge: to itself (bridged traffic seen here with br_netfilter), never to
	 * another of our bridges but through a published port (as Docker and netavark let it:
	 * isolation stops direct connections only), out unless the network is internal */
	strbuf_addf(&c, "add chain " T " in-%s\n", b);
	strbuf_addf(&c, "flush chain " T " in-%s\n", b);
	strbuf_addf(&c, "add rule " T " in-%s oifname \"%s\" accept\n", b, b);
	if (!n->internal)
		strbuf_addf(&c, "add rule " T " in-%s ct status dnat accept\n", b);
	strbuf_addf(&c, "add rule " T " in-%s oifname @bridges drop\n", b);
	strbuf_addf(&c, "add rule " T " in-%s %s\n", b, n->internal ? "drop" : "accept");
	/* to the bridge from elsewhere: published ports only (replies are taken in forward) */
	strbuf_addf(&c, "add chain " T " out-%s\n", b);
	strbuf_addf(&c, "flush chain " T " out-%s\n", b);
	if (!n->internal)
		strbuf_addf(&c, "add rule " T " out-%s ct status dnat accept\n", b);
	strbuf_addf(&c, "add rule " T " out-%s drop\n", b);
	strbuf_addf(&c, "add element " T " bridges { \"%s\" }\n", b);
	strbuf_addf(&c, "add element " T " fwd_in { \"%s\" : jump in-%s }\n", b, b);
	strbuf_addf(&c, "add element " T " fwd_out { \"%s\" : jump out-%s }\n", b, b);
	if (n->subnet4 && !n->internal)
		strbuf_addf(&c, "add element " T " nat4 { %s }\n", n->subnet4);
	if (n->subnet6 && !n->internal)
		strbuf_addf(&c, "add element " T " nat6 { %s }\n", n->subnet6);
	return c.s;
}

char *net_nft_ports(const struct net_nft_port *p, size_t n, bool add_)
{
	struct strbuf c = {0};
	strbuf_addf(&c, "%s", "");
	for (size_t i = 0; i < n; i++) {
		bool v6 = strchr(p[i].addr, ':') != NULL;
		const char *verb = add_ ? "add" : "delete";
		/* an IPv6 address in a concatenation needs no brackets; a port follows '.' */
		if (p[i].host_ip)
			strbuf_addf(&c, "%s element " T " pub%s_ip { %s . %s . %u : %s . %u }\n",
				    verb, v6 ? "6" : "4", p[i].host_ip, p[i].proto, p[i].host_port,
				    p[i].addr, p[i].port);
		else
			strbuf_addf(&c, "%s element " T " pub%s { %s . %u : %s . %u }\n", verb,
				    v6 ? "6" : "4", p[i].proto, p[i].host_port, p[i].addr,
				    p[i].port);
	}
	return c.s;
}

char *net_nft_drop_table(void)
{
	return xstrdup("delete table " T "\n");
}

int net_nft_run(const char *cmds, struct berr **err)
{
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!ctx)
		return berr_plain(err, ENOMEM, "nftables: cannot make a context");
	nft_ctx_buffer_output(ctx);
	nft_ctx_buffer_error(ctx);
	int r = nft_run_cmd_from_buffer(ctx, cmds);
	if (r != 0) {
		const char *msg = nft_ctx_get_error_buffer(ctx);
		size_t len = msg ? strcspn(msg, "\n") : 0;
		r = berr_plain(err, EIO, "nftables: %.*s", (int)len, len ? msg : "failed");
	}
	nft_ctx_free(ctx);
	return r;
}

void net_nft_run_each(const char *cmds)
{
	autofree char *copy = xstrdup(cmds);
	for (char *save = NULL, *l = strtok_r(copy, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		autofree char *line = xasprintf("%s\n", l);
		(void)net_nft_run(line, NULL);
	}
}

json_t *net_nft_elements(const char *map)
{
	json_t *out = json_array();
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!ctx)
		return out;
	nft_ctx_buffer_output(ctx);
	nft_ctx_buffer_error(ctx);
	autofree char *cmd = xasprintf("list map " T " %s\n", map);
	if (nft_run_cmd_from_buffer(ctx, cmd) == 0) {
		const char *text = nft_ctx_get_output_buffer(ctx);
		const char *e = text ? strstr(text, "elements = {") : NULL;
		const char *end = e ? strchr(e, '}') : NULL;
		if (e && end) {
			autofree char *body = xstrndup(e + 12, (size_t)(end - e - 12));
			for (char *save = NULL, *t = strtok_r(body, ",", &save); t;
			     t = strtok_r(NULL, ",", &save)) {
				t += strspn(t, " \t\n");
				size_t n = strlen(t);
				while (n &&
				       (t[n - 1] == ' ' || t[n - 1] == '\n' || t[n - 1] == '\t'))
					t[--n] = '\0';
				if (n)
					json_array_append_new(out, json_string(t));
			}
		}
	}
	nft_ctx_free(ctx);
	return out;
}

/* Whether a list command succeeds (its output discarded). */
static bool lists(const char *cmd)
{
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!ctx)
		return false;
	nft_ctx_buffer_output(ctx);
	nft_ctx_buffer_error(ctx);
	bool ok = nft_run_cmd_from_buffer(ctx, cmd) == 0;
	nft_ctx_free(ctx);
	return ok;
}

bool net_nft_table_exists(void)
{
	return lists("list table " T "\n");
}

bool net_nft_chain_exists(const char *chain)
{
	autofree char *cmd = xasprintf("list chain " T " %s\n", chain);
	return lists(cmd);
}
