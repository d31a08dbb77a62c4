#!/usr/bin/env python3
"""`medcode audit sample|score`: a small notes file -> `run --per-record` -> review sample.
Checks determinism (same seed: same bytes, whatever the order of the per-record rows, plain
or zstd notes or a directory), N distinct records per code, the TOP selection and --codes
FILE, that each [[span]] is the note's bytes [start, end), the context window, the file
mode; then `score` on filled-in labels against a Python computation (Wilson 95%, PPV-corrected
records, the records-weighted `all` line); and bad inputs (exit code, one line, no note text).

usage: test_audit.py MEDCODE_BIN SOURCE_DIR BUILD_DIR
"""
import csv, io, math, os, random, re, shutil, stat, subprocess, sys, tempfile
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from mc_check import check, done  # noqa: E402

BIN = sys.argv[1]
Z = 1.959963984540054


def run(args, expect=None):
    p = subprocess.run([BIN] + args, capture_output=True)
    if expect is not None and p.returncode != expect:
        check(False, "%s exited %d, expected %d; stderr: %s" % (args, p.returncode, expect, p.stderr.decode(errors="replace")))
    return p


def read(path):
    with open(path, "rb") as f:
        return f.read()


def clean(b):
    return b.replace(b"\t", b" ").replace(b"\n", b" ").replace(b"\r", b" ")


def wilson(p, n):
    z2 = Z * Z
    den = 1.0 + z2 / n
    centre = (p + z2 / (2.0 * n)) / den
    half = Z * math.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / den
    return (0.0 if p <= 0 else centre - half), (1.0 if p >= 1 else centre + half)


def close(a, b):
    return a != "" and abs(float(a) - b) <= 0.0011 * max(1.0, abs(b))


SENTENCES = [
    "Patient has hypertension.", "Known type 2 diabetes mellitus, on metformin.", "Pneumonia on chest x-ray.",
    "Asthma since childhood.", "Denies chest pain.", "Caf\u00e9-au-lait spots; atrial fibrillation noted.",
    "Fatigue for weeks.", "History of pulmonary embolism.", "Patient states \"I'm tired all the time\", doc.",
    "Na\u00efve to insulin.\tTabbed note,\r\nwith a CRLF inside the field.", "No acute distress.",
]

