#!/usr/bin/env python3
"""test_report.py MEDCODE FIXTURES (html|render)

html:   `medcode report` on the fixture run directories: exit codes, a self-contained page
        (no script, no external reference), every section present, suppressed cells shown
        as suppressed and never as numbers, graceful notes for absent tables.
render: the page rendered by headless Chromium to a PNG (non-empty, real PNG, not blank);
        exit 77 when no chromium is installed. The PNG is kept as
        $MEDCODE_REPORT_PNG when that variable is set (to look at it).
"""
import os, re, shutil, struct, subprocess, sys, tempfile, zlib
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from mc_check import check, done  # noqa: E402

medcode, fixtures, mode = sys.argv[1], sys.argv[2], sys.argv[3]
def report(d, out):
    return subprocess.run([medcode, "report", d, "-o", out], capture_output=True, text=True)


tmp = tempfile.mkdtemp(prefix="mc_report_")
try:
    page = os.path.join(tmp, "report.html")
    r = report(os.path.join(fixtures, "run"), page)
    check(r.returncode == 0, "report exits 0: %s" % r.stderr)
    html = open(page, encoding="utf-8").read() if os.path.exists(page) else ""
    if mode == "html":
        check(html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>"), "a whole HTML page")
        check("<script" not in html.lower(), "no script")
        refs = re.findall(r"""(?:src|href)\s*=\s*['"]([^'"]*)""", html)
        check(all(not re.match(r"[a-z]+:", u) for u in refs), "no external reference: %s" % refs)
        check(not re.search(r"url\((?!#)", html), "no external url() in CSS")
        for h in ["Run summary", "Top codes", "Prevalence by age band", "Prevalence by sex", "Chapter distribution",
                  "Charlson comorbidity index"]:
            check(h in html, "section " + h)
        check(html.count("<svg") >= 5, "five charts (got %d)" % html.count("<svg"))
        check("2001" in html and "sample-2019.csv.zst" in html, "run summary from manifest.json")
        check("E11.9" in html and "Essential (primary) hypertension" in html, "top codes with titles")
        check("suppressed (small cell)" in html and "class='sup'>suppressed" in html, "suppressed cells shown as such")
        # B20 (6 records) and A04.72 (3) are suppressed: their counts must not appear in the table
        row = re.search(r"<td>B20</td>.*?</tr>", html)
        check(row and "suppressed" in row.group(0) and ">6<" not in row.group(0), "B20 row suppressed")
        check("Alzheimer&#39;s" in html or "Alzheimer's" in html, "titles escaped, not dropped")
        check("188.85 – 224.28" in html, "95% interval of E11.9 in the table")
        # degrade: legacy codes.csv (no intervals, no strata, no chapters), no manifest
        legacy = os.path.join(tmp, "legacy.html")
        r = report(os.path.join(fixtures, "legacy"), legacy)
        check(r.returncode == 0, "legacy directory: exit 0: %s" % r.stderr)
        lh = open(legacy, encoding="utf-8").read() if os.path.exists(legacy) else ""
        check("No manifest.json" in lh and "Not available" in lh and "I10" in lh, "legacy: notes and the codes")
        check("no charlson_distribution.csv" in lh, "legacy: no Charlson table noted")
        # errors
        empty = os.path.join(tmp, "empty")
        os.mkdir(empty)
        r = report(empty, os.path.join(tmp, "x.html"))
        check(r.returncode == 3 and "not a medcode run directory" in r.stderr, "empty directory: exit 3 (%d)" % r.returncode)
        r = report(os.path.join(fixtures, "run"), os.path.join(tmp, "no", "such", "dir.html"))
        check(r.returncode == 6, "unwritable output: exit 6 (%d)" % r.returncode)
        r = subprocess.run([medcode, "report"], capture_output=True, text=True)
        check(r.returncode == 2, "usage: exit 2")
        check(not [f for f in os.listdir(tmp) if ".tmp." in f], "no temporary file left")
    else:
        chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
        if not chromium:
            print("skip: no chromium")
            sys.exit(77)
        png = os.path.join(tmp, "report.png")
        prof = tempfile.mkdtemp(prefix="mc_chromium_")
        cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir=" + prof,
               "--screenshot=" + png, "--window-size=1200,2000", "file://" + os.path.abspath(page)]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=150)
        shutil.rmtree(prof, ignore_errors=True)
        check(r.returncode == 0, "chromium exits 0 (%d): %s" % (r.returncode, r.stderr[-500:]))
        data = open(png, "rb").read() if os.path.exists(png) else b""
        check(data[:8] == b"\x89PNG\r\n\x1a\n", "a PNG was written")
        if data[:8] == b"\x89PNG\r\n\x1a\n":
            w, h = struct.unpack(">II", data[16:24])
            check((w, h) == (1200, 2000), "PNG is 1200x2000 (%dx%d)" % (w, h))
            # decode IDAT and count distinct row bytes: a blank page compresses to almost nothing
            idat = b"".join(data[i + 8:i + 8 + struct.unpack(">I", data[i:i + 4])[0]]
                            for i in [m.start() - 4 for m in re.finditer(b"IDAT", data)])
            raw = zlib.decompress(idat)
            check(len(set(raw)) > 20, "the page is not blank")
        if os.environ.get("MEDCODE_REPORT_PNG") and data:
            shutil.copy(png, os.environ["MEDCODE_REPORT_PNG"])
finally:
    shutil.rmtree(tmp, ignore_errors=True)
done("report " + mode)
