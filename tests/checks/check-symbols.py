#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Exported symbols of libcca.so must be exactly the functions (and objects)
its public headers declare, all named cca_*.

usage: check-symbols.py NM LIBCCA_SO INCLUDE_DIR

The expected list is read from INCLUDE_DIR/rmi/*.h when the test runs, so it
cannot go stale: every declaration at file scope outside comments and
preprocessor lines that is not a typedef, a static (inline) function or a
static assertion. The exported list is `NM -D --defined-only LIBCCA_SO`
without the version node (LIBCCA_0). Fails on any exported name not starting
with cca_, on a declaration the library does not export, and on an export no
header declares.
"""

import glob
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cstrip import strip_comments  # noqa: E402

NOT_NAMES = {'__typeof__', 'typeof', 'sizeof', 'alignof', '_Alignof', '__asm__', 'asm'}


def statements(text):
    """File-scope declarations of a header, as whitespace-joined strings."""
    text = strip_comments(text, literals=True)
    text = re.sub(r'^[ \t]*#(?:[^\n]*\\\n)*[^\n]*', '', text, flags=re.M)
    text = re.sub(r'extern\s*"[^"]*"\s*\{', ' ', text)  # extern "C" {
    depth = 0
    cur = []
    for ch in text:
        if ch == '{':
            depth += 1
        elif ch == '}':
            if depth == 0:      # the close of extern "C" {
                continue
            depth -= 1
            if depth == 0 and ''.join(cur).rstrip().endswith(')'):
                yield ' '.join(''.join(cur).split())  # a function definition
                cur = []
        elif depth == 0:
            if ch == ';':
                yield ' '.join(''.join(cur).split())
                cur = []
            else:
                cur.append(ch)
    rest = ' '.join(''.join(cur).split())
    if rest:
        yield rest


def drop_attributes(st):
    """Remove __attribute__((...)) and the like, parentheses balanced."""
    out = ''
    while True:
        m = re.search(r'\b(?:__attribute__|__declspec|_Alignas|alignas)\s*\(', st)
        if not m:
            return out + st
        out += st[:m.start()] + ' '
        depth, i = 1, m.end()
        while i < len(st) and depth:
            depth += {'(': 1, ')': -1}.get(st[i], 0)
            i += 1
        st = st[i:]


def declared_names(path):
    with open(path, encoding='utf-8') as f:
        text = f.read()
    for st in map(drop_attributes, statements(text)):
        words = re.findall(r'[A-Za-z_]\w*', st)
        if not words or 'typedef' in words or 'static' in words[:3]:
            continue                # types, static inline helpers
        calls = [m for m in re.finditer(r'\b([A-Za-z_]\w*)\s*\(', st)
                 if m.group(1) not in NOT_NAMES]
        if calls:
            # A declaration names a type before the function; a statement that
            # opens with NAME( is _Static_assert or a macro such as a layout check.
            if st[:calls[0].start()].strip():
                yield calls[0].group(1)
        elif words[0] == 'extern':  # an exported object: extern T name[...];
            m = re.search(r'([A-Za-z_]\w*)\s*(?:\[[^\]]*\]\s*)*$', st)
            if m:
                yield m.group(1)


def exported_names(nm, lib):
    out = subprocess.run([nm, '-D', '--defined-only', lib], check=True,
                         stdout=subprocess.PIPE, universal_newlines=True).stdout
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 2:
            continue
        kind, name = fields[-2], fields[-1].split('@')[0]
        if kind == 'A' and re.fullmatch(r'LIBCCA_[\w.]+', name):
            continue                # the version node
        yield name


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    nm, lib, incdir = sys.argv[1:]
    headers = sorted(glob.glob(os.path.join(incdir, 'rmi', '*.h')))
    declared = {}
    for h in headers:
        for name in declared_names(h):
            declared.setdefault(name, os.path.relpath(h, incdir))
    exported = set(exported_names(nm, lib))

    errors = []
    for name in sorted(n for n in exported if not n.startswith('cca_')):
        errors.append(f'exported without the cca_ prefix: {name}')
    for name in sorted(set(declared) - exported):
        errors.append(f'declared in {declared[name]} but not exported: {name}')
    for name in sorted(exported - set(declared)):
        errors.append(f'exported but declared in no public header: {name}')
    for e in errors:
        print(e)
    print(f'{len(headers)} headers declare {len(declared)} symbols; '
          f'{os.path.basename(lib)} exports {len(exported)}')
    if not headers or not exported:
        print('nothing to compare', file=sys.stderr)
        return 1
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
