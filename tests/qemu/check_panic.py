#!/usr/bin/env python3
"""Check a panic's report (harness --check with --expect panic: the console comes on stdin).

    # expect backtrace: f1 f2 f3          (printed by the ktest before it panics)
    PANIC: <message>
      on core [c,l] at N ns
      <registers>
    backtrace:
      #0 0x... f1+0x..
      -- timer interrupt in the kernel, at:
      #1 0x... f2+0x..
      ...
    end of panic on core [c,l]

Checked: exactly one PANIC line (a second core panicking at the same time stops quietly); the
report is whole, from PANIC: to its end line: no kernel log line and no other core's output inside
it, nothing after it; every other core stopped; the functions named by "# expect backtrace:" appear
among the frames in that order (others may come between them). Exit status 0 if all holds, else 1
with the first problem as the last line printed.
"""

import re
import sys

EXPECT = re.compile(r"^# expect backtrace: (.*)$")
# a release build's clones keep their function's name before a dot: ktest_chain_inner.constprop.0
FRAME = re.compile(r"^  #\d+ 0x[0-9a-f]+ ([A-Za-z_]\w*)(\.[\w.]+)?\+0x[0-9a-f]+$")
REPORT_LINE = re.compile(r"^(  |backtrace:$)")
END = re.compile(r"^end of panic on core \[[0-9a-f]+,\d+\]$")


class Problem(Exception):
    pass


def check(lines):
    expected = None
    for line in lines:
        m = EXPECT.match(line)
        if m:
            expected = m.group(1).split()
    panics = [i for i, line in enumerate(lines) if "PANIC" in line]
    if len(panics) != 1:
        raise Problem("%d lines name PANIC, expected one" % len(panics))
    start = panics[0]
    if not lines[start].startswith("PANIC: "):
        raise Problem("the PANIC line is torn: %r" % lines[start])
    ends = [i for i in range(start, len(lines)) if END.match(lines[i])]
    if not ends:
        raise Problem("no 'end of panic' line after PANIC:")
    end = ends[0]
    for line in lines[start + 1:end]:
        if not REPORT_LINE.match(line):
            raise Problem("a line inside the panic report is not the report's: %r" % line)
        if "did not stop" in line:
            raise Problem("not every core stopped: %r" % line.strip())
    if any(line.strip() for line in lines[end + 1:]):
        raise Problem("output after the end of the panic: %r" % lines[end + 1:][0])
    frames = [m.group(1) for m in (FRAME.match(line) for line in lines[start:end]) if m]
    if expected is None:
        raise Problem("no '# expect backtrace:' line")
    at = 0
    for name in expected:
        while at < len(frames) and frames[at] != name:
            at += 1
        if at == len(frames):
            raise Problem("backtrace %s lacks %s in the order %s" % (frames, name, expected))
        at += 1
    print("check_panic: one whole report, frames in order: %s" % " > ".join(expected))


def main():
    lines = [line.rstrip("\r\n") for line in sys.stdin]
    try:
        check(lines)
    except Problem as problem:
        print("check_panic: %s" % problem)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
