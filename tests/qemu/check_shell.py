#!/usr/bin/env python3
"""Check a ksh session driven by the harness (qemu.shell.*; harness --check: the console on stdin).

The session (tests/qemu/CMakeLists.txt) starts `nap 60 &`, whose pid ksh prints in decimal
("[1] 65538"), then displays its VMM in two clusters. Checked here, what --expect-line cannot:
both `display vmm` headers name that process (the kernel prints pids in hex) in two different
clusters, each with its reference in the process's owner cluster (pid >> 16: where the DQDT put
it, so either dump may be the reference's), the second with PTEs listed (-m); after the
first shell exited, init started another and its prompt came; the commands ran in order.
Exit status 0 if all holds, else 1 with the problem as the last line printed.
"""

import re
import sys

from vmm_dump import HEADER, PTE

JOB = re.compile(r"^\[1\] (\d+)$")
PROMPT = re.compile(r"^ksh:\S*\$ ")


def check(lines):
    pid = None
    for line in lines:
        match = JOB.match(line)
        if match:
            pid = "%x" % int(match.group(1))
            break
    if pid is None:
        return "no '[1] PID' line for the background job"
    dumps = [(i, m.group(2), m.group(4)) for i, m in
             ((i, HEADER.match(line)) for i, line in enumerate(lines)) if m and m.group(1) == pid]
    clusters = {cxy for _, cxy, _ in dumps}
    if len(clusters) < 2:
        return "display vmm of process %s seen in %d cluster(s), expected 2" % (pid, len(clusters))
    owner = "%x" % (int(pid, 16) >> 16)
    if any(ref != owner for _, _, ref in dumps):
        return "a dump of process %s names a reference cluster other than %s" % (pid, owner)
    last = dumps[-1][0]
    if not any(PTE.match(line) for line in lines[last + 1:last + 40]):
        return "the display vmm ... -m of process %s lists no PTE" % pid
    restarted = [i for i, line in enumerate(lines) if line.startswith("init: starting /bin/ksh again")]
    if not restarted:
        return "init did not start ksh again"
    if not any(PROMPT.match(line) for line in lines[restarted[0]:]):
        return "no prompt from the second ksh"
    order = ["[1]+  Running", "[1]+  Terminated", "a b", "hello", "ksh: nosuch: not found",
             "usage: display vmm", "usage: display sched", "init: /bin/ksh exited with status 7"]
    at = 0
    for text in order:
        found = [i for i, line in enumerate(lines) if i >= at and line.startswith(text)]
        if not found:
            return "%r missing or out of order" % text
        at = found[0]
    return None


def main():
    problem = check([line.rstrip("\r\n") for line in sys.stdin])
    if problem:
        print("check_shell: " + problem)
        return 1
    print("check_shell: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
