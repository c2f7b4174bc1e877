"""The Prometheus configuration is valid and every alert rule passes its promtool unit tests."""
import shutil
import subprocess
from pathlib import Path

import pytest

PROM = Path(__file__).resolve().parents[3] / "deploy" / "prometheus"


def _promtool() -> str:
    path = shutil.which("promtool")
    assert path, "promtool is missing: `make setup` installs Debian's prometheus package"
    return path


def test_prometheus_config_and_rules_are_valid():
    result = subprocess.run([_promtool(), "check", "config", str(PROM / "prometheus.yml")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("test_file", sorted(p.name for p in (PROM / "tests").glob("*.yml")))
def test_alert_rules_pass_their_unit_tests(test_file):
    result = subprocess.run([_promtool(), "test", "rules", str(PROM / "tests" / test_file)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
