#!/usr/bin/python3
"""Where the gold articles of a LeCoQA run land, law by law: reads the JSON
lines of `lawqa eval --kind lecoqa --dump FILE` and the set itself, and
prints per law how many gold articles it has and how many rank past k.

usage: eval_misses.py --dump FILE --set train.json [--k 10] [--top 30]
"""
import argparse
import collections
import json


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dump', required=True)
    ap.add_argument('--set', required=True)
    ap.add_argument('--k', type=int, default=10)
    ap.add_argument('--top', type=int, default=30)
    a = ap.parse_args()
    data = json.load(open(a.set, encoding='utf-8'))
    total, missed, ranks = collections.Counter(), collections.Counter(), []
    for line in open(a.dump, encoding='utf-8'):
        row = json.loads(line)
        keys = [h[0] for h in row['hits']]
        # gold keys are written in the order of 相关法规 (without --holdout, i is the set index)
        for g, ref in zip(row['gold'], data[row['i']].get('相关法规') or {}):
            law = ref.split('第')[0]
            rank = keys.index(g) + 1 if g in keys else None
            total[law] += 1
            missed[law] += rank is None or rank > a.k
            ranks.append(rank)
    print('gold %d, ranked past %d or not retrieved: %d' %
          (len(ranks), a.k, sum(1 for r in ranks if r is None or r > a.k)))
    print('%6s %6s  law' % ('gold', 'miss'))
    for law, n in total.most_common(a.top):
        print('%6d %6d  %s' % (n, missed[law], law))


if __name__ == '__main__':
    main()
