"""Volumes, networks, images and events through the SDK."""
import time

import docker
import pytest

IMAGE = "berth/default"


def test_volume_keeps_data_across_containers(client):
    v = client.volumes.create("sdk-v1", labels={"team": "sdk"})
    assert client.volumes.get("sdk-v1").attrs["Labels"] == {"team": "sdk"}
    client.containers.run(IMAGE, ["sh", "-c", "echo kept > /data/f"], name="sdk-vw",
                          volumes={"sdk-v1": {"bind": "/data", "mode": "rw"}}, remove=True)
    out = client.containers.run(IMAGE, ["cat", "/data/f"], name="sdk-vr", remove=True,
                                volumes=["sdk-v1:/data:ro"])
    assert out == b"kept\n"
    c = client.containers.create(IMAGE, ["true"], name="sdk-vm", volumes=["sdk-v1:/data:ro"])
    (m,) = c.attrs["Mounts"]  # inspect's MountPoints, as compose reads them on a recreate
    assert (m["Type"], m["Name"], m["Destination"], m["RW"], m["Driver"]) == \
        ("volume", "sdk-v1", "/data", False, "local")
    c.remove()
    assert "sdk-v1" in [x.name for x in client.volumes.list(filters={"label": "team=sdk"})]
    v.remove()
    with pytest.raises(docker.errors.NotFound):
        client.volumes.get("sdk-v1")


def test_network_peers_by_name_connect_disconnect(client):
    n = client.networks.create("sdk-n1", driver="bridge", labels={"team": "sdk"})
    assert n.attrs["Driver"] == "bridge"
    a = client.containers.run(IMAGE, ["sleep", "60"], name="sdk-na", network="sdk-n1",
                              detach=True)
    out = client.containers.run(IMAGE, ["ping", "-c", "1", "-W", "5", "sdk-na"],
                                name="sdk-nb", network="sdk-n1", remove=True)
    a.reload()
    addr = a.attrs["NetworkSettings"]["Networks"]["sdk-n1"]["IPAddress"]
    assert addr and f"sdk-na ({addr})" in out.decode()  # by its name, and it answers
    other = client.networks.create("sdk-n2")
    other.connect(a)
    a.reload()
    assert "sdk-n2" in a.attrs["NetworkSettings"]["Networks"]
    other.disconnect(a)
    a.reload()
    assert "sdk-n2" not in a.attrs["NetworkSettings"]["Networks"]
    with pytest.raises(docker.errors.APIError) as e:
        n.remove()  # a container is on it
    assert e.value.status_code in (403, 409)
    a.remove(force=True)
    n.remove()
    other.remove()
    assert not client.networks.list(names=["sdk-n1"])


def test_images_list_inspect_tag_remove(client):
    im = client.images.get(IMAGE)
    assert im.id.startswith("sha256:")
    assert any(t.startswith(IMAGE) for t in im.tags)
    assert im.tag("sdk-img", "1") is True
    tagged = client.images.get("sdk-img:1")
    assert tagged.id == im.id
    assert "sdk-img:1" in [t for i in client.images.list(name="sdk-img") for t in i.tags]
    client.images.remove("sdk-img:1")
    with pytest.raises(docker.errors.ImageNotFound):
        client.images.get("sdk-img:1")
    assert client.images.get(IMAGE).id == im.id  # only the name went


def test_commit_makes_an_image_that_runs(client):
    c = client.containers.run(IMAGE, ["sh", "-c", "echo made > /made"], name="sdk-cm",
                              detach=True)
    c.wait(timeout=30)
    im = c.commit(repository="sdk-committed", tag="1", changes=["CMD [\"cat\", \"/made\"]"])
    assert client.containers.run(im.id, name="sdk-cm2", remove=True) == b"made\n"
    assert "sdk-committed:1" in im.tags
    # the body's config: what dockerd merges into the image's
    res = client.api.commit(c.id, repository="sdk-committed", tag="2",
                            conf={"Env": ["A=b c"], "Labels": {"x": "y"}, "WorkingDir": "/tmp",
                                  "Cmd": ["sh", "-c", "echo $A; pwd"]})
    im2 = client.images.get(res["Id"])
    assert im2.labels == {"x": "y"}
    assert client.containers.run(im2.id, name="sdk-cm3", remove=True) == b"b c\n/tmp\n"
    with pytest.raises(docker.errors.NotFound):
        client.api.commit("sdk-nosuch")


def test_events_of_a_run(client, since):
    client.containers.run(IMAGE, ["true"], name="sdk-ev", remove=True)
    until = time.time() + 0.5
    seen = [(e["Type"], e["Action"]) for e in client.events(
        since=since, until=until, decode=True, filters={"container": "sdk-ev"})]
    assert seen == [("container", "create"), ("container", "start"), ("container", "die"),
                    ("container", "destroy")]
    # the low-level stream's documents as dockerd's
    for e in client.events(since=since, until=until, decode=True,
                           filters={"container": "sdk-ev", "event": "die"}):
        assert e["status"] == "die" and e["from"] == IMAGE
        assert e["Actor"]["Attributes"]["exitCode"] == "0"
        assert e["Actor"]["Attributes"]["name"] == "sdk-ev"
        assert isinstance(e["timeNano"], int)


def test_system_df(client):
    df = client.df()
    assert any(IMAGE in (i.get("RepoTags") or []) for i in df["Images"]) or \
        any(any(t.startswith(IMAGE) for t in (i.get("RepoTags") or [])) for i in df["Images"])
    assert isinstance(df["LayersSize"], int)
