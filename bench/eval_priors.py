#!/usr/bin/python3
"""Learns the law-category prior of retriever/expand_prior.c from the LeCoQA
training file: for each category, how often one of its current articles is
a gold article, relative to the best category (smoothed).

usage: eval_priors.py --db DB --set train.json [--holdout F --folds N]
                      [--beta B] > priors.tsv
With --holdout F (1-based) the questions of fold F (index i with
i % N == F-1, as `lawqa eval --folds N` numbers them) are left out, so the
prior can be scored on them: 5-fold cross-validation.
"""
import argparse
import json
import re
import sqlite3
import sys


def law_of(key):
    m = re.match(r'(.*?)第[零〇一二两三四五六七八九十百千0-9]+条(之.)?$', key)
    return m.group(1) if m else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--db', required=True)
    ap.add_argument('--set', required=True)
    ap.add_argument('--holdout', type=int, default=0)
    ap.add_argument('--folds', type=int, default=5)
    ap.add_argument('--beta', type=float, default=4)
    ap.add_argument('--laws', type=float, default=20,
                    help='also a weight per law seen in the gold, shrunk toward its category'
                         ' by this many pseudo-articles (0: categories only)')
    a = ap.parse_args()
    db = sqlite3.connect('file:%s?mode=ro' % a.db, uri=True)
    category = dict(db.execute('SELECT title, category FROM laws'))
    articles = dict(db.execute(
        'SELECT l.category, count(*) FROM articles a JOIN versions v ON v.id=a.version_id'
        ' JOIN laws l ON l.id=v.law_id WHERE v.is_current AND a.kind=0 GROUP BY l.category'))
    law_articles = dict(db.execute(
        'SELECT l.title, count(*) FROM articles a JOIN versions v ON v.id=a.version_id'
        ' JOIN laws l ON l.id=v.law_id WHERE v.is_current AND a.kind=0 GROUP BY l.title'))
    gold = {c: 0 for c in articles}
    law_gold = {}
    for i, rec in enumerate(json.load(open(a.set, encoding='utf-8'))):
        if a.holdout and i % a.folds == a.holdout - 1:
            continue
        for key in rec.get('相关法规') or {}:
            name = law_of(key)
            if not name:
                continue
            for t in (name, '中华人民共和国' + name,
                      re.sub('《(?!中华人民共和国)', '《中华人民共和国', name)):
                if t in category:
                    gold[category[t]] = gold.get(category[t], 0) + 1
                    law_gold[t] = law_gold.get(t, 0) + 1
                    break
    rate = {c: (gold.get(c, 0) + 1.0) / (n + 1.0) for c, n in articles.items()}
    best = max(rate.values())
    print('# learned by bench/eval_priors.py from %s%s' % (
        a.set.split('/')[-1], ' without fold %d of %d' % (a.holdout, a.folds) if a.holdout else ''))
    print('beta\t%g' % a.beta)
    print('default\t%.6f' % (min(rate.values()) / best))
    for c in sorted(rate, key=lambda c: -rate[c]):
        print('%s\t%.6f' % (c, rate[c] / best))
    if a.laws:
        # A law's own rate, shrunk toward its category's by a.laws pseudo-articles.
        for t in sorted(law_gold):
            n = law_articles.get(t, 0)
            if not n:
                continue
            r = (law_gold[t] + a.laws * rate[category[t]]) / (n + a.laws)
            print('law\t%s\t%.6f' % (t, r / best))


if __name__ == '__main__':
    sys.exit(main())