tmp = tempfile.mkdtemp(prefix="medcode-audit-")
try:
    rnd = random.Random(5)
    notes = {}
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["age", "note_id", "text"])
    for i in range(1, 81):
        k = rnd.randint(2, 7)
        text = " ".join(rnd.choice(SENTENCES) for _ in range(k))
        if i % 9 == 0:
            text = "\u00c9" * 30 + " " + text + " \u00e9t\u00e9 " * 20  # multibyte characters around the window edges
        rid = "R%03d" % i
        notes[rid] = text
        w.writerow([str(20 + i % 60), rid, text])
    raw = out.getvalue().encode()
    raw += b"99,BAD\n"  # wrong number of fields: rejected by run, skipped by audit
    plain = os.path.join(tmp, "notes.csv")
    with open(plain, "wb") as f:
        f.write(raw)
    per = os.path.join(tmp, "per.csv")
    run(["run", "--text-col", "text", "--id-col", "note_id", "--out", os.path.join(tmp, "out"), "--per-record", per,
         "--threads", "2", "--quiet", plain], expect=0)
    rows = list(csv.DictReader(io.StringIO(read(per).decode())))
    counted = [r for r in rows if r["counted"] == "1"]
    check(len(counted) > 100 and any(r["counted"] == "0" for r in rows), "per-record has counted and uncounted rows")
    recs = {}
    for r in counted:
        recs.setdefault(r["code"], set()).add(r["id"])
    counted_keys = {(r["id"], r["code"], r["start"], r["end"]) for r in counted}
    top_order = sorted(recs, key=lambda c: (-len(recs[c]), c))

    HEADER = ["record_id", "code", "title", "start", "end", "mention", "context", "label", "reason"]

    def sample(extra, out_name, notes_in=None):
        path = os.path.join(tmp, out_name)
        p = run(["audit", "sample", "--per-record", per, "--notes"] + (notes_in or [plain]) +
                ["--text-col", "text", "--id-col", "note_id", "-o", path] + extra, expect=0)
        return path, p

    def parse_tsv(path):
        lines = read(path).split(b"\n")
        check(lines[-1] == b"", "%s ends with a newline" % path)
        table = [ln.split(b"\t") for ln in lines[:-1]]
        check(table and [c.decode() for c in table[0]] == HEADER, "%s header" % path)
        check(all(len(t) == len(HEADER) for t in table), "%s: every row has %d fields" % (path, len(HEADER)))
        return [dict(zip(HEADER, t)) for t in table[1:] if len(t) == len(HEADER)]

    def check_sample(path, n, window, codes):
        body = parse_tsv(path)
        got_codes = []
        for r in body:
            c = r["code"].decode()
            if not got_codes or got_codes[-1] != c:
                got_codes.append(c)
        check(got_codes == codes, "%s: codes %s, expected %s (selection order)" % (path, got_codes, codes))
        for c in codes:
            mine = [r for r in body if r["code"].decode() == c]
            ids = [r["record_id"].decode() for r in mine]
            check(len(ids) == min(n, len(recs.get(c, ()))), "%s: %s has %d rows, expected %d" % (path, c, len(ids), min(n, len(recs.get(c, ())))))
            check(len(set(ids)) == len(ids), "%s: %s rows come from distinct records" % (path, c))
            check(ids == sorted(ids), "%s: %s rows sorted by record id" % (path, c))
        bad = 0
        for r in body:
            rid, c, s, e = r["record_id"].decode(), r["code"].decode(), int(r["start"]), int(r["end"])
            if (rid, c, r["start"].decode(), r["end"].decode()) not in counted_keys:
                bad += 1
                continue
            tb = notes[rid].encode()
            span = clean(tb[s:e])
            m = re.search(rb"\[\[(.*)\]\]", r["context"])
            left, right = r["context"][:m.start()] if m else b"", r["context"][m.end():] if m else b""
            ok = (r["mention"] == span and m is not None and m.group(1) == span and r["label"] == b"" and r["reason"] == b""
                  and len(left) <= window and len(right) <= window and clean(tb[:s]).endswith(left)
                  and clean(tb[e:]).startswith(right) and r["title"] != b"")
            ok = ok and len(left) >= min(window, s) - 3 and len(right) >= min(window, len(tb) - e) - 3  # cut to whole UTF-8 characters
            try:
                r["context"].decode("utf-8")
            except UnicodeDecodeError:
                ok = False
            bad += not ok
        check(bad == 0, "%s: %d rows whose mention/context/label do not match the note" % (path, bad))
        return body

    # --- sample: TOP selection, N distinct records, spans, determinism -----------------
    a1, p1 = sample(["--codes", "5", "--per-code", "4", "--seed", "7"], "a1.tsv")
    check(b"patient text" in p1.stderr, "sample says the file holds patient text")
    check_sample(a1, 4, 80, top_order[:5])
    check(stat.S_IMODE(os.stat(a1).st_mode) == 0o600, "sample file mode is 0600")
    a2, _ = sample(["--codes", "5", "--per-code", "4", "--seed", "7"], "a2.tsv")
    check(read(a1) == read(a2), "same seed: byte-identical sample")
    a3, _ = sample(["--codes", "5", "--per-code", "4", "--seed", "8"], "a3.tsv")
    check_sample(a3, 4, 80, top_order[:5])
    seeds = {read(a1)} | {read(sample(["--codes", "5", "--per-code", "4", "--seed", s], "s%s.tsv" % s)[0]) for s in ("8", "9", "10")}
    check(len(seeds) > 1, "other seeds give other samples")
    # the rows of the per-record file shuffled (ties in any order): the same sample
    lines = read(per).split(b"\n")
    body_lines = [ln for ln in lines[1:] if ln]
    random.Random(3).shuffle(body_lines)
    shuffled = os.path.join(tmp, "per-shuffled.csv")
    with open(shuffled, "wb") as f:
        f.write(lines[0] + b"\n" + b"\n".join(body_lines) + b"\n")
    p = run(["audit", "sample", "--per-record", shuffled, "--notes", plain, "--text-col", "text", "--id-col", "note_id",
             "-o", os.path.join(tmp, "a-shuf.tsv"), "--codes", "5", "--per-code", "4", "--seed", "7"], expect=0)
    check(p.returncode == 0 and read(os.path.join(tmp, "a-shuf.tsv")) == read(a1), "shuffled per-record rows: same sample")
    # defaults (40 codes, 8 per code, window 80), and a small window
    ad, _ = sample([], "a-default.tsv")
    check_sample(ad, 8, 80, top_order[:40])
    aw, _ = sample(["--window", "12", "--per-code", "20"], "a-window.tsv")
    check_sample(aw, 20, 12, top_order[:40])
    # zstd notes and a directory of notes give the same file
    if shutil.which("zstd"):
        zdir = os.path.join(tmp, "zdir")
        os.mkdir(zdir)
        zpath = os.path.join(zdir, "notes.csv.zst")
        subprocess.run(["zstd", "-q", "-19", plain, "-o", zpath], check=True)
        az, _ = sample(["--codes", "5", "--per-code", "4", "--seed", "7"], "a-zst.tsv", [zpath])
        check(read(az) == read(a1), "zstd notes: same sample")
        adir, _ = sample(["--codes", "5", "--per-code", "4", "--seed", "7"], "a-dir.tsv", [zdir])
        check(read(adir) == read(a1), "a directory of notes: same sample")
    # --codes FILE: exactly those codes, in the file's order (undotted / lower case accepted)
    pick = [top_order[3], top_order[0]]
    cf = os.path.join(tmp, "codes.txt")
    with open(cf, "w") as f:
        f.write("# review list\n%s\n\n  %s   # the most frequent\n%s\n" % (pick[0].replace(".", "").lower(), pick[1], pick[0]))
    ac, _ = sample(["--codes", cf, "--per-code", "3"], "a-codes.tsv")
    check_sample(ac, 3, 80, pick)

    # --- score -------------------------------------------------------------------------
    body = parse_tsv(a1)
    labels = []
    for i, r in enumerate(body):
        labels.append("?" if i % 7 == 3 else "" if i % 11 == 5 else "N" if i % 3 == 0 else ("y" if i % 2 else "Y"))
    lines = read(a1).split(b"\n")
    filled = [lines[0]]
    for ln, lab in zip(lines[1:-1], labels):
        t = ln.split(b"\t")
        t[7] = lab.encode()
        t[8] = b"reason text" if lab in ("N", "n") else b""
        filled.append(b"\t".join(t))
    labelled = os.path.join(tmp, "labelled.tsv")
    with open(labelled, "wb") as f:
        f.write(b"\r\n".join(filled) + b"\r\n")  # as a spreadsheet saves it
    only = os.path.join(tmp, "labels.tsv")
    with open(only, "w") as f:
        f.write("record_id\tcode\tstart\tend\tlabel\treason\n")
        for r, lab in zip(body, labels):
            f.write("%s\t%s\t%s\t%s\t%s\t\n" % (r["record_id"].decode(), r["code"].decode(), r["start"].decode(), r["end"].decode(), lab))
    stats = {}
    for r, lab in zip(body, labels):
        s = stats.setdefault(r["code"].decode(), [0, 0])
        if lab in ("Y", "y", "N"):
            s[0] += 1
            s[1] += lab in ("Y", "y")
    check(any(s[1] < s[0] for s in stats.values()) and any(s[0] < 4 for s in stats.values()), "labels mix Y, N and unreviewed")

    def check_score(text, with_records):
        got = list(csv.reader(io.StringIO(text)))
        head = ["code", "reviewed", "correct", "precision", "ci_low", "ci_high"]
        if with_records:
            head += ["records", "ppv_records", "ppv_low", "ppv_high"]
        check(got and got[0] == head, "score header %s" % (got[:1],))
        codes = sorted(stats)
        check([g[0] for g in got[1:]] == codes + ["all"], "score rows: codes sorted, then all")
        num = re.compile(r"^\d+\.\d{3}$")
        sw = swp = 0.0
        sn = sx = srec = 0
        parts = []
        for g in got[1:-1]:
            if len(g) != len(head):
                check(False, "score row %s has %d fields" % (g, len(g)))
                continue
            n, x = stats[g[0]]
            check(g[1] == str(n) and g[2] == str(x), "%s reviewed/correct %s/%s, expected %d/%d" % (g[0], g[1], g[2], n, x))
            p = x / n
            lo, hi = wilson(p, n)
            check(all(num.match(v) for v in g[3:6]), "%s: %%.3f figures" % g[0])
            check(close(g[3], p) and close(g[4], lo) and close(g[5], hi), "%s precision/interval %s, expected %.4f %.4f %.4f" % (g[0], g[3:6], p, lo, hi))
            rec = len(recs[g[0]])
            if with_records:
                check(g[6] == str(rec), "%s records %s, expected %d" % (g[0], g[6], rec))
                check(close(g[7], rec * p) and close(g[8], rec * lo) and close(g[9], rec * hi), "%s PPV-corrected records %s" % (g[0], g[7:10]))
            wgt = rec if with_records else n
            sw += wgt
            swp += wgt * p
            sn += n
            sx += x
            srec += rec
            parts.append((wgt, p, n))
        a = got[-1]
        P = swp / sw
        v = sum((wgt / sw) ** 2 * p * (1 - p) / n for wgt, p, n in parts)
        ne = sn if v <= 0 else min(sn, P * (1 - P) / v)
        lo, hi = wilson(P, ne)
        check(a[1] == str(sn) and a[2] == str(sx), "all: reviewed/correct")
        check(close(a[3], P) and close(a[4], lo) and close(a[5], hi), "all: weighted precision/interval %s, expected %.4f %.4f %.4f" % (a[3:6], P, lo, hi))
        if not with_records:
            lo2, hi2 = wilson(sx / sn, sn)
            check(close(a[4], lo2) and close(a[5], hi2), "all without per-record: the pooled Wilson interval")
        else:
            check(a[6] == str(srec) and close(a[7], srec * P) and close(a[8], srec * lo) and close(a[9], srec * hi), "all: PPV-corrected records %s" % a[6:])

    p = run(["audit", "score", labelled, "--per-record", per], expect=0)
    check_score(p.stdout.decode(), True)
    p2 = run(["audit", "score", only, "--per-record", per], expect=0)
    check(p2.stdout == p.stdout, "a labels-only file scores the same as the labelled sample")
    p3 = run(["audit", "score", labelled], expect=0)
    check_score(p3.stdout.decode(), False)
    so = os.path.join(tmp, "score.csv")
    run(["audit", "score", labelled, "--per-record", per, "-o", so], expect=0)
    check(os.path.exists(so) and read(so) == p.stdout, "score -o writes the same CSV")
    check(run(["audit", "score", labelled, "--per-record", per]).stdout == p.stdout, "score is deterministic")

    # --- bad inputs: exit code, one line naming the file, never note text ---------------
    def bad(args, code, what, needle=None):
        p = run(args)
        err = p.stderr.decode(errors="replace")
        check(p.returncode == code, "%s: exit %d, expected %d (%s)" % (what, p.returncode, code, err.strip()))
        check(err.count("\n") == 1 and err.startswith("medcode: error"), "%s: one error line, got %r" % (what, err))
        if needle:
            check(needle in err, "%s: message names %s: %r" % (what, needle, err))
        check("hypertension" not in err and "embolism" not in err, "%s: no note text in the message" % what)

    base = ["audit", "sample", "--per-record", per, "--text-col", "text", "--id-col", "note_id", "-o", os.path.join(tmp, "x.tsv")]
    bad(base, 2, "no --notes")
    bad(["audit", "sample", "--per-record", per, "--notes", plain, "--text-col", "text", "--id-col", "note_id"], 2, "no -o")
    bad(base + ["--notes", plain, "--per-code", "0"], 2, "--per-code 0")
    bad(["audit", "frobnicate"], 2, "unknown audit command")
    bad(["audit", "sample", "--per-record", per, "--notes", plain, "--text-col", "body", "--id-col", "note_id", "-o",
         os.path.join(tmp, "x.tsv")], 5, "missing text column", "notes.csv")
    missing = os.path.join(tmp, "nope.csv")
    bad(["audit", "sample", "--per-record", missing, "--notes", plain, "--text-col", "text", "--id-col", "note_id", "-o",
         os.path.join(tmp, "x.tsv")], 3, "unreadable per-record file", "nope.csv")
    bad(base + ["--notes", missing], 3, "unreadable notes", "nope.csv")
    nocount = os.path.join(tmp, "per-nocounted.csv")
    with open(nocount, "w") as f:
        f.write("id,code,start,end\nR001,I10,0,4\n")
    bad(["audit", "sample", "--per-record", nocount, "--notes", plain, "--text-col", "text", "--id-col", "note_id", "-o",
         os.path.join(tmp, "x.tsv")], 5, "per-record without counted", "counted")
    broken = os.path.join(tmp, "per-broken.csv")
    with open(broken, "wb") as f:
        f.write(read(per).split(b"\n")[0] + b"\nR001,I10,x,4,t,I10,affirmed,,,coded,1\n")
    bad(["audit", "sample", "--per-record", broken, "--notes", plain, "--text-col", "text", "--id-col", "note_id", "-o",
         os.path.join(tmp, "x.tsv")], 3, "per-record with a bad offset", "record 1")
    # notes that lack the sampled records
    half = os.path.join(tmp, "half.csv")
    with open(half, "wb") as f:
        f.write(b"\n".join(raw.split(b"\n")[:3]) + b"\n")
    bad(base + ["--notes", half], 3, "notes without the sampled records", "per.csv")
    badcodes = os.path.join(tmp, "badcodes.txt")
    with open(badcodes, "w") as f:
        f.write("NOTACODE\n")
    bad(base + ["--notes", plain, "--codes", badcodes], 2, "unknown code in --codes FILE", "badcodes.txt")
    bad(base[:-1] + [os.path.join(tmp, "no-such-dir", "x.tsv"), "--notes", plain], 6, "unwritable output", "x.tsv")
    check(not os.path.exists(os.path.join(tmp, "x.tsv")), "no output file after errors")
    nolabel = os.path.join(tmp, "nolabel.tsv")
    with open(nolabel, "w") as f:
        f.write("record_id\tcode\tverdict\nR001\tI10\tY\n")
    bad(["audit", "score", nolabel], 5, "score without a label column", "label")
    bad(["audit", "score", missing], 3, "score of a missing file", "nope.csv")
    badlab = os.path.join(tmp, "badlabel.tsv")
    with open(badlab, "w") as f:
        f.write("code\tlabel\nI10\tY\nI10\tmaybe\n")
    bad(["audit", "score", badlab], 3, "score with a bad label", "line 3")
    bad(["audit", "score", labelled, "--per-record", missing], 3, "score with a missing per-record file", "nope.csv")

    # --- help ------------------------------------------------------------------------------
    h = run(["audit", "--help"], expect=0).stdout.decode()
    check("PATIENT TEXT" in h and "internal review only" in h and "sample" in h and "score" in h, "audit --help warns about patient text")
    check("audit" in run(["--help"], expect=0).stdout.decode(), "medcode --help lists audit")
finally:
    shutil.rmtree(tmp, ignore_errors=True)
done("cli.audit")
