#!/usr/bin/env python3
# bench/seccomp-count.py PID UNISTD_64_H [list]: used by bench/compare.
import ctypes, os, struct, sys
# the seccomp filters installed in process PID (ptrace PTRACE_SECCOMP_GET_FILTER), run for each
# x86_64 syscall number (args 0): how many of them the filters let through to the kernel
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
libc.ptrace.restype = ctypes.c_long
pid, table = int(sys.argv[1]), sys.argv[2]
PTRACE_ATTACH, PTRACE_DETACH, GET_FILTER = 16, 17, 0x420c
if libc.ptrace(PTRACE_ATTACH, pid, None, None) < 0:
    sys.exit("attach: " + os.strerror(ctypes.get_errno()))
os.waitpid(pid, 0x40000000)  # __WALL
filters = []
try:
    while True:
        n = libc.ptrace(GET_FILTER, pid, len(filters), None)
        if n < 0:
            break
        buf = ctypes.create_string_buffer(8 * n)
        libc.ptrace(GET_FILTER, pid, len(filters), buf)
        filters.append([struct.unpack_from("<HBBI", buf.raw, 8 * i) for i in range(n)])
finally:
    libc.ptrace(PTRACE_DETACH, pid, None, None)
M = 0xffffffff
def run(prog, data):
    a = x = pc = 0
    mem = [0] * 16
    while True:
        code, jt, jf, k = prog[pc]
        pc += 1
        cl = code & 7
        if cl == 0:  # LD
            mode = code & 0xe0
            a = k if mode == 0 else struct.unpack_from("<I", data, k)[0] if mode == 0x20 else mem[k] if mode == 0x60 else 64
        elif cl == 1:
            x = k if (code & 0xe0) == 0 else mem[k] if (code & 0xe0) == 0x60 else 64
        elif cl == 2:
            mem[k] = a
        elif cl == 3:
            mem[k] = x
        elif cl == 4:
            v = x if code & 8 else k
            op = code & 0xf0
            a = {0: a + v, 0x10: a - v, 0x20: a * v, 0x30: a // v if v else 0, 0x40: a | v, 0x50: a & v,
                 0x60: a << v, 0x70: a >> v, 0x80: -a, 0x90: a % v if v else 0, 0xa0: a ^ v}[op] & M
        elif cl == 5:
            op = code & 0xf0
            if op == 0:
                pc += k
                continue
            v = x if code & 8 else k
            c = {0x10: a == v, 0x20: a > v, 0x30: a >= v, 0x40: bool(a & v)}[op]
            pc += jt if c else jf
        elif cl == 6:
            return (a if code & 0x10 else k) & 0xffff0000
        elif cl == 7:
            if code & 0x80: a = x
            else: x = a
ALLOW, LOG = 0x7fff0000, 0x7ffc0000
nrs = {l.split()[1][5:]: int(l.split()[2]) for l in open(table) if l.startswith("#define __NR_")}
ok = []
for name, nr in nrs.items():
    data = struct.pack("<iIQ6Q", nr, 0xc000003e, 0, *([0] * 6))
    if all(run(f, data) in (ALLOW, LOG) for f in filters):
        ok.append(name)
print(len(filters), len(ok), len(nrs))
if len(sys.argv) > 3:  # the numbers denied
    print(" ".join(sorted(set(nrs) - set(ok))))
