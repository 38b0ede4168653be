"""A real studio server for tests: ``brushwork studio --port 0`` in a subprocess, on 127.0.0.1."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from tests.helpers import start_brushwork

# A job that takes a few seconds on a 2-core CPU: long enough to watch, reload and kill in mid-run.
WATCHABLE = {"size": 128, "iterations": [40, 160]}
QUICK = {"size": 64, "iterations": [10, 10]}


class Studio:
    def __init__(self, data_dir: Path, *extra: str):
        self.data_dir = data_dir
        self.extra = extra
        self.process: subprocess.Popen[str] | None = None
        self.url = ""
        self.port = 0

    def start(self) -> Studio:
        # As a user starts it: with Ctrl-C at its default even where the test runner was started in the background.
        self.process = start_brushwork(
            ["studio", "--port", "0", "--data-dir", self.data_dir, *self.extra],
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/\S*", line)
        assert match, f"no URL in {line!r}; stderr: {self.process.stderr.read() if self.process.stderr else ''}"
        self.url, self.port = match[0], int(match[1])
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs (a crash, a power cut)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> str:
        """Ctrl-C, as a user stops it; returns what it printed on stderr."""
        if self.process is None or self.process.poll() is not None:
            return ""
        self.process.send_signal(signal.SIGINT)
        try:
            _, stderr = self.process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, stderr = self.process.communicate()
            raise AssertionError(f"the studio did not stop on Ctrl-C within 30 s: {stderr}") from None
        return stderr

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        connection.request(method, path, body=data, headers=headers or {})
        response = connection.getresponse()
        content = response.read()
        connection.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, content

    def json(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        status, _, content = self.request(method, path, body, headers)
        return status, json.loads(content) if content else None

    def upload(self, data: bytes, name: str = "photo.png") -> tuple[int, Any]:
        return self.json("POST", f"/api/images?name={quote(name, safe='/%')}", data)

    def demo(self) -> dict[str, Any]:
        return self.json("GET", "/api/schema")[1]["demo"]

    def add_transfer(self, settings: dict[str, Any], **extra: Any) -> dict[str, Any]:
        demo = self.demo()
        form = {
            "technique": "transfer",
            "settings": settings,
            "inputs": {"content": demo["photo"]["id"], "styles": [demo["painting"]["id"]]},
            **extra,
        }
        status, job = self.json("POST", "/api/jobs", form)
        assert status == 201, job
        return job

    def job(self, job_id: int) -> dict[str, Any]:
        jobs = self.json("GET", "/api/jobs")[1]["jobs"]
        return next(j for j in jobs if j["id"] == job_id)

    def wait_for(self, job_id: int, done: Any, timeout: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.job(job_id)
            if done(job):
                return job
            time.sleep(0.2)
        raise AssertionError(f"job {job_id} did not get there in {timeout} s: {self.job(job_id)}")


class StudioHere(Studio):
    """The same server and requests, but in this process (uvicorn on a thread), so that a test can make
    its data folder refuse writes from inside: a full disk or a read-only database."""

    def start(self) -> StudioHere:
        import socket
        import threading

        import uvicorn

        from brushwork.studio.app import StudioConfig, create_app

        listening = socket.socket()
        listening.bind(("127.0.0.1", 0))
        self.port = listening.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.app = create_app(StudioConfig(self.data_dir, port=self.port))
        self.server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [listening]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "the studio did not start"
            time.sleep(0.05)
        return self

    @property
    def store(self) -> Any:
        return self.app.app.state.store  # inside the Host and Origin guard

    def stop(self) -> str:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        assert not self.thread.is_alive(), "the studio did not stop"
        return ""
