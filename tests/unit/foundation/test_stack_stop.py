"""`carepay stack stop` returns only once the instance's port is free, so a start right after works."""
from __future__ import annotations

import socket
import subprocess
import sys
import textwrap

from shared import stack

# A process whose main thread exits on SIGTERM (it then shows as a zombie) while another thread
# holds the listening socket a second longer: what a SIGKILLed service looks like for milliseconds.
LINGERING = textwrap.dedent("""
    import ctypes, signal, socket, sys, threading, time
    s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen()
    def leave(*_):
        threading.Thread(target=lambda: (time.sleep(1.0), s.close())).start()
        ctypes.CDLL(None).pthread_exit(None)
    signal.signal(signal.SIGTERM, leave)
    print("listening", flush=True)
    while True:
        time.sleep(1)
""")


def test_stop_waits_until_a_dying_instance_has_let_go_of_its_port(tmp_path, monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setattr(stack, "RUN_DIR", tmp_path)
    monkeypatch.setenv("CAREPAY_QUERIES_PORT", str(port))
    inst = stack.Instance("queries")
    child = subprocess.Popen([sys.executable, "-c", LINGERING, str(port)], stdout=subprocess.PIPE)
    try:
        assert child.stdout.readline() == b"listening\n"
        inst.pid_file.write_text(str(child.pid))
        assert stack.port_in_use(port)
        stack.stop(inst)
        assert not stack.port_in_use(port), "stop() returned while the port was still taken: start() would fail"
    finally:
        child.kill()
        child.wait()
