#!/usr/bin/python3
"""Compiles retriever/data/thesaurus.tsv into retriever/expand_data.c, so the
thesaurus travels inside the lawqa binary (no data path to configure).

usage: gen_expand_data.py          rewrite retriever/expand_data.c
       gen_expand_data.py --check  exit 1 if expand_data.c is out of date
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TSV = os.path.join(HERE, 'thesaurus.tsv')
PRIORS = os.path.join(HERE, 'priors.tsv')
FILLERS = os.path.join(HERE, 'fillers.txt')
OUT = os.path.join(os.path.dirname(HERE), 'expand_data.c')


def c_string(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'


def render():
    entries, seen = [], set()
    for n, line in enumerate(open(TSV, encoding='utf-8'), 1):
        line = line.rstrip('\n')
        if not line.strip() or line.startswith('#'):
            continue
        parts = line.split('\t')
        if len(parts) != 2 or not parts[0] or not parts[1].strip():
            sys.exit('%s:%d: want "phrase<TAB>terms"' % (TSV, n))
        phrase, terms = parts[0].strip(), ' '.join(parts[1].split())
        if phrase in seen:
            sys.exit('%s:%d: %s listed twice' % (TSV, n, phrase))
        seen.add(phrase)
        entries.append((phrase, terms))
    # Longest phrases first: expand.c lets a longer match hide the shorter
    # phrases inside it.
    entries.sort(key=lambda e: (-len(e[0].encode('utf-8')), e[0]))
    out = ['/* Generated from retriever/data/thesaurus.tsv by',
           ' * retriever/data/gen_expand_data.py.  Do not edit: edit the TSV. */',
           '#include "expand.h"', '',
           'const rt_synonym rt_thesaurus[] = {']
    out += ['    {%s, %s},' % (c_string(p), c_string(t)) for p, t in entries]
    out += ['};', '',
            'const size_t rt_thesaurus_len = sizeof rt_thesaurus / sizeof rt_thesaurus[0];', '']
    return '\n'.join(out + render_fillers() + render_priors())


def render_fillers():
    words = [w.strip() for w in open(FILLERS, encoding='utf-8')
             if w.strip() and not w.startswith('#')]
    words.sort(key=lambda w: (-len(w.encode('utf-8')), w))
    out = ['/* From retriever/data/fillers.txt, longest first. */',
           'const char *const rt_fillers[] = {']
    out += ['    %s,' % c_string(w) for w in words]
    out += ['};', '', 'const size_t rt_fillers_len = sizeof rt_fillers / sizeof rt_fillers[0];', '']
    return out


def render_priors():
    knobs = {'beta': '0', 'default': '1'}
    weights, laws = [], []
    for n, line in enumerate(open(PRIORS, encoding='utf-8'), 1):
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        parts = line.split('\t')
        if len(parts) == 3 and parts[0] == 'law':
            float(parts[2])
            laws.append(parts[1:])
            continue
        if len(parts) != 2:
            sys.exit('%s:%d: want "name<TAB>value"' % (PRIORS, n))
        float(parts[1])
        if parts[0] in knobs:
            knobs[parts[0]] = parts[1]
        else:
            weights.append(parts)
    out = ['/* From retriever/data/priors.tsv. */',
           'const rt_category_prior rt_category_priors[] = {']
    out += ['    {%s, %s},' % (c_string(c), w) for c, w in weights]
    out += ['};', '',
            'const size_t rt_category_priors_len =',
            '    sizeof rt_category_priors / sizeof rt_category_priors[0];',
            '/* Laws with a weight of their own. */',
            'const rt_category_prior rt_law_priors[] = {']
    out += ['    {%s, %s},' % (c_string(t), w) for t, w in laws] or ['    {"", 1},']
    out += ['};', '',
            'const size_t rt_law_priors_len = %d;' % len(laws),
            'const double rt_prior_beta = %s;' % knobs['beta'],
            'const double rt_prior_default_weight = %s;' % knobs['default'], '']
    return out


def main():
    text = render()
    if sys.argv[1:] == ['--check']:
        current = open(OUT, encoding='utf-8').read() if os.path.exists(OUT) else ''
        if current != text:
            sys.exit('%s is out of date: run %s' % (OUT, sys.argv[0]))
        return
    with open(OUT, 'w', encoding='utf-8') as f:
        f.write(text)


if __name__ == '__main__':
    main()
