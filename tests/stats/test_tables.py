#!/usr/bin/env python3
"""Independent check of medcode's statistics tables (Python standard library only).

1. Recompute codes.csv (code, category, chapter levels), strata.csv, standardised.csv and
   cooccurrence.csv from the per-record output joined with the input columns, with our own
   Wilson interval, US 2000 weights and Fay-Feuer interval; require exact counts and
   agreement to the printed precision.
2. Disclosure control on the sample and on a table designed so that naive primary
   suppression leaks a cell: no published count in 1..k-1, every line of every table with
   0 or >= 2 unknown cells, and an exact audit (rational Gaussian elimination over every
   family's lines) that no suppressed cell is determined by the published ones.
3. Partial states: runs over a split of the input merged in any order give byte-identical
   tables; a corrupt, truncated, foreign-dictionary or other-options state is refused
   with one line and exit code 3.

usage: test_tables.py MEDCODE_BIN SOURCE_DIR BUILD_DIR
"""
import csv, io, math, os, shutil, subprocess, sys, tempfile
from fractions import Fraction
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from mc_check import check, done  # noqa: E402

BIN, SRC, BUILD = sys.argv[1], sys.argv[2], sys.argv[3]
SAMPLE = os.path.join(SRC, "datasets", "sample", "notes.csv.zst")
K = 11


def run(args, expect=0, stdin=None):
    p = subprocess.run([BIN] + args, capture_output=True, input=stdin)
    if expect is not None and p.returncode != expect:
        check(False, "%s exited %d (expected %d): %s" % (" ".join(args[:3]), p.returncode, expect, p.stderr.decode(errors="replace")))
    return p


