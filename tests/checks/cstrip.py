# SPDX-License-Identifier: MIT
"""Shared by the checks: C source text without comments and literals."""

import re

_TOKENS = re.compile(r'''
    (?P<comment>/\*.*?\*/|//[^\n]*)
  | (?P<literal>"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')
''', re.S | re.X)


def strip_comments(text, literals=False):
    """Blank out comments (and, with literals=True, string and character
    literals' contents), keeping line breaks so line numbers stay right."""
    def blank(m):
        if m.group('comment'):
            s = m.group(0)
            return ' ' if '\n' not in s else '\n' * s.count('\n')
        if literals:
            return m.group(0)[0] * 2  # "" or ''
        return m.group(0)
    return _TOKENS.sub(blank, text)
