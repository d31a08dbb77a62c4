#!/usr/bin/env python3
"""Checks of the benchmark kit (bench/) on small inputs: what the generator writes, what
the Hyperscan peer counts, and what the driver reports. Nothing here asserts a speed.

  - mcgen: byte-identical output for the same arguments, another seed another corpus,
    the frame layout does not change the CSV, plain and .zst output agree; the columns,
    field shapes, note-length spread and size target of the issue; memory bounded
    (a 16x larger corpus, about the same peak RSS); the mix the engine then finds in
    it (mentions per 100 words, negated / uncertain / hypothetical / family / history);
    --real replays the evaluation texts themselves, each at most as often as it occurs
    in the sources within one shuffled cycle.
  - tt_scan: per-term counts equal those of a token trie written here (whole tokens,
    case-folded, leftmost-longest, non-overlapping), at 1 and 2 threads.
  - hs_scan (when built): per-term counts equal caseless substring counts computed here.
  - bench/run --peers tt_scan: the results CSV, -stages.csv, JSON and SVG it writes, and
    their figures' definitions (records/s = records / wall, MB/s, ratios to the floor and
    to the token-trie peer at the same thread count).
  - bench/ab/compare: two builds linked into one program give the same mentions and the
    token count medcode reports; another dictionary for B is told apart (exit 3).

usage: test_bench.py SOURCE_DIR BUILD_DIR EVAL_DIR
"""
import collections, csv, datetime, glob, io, json, os, re, shutil, subprocess, sys, tempfile
import xml.etree.ElementTree as ET
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from mc_check import check, done  # noqa: E402

SRC, BUILD, EVAL = sys.argv[1], sys.argv[2], sys.argv[3]
MCGEN = os.path.join(BUILD, "mcgen")
HS = os.path.join(BUILD, "hs_scan")
TT = os.path.join(BUILD, "tt_scan")
MEDCODE = os.path.join(BUILD, "medcode")
DICT = os.path.join(BUILD, "default.dict")
RUN = os.path.join(SRC, "bench", "run")


def sh(args, **kw):
    p = subprocess.run(args, capture_output=True, **kw)
    if p.returncode != 0:
        print("command failed (%d): %s\n%s" % (p.returncode, " ".join(args), p.stderr.decode(errors="replace")),
              file=sys.stderr)
        sys.exit(1)
    return p


def read(path):
    with open(path, "rb") as f:
        return f.read()


def unzstd(path):
    return sh(["zstd", "-dc", path]).stdout


def rows_of(data):
    r = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    return next(r), list(r)


def note_archive(path, notes):
    """A .csv.zst of id,note,x rows for the peers; x repeats terms that must not be scanned."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["id", "note", "x"])
    for i, n in enumerate(notes):
        w.writerow(["r%d" % i, n, "heart failure asthma"])
    sh(["zstd", "-q", "-f", "-o", path], input=buf.getvalue().encode("utf-8"))
    return path


def run_peer(exe, terms, archive, threads):
    """A peer's report (key: value lines) and its --counts (term -> count)."""
    with tempfile.TemporaryDirectory() as d:
        counts = os.path.join(d, "counts.tsv")
        p = sh([exe, "--terms", terms, "--text-col", "note", "--threads", threads, "--counts", counts, archive])
        kv = dict(l.split(": ", 1) for l in p.stdout.decode().splitlines() if ": " in l)
        got = {}
        for line in read(counts).decode("utf-8").splitlines():
            k, v = line.rsplit("\t", 1)
            got[k] = int(v)
    return kv, got


def peak_rss_kb(args):
    """Run args; its peak RSS in KB (wait4 gives the child's own figure)."""
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        print("command failed: %s\n%s" % (" ".join(args), p.stderr.read().decode(errors="replace")), file=sys.stderr)
        sys.exit(1)
    return ru.ru_maxrss


