/* Device rules: parsing, and the v2 eBPF program (see cgroup_devices.h). */
#include "runtime/cgroup_devices.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"

static const struct rt_dev_rule default_rules[] = {
    {true, 'c', 1, 3, RT_DEV_ALL}, {true, 'c', 1, 5, RT_DEV_ALL}, {true, 'c', 1, 7, RT_DEV_ALL},
    {true, 'c', 1, 8, RT_DEV_ALL}, {true, 'c', 1, 9, RT_DEV_ALL}, {true, 'c', 5, 0, RT_DEV_ALL},
    {true, 'c', 5, 1, RT_DEV_ALL}, {true, 'c', 5, 2, RT_DEV_ALL}, {true, 'c', 136, -1, RT_DEV_ALL},
};

static int parse_one(json_t *d, size_t i, struct rt_dev_rule *r, struct berr **err)
{
	const char *w = "linux.resources.devices";
	const char *type = NULL, *access = NULL;
	*r = (struct rt_dev_rule){.major = -1, .minor = -1};
	if (!json_is_object(d))
		return berr_set(err, EINVAL, "%s[%zu]: expected object", w, i);
	if (json_opt_bool(d, w, "allow", &r->allow, err) < 0 ||
	    json_opt_str(d, w, "type", &type, err) < 0 ||
	    json_opt_i64(d, w, "major", &r->major, NULL, err) < 0 ||
	    json_opt_i64(d, w, "minor", &r->minor, NULL, err) < 0 ||
	    json_opt_str(d, w, "access", &access, err) < 0)
		return -EINVAL;
	if (!type || !*type)
		type = "a";
	if (strlen(type) != 1 || !strchr("acb", type[0]))
		return berr_set(err, EINVAL, "%s[%zu].type: '%s' is not a, c or b", w, i, type);
	r->type = type[0];
	if (!access || !*access)
		access = "rwm";
	if (strspn(access, "rwm") != strlen(access))
		return berr_set(err, EINVAL, "%s[%zu].access: '%s' is not of r, w, m", w, i,
				access);
	r->access = (strchr(access, 'r') ? RT_DEV_READ : 0) |
		    (strchr(access, 'w') ? RT_DEV_WRITE : 0) |
		    (strchr(access, 'm') ? RT_DEV_MKNOD : 0);
	if (r->major < -1 || r->major > INT32_MAX || r->minor < -1 || r->minor > INT32_MAX)
		return berr_set(err, EINVAL, "%s[%zu]: major/minor out of range", w, i);
	return 0;
}

int rt_dev_rules_parse(json_t *devices, struct rt_dev_rule **out, size_t *out_n, struct berr **err)
{
	size_t n = json_array_size(devices), i;
	size_t nd = sizeof(default_rules) / sizeof(default_rules[0]);
	struct rt_dev_rule *rules = xcalloc(n + nd + 1, sizeof(*rules));
	json_t *d;
	json_array_foreach(devices, i, d)
	{
		if (parse_one(d, i, &rules[i], err) < 0) {
			free(rules);
			return -EINVAL;
		}
	}
	if (n)
		memcpy(rules + n, default_rules, sizeof(default_rules));
	*out = rules;
	*out_n = n ? n + nd : 0;
	return 0;
}

/* Instruction builders (the kernel's uapi has the encoding, not these helpers). */
static struct bpf_insn ldx_w(int dst, int src, short off)
{
	return (struct bpf_insn){
	    .code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = dst, .src_reg = src, .off = off};
}

static struct bpf_insn alu_k(int op, int dst, int32_t imm)
{
	return (struct bpf_insn){.code = BPF_ALU64 | op | BPF_K, .dst_reg = dst, .imm = imm};
}

static struct bpf_insn mov_x(int dst, int src)
{
	return (struct bpf_insn){
	    .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = dst, .src_reg = src};
}

static struct bpf_insn jne_k(int dst, int32_t imm, short off)
{
	return (struct bpf_insn){
	    .code = BPF_JMP | BPF_JNE | BPF_K, .dst_reg = dst, .off = off, .imm = imm};
}

static struct bpf_insn exit_insn(void)
{
	return (struct bpf_insn){.code = BPF_JMP | BPF_EXIT};
}

