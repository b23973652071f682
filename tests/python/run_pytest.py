#!/usr/bin/env python3
"""Run the slkv package's pytest suite; exit 77 (ctest skip) when pytest is not importable.

Usage: run_pytest.py TESTS_DIR [pytest args...]"""
import sys

try:
    import pytest
except ImportError:
    print("SKIP: pytest is not importable by", sys.executable)
    sys.exit(77)

sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", "-rs", *sys.argv[1:]]))
