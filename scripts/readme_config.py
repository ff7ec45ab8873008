"""Rewrite the settings table of README.md from `wikicrawl config` (make readme).
tests/e2e/test_docs.py fails when the two disagree."""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "wikicrawl")
table = subprocess.run([binary, "config"], check=True, capture_output=True, text=True).stdout
path = os.path.join(ROOT, "README.md")
with open(path, encoding="utf-8") as f:
    text = f.read()
text = re.sub(r"<!-- config:begin -->\n.*?<!-- config:end -->",
              lambda _: "<!-- config:begin -->\n" + table + "<!-- config:end -->", text, flags=re.S)
with open(path, "w", encoding="utf-8") as f:
    f.write(text)
