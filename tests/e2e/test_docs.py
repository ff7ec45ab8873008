"""The README must match the code: its settings table is what `wikicrawl config` prints, and every
command it lists exists."""
import os
import re
import subprocess

from conftest import BIN, ROOT


def readme():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        return f.read()


def test_readme_settings_table_is_the_code_table():
    table = re.search(r"<!-- config:begin -->\n(.*?)<!-- config:end -->", readme(), re.S).group(1)
    printed = subprocess.run([BIN, "config"], capture_output=True, text=True, check=True).stdout
    assert table == printed


def test_readme_quick_start_is_make_then_two_commands():
    quick = readme().split("## Quick start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in quick.strip().splitlines()]
    # make first: a minimal Debian 12 has none (scripts/test-quickstart.sh runs these in one)
    assert commands == ["apt-get update && apt-get install -y make", "make run", "make test"]


def test_every_documented_command_has_help():
    documented = set(re.findall(r"^\| `wikicrawl (\w+)", readme(), re.M))
    assert {"serve", "api", "worker", "parse", "fetch", "config"} <= documented
    for command in sorted(documented - {"config"}):
        out = subprocess.run([BIN, command, "--help"], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, (command, out.stderr)
        assert "usage" in (out.stdout + out.stderr).lower(), command
