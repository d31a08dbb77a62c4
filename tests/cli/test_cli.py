#!/usr/bin/env python3
"""Golden CLI tests for medcode: a small archive -> expected codes.csv, determinism over
thread counts, input splits and zstd frame layouts (frame-parallel decompression against
the streaming path, errors included), golden error inputs (exit code + one-line message),
the manifest's accounting, and --help/--version. Regenerate goldens with MEDCODE_REGEN=1
(review the diff; never hand-edit expected output).

usage: test_cli.py MEDCODE_BIN SOURCE_DIR BUILD_DIR
"""
import csv, io, json, os, re, shutil, subprocess, sys, tempfile
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from mc_check import check, done  # noqa: E402

BIN, SRC, BUILD = sys.argv[1], sys.argv[2], sys.argv[3]
SAMPLE = os.path.join(SRC, "datasets", "sample", "notes.csv.zst")
GOLDEN = os.path.join(SRC, "tests", "cli", "golden")
ERRORS = os.path.join(SRC, "tests", "cli", "errors")
REGEN = os.environ.get("MEDCODE_REGEN") == "1"


def run(args, stdin=None, expect=None):
    p = subprocess.run([BIN] + args, input=stdin, capture_output=True)
    if expect is not None and p.returncode != expect:
        check(False, "%s exited %d, expected %d; stderr: %s" % (args, p.returncode, expect, p.stderr.decode(errors="replace")))
    return p


def read(path):
    with open(path, "rb") as f:
        return f.read()


