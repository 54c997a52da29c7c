"""The part of util-linux's Python module `libmount` (not packaged by Debian) that crun's
tests/test_mounts.py uses: read a saved /proc/self/mountinfo and look a mount up by its
target. Written for berth's conformance runner."""


def _decode(field):
    # mountinfo escapes space, tab, newline and backslash as \\ooo (octal).
    out, i = [], 0
    while i < len(field):
        if field[i] == "\\" and field[i + 1:i + 4].isdigit():
            out.append(chr(int(field[i + 1:i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


class Fs:
    """One mountinfo line."""

    def __init__(self, line):
        head, tail = line.split(" - ", 1)
        head, tail = head.split(), tail.split()
        self.target = _decode(head[4])
        self.vfs_options = head[5]               # per-mount options
        self.fstype = tail[0]
        self.source = _decode(tail[1]) if len(tail) > 1 else ""
        self.fs_options = tail[2] if len(tail) > 2 else ""   # superblock options


class Table:
    def __init__(self, path):
        with open(path) as f:
            self._mounts = [Fs(l.rstrip("\n")) for l in f if " - " in l]

    def find_target(self, target):
        """The mount on target that is visible: the last one made."""
        for fs in reversed(self._mounts):
            if fs.target == target:
                return fs
        return None
