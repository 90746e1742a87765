#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The syscall seam: only lib/sys-linux.c (and the simulator, lib/sim/) may
call the kernel directly. Everything else goes through struct cca_sys so the
mock and the simulator see every call.

usage: check-seam.py LIB_DIR

Fails listing each direct call (file:line) of the functions below, found in
code after comments and string literals are removed. Method calls through a
struct (sys->ops->ioctl(...), ops.close(...)) and prefixed names
(linux_close, fclose) are not direct calls.
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cstrip import strip_comments  # noqa: E402

CALLS = ('open', 'openat', 'open64', 'ioctl', 'mmap', 'mmap64', 'munmap', 'close',
         'fallocate', 'madvise', 'uname', 'syscall')
CALL = re.compile(r'(?<![\w.])(' + '|'.join(CALLS) + r')\s*\(')
EXEMPT_FILES = {'sys-linux.c'}
EXEMPT_DIRS = {'sim'}


def direct_calls(text):
    code = strip_comments(text, literals=True)
    for m in CALL.finditer(code):
        before = code[:m.start()].rstrip()
        if before.endswith('->') or before.endswith('.'):
            continue
        yield code.count('\n', 0, m.start()) + 1, m.group(1)


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    lib = sys.argv[1]
    checked = 0
    bad = []
    for root, dirs, files in os.walk(lib):
        if os.path.relpath(root, lib) == '.':
            dirs[:] = [d for d in dirs if d not in EXEMPT_DIRS]
        for name in sorted(files):
            if not name.endswith(('.c', '.h')):
                continue
            path = os.path.join(root, name)
            rel = os.path.relpath(path, lib)
            if rel in EXEMPT_FILES:
                continue
            checked += 1
            with open(path, encoding='utf-8') as f:
                for line, fn in direct_calls(f.read()):
                    bad.append(f'lib/{rel}:{line}: direct {fn}() call; use the struct cca_sys seam')
    for b in bad:
        print(b)
    print(f'{checked} files checked, {len(bad)} direct calls')
    if checked == 0:
        print(f'no C files found under {lib}', file=sys.stderr)
        return 1
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