tmp = tempfile.mkdtemp(prefix="medcode-bench-test-")
try:
    terms = os.path.join(tmp, "terms.tsv")
    with open(terms, "wb") as f:
        f.write(sh([MEDCODE, "dict", "export-terms", DICT]).stdout)

    def gen(out, *extra, size="1M", seed="7"):
        path = os.path.join(tmp, out)
        sh([MCGEN, "--terms", terms, "--size", size, "--seed", seed, *extra, "-o", path])
        return path

    # ---- mcgen: determinism and layouts ------------------------------------------
    a1 = gen("a1.csv.zst")
    a2 = gen("a2.csv.zst")
    check(read(a1) == read(a2), "mcgen: same arguments, different bytes")
    b = gen("b.csv.zst", seed="8")
    check(unzstd(b) != unzstd(a1), "mcgen: seeds 7 and 8 gave the same corpus")
    fr = gen("fr.csv.zst", "--frame-mb", "1", size="3M")
    one = gen("one.csv.zst", size="3M")
    plain = gen("plain.csv", size="3M")
    check(read(fr) != read(one), "mcgen: --frame-mb 1 wrote the same zstd stream as one frame")
    check(unzstd(fr) == unzstd(one) == read(plain), "mcgen: frame layout or plain output changed the CSV")
    frames = sh(["zstd", "-lv", fr]).stdout.decode(errors="replace")
    m = re.search(r"# Zstandard Frames:\s*(\d+)", frames)
    check(m is not None and int(m.group(1)) >= 3, "mcgen: --frame-mb 1 on 3 MiB wrote fewer than 3 frames")

    # ---- mcgen: shape of the corpus --------------------------------------------
    data = read(plain)
    header, rows = rows_of(data)
    check(header == ["id", "date", "age", "sex", "facility", "note"], "mcgen: header %r" % header)
    check(all(len(r) == 6 for r in rows), "mcgen: a record without 6 fields")
    ids = [r[0] for r in rows]
    check(len(set(ids)) == len(ids), "mcgen: duplicate ids")
    bad_date = [r[1] for r in rows if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", r[1])]
    for r in rows:
        if r[1] and not bad_date:
            try:
                datetime.date.fromisoformat(r[1])
            except ValueError:
                bad_date.append(r[1])
    check(not bad_date, "mcgen: dates not ISO: %r" % bad_date[:3])
    ages = [r[2] for r in rows]
    check(all(a == "" or (a.isdigit() and int(a) <= 110) for a in ages), "mcgen: an age outside 0..110")
    check(sum(a == "" for a in ages) < len(ages) // 10, "mcgen: most ages missing")
    check(set(r[3] for r in rows) <= {"F", "M", "U", ""} and {"F", "M"} <= set(r[3] for r in rows),
          "mcgen: sex values %r" % sorted(set(r[3] for r in rows)))
    lens = sorted(len(r[5]) for r in rows)
    p5, p50, p95 = lens[len(lens) // 20], lens[len(lens) // 2], lens[-len(lens) // 20]
    check(p5 >= 200 and p95 <= 12000 and 500 <= p50 <= 4000 and lens[-1] > 3 * lens[0],
          "mcgen: note lengths p5 %d, median %d, p95 %d (a few hundred to several thousand characters)"
          % (p5, p50, p95))
    # --size: stops after the record that crosses the target
    last_start = data.rfind(b"\n" + ids[-1].encode() + b",") + 1
    check(last_start > 0 and last_start < 3 << 20 <= len(data),
          "mcgen: %d bytes, last record at %d, for --size 3M" % (len(data), last_start))
    notes = "\n".join(r[5] for r in rows)
    for what, pat in [("section headers", r"(?m)^(HPI|PMH|A|P|Assessment|Plan|History)[^\n:]{0,30}:"),
                      ("vitals", r"\bBP \d+/\d+"), ("medication lines", r"\b\d+ mg\b"),
                      ("negation cues", r"\b(no|denies|without|negative for)\b"),
                      ("family history", r"\b(mother|father|sister|brother|family history)\b")]:
        check(len(re.findall(pat, notes, re.I)) >= len(rows) // 10, "mcgen: too few %s" % what)

    # bounded memory: a corpus 16x larger, about the same peak RSS
    r_small = peak_rss_kb([MCGEN, "--terms", terms, "--size", "2M", "--seed", "3", "-o", os.path.join(tmp, "m1.zst")])
    r_big = peak_rss_kb([MCGEN, "--terms", terms, "--size", "32M", "--seed", "3", "-o", os.path.join(tmp, "m2.zst")])
    check(r_big <= r_small + 8 * 1024, "mcgen: peak RSS %d KB at 32M against %d KB at 2M" % (r_big, r_small))

    # ---- what the engine finds in it -----------------------------------------
    out = os.path.join(tmp, "run")
    sh([MEDCODE, "run", "--dict", DICT, "--text-col", "note", "--id-col", "id", "--out", out, "--quiet", one])
    with open(os.path.join(out, "manifest.json")) as f:
        man = json.load(f)
    check(man["records"]["read"] == len(rows) and man["records"]["rejected"] == 0,
          "mcgen corpus: %r records read/rejected, %d written" % (man["records"], len(rows)))
    words = sum(len(r[5].split()) for r in rows)
    per100 = 100.0 * man["mentions"]["total"] / words
    check(1.0 <= per100 <= 12.0, "mcgen corpus: %.2f mentions per 100 words (a few expected)" % per100)
    rules = man["mentions"]["by_rule"]
    for k in ("coded", "negated", "hypothetical", "uncertain_outpatient"):
        check(rules.get(k, 0) > 0, "mcgen corpus: no mention with rule %s" % k)
    check(rules.get("family_z", 0) + rules.get("family_dropped", 0) > 0, "mcgen corpus: no family mention")
    check(sum(v for k, v in rules.items() if k.startswith("history_")) > 0, "mcgen corpus: no history mention")
    check(rules.get("coded", 0) > man["mentions"]["total"] // 5, "mcgen corpus: few affirmed mentions %r" % rules)

    # ---- mcgen --real ----------------------------------------------------------
    mts = os.path.join(EVAL, "mtsamples", "mtsamples.jsonl")
    bg = os.path.join(EVAL, "codiesp-en", "background", "text_files_en")
    if os.path.exists(mts) and os.path.isdir(bg):
        src = collections.Counter()
        with open(mts, encoding="utf-8") as f:
            for line in f:
                t = json.loads(line).get("transcription") if line.strip() else None
                if t:
                    src[t] += 1
        for p in glob.glob(os.path.join(bg, "*.txt")):
            t = read(p).decode("utf-8", errors="surrogateescape")
            if t:
                src[t] += 1
        r1 = os.path.join(tmp, "r1.csv")
        sh([MCGEN, "--real", EVAL, "--size", "2M", "--seed", "4", "-o", r1])
        sh([MCGEN, "--real", EVAL, "--size", "2M", "--seed", "4", "-o", os.path.join(tmp, "r2.csv")])
        check(read(r1) == read(os.path.join(tmp, "r2.csv")), "mcgen --real: same seed, different bytes")
        _, rrows = rows_of(read(r1))
        used = collections.Counter(r[5] for r in rrows)
        foreign = [t for t in used if t not in src]
        check(not foreign, "mcgen --real: %d notes are not texts of the sources" % len(foreign))
        check(len(rrows) < sum(src.values()) and all(used[t] <= src[t] for t in used if t in src),
              "mcgen --real: a text repeated within the first shuffled cycle")
        check(len(used) > 10, "mcgen --real: only %d distinct texts" % len(used))
    else:
        print("note: %s absent, --real not checked" % EVAL)

    # ---- tt_scan: counts per term ---------------------------------------------
    tt_terms = ["heart failure", "Heart Failure", "congestive heart failure", "heart", "failure of heart",
                "asthma", "Crohn's disease", "crohn s", "type 2 diabetes", "2", "café au lait", "absent term", "--"]
    tt_notes = ["Congestive heart failure; HEART FAILURE and asthma.", "asthmatic heart-failure, heartfailure",
                "", 'quoted "heart failure", two\nlines asthma', "Crohn's disease / crohn-s; type 2 diabetes 2",
                "CAFÉ au lait spots; café au lait", "failure of heart failure of heart heart"]

    def toks(x):  # tt_scan's tokens: runs of ASCII letters, digits and non-ASCII bytes, ASCII lower-cased ("CAFÉ" is not "café")
        return [t.decode("latin-1") for t in re.findall(rb"[A-Za-z0-9\x80-\xff]+", x.encode("utf-8").lower())]
    trie = {}
    for k, term in enumerate(tt_terms):
        node = trie
        for t in toks(term):
            node = node.setdefault(t, {})
        if toks(term) and None not in node:
            node[None] = k  # the first term of a token sequence counts
    want_tt = collections.Counter()
    for note in tt_notes:
        ts, i = toks(note), 0
        while i < len(ts):
            node, best = trie, None
            for j in range(i, len(ts)):
                node = node.get(ts[j])
                if node is None:
                    break
                if None in node:
                    best = (j + 1, node[None])
            if best:
                want_tt[tt_terms[best[1]]] += 1
                i = best[0]
            else:
                i += 1
    check(want_tt["congestive heart failure"] == 1 and want_tt["Crohn's disease"] == 1 and want_tt["crohn s"] == 1
          and want_tt["heart"] == 1 and want_tt["café au lait"] == 1, "tt_scan test oracle: %r" % want_tt)
    tl = os.path.join(tmp, "tt_terms.tsv")
    with open(tl, "w", encoding="utf-8") as f:
        f.write("".join("%s\tX%d\n" % (t, i) for i, t in enumerate(tt_terms)))
    tp = note_archive(os.path.join(tmp, "tt.csv.zst"), tt_notes)
    for t in ("1", "2"):
        kv, got = run_peer(TT, tl, tp, t)
        check(got == dict(want_tt), "tt_scan --threads %s: counts %r, expected %r" % (t, got, dict(want_tt)))
        check(kv.get("records") == str(len(tt_notes)) and kv.get("patterns") == "12" and
              kv.get("matches") == str(sum(want_tt.values())) and
              kv.get("tokens") == str(sum(len(toks(n)) for n in tt_notes)),
              "tt_scan --threads %s: summary %r" % (t, kv))
    p = subprocess.run([TT, "--terms", tl, "--text-col", "nope", tp], capture_output=True)
    check(p.returncode == 2 and b"no column named 'nope'" in p.stderr, "tt_scan: missing column: %r" % p.stderr)

    # ---- hs_scan: counts per term ---------------------------------------------
    if os.access(HS, os.X_OK):
        tl = os.path.join(tmp, "hs_terms.tsv")
        with open(tl, "w") as f:
            f.write("heart failure\tI50.9\nHeart Failure\tI50.9\nasthma\tJ45.909\nfail\tX\naa\tY\nabsent term\tZ\n")
        notes_hs = ["Heart failure; HEART FAILURE and asthma.", "aaaa asthmatic, failing", "",
                    'quoted "heart failure", two\nlines asthma']
        hp = note_archive(os.path.join(tmp, "hs.csv.zst"), notes_hs)
        for t in ("1", "2"):
            kv, got = run_peer(HS, tl, hp, t)
            got = {k.lower(): v for k, v in got.items()}

            def occurrences(term):
                n = 0
                for note in notes_hs:
                    s, i = note.lower(), 0
                    while (i := s.find(term, i)) >= 0:
                        n, i = n + 1, i + 1
                return n
            want = {k: occurrences(k) for k in ("heart failure", "asthma", "fail", "aa", "absent term")}
            want = {k: v for k, v in want.items() if v}
            check(got == want, "hs_scan --threads %s: counts %r, expected %r" % (t, got, want))
            check(kv.get("records") == str(len(notes_hs)) and kv.get("patterns") == "5" and
                  kv.get("matches") == str(sum(want.values())),
                  "hs_scan --threads %s: summary %r" % (t, kv))
    else:
        print("note: hs_scan not built (libhyperscan-dev absent), peer not checked")

    # ---- bench/run: what it writes -----------------------------------------------
    res = os.path.join(tmp, "results")
    p = subprocess.run([sys.executable, RUN, "--archive", fr, "--dict", DICT, "--threads", "1 2", "--repeat", "2",
                        "--peers", "tt_scan", "--no-ceiling", "--build", BUILD, "--results", res],
                       capture_output=True, cwd=SRC)
    if not check(p.returncode == 0, "bench/run exited %d: %s" % (p.returncode, p.stderr.decode(errors="replace"))):
        sys.exit(1)
    # the measurements run in rounds: every tool once, then every tool again
    rounds = re.findall(r"^bench: round (\d)/2: (.+): [0-9.]+ s$", p.stderr.decode(errors="replace"), re.M)
    labels = ["zstd -dc", "tt_scan t=1", "tt_scan t=2", "medcode t=1 ctx=on", "medcode t=1 ctx=off",
              "medcode t=2 ctx=on", "medcode t=2 ctx=off"]
    check(rounds == [("1", x) for x in labels] + [("2", x) for x in labels], "bench/run: rounds %r" % rounds)
    main = [f for f in glob.glob(os.path.join(res, "*.csv")) if not f.endswith("-stages.csv")]
    check(len(main) == 1, "bench/run: results %r" % sorted(os.listdir(res)))
    base = main[0][:-4]
    with open(main[0], newline="") as f:
        table = list(csv.DictReader(f))
    cols = ["tool", "threads", "context", "median_wall_s", "mb_per_s", "records_per_s", "cpu_s", "peak_rss_mb",
            "ratio_vs_floor", "ratio_vs_token_trie", "ratio_vs_hyperscan"]
    with open(main[0], newline="") as f:
        check(next(csv.reader(f)) == cols, "bench/run: results columns")
    got = [(r["tool"], r["threads"], r["context"]) for r in table]
    want = [("floor", "1", ""), ("tt_scan", "1", ""), ("tt_scan", "2", ""), ("medcode", "1", "on"),
            ("medcode", "1", "off"), ("medcode", "2", "on"), ("medcode", "2", "off")]
    check(got == want, "bench/run: rows %r" % got)
    nbytes = len(unzstd(fr))
    floor = float(table[0]["median_wall_s"])

    def close(x, y, rel=0.02):
        return abs(x - y) <= rel * max(abs(y), 1e-9) + 1e-3

    for r in table:
        wall = float(r["median_wall_s"])
        check(wall > 0 and close(float(r["mb_per_s"]), nbytes / 1e6 / wall), "bench/run: mb_per_s of %r" % r)
        check(r["records_per_s"] != "" and close(float(r["records_per_s"]), len(rows) / wall),
              "bench/run: records_per_s of %r (records %d)" % (r, len(rows)))
        check(close(float(r["ratio_vs_floor"]), wall / floor), "bench/run: ratio_vs_floor of %r" % r)
        tt = [float(x["median_wall_s"]) for x in table if x["tool"] == "tt_scan" and x["threads"] == r["threads"]]
        check(close(float(r["ratio_vs_token_trie"]), wall / tt[0]),
              "bench/run: ratio_vs_token_trie of %r" % r)
        check(float(r["cpu_s"]) >= 0 and float(r["peak_rss_mb"]) > 0, "bench/run: cpu/rss of %r" % r)
        check(r["ratio_vs_hyperscan"] == "", "bench/run: a Hyperscan ratio without the peer: %r" % r)
    with open(base + "-stages.csv", newline="") as f:
        st = list(csv.DictReader(f))
    stages = {"decompress", "chunk", "parse", "tokenize", "match", "context", "aggregate", "tokens"}
    for t, c in [("1", "on"), ("1", "off"), ("2", "on"), ("2", "off")]:
        mine = {s["stage"]: float(s["seconds"]) for s in st if s["threads"] == t and s["context"] == c}
        check(set(mine) == stages and all(v >= 0 for v in mine.values()),
              "bench/run: stages of t=%s ctx=%s: %r" % (t, c, mine))
    with open(base + ".json") as f:
        js = json.load(f)
    check(js.get("records") == len(rows) and js.get("uncompressed_bytes") == nbytes,
          "bench/run: JSON records %r, bytes %r" % (js.get("records"), js.get("uncompressed_bytes")))
    check("hs_scan: skipped (not in --peers)" in js.get("notes", []) and
          "ripgrep: skipped (not in --peers)" in js.get("notes", []), "bench/run: JSON notes %r" % js.get("notes"))
    check(js.get("details", {}).get("tt_scan_t2", {}).get("tokens") not in (None, "0"),
          "bench/run: JSON without tt_scan's details")
    check(js.get("details", {}).get("medcode_t1_on", {}).get("stages", {}).get("tokens", 0) > 0,
          "bench/run: JSON without medcode's stages")
    svg = ET.parse(base + ".svg").getroot()
    check(svg.tag.endswith("svg"), "bench/run: SVG root %s" % svg.tag)
    texts = " ".join(t.text or "" for t in svg.iter() if t.tag.endswith("text"))
    check("medcode" in texts and "floor" in texts and "tt_scan" in texts, "bench/run: SVG labels %r" % texts[:200])

    # ---- bench/ab/compare: two builds in one process ----------------------------
    # Both sides from this source tree (so the test does not depend on git state): same
    # mentions, the token count medcode itself reports; B given another dictionary build:
    # the digest tells them apart.
    cmp_tool = os.path.join(SRC, "bench", "ab", "compare")
    abwork = os.path.join(tmp, "ab")
    common = [sys.executable, cmp_tool, ".", ".", "--dict", DICT, "--archive", a1, "--max-mb", "2", "--reps", "3",
              "--expect-same", "--work", abwork]
    p = subprocess.run(common, capture_output=True, text=True)
    check(p.returncode == 0 and "mentions: identical" in p.stdout,
          "compare . .: exit %d\n%s%s" % (p.returncode, p.stdout, p.stderr[-2000:]))
    out1 = os.path.join(tmp, "run1")
    sh([MEDCODE, "run", "--dict", DICT, "--text-col", "note", "--id-col", "id", "--out", out1, "--quiet",
        "--stats-timing", a1])
    with open(os.path.join(out1, "manifest.json")) as f:
        want_tokens = int(json.load(f)["stages"]["tokens"])
    m = re.search(r"(\d+) texts, [\d.]+ MB, (\d+) tokens", p.stdout)
    check(m is not None and int(m.group(1)) == len(rows_of(unzstd(a1))[1]) and int(m.group(2)) == want_tokens,
          "compare: texts/tokens line %r, medcode counted %d tokens" % (m and m.group(0), want_tokens))
    for stage in ("tokenize", "match", "context+rules", "scan"):
        check(re.search(r"(?m)^%s\s+[\d.]+ \|\s+[\d.]+\s+[\d.]+ \|\s+[\d.]+\s+[\d.]+$" % re.escape(stage), p.stdout),
              "compare: no figures for %s" % stage)
    nv = os.path.join(tmp, "novariants.dict")
    sh([MEDCODE, "dict", "build", "--default-only", "--no-variants", "-o", nv], cwd=SRC)  # reads datasets/
    p = subprocess.run(common + ["--dict-b", nv], capture_output=True, text=True)
    check(p.returncode == 3 and "mentions: DIFFER" in p.stdout,
          "compare --dict-b: exit %d (3 expected)\n%s%s" % (p.returncode, p.stdout, p.stderr[-2000:]))
finally:
    shutil.rmtree(tmp, ignore_errors=True)

done("bench")
