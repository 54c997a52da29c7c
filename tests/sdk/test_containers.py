"""Containers through the SDK: run, logs, wait, exec, inspect, list filters, errors."""
import docker
import pytest

IMAGE = "berth/default"


def test_ping_version_info(client):
    assert client.ping() is True
    v = client.version()
    assert v["ApiVersion"] == "1.41"
    assert v["Os"] == "linux"
    info = client.info()
    assert isinstance(info["Containers"], int)
    assert info["OSType"] == "linux"


def test_run_returns_output_and_removes(client):
    out = client.containers.run(IMAGE, ["sh", "-c", "echo hi; echo err >&2"], name="sdk-r1",
                                remove=True)
    assert out == b"hi\n"
    with pytest.raises(docker.errors.NotFound):
        client.containers.get("sdk-r1")


def test_exit_status_is_an_error_with_stderr(client):
    with pytest.raises(docker.errors.ContainerError) as e:
        client.containers.run(IMAGE, ["sh", "-c", "echo bad >&2; exit 3"], name="sdk-r2",
                              stderr=True)
    assert e.value.exit_status == 3
    assert b"bad" in e.value.stderr


def test_detached_logs_wait_and_streams_apart(client):
    c = client.containers.run(IMAGE, ["sh", "-c", "echo out; echo err >&2; exit 7"],
                              name="sdk-d1", detach=True)
    assert c.wait(timeout=30)["StatusCode"] == 7
    assert c.logs(stdout=True, stderr=False) == b"out\n"
    assert c.logs(stdout=False, stderr=True) == b"err\n"
    c.reload()
    assert c.status == "exited"
    assert c.attrs["State"]["ExitCode"] == 7


def test_config_reaches_the_container_and_inspect(client):
    c = client.containers.run(IMAGE, ["sh", "-c", "echo $GREETING; pwd; id -u; hostname"],
                              name="sdk-c1", environment={"GREETING": "hello"},
                              working_dir="/tmp", user="1000", hostname="box",
                              labels={"team": "sdk"}, detach=True)
    c.wait(timeout=30)
    assert c.logs() == b"hello\n/tmp\n1000\nbox\n"
    cfg = c.attrs["Config"]
    assert "GREETING=hello" in cfg["Env"]
    assert cfg["Labels"]["team"] == "sdk"
    assert cfg["WorkingDir"] == "/tmp"
    assert c.attrs["Name"] == "/sdk-c1"
    assert c.image.id == client.images.get(IMAGE).id


def test_list_with_filters(client):
    a = client.containers.run(IMAGE, ["sleep", "30"], name="sdk-l1", labels={"k": "a"},
                              detach=True)
    b = client.containers.create(IMAGE, ["true"], name="sdk-l2", labels={"k": "b"})
    running = [c.name for c in client.containers.list()]
    assert "sdk-l1" in running and "sdk-l2" not in running
    every = [c.name for c in client.containers.list(all=True, filters={"label": "k"})]
    assert sorted(n for n in every if n.startswith("sdk-l")) == ["sdk-l1", "sdk-l2"]
    assert [c.id for c in client.containers.list(all=True, filters={"label": "k=b"})] == [b.id]
    assert [c.id for c in client.containers.list(filters={"name": "sdk-l1"})] == [a.id]
    assert [c.id for c in client.containers.list(all=True, filters={"status": "created",
                                                                   "name": "sdk-l"})] == [b.id]


def test_stop_kill_restart_remove(client):
    c = client.containers.run(IMAGE, ["sleep", "60"], name="sdk-s1", detach=True)
    c.reload()
    assert c.status == "running"
    pid = c.attrs["State"]["Pid"]
    c.restart(timeout=1)
    c.reload()
    assert c.status == "running" and c.attrs["State"]["Pid"] != pid
    c.kill()
    assert c.wait(timeout=30)["StatusCode"] == 137
    c.start()
    c.stop(timeout=1)
    c.reload()
    assert c.status == "exited"
    c.remove()
    with pytest.raises(docker.errors.NotFound):
        c.reload()


def test_exec_run(client):
    c = client.containers.run(IMAGE, ["sleep", "60"], name="sdk-e1", detach=True)
    code, (out, err) = c.exec_run(["sh", "-c", "echo out; echo err >&2; exit 4"], demux=True)
    assert (code, out, err) == (4, b"out\n", b"err\n")
    code, out = c.exec_run(["sh", "-c", "echo $X $(pwd) $(id -u)"], environment={"X": "y"},
                           workdir="/etc", user="1000")
    assert (code, out) == (0, b"y /etc 1000\n")
    # the exec's record through the low-level API
    api = client.api
    e = api.exec_create(c.id, ["true"])
    api.exec_start(e["Id"])
    assert api.exec_inspect(e["Id"])["ExitCode"] == 0


def test_errors_are_dockers(client):
    with pytest.raises(docker.errors.NotFound) as e:
        client.containers.get("sdk-nosuch")
    assert "No such container: sdk-nosuch" in str(e.value)
    with pytest.raises(docker.errors.ImageNotFound):
        client.containers.create("sdk-no-such-image:1", ["true"])
    c = client.containers.run(IMAGE, ["sleep", "60"], name="sdk-x1", detach=True)
    with pytest.raises(docker.errors.APIError) as e:
        c.remove()
    assert e.value.status_code == 409
    with pytest.raises(docker.errors.APIError) as e:
        client.containers.create(IMAGE, ["true"], name="sdk-x1")
    assert e.value.status_code == 409
    with pytest.raises(docker.errors.APIError) as e:
        client.containers.create(IMAGE, ["true"], name="sdk bad name")
    assert e.value.status_code == 400


def test_entrypoint_of_several_words_and_strings(client):
    c = client.containers.create(IMAGE, entrypoint=["sh", "-c"], command=["echo $0 $1", "a", "b"],
                                 name="sdk-ep1")
    assert c.attrs["Config"]["Entrypoint"] == ["sh", "-c"]
    assert c.attrs["Config"]["Cmd"] == ["echo $0 $1", "a", "b"]
    assert (c.attrs["Path"], c.attrs["Args"]) == ("sh", ["-c", "echo $0 $1", "a", "b"])
    c.start()
    assert c.wait(timeout=30)["StatusCode"] == 0
    assert c.logs() == b"a b\n"
    # a string is a list of one word (Docker's strslice); an entrypoint drops the image's Cmd
    res = client.api.create_container(IMAGE, entrypoint="true", name="sdk-ep2")
    d = client.api.inspect_container(res["Id"])
    assert d["Config"]["Entrypoint"] == ["true"] and d["Config"]["Cmd"] is None
