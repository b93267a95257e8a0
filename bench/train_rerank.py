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
single question is remembered; article ids are never learned.  The
weights are then refined on the ranking itself (--epochs): a softmax over
each training question's first-stage candidates, scored exactly as the
retriever scores them, with an L2 pull back toward naive Bayes (5-fold CV:
+1.3 points Recall@10, +1.0 MRR over naive Bayes alone).

With --terms it learns the model's other part instead: a weight for each
question bigram in the BM25 query (its idf is multiplied by it), from how
often the training questions holding it have gold articles holding it,
against how often BM25's top non-gold articles for them hold it.  Those
weights change which 500 rows the pairs then re-sort, so they are learned
first, and the pairs from the candidates found with them.

usage: train_rerank.py --db DB --dump DUMP --terms
                       [--holdout F --folds N] > terms.tsv
       train_rerank.py --db DB --dump DUMP2
                       [--holdout F --folds N] > pairs.tsv
       cat terms.tsv pairs.tsv > rerank.tsv
DUMP is `lawqa eval --kind lecoqa --dump DUMP` on the LeCoQA train file
with the model off (an empty DB.rerank file next to the database): the
candidates the first stage gives, and the words each search used (the
retriever's rt_expand_query), so that nothing here re-implements the
query's expansion.  DUMP2 is the same with terms.tsv as DB.rerank.
With --holdout F (1-based) the questions
of fold F (i % N == F-1) are left out: 5-fold cross-validation
(bench/eval.sh --cv).
"""
import argparse
import json
import re
import sqlite3
import sys

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


def term_weights(lists, article, a):
    """Each question bigram seen in at least a.min_questions questions, and
    its weight: (gold rate + s) / (non-gold rate + s), both counted per
    question, s smoothing toward 1, the ratio raised to a.term_power."""
    count, pos, neg = {}, {}, {}
    for q, gold, hits in lists:
        golden = np.unique(np.concatenate([article(g) for g in gold]))
        others = [article(key) for key, _ in hits if key not in gold][:a.term_negatives]
        in_gold = np.isin(q, golden).tolist()
        in_others = np.zeros(len(q))
        for o in others:
            in_others += np.isin(q, o)
        in_others = (in_others / max(len(others), 1)).tolist()
        for c, g, o in zip(q.tolist(), in_gold, in_others):
            count[c] = count.get(c, 0) + 1
            pos[c] = pos.get(c, 0) + g
            neg[c] = neg.get(c, 0.0) + o
    s = a.term_smoothing * sum(pos.values()) / max(sum(count.values()), 1)
    out = {}
    for c, n in count.items():
        if n >= a.min_questions:
            w = ((pos[c] + s) / (neg[c] + s)) ** a.term_power
            out[c] = min(max(w, 0.2), 5.0)
    return out


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


def naive_bayes(lists, article, a):
    """The pairs seen in at least a.min_questions questions, and their
    naive-Bayes log-ratio: gold articles against BM25's top non-gold ones."""
    pos, neg = [], []
    q_pos, q_neg = {}, {}
    for q, gold, hits in lists:
        pairs = [(q[:, None] << SHIFT | article(g)[None, :]).ravel() for g in gold]
        pos.append(np.unique(np.concatenate(pairs)))  # once per question
        for c in q.tolist():
            q_pos[c] = q_pos.get(c, 0) + 1
        negatives = [key for key, _ in hits if key not in gold][:a.negatives]
        for key in negatives:
            neg.append((q[:, None] << SHIFT | article(key)[None, :]).ravel())
        for c in q.tolist():
            q_neg[c] = q_neg.get(c, 0) + len(negatives)
    pc, pn = np.unique(np.concatenate(pos), return_counts=True)
    keep = pn >= a.min_questions
    pc, pn = pc[keep], pn[keep]
    nc, nn = np.unique(np.concatenate(neg), return_counts=True)
    j = np.minimum(np.searchsorted(nc, pc), len(nc) - 1)
    n_neg = np.where(nc[j] == pc, nn[j], 0)
    qcode = pc >> SHIFT
    qp = np.array([q_pos[c] for c in qcode.tolist()], dtype=np.float64)
    qn = np.array([q_neg.get(c, 0) for c in qcode.tolist()], dtype=np.float64)
    return pc, np.log((pn + 0.5) / (qp + 1)) - np.log((n_neg + 0.5) / (qn + 1))


def pair_features(pc, q, keys, article):
    """For candidates keys of a question with bigrams q: (candidate index,
    pair index) of every kept pair (q, w) with w in the candidate."""
    ws, fs = [], []
    for c in q.tolist():
        lo = np.searchsorted(pc, np.uint64(c) << SHIFT)
        hi = np.searchsorted(pc, (np.uint64(c) + np.uint64(1)) << SHIFT)
        if hi > lo:
            ws.append(pc[lo:hi] & np.uint64(0xffffffff))
            fs.append(np.arange(lo, hi))
    cand, feat = [], []
    if ws:
        w = np.concatenate(ws)
        f = np.concatenate(fs)
        order = np.argsort(w, kind='stable')
        w, f = w[order], f[order]
        for c, key in enumerate(keys):
            x = article(key)
            lo, hi = np.searchsorted(w, x, 'left'), np.searchsorted(w, x, 'right')
            for l, h in zip(lo[hi > lo], hi[hi > lo]):
                feat.append(f[l:h])
                cand.append(np.full(h - l, c))
    if not feat:
        return np.zeros(0, int), np.zeros(0, int)
    return np.concatenate(cand), np.concatenate(feat)


def listwise(lists, article, pc, nb, a):
    """Refines the naive-Bayes weights on the ranking itself: a softmax over
    each training question's first-stage top a.list_depth, scored as
    retriever/rerank.c scores (BM25 / best + lambda * sum / damping), pulled
    toward its gold articles by Adam, with an L2 pull back to naive Bayes."""
    theta0 = a.lam * nb
    bm25, gold_y, damp, cand, feat, starts = [], [], [], [], [], []
    base = 0
    for q, gold, hits in lists:
        hits = hits[:a.list_depth]
        keys = [k for k, _ in hits]
        if not gold & set(keys):
            continue
        b = np.array([s for _, s in hits])
        c, f = pair_features(pc, q, keys, article)
        bm25.append(b / (b.max() if b.max() > 0 else 1))
        gold_y.append(np.array([k in gold for k in keys], dtype=np.float64))
        damp.append(np.array([max(len(article(k)), 1) ** a.power for k in keys]))
        cand.append(c + base)
        feat.append(f)
        starts.append(base)
        base += len(keys)
    bm25, gold_y, damp = np.concatenate(bm25), np.concatenate(gold_y), np.concatenate(damp)
    cand, feat, starts = np.concatenate(cand), np.concatenate(feat), np.array(starts)
    which = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, base)))
    n_lists = len(starts)
    theta, m, v = theta0.copy(), np.zeros_like(theta0), np.zeros_like(theta0)
    for step in range(1, a.epochs + 1):
        support = np.bincount(cand, weights=theta[feat], minlength=base) / damp
        score = a.sharpness * (bm25 + support)
        e = np.exp(score - np.maximum.reduceat(score, starts)[which])
        p = e / np.add.reduceat(e, starts)[which]
        y = gold_y / np.add.reduceat(gold_y, starts)[which]
        d_score = a.sharpness * (p - y)
        grad = (np.bincount(feat, weights=d_score[cand] / damp[cand], minlength=len(theta)) +
                a.l2 * (theta - theta0)) / n_lists
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad ** 2
        theta -= a.rate * (m / (1 - 0.9 ** step)) / (np.sqrt(v / (1 - 0.999 ** step)) + 1e-8)
    return theta / a.lam


