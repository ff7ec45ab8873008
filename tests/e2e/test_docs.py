"""The README must match the code: its settings table is what `wikicrawl config` prints, every
command it lists exists, and the metrics it and openapi.yaml name are the ones /metrics serves."""
import os
import re
import subprocess

import yaml

from conftest import BIN, ROOT, metrics


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


def metric_names(text):
    """The metric families a text names in backticks: `wikicrawl_{a,b}_total` is two names,
    `wikicrawl_x{label}` is wikicrawl_x."""
    names = set()
    for token in re.findall(r"`(wikicrawl_[^`]*)`", text):
        token = re.sub(r"\{[^{},]*\}$", "", token)  # its labels
        alternatives = re.match(r"^(.*?)\{([^{}]*)\}(.*)$", token)
        if alternatives:
            head, alts, tail = alternatives.groups()
            names |= {head + alt + tail for alt in alts.split(",")}
        else:
            names.add(token)
    return names


def test_readme_and_openapi_name_every_metric_and_no_other(service, redis_server):
    """Both ways: a family /metrics serves and neither document names, or one they name that is
    not served, fails (issue 25: openapi.yaml left out wikicrawl_queue_priority_chunks)."""
    svc = service("api", ["--redis", redis_server.socket])
    served = set(re.findall(r"^# TYPE (\S+) ", metrics(svc), re.M))
    assert "wikicrawl_queue_priority_chunks" in served and "wikicrawl_fetch_seconds" in served
    row = [line for line in readme().splitlines() if line.startswith("| `GET /healthz`")]
    assert len(row) == 1
    assert metric_names(row[0]) == served
    with open(os.path.join(ROOT, "openapi.yaml"), encoding="utf-8") as f:
        spec = yaml.safe_load(f)
    assert metric_names(spec["paths"]["/metrics"]["get"]["description"]) == served
