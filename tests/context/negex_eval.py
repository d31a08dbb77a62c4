#!/usr/bin/env python3
"""negex_eval.py -- score `medcode assert` on the NegEx / ConText test kit.

Usage:
  negex_eval.py --medcode BIN --dict DICT --kit KIT.tsv
                [--min-neg-p 0.97 --min-neg-r 0.97 --min-f1 0.90]
                [--min-temp-f1 F] [--min-exp-f1 F] [--errors N] [--skip-missing]

The kit is a TSV with the header
  report  phrase  sentence  negation  temporality  experiencer
where the phrase is upper-cased inside its sentence. Each row is sent to
`BIN assert --dict DICT -` as `id<TAB>phrase<TAB>sentence`; the tool answers
`id<TAB>negation<TAB>temporality<TAB>experiencer`.

Scores (the kit's labels are mapped: "Not particular" -> Hypothetical,
"Family member" / "Other" -> Other; our "Possible" counts as not negated):
  negation     precision and recall, positive class Negated
  temporality  F1 of Historical (against Recent and Hypothetical)
  experiencer  F1 of Other (against Patient)
Exits 1 when a score is below its threshold, 77 with --skip-missing when the kit is
absent, 2 on a tool failure. Python standard library only.
"""
import argparse
import csv
import os
import subprocess
import sys


def prf(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def gold_temporality(v):
    v = v.strip().lower()
    if v.startswith("hist"):
        return "Historical"
    if v.startswith("not") or v.startswith("hypo"):
        return "Hypothetical"
    return "Recent"


def gold_experiencer(v):
    return "Patient" if v.strip().lower() == "patient" else "Other"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--medcode", required=True, help="the medcode binary (or a tool with the same `assert` interface)")
    ap.add_argument("--dict", help="dictionary file passed as --dict")
    ap.add_argument("--kit", required=True)
    ap.add_argument("--min-neg-p", type=float, default=0.97)
    ap.add_argument("--min-neg-r", type=float, default=0.97)
    ap.add_argument("--min-f1", type=float, default=0.90, help="floor of both F1 scores")
    ap.add_argument("--min-temp-f1", type=float, help="floor of the temporality F1 (default: --min-f1)")
    ap.add_argument("--min-exp-f1", type=float, help="floor of the experiencer F1 (default: --min-f1)")
    ap.add_argument("--errors", type=int, default=0, help="print up to N disagreements per axis")
    ap.add_argument("--skip-missing", action="store_true", help="exit 77 when the kit is absent")
    a = ap.parse_args()

    if not os.path.exists(a.kit):
        print("negex_eval: kit not found: %s" % a.kit)
        return 77 if a.skip_missing else 2
    with open(a.kit, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    lines = []
    for i, r in enumerate(rows):
        sent = r["sentence"].replace("\t", " ").replace("\n", " ")
        # the kit writes its target upper-case inside the sentence: send that form, so
        # a tool that prefers an exact-case occurrence finds the target, not an
        # earlier lower-case occurrence of the same words
        ph = r["phrase"].upper() if r["phrase"].upper() in sent else r["phrase"]
        lines.append("%d\t%s\t%s\n" % (i, ph, sent))
    cmd = [a.medcode, "assert"] + (["--dict", a.dict] if a.dict else []) + ["-"]
    p = subprocess.run(cmd, input="".join(lines), capture_output=True, text=True)
    if p.returncode not in (0,):
        sys.stderr.write(p.stderr)
        print("negex_eval: %s exited %d" % (" ".join(cmd), p.returncode))
        return 2
    got = {}
    for ln in p.stdout.splitlines():
        f = ln.split("\t")
        if len(f) >= 4:
            got[f[0]] = f
    if len(got) != len(rows):
        print("negex_eval: %d answers for %d rows" % (len(got), len(rows)))
        return 2

    n_tp = n_fp = n_fn = 0
    t_tp = t_fp = t_fn = 0
    e_tp = e_fp = e_fn = 0
    errs = {"negation": [], "temporality": [], "experiencer": []}
    for i, r in enumerate(rows):
        g = got[str(i)]
        gn, pn = r["negation"].strip() == "Negated", g[1] == "Negated"
        gt, pt = gold_temporality(r["temporality"]) == "Historical", g[2] == "Historical"
        ge, pe = gold_experiencer(r["experiencer"]) == "Other", g[3] == "Other"
        n_tp += gn and pn; n_fp += pn and not gn; n_fn += gn and not pn
        t_tp += gt and pt; t_fp += pt and not gt; t_fn += gt and not pt
        e_tp += ge and pe; e_fp += pe and not ge; e_fn += ge and not pe
        for axis, gv, pv in (("negation", gn, pn), ("temporality", gt, pt), ("experiencer", ge, pe)):
            if gv != pv:
                errs[axis].append("%s %s | %s | %s" % ("FN" if gv else "FP", r["phrase"], r["sentence"], "\t".join(g[1:])))

    np_, nr, nf = prf(n_tp, n_fp, n_fn)
    tp_, tr, tf = prf(t_tp, t_fp, t_fn)
    ep, er, ef = prf(e_tp, e_fp, e_fn)
    print("rows %d" % len(rows))
    print("negation     precision %.3f recall %.3f f1 %.3f  (tp %d fp %d fn %d)" % (np_, nr, nf, n_tp, n_fp, n_fn))
    print("temporality  historical precision %.3f recall %.3f f1 %.3f  (tp %d fp %d fn %d)" % (tp_, tr, tf, t_tp, t_fp, t_fn))
    print("experiencer  other precision %.3f recall %.3f f1 %.3f  (tp %d fp %d fn %d)" % (ep, er, ef, e_tp, e_fp, e_fn))
    if a.errors:
        for axis, lst in errs.items():
            for e in lst[: a.errors]:
                print("  [%s] %s" % (axis, e))
    fail = []
    if np_ < a.min_neg_p: fail.append("negation precision %.3f < %.3f" % (np_, a.min_neg_p))
    if nr < a.min_neg_r: fail.append("negation recall %.3f < %.3f" % (nr, a.min_neg_r))
    min_t = a.min_f1 if a.min_temp_f1 is None else a.min_temp_f1
    min_e = a.min_f1 if a.min_exp_f1 is None else a.min_exp_f1
    if tf < min_t: fail.append("temporality F1 %.3f < %.3f" % (tf, min_t))
    if ef < min_e: fail.append("experiencer F1 %.3f < %.3f" % (ef, min_e))
    for m in fail:
        print("BELOW TARGET: " + m)
    return 1 if fail else 0


if __name__ == "__main__":
    sys.exit(main())
