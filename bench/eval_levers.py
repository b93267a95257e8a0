#!/usr/bin/python3
"""Measures candidate retrieval levers against the shipped pipeline, in
LeCoQA 5-fold cross-validation, before any of them is built into
retriever/.  Each lever gives a score per article; it is added to the
pipeline's own ranking as 1 / (rank + c) + mu * score, for each mu asked.
mu 0 reproduces `bench/eval.sh --cv` exactly.

  citations     log(1 + how often the corpus's current articles cite the
                article): 《X》第N条, X第N条 with X a known law name or alias,
                本法第N条.  Learns nothing from LeCoQA.
  jieba         a BM25 arm over jieba words (Debian's python3-jieba, no HMM)
                of title, path and text; the article's score is
                1 / (rank + c) in that arm's top 200.
  associations  for each (question bigram, gold article) seen together in at
                least --min-questions training questions, the lift
                log(P(bigram | article's questions) / P(bigram)); the score
                is the sum over the question's bigrams.  Learned on the four
                other folds; it can add articles the pipeline did not find.

usage: eval_levers.py --cv DIR --db DB --lever NAME [--mu 0,0.01,...]
                      [--c 2] [--min-questions 3] [--lawqa build/lawqa]
DIR is the --out of `bench/eval.sh --db DB --out DIR --cv` (each fold's
learned model beside cvF.db).
"""
import argparse
import collections
import json
import math
import os
import re
import sqlite3
import subprocess
import tempfile

import numpy as np

from train_rerank import CJK, article_texts, fnv_key

FOLDS = 5
NUMERAL = '零〇一二两三四五六七八九十百千0-9'
CN_DIGIT = {c: i for i, c in enumerate('零一二三四五六七八九')}
CN_DIGIT.update({'〇': 0, '两': 2})


def cn_number(s):
    if s.isdigit():
        return int(s)
    total = digit = 0
    for ch in s:
        if ch in CN_DIGIT:
            digit = CN_DIGIT[ch]
        else:
            total += (digit or (1 if ch == '十' else 0)) * {'十': 10, '百': 100, '千': 1000}[ch]
            digit = 0
    return total + digit


