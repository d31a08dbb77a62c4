#!/usr/bin/env python3
"""check_history_map.py -- validate datasets/context/history_map.csv against the
official ICD-10-CM order file: every prefix matches at least one code, no prefix is
given twice, every family / personal-history code is a billable code of the release.
Usage: check_history_map.py HISTORY_MAP.csv ORDER_FILE.txt   (exit 77 when the order
file is absent). Python standard library only."""
import csv
import os
import sys


def main():
    hmap, order = sys.argv[1], sys.argv[2]
    if not os.path.exists(order):
        print("skipped: %s not found" % order)
        return 77
    billable = {}
    with open(order, encoding="latin-1") as f:
        for line in f:  # fixed width: cols 7-13 code without dot, col 15 billable flag
            billable[line[6:13].strip()] = line[14] == "1"
    bad, seen, n = 0, set(), 0
    with open(hmap, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            n += 1
            p = row["prefix"].replace(".", "").strip().upper()
            if p in seen:
                print("prefix given twice: %s" % p); bad += 1
            seen.add(p)
            if not any(c.startswith(p) for c in billable):
                print("prefix matches no code: %s" % p); bad += 1
            for col in ("family_code", "history_code"):
                c = row[col].replace(".", "").strip().upper()
                if c and not billable.get(c):
                    print("%s %s is not a billable code of the release" % (col, row[col])); bad += 1
            if row["chronic"] not in ("0", "1"):
                print("chronic must be 0 or 1: %s" % p); bad += 1
    print("%d rows, %d problems" % (n, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