/* One rule: jumps past its own end when the request does not match, else returns. */
static size_t rule_block(const struct rt_dev_rule *r, struct bpf_insn *b)
{
	size_t k = 0;
	size_t jumps[4], nj = 0;
	if (r->type != 'a') {
		jumps[nj++] = k;
		b[k++] = jne_k(2, r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, 0);
		if ((r->access & RT_DEV_ALL) != RT_DEV_ALL) {
			/* every requested bit must be one the rule names */
			b[k++] = mov_x(1, 3);
			b[k++] = alu_k(BPF_AND, 1, (int32_t)(~r->access & RT_DEV_ALL));
			jumps[nj++] = k;
			b[k++] = jne_k(1, 0, 0);
		}
		if (r->major >= 0) {
			jumps[nj++] = k;
			b[k++] = jne_k(4, (int32_t)r->major, 0);
		}
		if (r->minor >= 0) {
			jumps[nj++] = k;
			b[k++] = jne_k(5, (int32_t)r->minor, 0);
		}
	}
	b[k++] = alu_k(BPF_MOV, 0, r->allow ? 1 : 0);
	b[k++] = exit_insn();
	for (size_t j = 0; j < nj; j++)
		b[jumps[j]].off = (short)(k - jumps[j] - 1);
	return k;
}

void rt_dev_program(const struct rt_dev_rule *rules, size_t n, struct bpf_insn **out, size_t *out_n)
{
	struct bpf_insn *p = xcalloc(8 + n * 10, sizeof(*p));
	size_t k = 0;
	/* struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; } */
	p[k++] = ldx_w(2, 1, 0);
	p[k++] = alu_k(BPF_AND, 2, 0xffff); /* r2: type */
	p[k++] = ldx_w(3, 1, 0);
	p[k++] = alu_k(BPF_RSH, 3, 16); /* r3: access */
	p[k++] = ldx_w(4, 1, 4);        /* r4: major */
	p[k++] = ldx_w(5, 1, 8);        /* r5: minor */
	/* The last matching rule decides: test them from the end. An "a" rule matches all,
	 * so nothing before it (nor the default) is reachable: the verifier refuses dead code. */
	bool decided = false;
	for (size_t i = n; i-- > 0 && !decided;) {
		k += rule_block(&rules[i], p + k);
		decided = rules[i].type == 'a';
	}
	if (!decided) {
		p[k++] = alu_k(BPF_MOV, 0, 0);
		p[k++] = exit_insn();
	}
	*out = p;
	*out_n = k;
}

static long bpf(int cmd, union bpf_attr *attr)
{
	return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

int rt_dev_attach(const char *dir, const struct bpf_insn *insns, size_t n, struct berr **err)
{
	autoclose int cg = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0)
		return berr_set(err, errno, "open cgroup '%s'", dir);
	uint32_t old[64];
	union bpf_attr q = {.query = {.target_fd = (uint32_t)cg,
				      .attach_type = BPF_CGROUP_DEVICE,
				      .prog_ids = (uint64_t)(uintptr_t)old,
				      .prog_cnt = 64}};
	if (bpf(BPF_PROG_QUERY, &q) < 0)
		return berr_set(err, errno, "query device programs of '%s'", dir);
	char log[4096] = "";
	union bpf_attr load = {.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE,
			       .insns = (uint64_t)(uintptr_t)insns,
			       .insn_cnt = (uint32_t)n,
			       .license = (uint64_t)(uintptr_t) "Apache-2.0",
			       .log_buf = (uint64_t)(uintptr_t)log,
			       .log_size = sizeof(log),
			       .log_level = 1};
	autoclose int prog = (int)bpf(BPF_PROG_LOAD, &load);
	if (prog < 0)
		return berr_set(err, errno, "load device program: %.200s", log);
	union bpf_attr at = {.target_fd = (uint32_t)cg,
			     .attach_bpf_fd = (uint32_t)prog,
			     .attach_type = BPF_CGROUP_DEVICE,
			     .attach_flags = BPF_F_ALLOW_MULTI};
	if (bpf(BPF_PROG_ATTACH, &at) < 0)
		return berr_set(err, errno, "attach device program to '%s'", dir);
	for (uint32_t i = 0; i < q.query.prog_cnt && i < 64; i++) {
		union bpf_attr id = {.prog_id = old[i]};
		autoclose int fd = (int)bpf(BPF_PROG_GET_FD_BY_ID, &id);
		union bpf_attr de = {.target_fd = (uint32_t)cg,
				     .attach_bpf_fd = (uint32_t)fd,
				     .attach_type = BPF_CGROUP_DEVICE};
		if (fd < 0 || bpf(BPF_PROG_DETACH, &de) < 0)
			return berr_set(err, errno, "detach old device program of '%s'", dir);
	}
	return 0;
}
