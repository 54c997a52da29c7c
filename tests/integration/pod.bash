# What pod.bats, pod_userns.bats and kube.bats share: the set-up, the clean-up and remember.

pod_setup() {
	store_setup
	command -v nft >/dev/null || skip "nft (nftables) is not installed"
}

pod_teardown() {
	berth pod rm -af >/dev/null 2>&1 || true
	# a --cgroup-parent of a test's own stays, as podman leaves its parent
	[ ! -f "$WORK/cgparent" ] || find /sys/fs/cgroup -maxdepth 2 -type d -path "*$(cat "$WORK/cgparent")" -delete 2>/dev/null || true
	net_teardown
	store_teardown
	[ -z "$LEFT" ] || { echo "left behind:$LEFT" >&2; return 1; }
}

# remember [POD]: every container of the pod POD (the infra's too), or of the store, remembered
# for store_teardown's cgroup check.
remember() {
	if [ $# -gt 0 ]; then
		berth pod inspect --format '{{range .Containers}}{{.Id}} {{end}}' "$1" | tr ' ' '\n'
	else
		berth ps -aq --no-trunc
	fi >>"$WORK/ids"
}
