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
  anchors       a BM25 arm over bigrams of what cites the article: the text
                of every article of another law that cites it, joined; the
                score is 1 / (rank + c) in that arm's top 200.  Learns
                nothing from LeCoQA.
  associations  for each (question bigram, gold article) seen together in at
                least --min-questions training questions, the lift
                log(P(bigram | article's questions) / P(bigram)); the score
                is the sum over the question's bigrams.  Learned on the four
                other folds; it can add articles the pipeline did not find.
  prf           pseudo-relevance feedback: the question plus the --prf-terms
                bigrams that best mark the pipeline's first --prf-docs
                articles (sum of tf / length * idf / rank, none of the
                question's own, none in over 5% of the articles) is searched
                again by the same pipeline; the article's score is
                1 / (rank + c) in that second ranking.

--lever all adds every lever, each weighed by its best mu alone (BEST_MU)
and then by mu, and counts the held-out gold articles that are among the
candidates of the pipeline and of every lever together, the most that any
ranking of them could find.

usage: eval_levers.py --cv DIR --db DB --lever NAME [--mu 0,0.01,...]
                      [--c 2] [--min-questions 3] [--prf-docs 3]
                      [--prf-terms 3] [--lawqa build/lawqa]
DIR is the --out of `bench/eval.sh --db DB --out DIR --cv` (each fold's
learned model beside cvF.db).
"""
import argparse
import collections
import functools
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


def pipeline_rankings(a, question_set):
    """Each question's ranked keys, gold keys and the words the search read
    (its fillers blanked), from each fold's model."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for f in range(1, FOLDS + 1):
            dump = os.path.join(tmp, 'fold%d' % f)
            subprocess.run([a.lawqa, 'eval', '--db', os.path.join(a.cv, 'cv%d.db' % f),
                            '--set', question_set, '--kind', 'lecoqa', '--folds', str(FOLDS),
                            '--holdout', str(f), '--no-unresolved', '--k', '500', '--dump', dump],
                           check=True, stdout=subprocess.DEVNULL)
            for line in open(dump, encoding='utf-8'):
                d = json.loads(line)
                # --holdout numbers the fold's questions from 0
                out[d['i'] * FOLDS + f - 1] = ([int(h[0]) for h in d['hits']],
                                               {int(g) for g in d['gold']}, d['bare'])
    return out


def citations(db):
    """(citing law id, citing article's text, cited law id, cited article's
    key) for every citation in the corpus's current articles."""
    title = dict(db.execute('SELECT id, title FROM laws'))
    names = {t: i for i, t in title.items()}
    names.update(db.execute('SELECT alias, law_id FROM aliases'))
    run = re.compile('((?:第[%s]+条(?:之[一二三四五六七八九十])?[、，和及或至]?)+)' % NUMERAL)
    one = re.compile('第([%s]+)条' % NUMERAL)
    own = ('本法', '本条例', '本规定', '本办法', '本解释', '本细则')
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
                yield law, text, target, fnv_key(title[target], cn_number(n), 0)


def citation_counts(db_path):
    counts = collections.Counter(key for _, _, _, key in corpus_citations(db_path))
    return {k: math.log1p(n) for k, n in counts.items()}


def anchor_texts(db_path):
    """Cited article's key -> the texts of the other laws' articles that cite
    it, joined (a blank between them, so that no bigram spans two)."""
    texts = collections.defaultdict(list)
    for law, text, target, key in corpus_citations(db_path):
        if target != law:
            texts[key].append(text)
    return {key: ' '.join(t) for key, t in texts.items()}


def bigrams_of(s):
    return [r[j:j + 2] for r in CJK.findall(s) for j in range(len(r) - 1)]


@functools.lru_cache(maxsize=None)
def corpus_texts(db_path):
    """article_texts, read once however many levers want them."""
    return article_texts(db_path)


@functools.lru_cache(maxsize=None)
def corpus_df(db_path):
    """How many articles hold each bigram, and how many articles there are."""
    texts = corpus_texts(db_path)
    return collections.Counter(b for t in texts.values() for b in set(bigrams_of(t))), len(texts)


@functools.lru_cache(maxsize=None)
def corpus_citations(db_path):
    """citations() of the database, walked once."""
    return list(citations(sqlite3.connect('file:%s?mode=ro' % db_path, uri=True)))


class BM25:
    def __init__(self, texts, cut, k1=1.2, b=0.75):
        """texts: article key -> the text it is found by; cut: text -> words."""
        self.cut = cut
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


def feedback_set(a, ranked, tmp):
    """The question set again, each question followed by the bigrams that
    best mark its first a.prf_docs articles; returns the new file's path."""
    texts, (df, n) = corpus_texts(a.db), corpus_df(a.db)
    records = json.load(open(a.set, encoding='utf-8'))
    for i, (keys, _, bare) in ranked.items():
        own, weight = set(bigrams_of(bare)), collections.Counter()
        for rank, key in enumerate(keys[:a.prf_docs], 1):
            words = collections.Counter(bigrams_of(texts.get(key, '')))
            length = sum(words.values())
            for w, tf in words.items():
                if w not in own and df[w] <= 0.05 * n:
                    weight[w] += tf / length * math.log(n / df[w]) / rank
        records[i]['问题'] += ' ' + ' '.join(w for w, _ in weight.most_common(a.prf_terms))
    path = os.path.join(tmp, 'feedback.json')
    json.dump(records, open(path, 'w', encoding='utf-8'), ensure_ascii=False)
    return path


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


def shared_bigrams(db_path, pairs, bigrams):
    """For each (question, article key), the bigrams that the question and
    the article's title, path and text share, leaving aside those in over 30%
    of the articles (which the BM25 arm leaves aside too)."""
    texts, (df, n) = corpus_texts(db_path), corpus_df(db_path)
    return [{b for b in bigrams[i] & set(bigrams_of(texts.get(k, ''))) if df[b] <= 0.3 * n}
            for i, k in pairs]


# each lever's best mu alone (jieba's with --c 10), which --lever all weighs it by
BEST_MU = {'citations': 0.003, 'jieba': 0.1, 'anchors': 0.1, 'associations': 0.005, 'prf': 0.2}
LEVERS = ('citations', 'jieba', 'anchors', 'associations', 'prf')


def make_lever(name, a, ranked, bigrams):
    """A function (fold, question) -> (the lever's score by article key, the
    lever's own ranking when it is an arm of its own, else None)."""
    if name == 'citations':
        fixed = citation_counts(a.db)
        return lambda f, i: ({k: fixed.get(k, 0) for k in ranked[i][0]}, None)
    if name in ('jieba', 'anchors', 'prf'):
        if name == 'jieba':
            import jieba
            jieba.setLogLevel(60)
            cut = lambda s: [w for w in jieba.lcut(s, HMM=False) if CJK.search(w)]
            arm = BM25(corpus_texts(a.db), cut)
            search = lambda i: arm.search(ranked[i][2])
        elif name == 'anchors':
            anchors = BM25(anchor_texts(a.db), bigrams_of)
            search = lambda i: anchors.search(ranked[i][2])
        else:
            with tempfile.TemporaryDirectory() as tmp:
                second = pipeline_rankings(a, feedback_set(a, ranked, tmp))
            search = lambda i: second[i][0]

        def arm_scores(f, i):
            hits, scores = search(i), {}
            for r, k in enumerate(hits):
                scores.setdefault(k, 1 / (r + a.c))
            return scores, hits
        return arm_scores
    gold_of = {i: g for i, (_, g, _) in ranked.items()}
    models = {}

    def associations(f, i):
        if f not in models:
            models[f] = association_model([j for j in ranked if j % FOLDS != f], bigrams,
                                          gold_of, a.min_questions)
        scores = collections.Counter()
        for b in bigrams[i]:
            scores.update(models[f].get(b, {}))
        return scores, None
    return associations


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--cv', required=True)
    ap.add_argument('--db', required=True)
    ap.add_argument('--set', default=os.path.join(os.environ.get('LAWQA_SHARED', '../shared'),
                                                  'eval', 'lecoqa', 'train.json'))
    ap.add_argument('--lawqa', default='build/lawqa')
    ap.add_argument('--lever', required=True, choices=LEVERS + ('all',))
    ap.add_argument('--mu', default='0,0.003,0.01,0.03')
    ap.add_argument('--c', type=float, default=2)
    ap.add_argument('--min-questions', type=int, default=3)
    ap.add_argument('--prf-docs', type=int, default=3)
    ap.add_argument('--prf-terms', type=int, default=3)
    a = ap.parse_args()
    mus = [float(x) for x in a.mu.split(',')]
    ranked = pipeline_rankings(a, a.set)
    bigrams = {i: set(bigrams_of(q)) for i, (_, _, q) in ranked.items()}
    names = LEVERS if a.lever == 'all' else (a.lever,)
    levers = [(make_lever(name, a, ranked, bigrams), BEST_MU[name] if a.lever == 'all' else 1)
              for name in names]
    total = {mu: collections.Counter() for mu in mus}
    missed = []  # (question, gold article) that no lever finds
    alone = collections.Counter()  # an arm of its own, by itself
    ceiling = collections.Counter()
    for i in sorted(ranked):
        keys, gold, _ = ranked[i]
        extra, found = collections.Counter(), set(keys)
        for lever, weight in levers:
            scores, hits = lever(i % FOLDS, i)
            if hits is not None and len(levers) == 1:
                alone.update(metrics(hits, gold))
            extra.update({k: weight * x for k, x in scores.items()})
            found |= {k for k, x in scores.items() if x > 0}
        # the gold articles that any fusion of these could rank at all
        ceiling['pipeline'] += len(gold & set(keys)) / len(gold)
        ceiling['with ' + a.lever] += len(gold & found) / len(gold)
        ceiling['candidates'] += len(found)
        missed += [(i, g) for g in gold - found]
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
        print('%s arm alone  %s' % (a.lever, line(alone)))
    for mu in mus:
        print('%s mu %-6g %s' % (a.lever, mu, line(total[mu])))
    print('gold among the candidates  %s' % line(ceiling))
    if a.lever == 'all':
        print('gold articles found by none: %d of %d; sharing no bigram with the question: %d'
              % (len(missed), sum(len(g) for _, g, _ in ranked.values()),
                 sum(not shared for shared in shared_bigrams(a.db, missed, bigrams))))


if __name__ == '__main__':
    main()
