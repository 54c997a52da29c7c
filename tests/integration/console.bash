# A system container's console (issue #20), for systemd.bats and vm_systemd.bats.

# console_attach NAME OUT: `berth attach NAME` in a terminal of script(1)'s, as a user would:
# Enter until the getty on the console asks for a login ("login: " in OUT, the terminal's
# transcript; it prompts again on an empty name), then a key ("x": the console's terminal echoes
# it after the prompt), then the detach keys, ctrl-p ctrl-q. The transcript ends with the
# attach's exit status ("rc=N"). Bounded: the attach is killed after 120 s (rc=124).
console_attach() {
	local name=$1 out=$2
	: >"$out"
	{
		for _ in $(seq 1 200); do
			printf '\r'
			sleep 0.5
			grep -q 'login: ' "$out" && break
		done
		printf x
		for _ in $(seq 1 100); do
			sleep 0.3
			grep -q 'login: x' "$out" && break
		done
		printf '\020\021'
	} | script -qfec "timeout --foreground 120 '$BERTH' --root '$STORE' --runroot '$RUNROOT' attach '$name'; echo rc=\$?" "$out" >/dev/null
	cat -v "$out"
}
