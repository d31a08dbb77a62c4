#!/usr/bin/env python3
"""Validate a medcode lexicon CSV against the official ICD-10-CM order file.

usage: check_lexicon.py LEXICON.csv ORDER_FILE [--min-codes N] [--min-terms N]

The lexicon is RFC 4180 CSV (UTF-8) with the header line
    code,term,system,source,flags
The order file is the CMS/NCHS fixed-width file (icd10cm-order-YYYY.txt):
columns 7-13 hold the code without its dot, column 15 is 1 for a billable
code and 0 for a header.

Every problem is printed on its own line as "LEXICON:LINE: reason" and the
script exits 1; on success it prints one summary line and exits 0.
Python 3 standard library only.
"""
import csv
import re
import sys
import unicodedata

HEADER = ["code", "term", "system", "source", "flags"]
SYSTEMS = {"ICD10CM"}
SOURCES = {"curated", "abbreviation", "lay"}
FLAGS = {"category", "upper"}
CODE_RE = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")
DEFAULT_MIN_CODES = 400
DEFAULT_MIN_TERMS = 1500


def load_order(path):
    """Return {undotted code: billable bool} from the fixed-width order file."""
    codes = {}
    with open(path, "r", encoding="ascii", errors="replace", newline="") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if len(line) < 15:
                continue
            code = line[6:13].strip()
            flag = line[14]
            if not code or flag not in "01":
                continue
            codes[code] = flag == "1"
    return codes


def term_key(term):
    """Comparison key: accents folded, case-folded, possessive 's dropped,
    hyphens and other punctuation treated as spaces, spaces collapsed."""
    t = unicodedata.normalize("NFKD", term)
    t = "".join(ch for ch in t if not unicodedata.combining(ch))
    t = t.casefold()
    t = re.sub(r"(\w)['\u2019]s\b", r"\1", t)
    t = re.sub(r"[\W_]+", " ", t)
    return " ".join(t.split())


def check(lex_path, order_path, min_codes, min_terms):
    problems = []

    def bad(line, reason):
        problems.append("%s:%s: %s" % (lex_path, line, reason))

    try:
        order = load_order(order_path)
    except OSError as e:
        print("%s: cannot read order file: %s" % (order_path, e))
        return 1
    if not order:
        print("%s: no codes found in order file" % order_path)
        return 1

    try:
        f = open(lex_path, "r", encoding="utf-8", newline="")
        text = f.read()
        f.close()
    except OSError as e:
        print("%s: cannot read: %s" % (lex_path, e))
        return 1
    except UnicodeDecodeError as e:
        print("%s: not valid UTF-8: %s" % (lex_path, e))
        return 1

    lines = text.splitlines(keepends=True)
    reader = csv.reader(lines, strict=True)
    pairs = {}      # (code, term key) -> first line
    term_code = {}  # term key -> (code, first line)
    codes = set()
    category_codes = set()
    nterms = 0
    try:
        header = next(reader, None)
        if header is None:
            bad(1, "empty file (no header)")
        elif header != HEADER:
            bad(1, "header must be exactly %r, got %r" % (",".join(HEADER), ",".join(header)))
        for row in reader:
            ln = reader.line_num
            if row == []:
                bad(ln, "blank line")
                continue
            if len(row) != len(HEADER):
                bad(ln, "expected %d fields, got %d" % (len(HEADER), len(row)))
                continue
            code, term, system, source, flags = row
            nterms += 1
            flag_list = [x for x in flags.split(";")] if flags != "" else []
            if system not in SYSTEMS:
                bad(ln, "unknown system %r" % system)
            if source not in SOURCES:
                bad(ln, "unknown source %r" % source)
            for fl in flag_list:
                if fl not in FLAGS:
                    bad(ln, "unknown flag %r" % fl)
            if len(set(flag_list)) != len(flag_list):
                bad(ln, "repeated flag in %r" % flags)
            if term.strip() == "" or term_key(term) == "":
                bad(ln, "empty term")
            elif term != term.strip():
                bad(ln, "term has leading or trailing spaces: %r" % term)

            code_ok = False
            if not CODE_RE.match(code):
                bad(ln, "malformed code %r (want upper-case dotted form, e.g. E11.9)" % code)
            else:
                undotted = code.replace(".", "")
                if undotted not in order:
                    bad(ln, "code %s does not exist in the order file" % code)
                else:
                    code_ok = True
                    billable = order[undotted]
                    has_cat = "category" in flag_list
                    if not billable and not has_cat:
                        bad(ln, "code %s is not billable (header) but lacks the category flag" % code)
                    if billable and has_cat:
                        bad(ln, "code %s is billable but has the category flag" % code)
            if code_ok:
                codes.add(code)
                if "category" in flag_list:
                    category_codes.add(code)

            key = term_key(term)
            if key:
                pk = (code, key)
                if pk in pairs:
                    bad(ln, "duplicate (code, term) pair %s %r (first on line %d)" % (code, term, pairs[pk]))
                else:
                    pairs[pk] = ln
                prev = term_code.get(key)
                if prev is None:
                    term_code[key] = (code, ln)
                elif prev[0] != code:
                    bad(ln, "term %r maps to %s here but to %s on line %d" % (term, code, prev[0], prev[1]))
    except csv.Error as e:
        bad(reader.line_num, "CSV syntax error: %s" % e)

    if len(codes) < min_codes:
        bad("-", "too few distinct valid codes: %d < %d" % (len(codes), min_codes))
    if nterms < min_terms:
        bad("-", "too few terms: %d < %d" % (nterms, min_terms))

    if problems:
        for p in problems:
            print(p)
        print("lexicon FAILED: %d problem(s)" % len(problems))
        return 1
    print("lexicon ok: %d terms, %d codes (%d category-level)" % (nterms, len(codes), len(category_codes)))
    return 0


def main(argv):
    args = list(argv[1:])
    min_codes, min_terms = DEFAULT_MIN_CODES, DEFAULT_MIN_TERMS
    pos = []
    i = 0
    try:
        while i < len(args):
            a = args[i]
            if a == "--min-codes":
                min_codes = int(args[i + 1]); i += 2
            elif a == "--min-terms":
                min_terms = int(args[i + 1]); i += 2
            else:
                pos.append(a); i += 1
    except (IndexError, ValueError):
        pos = []
    if len(pos) != 2:
        sys.stderr.write("usage: check_lexicon.py LEXICON.csv ORDER_FILE [--min-codes N] [--min-terms N]\n")
        return 2
    return check(pos[0], pos[1], min_codes, min_terms)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
