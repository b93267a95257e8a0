#!/usr/bin/python3
"""Learns the word-pair reranker of retriever/rerank.c from the LeCoQA
training file.

A layperson writes 老公 出轨 离婚, the article says 配偶 重婚 过错: BM25 sees
no shared words, and a hand-written thesaurus cannot list every pair.  For
each pair (q, w) of a question bigram and an article bigram, this counts how
many training questions holding q have a gold article holding w, against how
often w is in the articles BM25 ranked high for them that were not gold.
The pair's weight is the log-ratio of the two rates (naive Bayes).  Only
pairs seen in at least --min-questions distinct questions are kept, so no
single question is remembered; article ids are never learned.

usage: train_rerank.py --db DB --set train.json --dump DUMP
                       [--holdout F --folds N] > rerank.tsv
DUMP is `lawqa eval --kind lecoqa --dump DUMP` on the same set with the
reranker off (an empty DB.rerank file next to the database): the
candidates the first stage gives.  With --holdout F (1-based) the questions
of fold F (i % N == F-1) are left out: 5-fold cross-validation
(bench/eval.sh --cv).
"""
import argparse
import json
import os
import re
import sqlite3

import numpy as np

CJK = re.compile('[\u4e00-\u9fff]+')
SHIFT = np.uint64(32)  # a pair is question bigram << 32 | article bigram


def fnv_key(title, number, suffix):
    """evaluation/metrics.c's ev_article_key."""
    h, m = 1469598103934665603, (1 << 64) - 1
    for b in title.encode():
        h = ((h ^ b) * 1099511628211) & m
    for x in (0xff, number & 0xffffffff, suffix & 0xffffffff):
        h = ((h ^ x) * 1099511628211) & m
    return h


def bigram_codes(text):
    """Distinct CJK bigrams as (first code point << 16 | second), as
    retriever/rerank.c codes them."""
    out = set()
    for run in CJK.findall(text):
        for i in range(len(run) - 1):
            out.add(ord(run[i]) << 16 | ord(run[i + 1]))
    return np.array(sorted(out), dtype=np.uint64)


def blank_fillers(text, fillers):
    for f in fillers:  # longest first, as retriever/expand.c blanks them
        text = text.replace(f, ' ' * len(f))
    return text


def load_fillers(here):
    path = os.path.join(here, '..', 'retriever', 'data', 'fillers.txt')
    words = [l.strip() for l in open(path, encoding='utf-8')
             if l.strip() and not l.startswith('#')]
    return sorted(words, key=len, reverse=True)


def article_texts(db_path):
    db = sqlite3.connect('file:%s?mode=ro' % db_path, uri=True)
    texts = {}
    for title, kind, number, suffix, path, text in db.execute(
            'SELECT l.title, a.kind, a.number, a.suffix, a.path, a.text FROM articles a'
            ' JOIN versions v ON v.id=a.version_id JOIN laws l ON l.id=v.law_id'
            ' WHERE v.is_current'):
        n = number if kind == 0 else number + 100000 * kind
        # what retriever/rerank.c reads of an article; no bigram spans two
        texts[fnv_key(title, n, suffix)] = '%s %s %s' % (title, path, text)
    return texts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--db', required=True)
    ap.add_argument('--set', required=True)
    ap.add_argument('--dump', required=True)
    ap.add_argument('--holdout', type=int, default=0)
    ap.add_argument('--folds', type=int, default=5)
    ap.add_argument('--negatives', type=int, default=20,
                    help='non-gold candidates per question, from the top of the first stage')
    ap.add_argument('--min-questions', type=int, default=3)
    ap.add_argument('--lambda', dest='lam', type=float, default=0.05)
    ap.add_argument('--power', type=float, default=0.75)
    a = ap.parse_args()

    here = os.path.dirname(os.path.abspath(__file__))
    fillers = load_fillers(here)
    texts = article_texts(a.db)
    questions = [x['问题'] for x in json.load(open(a.set, encoding='utf-8'))]
    cache = {}

    def article(key):
        if key not in cache:
            cache[key] = bigram_codes(texts.get(key, ''))
        return cache[key]

    pos, neg = [], []
    q_pos, q_neg = {}, {}
    for line in open(a.dump, encoding='utf-8'):
        d = json.loads(line)
        i = d['i']
        if a.holdout and i % a.folds == a.holdout - 1:
            continue
        q = bigram_codes(blank_fillers(questions[i], fillers))
        gold = {int(g) for g in d['gold']} & texts.keys()
        if len(q) == 0 or not gold:
            continue
        pairs = [(q[:, None] << SHIFT | article(g)[None, :]).ravel() for g in gold]
        pos.append(np.unique(np.concatenate(pairs)))  # once per question
        for c in q.tolist():
            q_pos[c] = q_pos.get(c, 0) + 1
        taken = 0
        for hit in d['hits']:
            key = int(hit[0])
            if key in gold or taken == a.negatives:
                continue
            neg.append((q[:, None] << SHIFT | article(key)[None, :]).ravel())
            for c in q.tolist():
                q_neg[c] = q_neg.get(c, 0) + 1
            taken += 1

    pc, pn = np.unique(np.concatenate(pos), return_counts=True)
    keep = pn >= a.min_questions
    pc, pn = pc[keep], pn[keep]
    nc, nn = np.unique(np.concatenate(neg), return_counts=True)
    j = np.minimum(np.searchsorted(nc, pc), len(nc) - 1)
    n_neg = np.where(nc[j] == pc, nn[j], 0)
    qcode = pc >> SHIFT
    qp = np.array([q_pos[c] for c in qcode.tolist()], dtype=np.float64)
    qn = np.array([q_neg.get(c, 0) for c in qcode.tolist()], dtype=np.float64)
    weight = np.log((pn + 0.5) / (qp + 1)) - np.log((n_neg + 0.5) / (qn + 1))

    print('# Word-pair reranker for retriever/rerank.c, learned by bench/train_rerank.py')
    print('# from the LeCoQA train file (cross-validated in bench/eval.sh --cv):')
    print('# --negatives %d --min-questions %d%s.' %
          (a.negatives, a.min_questions,
           ' --holdout %d --folds %d' % (a.holdout, a.folds) if a.holdout else ''))
    print('# question bigram<TAB>article bigram<TAB>weight; lambda and power set how')
    print('# the summed weights join the BM25 score.')
    print('lambda\t%g' % a.lam)
    print('power\t%g' % a.power)
    for code, w in zip(pc.tolist(), weight.tolist()):
        q, t = code >> 32, code & 0xffffffff
        print('%s%s\t%s%s\t%.3f' % (chr(q >> 16), chr(q & 0xffff), chr(t >> 16), chr(t & 0xffff), w))


if __name__ == '__main__':
    main()
