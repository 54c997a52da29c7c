# A system container's console (issue #20), for systemd.bats, vm_systemd.bats and
# podman_vm_systemd.bats.

# console_attach NAME OUT [KEYS [SHOWN]]: `berth attach NAME` in a terminal of script(1)'s, as a
# user would: Enter until the getty on the console asks for a login ("login: " in OUT, the
# terminal's transcript; it prompts again on an empty name), then KEYS (printf's %b: default
# "x", which the console's terminal echoes after the prompt) until SHOWN is in OUT (default
# "login: KEYS"), then the detach keys, ctrl-p ctrl-q, one at a time (podman 4.3 passes both on
# when they come in one write). $CONSOLE_ATTACH, when set, is the attach's command line instead
# (podman's attach). The transcript ends with the attach's exit status ("rc=N"). Bounded: the
# attach is killed after 120 s (rc=124).
console_attach() {
	local name=$1 out=$2 keys=${3:-x}
	local shown=${4:-login: $keys}
	local cmd=${CONSOLE_ATTACH:-"'$BERTH' --root '$STORE' --runroot '$RUNROOT' attach '$name'"}
	: >"$out"
	{
		for _ in $(seq 1 200); do
			printf '\r'
			sleep 0.5
			grep -q 'login: ' "$out" && break
		done
		printf '%b' "$keys"
		for _ in $(seq 1 100); do
			sleep 0.3
			grep -qF "$shown" "$out" && break
		done
		printf '\020'
		sleep 0.5
		printf '\021'
	} | script -qfec "timeout --foreground -k 5 120 $cmd; echo rc=\$?" "$out" >/dev/null
	cat -v "$out"
}
