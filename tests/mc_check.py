"""tests/mc_check.py — the counting assertion of the Python test scripts.

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from mc_check import check, done

check(cond, what) counts one check and reports `what` on stderr when cond is false (the
first 40 failures; the count is always exact); it returns bool(cond), so a script can stop
when a later step depends on it. done(name) prints the tally and exits 1 if any failed.
"""
import sys

_checks = 0
_failures = 0


def check(cond, what):
    global _checks, _failures
    _checks += 1
    if not cond:
        _failures += 1
        if _failures <= 40:
            print("FAIL:", what, file=sys.stderr)
    return bool(cond)


def done(name):
    print("%s: %d passed, %d failed" % (name, _checks - _failures, _failures))
    sys.exit(1 if _failures else 0)