def pipeline_rankings(a):
    """Each question's ranked keys, gold keys and the words the search read
    (its fillers blanked), from each fold's model."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for f in range(1, FOLDS + 1):
            dump = os.path.join(tmp, 'fold%d' % f)
            subprocess.run([a.lawqa, 'eval', '--db', os.path.join(a.cv, 'cv%d.db' % f), '--set',
                            a.set, '--kind', 'lecoqa', '--folds', str(FOLDS), '--holdout', str(f),
                            '--no-unresolved', '--k', '500', '--dump', dump],
                           check=True, stdout=subprocess.DEVNULL)
            for line in open(dump, encoding='utf-8'):
                d = json.loads(line)
                # --holdout numbers the fold's questions from 0
                out[d['i'] * FOLDS + f - 1] = ([int(h[0]) for h in d['hits']],
                                               {int(g) for g in d['gold']}, d['bare'])
    return out


def citation_counts(db):
    title = dict(db.execute('SELECT id, title FROM laws'))
    names = {t: i for i, t in title.items()}
    names.update(db.execute('SELECT alias, law_id FROM aliases'))
    run = re.compile('((?:第[%s]+条(?:之[一二三四五六七八九十])?[、，和及或至]?)+)' % NUMERAL)
    one = re.compile('第([%s]+)条' % NUMERAL)
    own = ('本法', '本条例', '本规定', '本办法', '本解释', '本细则')
    counts = collections.Counter()
    for law, text in db.execute('SELECT v.law_id, a.text FROM articles a'
                                ' JOIN versions v ON v.id=a.version_id WHERE v.is_current'):
        for m in run.finditer(text):
            before = text[max(0, m.start() - 40):m.start()].rstrip('》')
            target = None
            for k in range(len(before), 1, -1):  # the longest name touching 第
                name = before[-k:].lstrip('《')
                if name in own:
                    target = law
                elif name in names:
                    target = names[name]
                if target:
                    break
            for n in one.findall(m.group(1)) if target else ():
                counts[fnv_key(title[target], cn_number(n), 0)] += 1
    return {k: math.log1p(n) for k, n in counts.items()}


class JiebaBM25:
    def __init__(self, texts, k1=1.2, b=0.75):
        """texts: article key -> its title, path and text (article_texts)."""
        import jieba
        jieba.setLogLevel(60)
        self.cut = lambda s: [w for w in jieba.lcut(s, HMM=False) if CJK.search(w)]
        self.keys, vocab, postings = [], {}, collections.defaultdict(list)
        lengths = []
        for key, text in texts.items():
            words = collections.Counter(self.cut(text))
            for w, tf in words.items():
                postings[vocab.setdefault(w, len(vocab))].append((len(self.keys), tf))
            self.keys.append(key)
            lengths.append(sum(words.values()))
        n, norm = len(self.keys), np.array(lengths, float) / np.mean(lengths)
        self.vocab, self.lists = vocab, {}
        for w, p in postings.items():
            rows = np.array([r for r, _ in p])
            tf = np.array([t for _, t in p], float)
            idf = math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5))
            self.lists[w] = (rows, idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * norm[rows])))

    def search(self, query, k=200):
        score = np.zeros(len(self.keys))
        for w in set(self.cut(query)):
            if w in self.vocab:
                rows, s = self.lists[self.vocab[w]]
                score[rows] += s
        top = np.argsort(-score)[:k]
        return [self.keys[t] for t in top if score[t] > 0]


def association_model(train, bigrams, gold_of, min_q):
    n_q = len(train)
    df = collections.Counter(b for i in train for b in bigrams[i])
    per_article = collections.Counter()
    together = collections.Counter()
    for i in train:
        for g in gold_of[i]:
            per_article[g] += 1
            together.update((b, g) for b in bigrams[i])
    model = collections.defaultdict(dict)
    for (b, g), n in together.items():
        if n >= min_q:
            lift = math.log((n / per_article[g]) / (df[b] / n_q))
            if lift > 0:
                model[b][g] = lift
    return model


def metrics(ranked, gold):
    out = {'R@%d' % k: len(gold & set(ranked[:k])) / len(gold) for k in (1, 5, 10, 20, 100)}
    out['MRR@100'] = next((1 / (p + 1) for p, k in enumerate(ranked[:100]) if k in gold), 0)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--cv', required=True)
    ap.add_argument('--db', required=True)
    ap.add_argument('--set', default=os.path.join(os.environ.get('LAWQA_SHARED', '../shared'),
                                                  'eval', 'lecoqa', 'train.json'))
    ap.add_argument('--lawqa', default='build/lawqa')
    ap.add_argument('--lever', required=True, choices=['citations', 'jieba', 'associations'])
    ap.add_argument('--mu', default='0,0.003,0.01,0.03')
    ap.add_argument('--c', type=float, default=2)
    ap.add_argument('--min-questions', type=int, default=3)
    a = ap.parse_args()
    mus = [float(x) for x in a.mu.split(',')]
    ranked = pipeline_rankings(a)
    db = sqlite3.connect('file:%s?mode=ro' % a.db, uri=True)
    questions = {i: bare for i, (_, _, bare) in ranked.items()}
    bigrams = {i: {r[j:j + 2] for r in CJK.findall(q) for j in range(len(r) - 1)}
               for i, q in questions.items()}
    gold_of = {i: g for i, (_, g, _) in ranked.items()}
    fixed = citation_counts(db) if a.lever == 'citations' else None
    arm = JiebaBM25(article_texts(a.db)) if a.lever == 'jieba' else None
    total = {mu: collections.Counter() for mu in mus}
    alone = collections.Counter()  # the jieba arm by itself
    for f in range(FOLDS):
        test = [i for i in sorted(ranked) if i % FOLDS == f]
        if a.lever == 'associations':
            model = association_model([i for i in ranked if i % FOLDS != f], bigrams, gold_of,
                                      a.min_questions)
        for i in test:
            keys, gold, _ = ranked[i]
            if fixed is not None:
                extra = {k: fixed.get(k, 0) for k in keys}
            elif arm is not None:
                hits = arm.search(questions[i])
                alone.update(metrics(hits, gold))
                extra = {k: 1 / (r + a.c) for r, k in enumerate(hits)}
            else:
                extra = collections.Counter()
                for b in bigrams[i]:
                    extra.update(model.get(b, {}))
            base = {}
            for r, k in enumerate(keys):
                base.setdefault(k, 1 / (r + a.c))
            for mu in mus:
                score = dict(base)
                for k, x in extra.items():
                    score[k] = score.get(k, 0) + mu * x
                total[mu].update(metrics(sorted(score, key=lambda k: -score[k]), gold))
    line = lambda t: '  '.join('%s %.4f' % (m, v / len(ranked)) for m, v in t.items())
    if alone:
        print('jieba arm alone  %s' % line(alone))
    for mu in mus:
        print('%s mu %-6g %s' % (a.lever, mu, line(total[mu])))


if __name__ == '__main__':
    main()
