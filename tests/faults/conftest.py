"""Fault tests: a PostgreSQL cluster of their own (one per session, made once), which each
test may crash and restart, and a fresh database in it per test."""

from __future__ import annotations

import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.faults.cluster import Cluster


@pytest.fixture(scope="session")
def _server():
    # Not pytest's tmp_path: the server may run as another user, who must reach the directory.
    server = Cluster(Path(tempfile.mkdtemp(prefix="lifecycle-faults-")))
    yield server
    server.remove()


@dataclass
class Database:
    """One test's database on the session's cluster, and the cluster's crash and start."""

    server: Cluster
    name: str

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.server.port}/{self.name}"

    def crash(self) -> None:
        self.server.crash()

    def start(self) -> None:
        self.server.start()


@pytest.fixture
def cluster(_server):
    """A running cluster with an empty database of this test's (`url`)."""
    if not _server.running():
        _server.start()
    name = f"t_{uuid.uuid4().hex[:12]}"
    _server.create_database(name)
    yield Database(_server, name)
    if not _server.running():
        _server.start()
    _server.drop_database(name)