def print_header(what, options, a):
    print('# %s for retriever/rerank.c, learned by bench/train_rerank.py' % what)
    print('# from the LeCoQA train file (cross-validated in bench/eval.sh --cv):')
    print('# %s%s.' % (options, ' --holdout %d --folds %d' % (a.holdout, a.folds)
                       if a.holdout else ''))


def print_terms(weights, a):
    print_header('BM25 query-term weights (--terms)',
                 '--term-negatives %d --term-smoothing %g --term-power %g --min-questions %d' %
                 (a.term_negatives, a.term_smoothing, a.term_power, a.min_questions), a)
    print('# term<TAB>question bigram<TAB>weight (the idf is multiplied by it)')
    for c in sorted(weights):
        print('term\t%s%s\t%.3f' % (chr(c >> 16), chr(c & 0xffff), weights[c]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--db', required=True)
    ap.add_argument('--dump', required=True)
    ap.add_argument('--holdout', type=int, default=0)
    ap.add_argument('--folds', type=int, default=5)
    ap.add_argument('--negatives', type=int, default=20,
                    help='non-gold candidates per question, from the top of the first stage')
    ap.add_argument('--min-questions', type=int, default=3)
    ap.add_argument('--lambda', dest='lam', type=float, default=0.05)
    ap.add_argument('--power', type=float, default=0.75)
    ap.add_argument('--neighbour', type=float, default=0.1,
                    help='share of the best neighbouring candidate\'s score an article gets')
    ap.add_argument('--epochs', type=int, default=60,
                    help='listwise refinement of the naive-Bayes weights (0: none)')
    ap.add_argument('--l2', type=float, default=10, help='pull back toward naive Bayes')
    ap.add_argument('--rate', type=float, default=0.05)
    ap.add_argument('--sharpness', type=float, default=10)
    ap.add_argument('--list-depth', type=int, default=100)
    ap.add_argument('--terms', action='store_true',
                    help='learn the BM25 query terms\' weights instead of the pairs')
    ap.add_argument('--term-negatives', type=int, default=30)
    ap.add_argument('--term-smoothing', type=float, default=5)
    ap.add_argument('--term-power', type=float, default=0.5)
    a = ap.parse_args()

    texts = article_texts(a.db)
    cache = {}

    def article(key):
        if key not in cache:
            cache[key] = bigram_codes(texts.get(key, ''))
        return cache[key]

    lists = []  # (question bigrams, gold keys, first-stage hits) of the training questions
    n_gold = n_found = 0
    for line in open(a.dump, encoding='utf-8'):
        d = json.loads(line)
        i = d['i']
        if a.holdout and i % a.folds == a.holdout - 1:
            continue
        # the words the search used: the BM25 arm's expanded query for the
        # term weights, the question with its fillers blanked for the pairs
        q = bigram_codes(d['expanded'] if a.terms else d['bare'])
        keys = {int(g) for g in d['gold']}
        gold = keys & texts.keys()
        n_gold, n_found = n_gold + len(keys), n_found + len(gold)
        if len(q) and gold:
            lists.append((q, gold, [(int(h[0]), h[5]) for h in d['hits']]))

    # Gold keys are evaluation/metrics.c's ev_article_key, mirrored by
    # fnv_key: if they stop matching, say so rather than learn from nothing.
    if n_found < 0.9 * n_gold:
        sys.exit('train_rerank: only %d of %d gold articles found in %s: does fnv_key still '
                 'match ev_article_key, and is DUMP from this database?' % (n_found, n_gold, a.db))
    if a.terms:
        print_terms(term_weights(lists, article, a), a)
        return
    pc, weight = naive_bayes(lists, article, a)
    if a.epochs:
        weight = listwise(lists, article, pc, weight, a)

    print_header('Word-pair reranker', '--negatives %d --min-questions %d --epochs %d --l2 %g' %
                 (a.negatives, a.min_questions, a.epochs, a.l2), a)
    print('# question bigram<TAB>article bigram<TAB>weight; lambda and power set how')
    print('# the summed weights join the BM25 score, neighbour what an article gets')
    print('# of its best-scoring neighbour\'s (retriever/rerank.h).')
    print('lambda\t%g' % a.lam)
    print('power\t%g' % a.power)
    print('neighbour\t%g' % a.neighbour)
    for code, w in zip(pc.tolist(), weight.tolist()):
        q, t = code >> 32, code & 0xffffffff
        print('%s%s\t%s%s\t%.3f' % (chr(q >> 16), chr(q & 0xffff), chr(t >> 16), chr(t & 0xffff), w))


if __name__ == '__main__':
    main()
