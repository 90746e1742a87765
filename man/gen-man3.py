#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Section 3 man pages from the kernel-doc comments of include/rmi/*.h (issue 6).

  gen-man3.py [--version V] -o DIR HEADER...   write DIR/<function>.3 for every
                                               documented function
  gen-man3.py --list HEADER...                 print the page names (one per line)
  gen-man3.py --check HEADER...                exit 1 listing undocumented
                                               functions, missing @param lines and
                                               missing Return: sections (file:line)
  gen-man3.py --refs PAGE [--refs PAGE]... HEADER...
                                               exit 1 listing (file:line) every
                                               function a hand-written page names
                                               (cca_x(), cca_x(3), \fBcca_x\fP(3),
                                               .BR cca_x (3)) that the headers do
                                               not declare, and every SEE ALSO
                                               subsection ".SS <rmi/H.h>" whose
                                               (3) list is not exactly H.h's
                                               pages, in header order (a page
                                               with such subsections must have
                                               one per header with pages)

A function's page is made from the /** ... */ comment directly before its
declaration (kernel-doc: "name() - summary", "@param: text", body,
"Context:", "Return:"). Struct, enum and typedef comments are not rendered,
nor are the cca__* helpers of static inline functions (internal, not API).
Python 3 standard library only; the output depends only on the headers and
the version string.
"""
import argparse
import os
import re
import sys

SECTIONS = {'context': 'Context', 'return': 'Return', 'returns': 'Return'}
SECTION_RE = re.compile(r'^(Context|Returns?)\s*:\s*(.*)$', re.IGNORECASE)
PARAM_RE = re.compile(r'^@(\w+|\.\.\.)\s*:\s*(.*)$')
C_WORDS = {'const', 'volatile', 'restrict', 'struct', 'enum', 'union', 'unsigned',
           'signed', 'int', 'char', 'short', 'long', 'void', 'float', 'double',
           'register', '_Bool', 'bool'}


class Decl:
    def __init__(self, path, line, text, doc, doc_line):
        self.path = path
        self.line = line        # line of the declaration's first character
        self.text = text        # declaration without comments, ending before ';'
        self.doc = doc          # the kernel-doc comment right before it, or None
        self.doc_line = doc_line


def scan(path):
    """Top-level declarations of a header with the doc comment before each."""
    with open(path, encoding='utf-8') as f:
        src = f.read()
    decls = []
    i, n, line = 0, len(src), 1
    depth = 0
    cur, cur_line = [], 0
    pending, pending_line = None, 0
    at_line_start = True
    while i < n:
        c = src[i]
        if src.startswith('/*', i):
            j = src.find('*/', i + 2)
            j = n if j < 0 else j + 2
            body = src[i:j]
            if not cur and depth == 0:
                if body.startswith('/**') and body != '/**/':
                    pending, pending_line = body, line
                else:
                    pending = None
            line += body.count('\n')
            i = j
            continue
        if src.startswith('//', i):
            j = src.find('\n', i)
            i = n if j < 0 else j
            continue
        if c == '#' and at_line_start:
            # preprocessor line (with continuations): breaks doc adjacency
            j = i
            while True:
                k = src.find('\n', j)
                if k < 0:
                    k = n
                    break
                if src[k - 1] == '\\':
                    j = k + 1
                    continue
                break
            line += src[i:k].count('\n')
            i = k
            if not cur and depth == 0:
                pending = None
            continue
        if c in '"\'':
            j = i + 1
            while j < n and src[j] != c:
                j += 2 if src[j] == '\\' else 1
            cur.append(src[i:j + 1])
            i = j + 1
            continue
        if c == '\n':
            line += 1
            at_line_start = True
            if cur:
                cur.append(' ')
            i += 1
            continue
        if c.isspace():
            if cur:
                cur.append(c)
            i += 1
            continue
        at_line_start = False
        if not cur:
            cur_line = line
        if c == '{' and depth == 0 and re.fullmatch(r'extern\s*"C"', ''.join(cur).strip()):
            cur, pending = [], None     # extern "C" { ... }: transparent
            i += 1
            continue
        if c == '}' and depth == 0 and not cur:
            i += 1                      # the end of extern "C" { ... }
            continue
        if c == '{':
            depth += 1
        elif c == '}':
            depth -= 1
        if c == ';' and depth == 0:
            decls.append(Decl(path, cur_line, ''.join(cur).strip(), pending,
                              pending_line))
            cur, pending = [], None
        else:
            cur.append(c)
            if c == '}' and depth == 0:
                text = ''.join(cur).strip()
                if re.match(r'^[^{]*\)\s*(__attribute__\s*\(\(.*\)\))?\s*\{', text):
                    # an inline function definition: no ';' follows
                    decls.append(Decl(path, cur_line, text[:text.index('{')].strip(),
                                      pending, pending_line))
                    cur, pending = [], None
        i += 1
    return decls


def split_top(s, sep=','):
    out, depth, cur = [], 0, []
    for c in s:
        if c in '([{':
            depth += 1
        elif c in ')]}':
            depth -= 1
        if c == sep and depth == 0:
            out.append(''.join(cur))
            cur = []
        else:
            cur.append(c)
    out.append(''.join(cur))
    return [p.strip() for p in out]


FUNC_RE = re.compile(r'^(?P<ret>[^(){};=]*?)\b(?P<name>[A-Za-z_]\w*)\s*\((?P<args>.*)\)'
                     r'\s*(__attribute__\s*\(\(.*\)\)\s*)*$', re.S)


def as_function(decl):
    """(name, parameter names, returns-void, one-line prototype) or None."""
    text = decl.text
    if '{' in text or re.match(r'^(typedef|extern\s+"C")\b', text):
        return None
    m = FUNC_RE.match(text)
    if not m or not m.group('ret').strip():
        return None
    ret = m.group('ret')
    if re.search(r'\b(static|typedef)\b', ret) and 'inline' not in ret:
        return None
    if m.group('name').startswith('cca__'):
        return None                     # an inline function's internal helper
    params = []
    args = m.group('args').strip()
    if args and args != 'void':
        for a in split_top(args):
            if a == '...':
                params.append('...')
                continue
            fp = re.search(r'\(\s*\*\s*(\w+)\s*\)', a)
            if fp:
                params.append(fp.group(1))
                continue
            a = re.sub(r'(\[[^\]]*\])+\s*$', '', a)
            words = re.findall(r'[A-Za-z_]\w*', a)
            if words and words[-1] not in C_WORDS and len(words) > 1:
                params.append(words[-1])
            else:
                params.append(None)     # unnamed parameter
    rtype = re.sub(r'\b(extern|static|inline)\b', '', ret).strip()
    is_void = rtype == 'void'
    proto = ' '.join(text.split())
    proto = re.sub(r'\(\s+', '(', proto)
    proto = re.sub(r'\s+\)', ')', proto)
    proto = re.sub(r'\s+,', ',', proto)
    return m.group('name'), params, is_void, proto + ';'


def parse_doc(doc):
    """Kernel-doc comment -> dict(name, summary, params[(name, text)], body
    [paragraphs], Context, Return), each text a list of lines."""
    lines = doc[3:-2].split('\n') if doc.endswith('*/') else doc[3:].split('\n')
    clean = []
    for ln in lines:
        ln = ln.rstrip()
        m = re.match(r'^\s*\*(?!/)\s?(.*)$', ln)
        clean.append(m.group(1) if m else ln.strip())
    while clean and not clean[0].strip():
        clean.pop(0)
    while clean and not clean[-1].strip():
        clean.pop()
    d = {'name': None, 'summary': '', 'params': [], 'body': [], 'Context': [],
         'Return': []}
    if not clean:
        return d
    m = re.match(r'^\s*(\w+)\s*\(\)\s*(?:-\s*(.*))?$', clean[0])
    if not m:
        return d
    d['name'] = m.group(1)
    summary = [m.group(2) or '']
    k = 1
    # a summary may continue up to a blank line or the first @param
    while k < len(clean) and clean[k].strip() and not PARAM_RE.match(clean[k].strip()):
        summary.append(clean[k].strip())
        k += 1
    d['summary'] = ' '.join(s for s in summary if s)
    state = 'params'
    para = None
    for ln in clean[k:]:
        s = ln.strip()
        sec = SECTION_RE.match(s)
        if sec:
            state = SECTIONS[sec.group(1).lower()]
            d[state].append([sec.group(2)] if sec.group(2) else [])
            continue
        if state == 'params':
            pm = PARAM_RE.match(s)
            if pm:
                d['params'].append((pm.group(1), [pm.group(2)]))
                continue
            if not s:
                if d['params']:
                    state = 'body'
                    para = None
                continue
            if d['params']:
                d['params'][-1][1].append(s)
                continue
            state = 'body'
        if state == 'body':
            if not s:
                para = None
                continue
            if para is None:
                para = []
                d['body'].append(para)
            para.append(ln)
            continue
        # Context / Return: blank lines separate paragraphs
        paras = d[state]
        if not s:
            if paras and paras[-1]:
                paras.append([])
            continue
        if not paras:
            paras.append([])
        paras[-1].append(s)
    for key in ('Context', 'Return'):
        d[key] = [p for p in d[key] if p]
    return d


def collect(headers):
    """[(header path, Decl, function tuple)] in header order, headers sorted."""
    out = []
    for h in sorted(headers, key=os.path.basename):
        for decl in scan(h):
            f = as_function(decl)
            if f:
                out.append((h, decl, f))
    return out


# ---- roff ------------------------------------------------------------------

def esc(text):
    """Escape free text for roff (backslashes), before markup is added."""
    return text.replace('\\', '\\e')


def markup(text, params):
    t = esc(text)
    # @param references and name() cross-references
    t = re.sub(r'@(\w+)', lambda m: '\\fI' + m.group(1) + '\\fP', t)
    t = re.sub(r'\b(cca_\w+)\(\)', lambda m: '\\fB' + m.group(1) + '\\fP()', t)
    return t


def line_safe(text):
    """A text line must not start with a control character ('.' or ''')."""
    if text.startswith(('.', "'")):
        return '\\&' + text
    return text


def fill(lines, params):
    text = ' '.join(l.strip() for l in lines if l.strip())
    return line_safe(markup(text, params))


def quote_arg(s):
    return '"' + s.replace('"', '\\(dq') + '"'


def render(header, f, doc, version, siblings):
    name, params, is_void, proto = f
    out = []
    out.append('.\\" Generated by man/gen-man3.py from include/rmi/%s; do not edit.'
               % os.path.basename(header))
    out.append('.TH %s 3 "" %s "libcca Manual"' % (name, quote_arg('libcca ' + version)))
    out.append('.nh')
    out.append('.SH NAME')
    out.append(line_safe(esc(name) + ' \\- ' + esc(doc['summary'])))
    out.append('.SH SYNOPSIS')
    out.append('.nf')
    out.append('.B #include <rmi/%s>' % os.path.basename(header))
    out.append('.fi')
    out.append('.PP')
    out.append('.ad l')
    out.append(line_safe('\\fB' + esc(proto) + '\\fP'))
    out.append('.ad')
    out.append('.SH DESCRIPTION')
    if doc['params']:
        for pname, ptext in doc['params']:
            out.append('.TP')
            out.append('\\fI' + esc(pname) + '\\fP')
            out.append(fill(ptext, params))
        out.append('.PP')
    for i, para in enumerate(doc['body']):
        if i:
            out.append('.PP')
        out.append(fill(para, params))
    if not doc['params'] and not doc['body']:
        out.append(line_safe(markup(doc['summary'], params)))
    for key, title in (('Context', 'CONTEXT'), ('Return', 'RETURN VALUE')):
        if doc[key]:
            out.append('.SH ' + title)
            for i, para in enumerate(doc[key]):
                if i:
                    out.append('.PP')
                out.append(fill(para, params))
    others = [s for s in siblings if s != name]
    if others:
        out.append('.SH SEE ALSO')
        out.append(',\n'.join('.BR %s (3)' % s for s in others))
    return '\n'.join(out) + '\n'


def pages(headers):
    """[(header, function, parsed doc)] for every documented function."""
    res = []
    for h, decl, f in collect(headers):
        if decl.doc is None:
            continue
        doc = parse_doc(decl.doc)
        if doc['name'] != f[0]:
            continue
        res.append((h, f, doc))
    return res


def check(headers):
    problems = []
    for h, decl, f in collect(headers):
        name, params, is_void, _ = f
        where = '%s:%d' % (os.path.normpath(h), decl.line)
        if decl.doc is None:
            problems.append('%s: %s(): no kernel-doc comment' % (where, name))
            continue
        doc = parse_doc(decl.doc)
        if doc['name'] is None:
            problems.append('%s: %s(): doc comment does not start with "%s() - summary"'
                            % (where, name, name))
            continue
        if doc['name'] != name:
            problems.append('%s: %s(): doc comment is for %s()' % (where, name, doc['name']))
            continue
        if not doc['summary']:
            problems.append('%s: %s(): no summary after "%s() -"' % (where, name, name))
        documented = [p for p, _ in doc['params']]
        for p in params:
            if p is None:
                problems.append('%s: %s(): unnamed parameter' % (where, name))
            elif p not in documented:
                problems.append('%s: %s(): no @%s: line' % (where, name, p))
        for p in documented:
            if p not in params:
                problems.append('%s: %s(): @%s: is not a parameter' % (where, name, p))
        if not is_void and not doc['Return']:
            problems.append('%s: %s(): no Return: section' % (where, name))
    return problems


# ---- references in hand-written pages --------------------------------------

FONT_ESC_RE = re.compile(r'\\f(\[[^\]]*\]|\(..|.)')
FONT_MACRO_RE = re.compile(r'^[.\']\s*(B|I|R|SM|SB|BR|BI|IB|IR|RB|RI)(?:\s+(.*))?$')
# A function named in running text or code (cca_x(, cca_x(3)), or as a
# .BR argument pair (cca_x (3), cca_x ()).
REF_RE = re.compile(r'\b(cca_\w+)(?:\((?:(3)\))?|\s+\(\s*(3)?\s*\))')
SEE_ALSO_SS_RE = re.compile(r'^\.SS\s+"?<rmi/([\w-]+\.h)>"?\s*$')


def roff_args(text):
    """The arguments of a roff request line: blank-separated, "quoted" ones
    may hold blanks ("" inside quotes is a quote)."""
    args, i, n = [], 0, len(text)
    while i < n:
        if text[i] in ' \t':
            i += 1
            continue
        if text[i] == '"':
            j, cur = i + 1, []
            while j < n:
                if text[j] == '"':
                    if text.startswith('""', j):
                        cur.append('"')
                        j += 2
                        continue
                    j += 1
                    break
                cur.append(text[j])
                j += 1
            args.append(''.join(cur))
            i = j
        else:
            j = i
            while j < n and text[j] not in ' \t':
                j += 1
            args.append(text[i:j])
            i = j
    return args


def roff_lines(path):
    """(line number, request or None, text as printed) for each line of a
    page, comments dropped: font escapes removed, the arguments of the font
    requests joined as troff joins them (.B with blanks, .BR without)."""
    with open(path, encoding='utf-8') as f:
        lines = f.read().split('\n')
    for n, ln in enumerate(lines, 1):
        if re.match(r'^[.\']\s*\\"', ln):
            continue
        ln = FONT_ESC_RE.sub('', ln).replace('\\&', '').replace('\\-', '-')
        m = FONT_MACRO_RE.match(ln)
        if m:
            args = roff_args(m.group(2) or '')
            yield n, m.group(1), (''.join(args) if len(m.group(1)) == 2 else ' '.join(args))
            continue
        req = re.match(r'^[.\']\s*(\w+)', ln)
        yield n, req.group(1) if req else None, ln


def check_refs(pages_paths, headers):
    declared = {f[0] for _, _, f in collect(headers)}
    by_header = {}
    for h, f, _ in pages(headers):
        by_header.setdefault(os.path.basename(h), []).append(f[0])
    problems = []
    for page in pages_paths:
        where = os.path.normpath(page)
        try:
            lines = list(roff_lines(page))
        except OSError as e:
            problems.append('%s: cannot read: %s' % (where, e.strerror))
            continue
        section = None          # the current .SH
        subsection = None       # header of the current SEE ALSO .SS <rmi/H.h>
        listed = {}             # header -> (line, [names with (3)])
        for n, req, text in lines:
            if req == 'SH':
                section = ' '.join(roff_args(text.split(None, 1)[1] if ' ' in text else ''))
                subsection = None
            elif req in ('SS', 'PP', 'P', 'LP'):
                subsection = None
                m = SEE_ALSO_SS_RE.match(text) if section == 'SEE ALSO' else None
                if m:
                    subsection = m.group(1)
                    if subsection in listed:
                        problems.append('%s:%d: a second SEE ALSO subsection for <rmi/%s>'
                                        % (where, n, subsection))
                    listed[subsection] = (n, [])
            for m in REF_RE.finditer(text):
                name = m.group(1)
                if name not in declared:
                    problems.append('%s:%d: %s(): not a function of the headers'
                                    % (where, n, name))
                elif subsection and (m.group(2) or m.group(3)):
                    listed[subsection][1].append(name)
        if not listed:
            continue
        for hdr, names in sorted(by_header.items()):
            if hdr not in listed:
                problems.append('%s: SEE ALSO has no subsection .SS <rmi/%s> (%s)'
                                % (where, hdr, ', '.join(n + '(3)' for n in names)))
        for hdr, (n, got) in sorted(listed.items()):
            want = by_header.get(hdr, [])
            if got != want:
                problems.append('%s:%d: SEE ALSO <rmi/%s> lists %s; the header\'s pages are %s'
                                % (where, n, hdr, ', '.join(got) or 'nothing',
                                   ', '.join(want) or 'none'))
    return problems


def default_version():
    mb = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'meson.build')
    try:
        with open(mb, encoding='utf-8') as f:
            m = re.search(r"\bversion\s*:\s*'([^']*)'", f.read())
            return m.group(1) if m else ''
    except OSError:
        return ''


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument('--list', action='store_true', help='print the page names')
    mode.add_argument('--check', action='store_true', help='check the doc comments')
    ap.add_argument('--refs', action='append', default=[], metavar='PAGE',
                    help='check the functions a hand-written page names (repeatable)')
    ap.add_argument('-o', '--output', help='output directory for the pages')
    ap.add_argument('--version', default=None, help='libcca version for .TH')
    ap.add_argument('headers', nargs='+')
    a = ap.parse_args()

    if a.check or a.refs:
        problems = check(a.headers) if a.check else []
        problems += check_refs(a.refs, a.headers)
        for p in problems:
            print(p)
        if problems:
            print('%d problem(s)' % len(problems), file=sys.stderr)
            return 1
        return 0
    ps = pages(a.headers)
    names = [f[0] for _, f, _ in ps]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        print('duplicate functions: ' + ', '.join(dup), file=sys.stderr)
        return 1
    if a.list:
        for n in names:
            print(n + '.3')
        return 0
    if not a.output:
        ap.error('-o DIR, --list or --check is required')
    version = a.version if a.version is not None else default_version()
    os.makedirs(a.output, exist_ok=True)
    by_header = {}
    for h, f, _ in ps:
        by_header.setdefault(h, []).append(f[0])
    for h, f, doc in ps:
        text = render(h, f, doc, version, by_header[h])
        path = os.path.join(a.output, f[0] + '.3')
        tmp = path + '.tmp'
        with open(tmp, 'w', encoding='utf-8', newline='\n') as out:
            out.write(text)
        os.replace(tmp, path)
    return 0


if __name__ == '__main__':
    sys.exit(main())