def table(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def read(path):
    with open(path, "rb") as f:
        return f.read()


def close(got, want, what, tol=0.0015):
    ok = got != "" and abs(float(got) - want) <= tol
    check(ok, "%s: got %r, want %.4f" % (what, got, want))


# ---- independent statistics -------------------------------------------------------

Z = 1.959963984540054


def wilson(x, n):
    p = x / n
    d = 1 + Z * Z / n
    c = (p + Z * Z / (2 * n)) / d
    h = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / d
    return (0.0 if x == 0 else c - h), (1.0 if x == n else c + h)


def lower_gamma_p(a, x):
    """Regularised P(a, x) by its power series in log space (converges for every x)."""
    if x <= 0:
        return 0.0
    term = total = 1.0 / a
    k = 0
    while True:
        k += 1
        term *= x / (a + k)
        total += term
        if term < total * 1e-17 or k > 200000:
            break
    return min(1.0, math.exp(math.log(total) - x + a * math.log(x) - math.lgamma(a)))


def gamma_quantile(p, shape, scale):
    lo, hi = 0.0, max(shape, 1.0)
    while lower_gamma_p(shape, hi) < p:
        hi *= 2
    for _ in range(300):
        mid = (lo + hi) / 2
        if lower_gamma_p(shape, mid) < p:
            lo = mid
        else:
            hi = mid
    return scale * (lo + hi) / 2


def fay_feuer(w, x, n):
    terms = [(wi / ni, xi) for wi, xi, ni in zip(w, x, n) if wi > 0]
    y = sum(a * b for a, b in terms)
    v = sum(a * a * b for a, b in terms)
    wm = max(a for a, _ in terms)
    lo = 0.0 if y == 0 else gamma_quantile(0.025, y * y / v, v / y)
    yu, vu = y + wm, v + wm * wm
    return y, lo, gamma_quantile(0.975, yu * yu / vu, vu / yu)


US2000 = [(0, 0, 13818), (1, 4, 55317), (5, 9, 72533), (10, 14, 73032), (15, 19, 72169), (20, 24, 66478), (25, 29, 64529),
          (30, 34, 71044), (35, 39, 80762), (40, 44, 81851), (45, 49, 72118), (50, 54, 62716), (55, 59, 48454),
          (60, 64, 38793), (65, 69, 34264), (70, 74, 31773), (75, 79, 26999), (80, 84, 17842), (85, 99, 15508)]
BANDS = [(0, 17, "0-17"), (18, 44, "18-44"), (45, 64, "45-64"), (65, 10**9, "65-")]


def band_weights():
    w = []
    for lo, hi, _ in BANDS:
        s = 0.0
        for glo, ghi, pop in US2000:
            a, b = max(lo, glo), min(hi, ghi)
            if a <= b:
                s += pop * (b - a + 1) / (ghi - glo + 1)
        w.append(s)
    t = sum(w)
    return [x / t for x in w]


CHAPTERS = ["A00-B99", "C00-D49", "D50-D89", "E00-E89", "F01-F99", "G00-G99", "H00-H59", "H60-H95", "I00-I99", "J00-J99",
            "K00-K95", "L00-L99", "M00-M99", "N00-N99", "O00-O9A", "P00-P96", "Q00-Q99", "R00-R99", "S00-T88", "V00-Y99",
            "Z00-Z99", "U00-U85"]


def chapter(code):
    c3 = code[:3]
    for ch in CHAPTERS:
        lo, hi = ch.split("-")
        if lo <= c3 <= hi:
            return ch
    return None


def age_band(s):
    s = s.strip()
    head = s.split(".")[0] if s.count(".") == 1 else s
    if not head.isdigit() or (s.count(".") == 1 and not (s.split(".")[1] == "" or s.split(".")[1].isdigit())):
        return "unknown"
    a = int(head)
    if a > 150:
        return "unknown"
    for lo, hi, lab in BANDS:
        if lo <= a <= hi:
            return lab
    return "unknown"


def quarter(s):
    s = s.strip()
    if len(s) >= 7 and s[:4].isdigit() and s[4] == "-" and s[5:7].isdigit() and 1 <= int(s[5:7]) <= 12:
        return "%s-Q%d" % (s[:4], (int(s[5:7]) - 1) // 3 + 1)
    return "unknown"


# ---- 1. recompute the tables from the per-record output -----------------------------

tmp = tempfile.mkdtemp(prefix="medcode-stats-")
try:
    text = subprocess.run(["zstd", "-dc", SAMPLE], capture_output=True, check=True).stdout.decode()
    inrows = list(csv.DictReader(io.StringIO(text)))
    out = os.path.join(tmp, "full")
    per = os.path.join(tmp, "per.csv")
    common = ["--text-col", "note", "--id-col", "id", "--strata", "facility", "--strata", "facility,sex", "--age-col", "age",
              "--date-col", "date", "--period", "quarter", "--cooc-top", "20", "--quiet"]
    run(["run", "--out", out, "--per-record", per, "--no-suppression", "--threads", "2"] + common + [SAMPLE])
    VARS = ["facility", "sex", "age_band", "period"]
    STRATS = {"all": [], "facility": ["facility"], "facility*sex": ["facility", "sex"], "age_band": ["age_band"], "period": ["period"]}
    vals = {}
    for r in inrows:
        fac = r["facility"].strip() or "unknown"
        sex = r["sex"].strip() or "unknown"
        vals[r["id"]] = {"facility": fac, "sex": sex, "age_band": age_band(r["age"]), "period": quarter(r["date"])}
    # per record: counted codes, counted mentions, mentions by matched code and assertion
    counted, ment, asrt = {}, {}, {}
    ASSERTS = ["affirmed", "negated", "possible", "hypothetical", "historical", "family"]
    for row in table(per):
        rid = row["id"]
        for level, f in (("code", lambda c: c), ("category", lambda c: c[:3]), ("chapter", chapter)):
            it = f(row["matched_code"])
            key = (rid, level, it)
            asrt.setdefault(key, [0] * 6)[ASSERTS.index(row["assertion"])] += 1
            if row["counted"] == "1":
                it2 = f(row["code"])
                counted.setdefault(rid, set()).add((level, it2))
                ment[(rid, level, it2)] = ment.get((rid, level, it2), 0) + 1
    ids = [r["id"] for r in inrows]

    def stratum_of(rid, sname):
        v = vals[rid]
        return tuple(v[x] if x in STRATS[sname] else "all" for x in VARS)

    denom, expect = {}, {}
    asrt_items = {}
    for k in asrt:
        asrt_items.setdefault(k[0], set()).add((k[1], k[2]))
    for rid in ids:
        items = set(counted.get(rid, ())) | asrt_items.get(rid, set())
        for sname in STRATS:
            s = (sname,) + stratum_of(rid, sname)
            denom[s] = denom.get(s, 0) + 1
            for level, it in items:
                e = expect.setdefault(s + (level, it), [0, 0, [0] * 6])
                if (level, it) in counted.get(rid, ()):
                    e[0] += 1
                e[1] += ment.get((rid, level, it), 0)
                a = asrt.get((rid, level, it))
                if a:
                    e[2] = [x + y for x, y in zip(e[2], a)]
    got = {}
    for row in table(os.path.join(out, "codes.csv")):
        key = (row["stratification"],) + tuple(row[v] for v in VARS) + (row["level"], row["code"])
        got[key] = row
    check(len(got) > 1000, "codes.csv has rows")
    check(set(got) == set(expect), "codes.csv rows: %d unexpected, %d missing" % (len(set(got) - set(expect)), len(set(expect) - set(got))))
    bad = 0
    for key, (rec, men, asr) in expect.items():
        row = got.get(key)
        if not row:
            continue
        n = denom[key[:5]]
        ok = int(row["records"]) == rec and int(row["denominator"]) == n and int(row["mentions"]) == men
        ok = ok and [int(row["mentions_" + a]) for a in ASSERTS] == asr and row["suppressed"] == ""
        lo, hi = wilson(rec, n)
        for col, want in (("prevalence_per_1000", 1000 * rec / n), ("ci_low", 1000 * lo), ("ci_high", 1000 * hi)):
            ok = ok and abs(float(row[col]) - want) <= 0.0015
        if not ok:
            bad += 1
            if bad < 5:
                print("codes.csv", key, row, (rec, men, asr, n), file=sys.stderr)
    check(bad == 0, "codes.csv: %d rows disagree with the recomputation" % bad)
    # strata.csv
    srows = table(os.path.join(out, "strata.csv"))
    sgot = {(r["stratification"],) + tuple(r[v] for v in VARS): r for r in srows}
    check(set(sgot) == set(denom), "strata.csv rows")
    with_codes = {}
    for rid in ids:
        for sname in STRATS:
            s = (sname,) + stratum_of(rid, sname)
            with_codes[s] = with_codes.get(s, 0) + (1 if counted.get(rid) else 0)
    check(all(int(sgot[s]["records"]) == denom[s] and int(sgot[s]["records_with_codes"]) == with_codes[s] for s in denom if s in sgot),
          "strata.csv denominators and records with codes")
    # standardised.csv: every stratification without age_band, against its x age_band cells
    W = band_weights()
    sgot = {}
    for r in table(os.path.join(out, "standardised.csv")):
        sgot[(r["stratification"],) + tuple(r[v] for v in VARS) + (r["level"], r["code"])] = r
    nstd = bad = 0
    byband = {}
    for rid in ids:
        for sname in ("all", "facility", "facility*sex", "period"):
            s = (sname,) + stratum_of(rid, sname)
            b = vals[rid]["age_band"]
            byband.setdefault(s, {}).setdefault(b, [0, {}])
            byband[s][b][0] += 1
            for it in counted.get(rid, ()):
                byband[s][b][1][it] = byband[s][b][1].get(it, 0) + 1
    for key, row in sgot.items():
        s, item = key[:5], key[5:]
        bands = byband[s]
        n = [bands.get(lab, [0, {}])[0] for _, _, lab in BANDS]
        x = [bands.get(lab, [0, {}])[1].get(item, 0) for _, _, lab in BANDS]
        if 0 in n:
            ok = row["suppressed"] == "undefined" and row["standardised_per_1000"] == ""
        else:
            y, lo, hi = fay_feuer(W, x, n)
            ok = row["suppressed"] == "" and all(abs(float(row[c]) - 1000 * v) <= 0.0015 for c, v in
                                                  (("standardised_per_1000", y), ("ci_low", lo), ("ci_high", hi)))
            nstd += 1
        if not ok:
            bad += 1
            if bad < 5:
                print("standardised.csv", key, row, x, n, file=sys.stderr)
    check(nstd > 1000 and bad == 0, "standardised.csv: %d of %d rates disagree" % (bad, nstd))
    # cooccurrence.csv: top 20 category pairs of all records, reported in every stratum
    pairs_all = {}
    cats = {rid: sorted({it for lv, it in counted.get(rid, ()) if lv == "category"}) for rid in ids}
    for rid in ids:
        c = cats[rid]
        for i in range(len(c)):
            for j in range(i + 1, len(c)):
                pairs_all[(c[i], c[j])] = pairs_all.get((c[i], c[j]), 0) + 1
    top = sorted(pairs_all, key=lambda p: (-pairs_all[p], p))[:20]
    crow = table(os.path.join(out, "cooccurrence.csv"))
    want = {}
    for rid in ids:
        c = set(cats[rid])
        for sname in STRATS:
            s = (sname,) + stratum_of(rid, sname)
            for rank, (a, b) in enumerate(top, 1):
                if a in c and b in c:
                    want[s + (rank,)] = want.get(s + (rank,), 0) + 1
    gotc = {(r["stratification"],) + tuple(r[v] for v in VARS) + (int(r["rank"]),): r for r in crow}
    check(set(gotc) == set(want), "cooccurrence.csv rows")
    bad = 0
    for key, nab in want.items():
        r = gotc.get(key)
        if not r:
            continue
        a, b = top[key[5] - 1]
        s = key[:5]
        na = expect.get(s + ("category", a), [0])[0]
        nb = expect.get(s + ("category", b), [0])[0]
        ok = (r["code_a"], r["code_b"]) == (a, b) and int(r["records_both"]) == nab and int(r["records_a"]) == na
        ok = ok and int(r["records_b"]) == nb and abs(float(r["lift"]) - nab * denom[s] / (na * nb)) <= 0.0015
        ok = ok and abs(float(r["jaccard"]) - nab / (na + nb - nab)) <= 0.00015
        bad += not ok
    check(bad == 0, "cooccurrence.csv: %d rows disagree" % bad)

    # ---- 2. disclosure control -----------------------------------------------------

    def audit(outdir, nosup_dir, strats, vars_):
        """Checks on every records family of codes.csv: published numbers unchanged, no
        published 1..k-1, lines with 0 or >= 2 unknowns, no unknown determined exactly."""
        full = {}
        for r in table(os.path.join(nosup_dir, "codes.csv")):
            full[(r["stratification"],) + tuple(r[v] for v in vars_) + (r["level"], r["code"])] = r
        rows = {}
        for r in table(os.path.join(outdir, "codes.csv")):
            rows[(r["stratification"],) + tuple(r[v] for v in vars_) + (r["level"], r["code"])] = r
        strata = {(r["stratification"],) + tuple(r[v] for v in vars_): r for r in table(os.path.join(nosup_dir, "strata.csv"))}
        supstrata = {(r["stratification"],) + tuple(r[v] for v in vars_): r for r in table(os.path.join(outdir, "strata.csv"))}
        nbad = nsmall = nline = ndet = nsup = 0
        for key, r in rows.items():
            if r["suppressed"] in ("primary", "complementary"):
                nsup += 1
                if r["records"] != "" or r["prevalence_per_1000"] != "":
                    nbad += 1
            else:
                if r["records"] == "" or (1 <= int(r["records"]) < K):
                    nsmall += 1
                if key in full and r["records"] != full[key]["records"]:
                    nbad += 1
        for s, r in supstrata.items():
            if r["records"] != "" and 1 <= int(r["records"]) < K:
                nsmall += 1
        # families: (level, code) -> cells over strata; lines from the stratifications
        fams = {}
        for key in set(full) | set(rows):
            fams.setdefault(key[-2:], set())
        for item in fams:
            def cell(s):
                r = rows.get(s + item)
                if r is None:
                    return ("pub", 0)
                if r["suppressed"] in ("primary", "complementary"):
                    return ("sup", int(full[s + item]["records"]) if s + item in full else 0)
                return ("pub", int(r["records"]))
            lines = []
            for sname, svars in strats.items():
                if not svars:
                    continue
                members = [s for s in strata if s[0] == sname]
                for v in svars:
                    parent = [x for x in svars if x != v]
                    pname = "*".join(parent) if parent else "all"
                    groups = {}
                    for s in members:
                        pk = (pname,) + tuple("all" if (x == v or x not in svars) else s[1 + vars_.index(x)] for x in vars_)
                        groups.setdefault(pk, []).append(s)
                    for pk, ms in groups.items():
                        lines.append((ms, pk if pk in strata else None))
            unknown = set()
            for ms, tot in lines:
                u = [s for s in ms if cell(s)[0] == "sup"] + ([tot] if tot and cell(tot)[0] == "sup" else [])
                if len(u) == 1:
                    nline += 1
                unknown.update(u)
            if not unknown:
                continue
            # exact audit: rows of the system restricted to the unknowns
            idx = {s: i for i, s in enumerate(sorted(unknown))}
            mat = []
            for ms, tot in lines:
                row = [Fraction(0)] * len(idx)
                for s in ms:
                    if s in idx:
                        row[idx[s]] += 1
                if tot in idx:
                    row[idx[tot]] -= 1
                if any(row):
                    mat.append(row)
            piv_rows, col = [], 0
            m = [r[:] for r in mat]
            r0 = 0
            for col in range(len(idx)):
                p = next((i for i in range(r0, len(m)) if m[i][col] != 0), None)
                if p is None:
                    continue
                m[r0], m[p] = m[p], m[r0]
                pv = m[r0][col]
                m[r0] = [x / pv for x in m[r0]]
                for i in range(len(m)):
                    if i != r0 and m[i][col] != 0:
                        f = m[i][col]
                        m[i] = [a - f * b for a, b in zip(m[i], m[r0])]
                r0 += 1
            for i in range(r0):
                if sum(1 for x in m[i] if x != 0) == 1:
                    ndet += 1
        return nbad, nsmall, nline, ndet, nsup

    sup = os.path.join(tmp, "sup")
    nosup = os.path.join(tmp, "nosup")
    sargs = ["--text-col", "note", "--id-col", "id", "--strata", "facility", "--strata", "sex", "--strata", "facility,sex", "--quiet"]
    run(["run", "--out", sup, "--threads", "2"] + sargs + [SAMPLE])
    run(["run", "--out", nosup, "--threads", "2", "--no-suppression"] + sargs + [SAMPLE])
    SV = ["facility", "sex"]
    nbad, nsmall, nline, ndet, nsup = audit(sup, nosup, {"all": [], "facility": ["facility"], "sex": ["sex"], "facility*sex": ["facility", "sex"]}, SV)
    check(nsup > 100, "the sample has suppressed cells (%d)" % nsup)
    check(nbad == 0, "suppression changed or leaked %d numbers" % nbad)
    check(nsmall == 0, "%d published counts from 1 to k-1" % nsmall)
    check(nline == 0, "%d lines with exactly one unknown cell" % nline)
    check(ndet == 0, "%d suppressed cells determined by the published cells" % ndet)
    for f in ("ccsr.csv", "comorbidity.csv", "charlson_distribution.csv", "cooccurrence.csv"):
        for r in table(os.path.join(sup, f)):
            for c in ("records", "records_both", "records_a", "records_b", "denominator"):
                if c in r and r[c] != "":
                    check(not (1 <= int(r[c]) < K), "%s: published %s = %s" % (f, c, r[c]))

    # a table where naive primary suppression leaks: facility A 5/30, B 20/40, C 25/40 have
    # hypertension; the total 50 is published, so A = 50 - 20 - 25 unless a second cell goes
    design = os.path.join(tmp, "design.csv")
    with open(design, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "facility", "note"])
        n = 0
        for fac, tot, htn in (("A", 30, 5), ("B", 40, 20), ("C", 40, 25)):
            for i in range(tot):
                n += 1
                w.writerow(["r%03d" % n, fac, "Patient has hypertension." if i < htn else "Routine visit, no complaints."])
    dout = os.path.join(tmp, "design")
    run(["run", "--text-col", "note", "--id-col", "id", "--strata", "facility", "--quiet", "--out", dout, design])
    rows = {(r["facility"], r["level"], r["code"]): r for r in table(os.path.join(dout, "codes.csv"))}
    a, b, c, t = (rows.get((x, "code", "I10")) for x in ("A", "B", "C", "all"))
    check(a is not None and a["suppressed"] == "primary" and a["records"] == "", "design: A is primary-suppressed")
    check(b is not None and b["suppressed"] == "complementary" and b["records"] == "", "design: B (the smallest other cell) is complementary")
    check(c is not None and c["suppressed"] == "" and c["records"] == "25", "design: C is published")
    check(t is not None and t["records"] == "50", "design: the total is published")
    dnos = os.path.join(tmp, "design-nosup")
    run(["run", "--text-col", "note", "--id-col", "id", "--strata", "facility", "--quiet", "--no-suppression", "--out", dnos, design])
    r = audit(dout, dnos, {"all": [], "facility": ["facility"]}, ["facility"])
    check(r[:4] == (0, 0, 0, 0), "design: audit %r" % (r,))

    # ---- 3. partial states and merge -------------------------------------------------
    hdr, body = text.split("\n", 1)
    recs = list(csv.reader(io.StringIO(text)))
    parts = [recs[1:400], recs[400:1100], recs[1100:]]
    states = []
    margs = ["--text-col", "note", "--id-col", "id", "--strata", "facility,sex", "--age-col", "age", "--date-col", "date", "--quiet"]
    for i, part in enumerate(parts):
        p = os.path.join(tmp, "part%d.csv" % i)
        with open(p, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(recs[0])
            w.writerows(part)
        st = os.path.join(tmp, "part%d.state" % i)
        run(["run", "--out", os.path.join(tmp, "po%d" % i), "--state", st, "--threads", str(1 + i % 2)] + margs + [p])
        states.append(st)
    single = os.path.join(tmp, "single")
    run(["run", "--out", single, "--threads", "2", "--state", os.path.join(tmp, "single.state")] + margs + [SAMPLE])
    TABLES = ["codes.csv", "strata.csv", "ccsr.csv", "comorbidity.csv", "charlson_distribution.csv", "cooccurrence.csv", "standardised.csv"]
    for order in ([0, 1, 2], [2, 0, 1]):
        m = os.path.join(tmp, "merged%d" % order[0])
        run(["merge", "--out", m, "--state", m + ".state"] + [states[i] for i in order])
        for t in TABLES:
            check(read(os.path.join(m, t)) == read(os.path.join(single, t)), "merge %r: %s differs from the single run" % (order, t))
        check(read(m + ".state") == read(os.path.join(tmp, "single.state")), "merged state equals the single run's state")
    # merging a merged state with nothing else is the identity
    m2 = os.path.join(tmp, "remerge")
    run(["merge", "--out", m2, os.path.join(tmp, "merged0.state")])
    check(read(os.path.join(m2, "codes.csv")) == read(os.path.join(single, "codes.csv")), "re-merge of a merged state")

    def refused(path, pattern, dict_args=()):
        p = run(["merge", "--out", os.path.join(tmp, "refused")] + list(dict_args) + [states[0], path], expect=3)
        err = p.stderr.decode().strip().splitlines()
        check(len(err) == 1 and err[0].startswith("medcode: error (at ") and pattern in err[0], "refusal %r: %r" % (pattern, err))

    img = bytearray(read(states[1]))
    bad = os.path.join(tmp, "corrupt.state")
    img[len(img) // 2] ^= 0x10
    with open(bad, "wb") as f:
        f.write(img)
    refused(bad, "checksum mismatch")
    with open(bad, "wb") as f:
        f.write(read(states[1])[:-100])
    refused(bad, "truncated")
    with open(bad, "wb") as f:
        f.write(b"id,note\n1,hello\n" * 10)
    refused(bad, "bad magic")
    other = os.path.join(tmp, "other.state")
    run(["run", "--out", os.path.join(tmp, "oo"), "--state", other, "--min-cell", "5"] + margs + [os.path.join(tmp, "part1.csv")])
    refused(other, "min_cell differs")
    # another dictionary: a state made with the default dictionary is refused by it
    lex = os.path.join(tmp, "lex.csv")
    with open(lex, "w") as f:
        f.write("code,term\nI10,hypertension\nJ45.909,asthma\n")
    odict = os.path.join(tmp, "other.dict")
    run([ "dict", "build", "--no-default-lexicon", "--lexicon", lex, "--context", os.path.join(SRC, "datasets", "context", "triggers.csv"),
         "-o", odict])
    p = run(["merge", "--dict", odict, "--out", os.path.join(tmp, "refused"), states[0]], expect=3)
    err = p.stderr.decode().strip().splitlines()
    check(len(err) == 1 and "not with this dictionary" in err[0], "foreign dictionary refused: %r" % err)
finally:
    shutil.rmtree(tmp, ignore_errors=True)

done("tables")
