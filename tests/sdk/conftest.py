"""The SDK suite's fixtures: a docker.DockerClient (Debian's python3-docker) on the socket
tests/integration/api_sdk.bats started `berth system service` on (DOCKER_HOST), and the
cleanup every test gets: what it made (containers, volumes, networks, images by name prefix)
is removed after it, so no test sees another's leftovers."""
import os
import time

import docker
import pytest

PREFIX = "sdk-"


@pytest.fixture(scope="session")
def client():
    if "DOCKER_HOST" not in os.environ:
        pytest.skip("DOCKER_HOST is not set: run through tests/integration/api_sdk.bats")
    c = docker.DockerClient(base_url=os.environ["DOCKER_HOST"], version="1.41", timeout=60)
    yield c
    c.close()


def _sweep(c):
    for ct in c.containers.list(all=True):
        if ct.name.startswith(PREFIX):
            ct.remove(force=True, v=True)
    for v in c.volumes.list():
        if v.name.startswith(PREFIX):
            v.remove(force=True)
    for n in c.networks.list():
        if n.name.startswith(PREFIX):
            n.remove()
    for im in c.images.list():
        for tag in im.tags:
            if tag.startswith(PREFIX):
                c.images.remove(tag)


@pytest.fixture(autouse=True)
def clean(client):
    yield
    _sweep(client)


@pytest.fixture
def since():
    """A moment before the test's first act (for events)."""
    return time.time() - 0.01
