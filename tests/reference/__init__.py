"""An independent, deliberately simple reference implementation of the contract's rules 1-10.

Written from /work/shared/CONTRACT.md and docs/decisions.md only (not from the SQL), so that the
differential test in tests/test_differential.py compares two readings of the same rules.
"""
