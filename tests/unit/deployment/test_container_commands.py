"""`carepay serve` picks the service and address a container gives it; `python -m shared.probe` answers
the image's HEALTHCHECK from the service's own /health or /ready."""
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import typer

from shared import probe
from shared.cli.serve import bind_host, chosen_service
from shared.settings import settings_for


@pytest.fixture
def fresh_settings():
    settings_for.cache_clear()
    yield
    settings_for.cache_clear()


def test_the_service_comes_from_the_command_line_then_from_carepay_service(monkeypatch):
    monkeypatch.setenv("CAREPAY_SERVICE", "delivery")
    assert chosen_service("payments") == "payments"
    assert chosen_service(None) == "delivery"


@pytest.mark.parametrize("given, env, said", [
    (None, None, "name a service or set CAREPAY_SERVICE"),
    ("deliveries", None, "unknown service 'deliveries'"),
    (None, "billing", "unknown service 'billing'"),
])
def test_a_missing_or_unknown_service_is_refused_by_name(monkeypatch, given, env, said):
    if env is None:
        monkeypatch.delenv("CAREPAY_SERVICE", raising=False)
    else:
        monkeypatch.setenv("CAREPAY_SERVICE", env)
    with pytest.raises(typer.BadParameter, match=said):
        chosen_service(given)


def test_the_bind_address_is_loopback_unless_carepay_host_says(monkeypatch):
    monkeypatch.delenv("CAREPAY_HOST", raising=False)
    assert bind_host() == "127.0.0.1"
    monkeypatch.setenv("CAREPAY_HOST", "0.0.0.0")
    assert bind_host() == "0.0.0.0"


@pytest.mark.parametrize("host, expected", [
    ("0.0.0.0", "http://127.0.0.1:8003/ready"), ("", "http://127.0.0.1:8003/ready"),
    ("::", "http://127.0.0.1:8003/ready"), ("10.1.2.3", "http://10.1.2.3:8003/ready"),
    ("fd00::5", "http://[fd00::5]:8003/ready"),
])
def test_the_probe_asks_the_address_the_service_listens_on(monkeypatch, fresh_settings, host, expected):
    monkeypatch.setenv("CAREPAY_HOST", host)
    monkeypatch.delenv("CAREPAY_DELIVERY_PORT", raising=False)
    assert probe.url("delivery", "ready") == expected


class _Answers(BaseHTTPRequestHandler):
    status = {"/health": 200, "/ready": 503}

    def do_GET(self):  # noqa: N802 - http.server's name
        self.send_response(self.status.get(self.path, 404))
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def service_on_a_free_port(monkeypatch, fresh_settings):
    server = HTTPServer(("127.0.0.1", 0), _Answers)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("CAREPAY_SERVICE", "queries")
    monkeypatch.setenv("CAREPAY_HOST", "0.0.0.0")
    monkeypatch.setenv("CAREPAY_QUERIES_PORT", str(server.server_address[1]))
    yield
    server.shutdown()
    server.server_close()


def test_the_probe_passes_on_200_and_fails_otherwise(service_on_a_free_port, capsys):
    assert probe.main(["health"]) == 0
    assert probe.main(["ready"]) == 1
    assert capsys.readouterr().out.split() == ["health:", "200", "ready:", "503"]


def test_the_probe_fails_when_nothing_answers(monkeypatch, fresh_settings, capsys):
    with HTTPServer(("127.0.0.1", 0), _Answers) as server:
        port = server.server_address[1]  # bound, then closed: nothing listens there any more
    monkeypatch.setenv("CAREPAY_SERVICE", "queries")
    monkeypatch.setenv("CAREPAY_QUERIES_PORT", str(port))
    monkeypatch.delenv("CAREPAY_HOST", raising=False)
    assert probe.main([]) == 1
    assert capsys.readouterr().out.startswith("health: ")


def test_the_probe_refuses_an_unknown_check_or_service(monkeypatch, capsys):
    monkeypatch.setenv("CAREPAY_SERVICE", "queries")
    assert probe.main(["alive"]) == 2
    monkeypatch.setenv("CAREPAY_SERVICE", "nope")
    assert probe.main(["health"]) == 2
    assert "CAREPAY_SERVICE='nope'" in capsys.readouterr().err
