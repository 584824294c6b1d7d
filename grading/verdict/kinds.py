"""The checks a test cell may call, as the grader knows them: each one's kind of record.

`helpers.checks` defines the checks students see (`check_close(actual, expected, what, rtol,
atol)`, ...); the grader rewrites their calls into records (rewrite.py) and compares the records
(records.py). What both need to know about a check is written here once: the kind of record it
makes, its parameter names in order (the first is the student's value), which kinds are a bare
boolean (forgeable, see the README), and check_close's default tolerances.
"""

# check name -> (record kind, parameter names in order; the first is the value under test)
SIGNATURES = {
    "check_close": ("close", ("actual", "expected", "what", "rtol", "atol")),
    "check_equal": ("equal", ("actual", "expected", "what")),
    "check_shape": ("shape", ("value", "shape", "what")),
    "check_type": ("type", ("value", "expected_type", "what")),
    "check_true": ("true", ("condition", "message")),
}
KINDS = tuple(kind for kind, _ in SIGNATURES.values())
# Kinds whose record is one boolean: a patched recorder can forge these (see README).
BOOLEAN_KINDS = {"type", "true"}
# check_close's defaults in helpers.checks, used when the test does not state a tolerance.
DEFAULT_RTOL, DEFAULT_ATOL = 1e-5, 1e-6