tmp = tempfile.mkdtemp(prefix="medcode-cli-")
try:
    # --- golden: the sample archive -> codes.csv -------------------------------------
    out = os.path.join(tmp, "base")
    per = os.path.join(tmp, "base-per-record.csv")
    # --no-suppression: the golden and the per-record check compare every count (small cells included)
    NOSUP = ["--no-suppression"]
    run(["run", "--text-col", "note", "--id-col", "id", "--out", out, "--per-record", per, "--threads", "2", "--quiet"] + NOSUP + [SAMPLE], expect=0)
    golden = os.path.join(GOLDEN, "sample-codes.csv")
    if REGEN:
        shutil.copy(os.path.join(out, "codes.csv"), golden)
    check(read(os.path.join(out, "codes.csv")) == read(golden), "codes.csv differs from tests/cli/golden/sample-codes.csv")
    man = json.loads(read(os.path.join(out, "manifest.json")))
    r = man["records"]
    check(r["read"] == r["coded"] + r["rejected"], "manifest: read != coded + rejected")
    check(r["read"] > 1000, "sample has over 1000 records")
    check(man["inputs"][0]["complete"] and man["inputs"][0]["zstd"], "manifest input entry")
    check(man["inputs"][0]["records"] == r["read"], "per-input record count")
    for k in ("seconds", "mb_per_s", "records_per_s", "threads"):
        check(k in man, "manifest has " + k)
    check(man["dictionary"]["format_version"] == 1 and len(man["dictionary"]["build_id"]) == 32, "manifest dictionary id")
    rows = list(csv.DictReader(io.StringIO(read(per).decode())))
    check(len(rows) > 1000, "per-record rows")
    check(list(rows[0].keys()) == ["id", "code", "start", "end", "term", "matched_code", "assertion", "trigger", "section", "rule", "counted"], "per-record header")
    # records in codes.csv equal distinct (id, code) pairs of counted per-record rows
    pairs = {}
    for row in rows:
        if row["counted"] == "1":
            pairs.setdefault(row["code"], set()).add(row["id"])
    codes = [c for c in csv.DictReader(io.StringIO(read(os.path.join(out, "codes.csv")).decode()))
             if c["level"] == "code" and c["stratification"] == "all"]
    for c in codes:
        check(int(c["records"]) == len(pairs.get(c["code"], ())), "records for %s agree with per-record output" % c["code"])
    check([c["code"] for c in codes] == sorted(c["code"] for c in codes), "codes.csv sorted by code")
    # spans point into the note text
    text = subprocess.run(["zstd", "-dc", SAMPLE], capture_output=True).stdout.decode()
    notes = {row["id"]: row["note"] for row in csv.DictReader(io.StringIO(text))}
    bad = 0
    for row in rows[:3000]:
        span = notes[row["id"]].encode()[int(row["start"]):int(row["end"])]
        if not span or int(row["end"]) <= int(row["start"]):
            bad += 1
    check(bad == 0, "per-record spans inside the note")

    # --- determinism: threads, zstd frame layouts and input splits ----------------------
    # the sample re-compressed as many frames: cuts inside quoted notes and inside records,
    # empty frames, skippable frames between data frames (frame-parallel decompression)
    raw = text.encode()
    def zframe(b):
        return subprocess.run(["zstd", "-q", "-c", "-3"], input=b, capture_output=True, check=True).stdout
    def skippable(payload, n=0):
        return (0x184D2A50 + n).to_bytes(4, "little") + len(payload).to_bytes(4, "little") + payload
    q = raw.index(b'"', 200000) + 5  # inside a quoted field
    cuts = sorted({0, 1, 37, 150001, q, q + 1, 400000, 700003, 1200000, 1200000 + 64, 2000017, len(raw)})
    frames, starts = [], []
    for i in range(len(cuts) - 1):
        if i % 3 == 1:
            frames.append(skippable(b"medcode-test", i % 16))
        if i == 4:
            frames.append(zframe(b""))  # an empty frame
        starts.append(sum(map(len, frames)))
        frames.append(zframe(raw[cuts[i]:cuts[i + 1]]))
    multi = os.path.join(tmp, "multi.csv.zst")
    with open(multi, "wb") as f:
        f.write(b"".join(frames))
    for t in ("1", "2", "4"):
        for name, arc in (("", SAMPLE), ("multi-", multi)):
            if t == "2" and not name:
                continue  # the baseline itself
            o = os.path.join(tmp, name + "t" + t)
            run(["run", "--text-col", "note", "--id-col", "id", "--out", o, "--per-record", o + ".csv", "--threads", t, "--quiet", "--batch-kb", "64", "--stats-timing"] + NOSUP + [arc], expect=0)
            check(read(os.path.join(o, "codes.csv")) == read(os.path.join(out, "codes.csv")), "codes.csv identical with --threads %s %s" % (t, name))
            check(read(o + ".csv") == read(per), "per-record identical with --threads %s %s" % (t, name))
            if name:
                mi = json.loads(read(os.path.join(o, "manifest.json")))
                check(mi["inputs"][0]["zstd_frames"] == len(frames), "multi-frame: zstd_frames %r" % mi["inputs"][0]["zstd_frames"])
                check(mi["stages"]["decompress"] > 0, "multi-frame: decompress stage timed")

    # two multi-frame inputs: the second is decompressed ahead while the first is chunked
    o = os.path.join(tmp, "multi-twice")
    run(["run", "--text-col", "note", "--id-col", "id", "--out", o, "--per-record", o + ".csv", "--threads", "2", "--quiet"] + NOSUP + [multi, multi], expect=0)
    mt = json.loads(read(os.path.join(o, "manifest.json")))
    one = json.loads(read(os.path.join(tmp, "multi-t2", "manifest.json")))["inputs"][0]
    check(mt["inputs"] == [one, one], "two multi-frame inputs: manifest input entries")
    body = read(per).split(b"\n", 1)[1]
    check(read(o + ".csv") == read(per) + body, "two multi-frame inputs: per-record in input order")

    # frame-parallel (a file) against the streaming path (the same bytes on stdin): clean,
    # a corrupt frame in the middle, a truncated last frame, garbage between frames.
    # Every output, the error line, the exit code and the manifest (but timings) agree.
    def streaming_parity(label, data):
        path = os.path.join(tmp, "par-%s.csv.zst" % label)
        with open(path, "wb") as f:
            f.write(data)
        res = []
        for src in (path, "-"):
            o = os.path.join(tmp, "par-%s-%s" % (label, "stdin" if src == "-" else "file"))
            p = run(["run", "--text-col", "note", "--id-col", "id", "--out", o, "--per-record", o + ".csv", "--threads", "2", "--quiet"] + NOSUP + [src],
                    stdin=data if src == "-" else None)
            norm = lambda b: b.replace(path.encode(), b"INPUT").replace(b"at -:", b"at INPUT:").replace(b"\n-,", b"\nINPUT,")
            m = json.loads(read(os.path.join(o, "manifest.json"))) if os.path.exists(os.path.join(o, "manifest.json")) else {}
            for k in ("seconds", "mb_per_s", "records_per_s", "command"):
                m.pop(k, None)
            for i in m.get("inputs", []):
                i["path"] = "INPUT"
                if i.get("error"):
                    i["error"] = norm(i["error"].encode()).decode()
            outs = [read(os.path.join(o, f)) if os.path.exists(os.path.join(o, f)) else None for f in ("codes.csv", "rejects.csv")]
            res.append((p.returncode, norm(p.stderr), [norm(x) if x else x for x in outs], read(o + ".csv") if os.path.exists(o + ".csv") else None, m))
        check(res[0][0] == res[1][0], "%s: exit %d (file) vs %d (stdin)" % (label, res[0][0], res[1][0]))
        check(res[0][1] == res[1][1], "%s: stderr %r vs %r" % (label, res[0][1], res[1][1]))
        check(res[0][2] == res[1][2], "%s: codes.csv / rejects.csv differ from the streaming path" % label)
        check(res[0][3] == res[1][3], "%s: per-record differs from the streaming path" % label)
        check(res[0][4] == res[1][4], "%s: manifest differs from the streaming path" % label)
        return res[0]
    whole = b"".join(frames)
    streaming_parity("clean", whole)
    mid = len(starts) // 2
    bad = bytearray(whole)
    a, b = starts[mid], starts[mid + 1]
    for i in range((a + b) // 2, (a + b) // 2 + 16):
        bad[i] ^= 0x5A
    rc, err, _, _, m = streaming_parity("corrupt-middle", bytes(bad))
    check(rc == 3 and b"corrupt zstd data" in err and ("byte %d)" % a).encode() in err, "corrupt middle frame: %r" % err)
    check(0 < m.get("records", {}).get("read", 0) < r["read"], "corrupt middle frame: the records before it are coded")
    rc, err, _, _, m = streaming_parity("truncated-last", whole[:starts[-1] + (len(whole) - starts[-1]) // 2])
    check(rc == 3 and b"truncated zstd frame" in err, "truncated last frame: %r" % err)
    rc, err, _, _, _ = streaming_parity("garbage", whole[:starts[3]] + b"\0\0\0\0garbage" + whole[starts[3]:])
    check(rc == 3 and ("byte %d)" % starts[3]).encode() in err, "garbage between frames: %r" % err)
    # split the records across three files (zst, plain csv, stdin) and a directory
    recs = list(csv.reader(io.StringIO(text)))
    header, body = recs[0], recs[1:]
    parts = [body[:400], body[400:900], body[900:]]
    paths = []
    split_dir = os.path.join(tmp, "split")
    os.mkdir(split_dir)
    for i, part in enumerate(parts):
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n" if i == 1 else "\n")
        w.writerow(header)
        w.writerows(part)
        p = os.path.join(split_dir, "part%d.csv" % i)
        with open(p, "w", newline="") as f:
            f.write(buf.getvalue())
        paths.append(p)
    subprocess.run(["zstd", "-q", "--rm", paths[0]], check=True)
    paths[0] += ".zst"
    o = os.path.join(tmp, "split-out")
    with open(paths[2], "rb") as f:
        run(["run", "--text-col", "note", "--id-col", "id", "--out", o, "--per-record", o + ".csv", "--threads", "2", "--quiet"] + NOSUP + [paths[0], paths[1], "-"], stdin=f.read(), expect=0)
    check(read(os.path.join(o, "codes.csv")) == read(os.path.join(out, "codes.csv")), "codes.csv identical for a split input")
    check(read(o + ".csv") == read(per), "per-record identical for a split input")
    o2 = os.path.join(tmp, "dir-out")
    run(["run", "--text-col", "note", "--id-col", "id", "--out", o2, "--quiet"] + NOSUP + [split_dir], expect=0)
    check(read(os.path.join(o2, "codes.csv")) == read(os.path.join(out, "codes.csv")), "codes.csv identical for a directory input")

    # --- --only-codes: codes, categories and ranges; everything else matched, not counted
    scope = os.path.join(tmp, "scope.txt")
    with open(scope, "w") as f:
        f.write("# study codes\nI10\nE11\nJ09-J18\n")
    o = os.path.join(tmp, "scoped")
    run(["run", "--text-col", "note", "--id-col", "id", "--out", o, "--per-record", o + ".csv", "--quiet", "--no-suppression", "--only-codes", scope, SAMPLE], expect=0)
    srows = list(csv.DictReader(io.StringIO(read(o + ".csv").decode())))
    inscope = lambda c: c == "I10" or c.startswith("E11") or ("J09" <= c[:3] <= "J18")
    check(all(inscope(r["code"]) for r in srows if r["counted"] == "1"), "--only-codes: only in-scope codes count")
    check(any(r["rule"] == "out_of_scope" for r in srows), "--only-codes: out-of-scope mentions marked")
    check(any(r["counted"] == "1" for r in srows), "--only-codes: in-scope mentions still count")
    man2 = json.loads(read(os.path.join(o, "manifest.json")))
    check(man2["options"].get("only_codes") == scope, "--only-codes recorded in the manifest")

    # --- golden errors -----------------------------------------------------------------
    def err_case(name, extra, code, pattern, rejects=None):
        o = os.path.join(tmp, "err-" + name)
        p = run(["run", "--text-col", "note", "--id-col", "id", "--out", o, "--quiet"] + extra, expect=code)
        msg = p.stderr.decode()
        lines = [l for l in msg.splitlines() if l.startswith("medcode: error")]
        check(bool(lines) if pattern else not lines, "%s: error line present=%s: %r" % (name, bool(pattern), msg))
        if pattern:
            check(re.search(pattern, lines[0]) is not None, "%s: message %r does not match %r" % (name, lines[0] if lines else "", pattern))
        if rejects is not None:
            got = read(os.path.join(o, "rejects.csv")).decode().splitlines()[1:]
            check(got == rejects, "%s: rejects %r, expected %r" % (name, got, rejects))
            m = json.loads(read(os.path.join(o, "manifest.json")))
            check(m["records"]["read"] == m["records"]["coded"] + m["records"]["rejected"], name + ": accounting")
        return o

    e = lambda f: os.path.join(ERRORS, f)
    err_case("truncated", [e("truncated.csv.zst")], 3, r"^medcode: error \(at .*truncated\.csv\.zst: byte \d+\): truncated zstd frame")
    err_case("corrupt", [e("corrupt.csv.zst")], 3, r"^medcode: error \(at .*corrupt\.csv\.zst: byte \d+\): corrupt zstd data")
    err_case("missing-column", [e("missing-column.csv")], 5, r"^medcode: error \(at .*missing-column\.csv: byte 0\): text column 'note' not found")
    err_case("missing-file", [e("no-such-file.csv")], 3, r"^medcode: error \(at .*no-such-file\.csv\): cannot open")
    bq = e("broken-quote.csv")
    err_case("broken-quote", [bq], 0, None, [bq + ",2,33,malformed quoting"])
    o = err_case("unterminated", [e("unterminated-quote.csv")], 0, None, [e("unterminated-quote.csv") + ",3,53,unterminated quoted field"])
    err_case("wrong-fields", [e("wrong-fields.csv")], 0, None,
             [e("wrong-fields.csv") + ",2,25,\"wrong number of fields: expected 2, found 3\"",
              e("wrong-fields.csv") + ",3,45,\"wrong number of fields: expected 2, found 1\""])
    o = os.path.join(tmp, "err-broken-quote")
    m = json.loads(read(os.path.join(o, "manifest.json")))
    check(m["records"]["rejected"] >= 1 and m["records"]["coded"] >= 2, "broken quote: later records still coded")
    # rejects never carry record text
    for f in ("err-broken-quote", "err-unterminated", "err-wrong-fields"):
        data = read(os.path.join(tmp, f, "rejects.csv")).decode()
        check("HTN" not in data and "pneumonia" not in data and "copd" not in data, f + ": no patient text in rejects")
    # oversized record
    big = os.path.join(tmp, "big.csv")
    with open(big, "w") as f:
        f.write('id,note\n1,"' + "hypertension " * 200000 + '"\n2,"asthma"\n')
    err_case("oversized", ["--max-record-mb", "1", big], 0, None, [big + ",1,8,record exceeds the size limit (1048576 bytes)"])

    # damaged dictionaries: which check failed, exit 4
    d0 = os.path.join(BUILD, "default.dict")
    img = bytearray(read(d0))
    for name, mutate, pattern in (
        ("magic", lambda b: b.__setitem__(0, b[0] ^ 1), r"not a medcode dictionary \(bad magic number\)"),
        ("version", lambda b: b.__setitem__(8, 9), r"format version 9 is not supported"),
        ("checksum", lambda b: b.__setitem__(len(b) - 100, b[len(b) - 100] ^ 0x40), r"checksum mismatch"),
    ):
        bad = bytearray(img)
        mutate(bad)
        p = os.path.join(tmp, "bad-%s.dict" % name)
        with open(p, "wb") as f:
            f.write(bad)
        r2 = run(["run", "--dict", p, "--text-col", "note", "--id-col", "id", "--out", os.path.join(tmp, "x"), SAMPLE], expect=4)
        check(re.search(pattern, r2.stderr.decode()) is not None, "dictionary %s: %r" % (name, r2.stderr.decode()))
        check(len(r2.stderr.decode().strip().splitlines()) == 1, "dictionary %s: one-line error" % name)
    r2 = run(["dict", "info", os.path.join(tmp, "nope.dict")], expect=3)

    # --- help, version, usage --------------------------------------------------------
    for args in (["--help"], ["run", "--help"], ["dict", "--help"], ["dict", "build", "--help"], ["assert", "--help"], ["eval", "--help"], ["merge", "--help"]):
        run(args, expect=0)
    v = run(["--version"], expect=0).stdout.decode()
    check("zstd" in v and "libcsv" in v, "--version names zstd and libcsv")
    run(["run", "--threads", "zero", "--text-col", "a", "--id-col", "b", "--out", tmp, SAMPLE], expect=2)
    run(["frobnicate"], expect=2)
    # dict lookup / export
    lk = run(["dict", "lookup", "Patient with HTN, denies chest pain."], expect=0).stdout.decode()
    check("I10" in lk and "negated" in lk, "dict lookup shows codes and assertions: %r" % lk)
    ex = run(["dict", "export-terms"], expect=0).stdout.decode().splitlines()
    check(len(ex) >= 1500 and all(l.count("\t") == 1 for l in ex), "export-terms: term<TAB>code lines")
finally:
    shutil.rmtree(tmp, ignore_errors=True)

done("cli")
