"""The studio's HTTP API against a real server: it trusts no Host, Origin, size, pixel count or name."""

import io
import json
import struct
import subprocess
import sys
import zlib

from PIL import Image

from tests.studio.server import Studio


def png(width=40, height=30, color=(200, 80, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, "PNG")
    return buffer.getvalue()


def bomb_png(width=100_000, height=100_000) -> bytes:
    """A valid PNG header claiming 10 gigapixels, with a few bytes of data: decoding it would need 30 GB."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def test_the_server_never_imports_torch():
    code = (
        "import sys; from pathlib import Path; import tempfile\n"
        "from brushwork.studio.app import StudioConfig, create_app\n"
        "create_app(StudioConfig(Path(tempfile.mkdtemp())))\n"
        "import brushwork.cli.studio\n"
        "print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_foreign_host_is_refused(studio):
    status, _, body = studio.request("GET", "/api/jobs", headers={"Host": "attacker.example:80"})
    assert status == 403 and b"Host header refused" in body
    status, _, _ = studio.request("GET", "/", headers={"Host": f"127.0.0.1:{studio.port + 1}"})
    assert status == 403
    for host in (f"127.0.0.1:{studio.port}", f"localhost:{studio.port}"):
        assert studio.request("GET", "/api/jobs", headers={"Host": host})[0] == 200


def test_a_change_from_another_site_is_refused(studio):
    paused = json.dumps({"paused": True}).encode()
    for origin in ("http://attacker.example", f"http://127.0.0.1:{studio.port + 1}", "null"):
        status, _, body = studio.request("POST", "/api/queue", paused, {"Origin": origin})
        assert status == 403 and b"Origin refused" in body, origin
    status, _, body = studio.request("POST", "/api/queue", paused, {"Sec-Fetch-Site": "cross-site"})
    assert status == 403
    assert studio.json("GET", "/api/jobs")[1]["paused"] is False  # nothing changed
    own = f"http://127.0.0.1:{studio.port}"
    assert studio.request("POST", "/api/queue", paused, {"Origin": own})[0] == 200
    assert studio.json("GET", "/api/jobs")[1]["paused"] is True


def test_uploads_are_checked_and_named_by_the_server(studio):
    status, row = studio.upload(png(), name="../../etc/passwd%00.png")
    assert status == 201
    assert row["width"] == 40 and row["height"] == 30 and row["format"] == "PNG"
    assert row["name"] == "passwd.png"  # shown only; the stored file is named by its id
    stored = list((studio.data_dir / "uploads").glob(f"{row['id']}*"))
    assert sorted(p.name for p in stored) == [f"{row['id']}.png", f"{row['id']}.thumb.jpg"]
    status, _, body = studio.request("GET", f"/api/images/{row['id']}")
    assert status == 200 and body == png()


def test_a_non_image_a_truncated_one_and_a_bomb_are_refused_in_one_line(studio):
    cases = {
        b"<html>not an image</html>": (400, "not an image brushwork reads: upload a PNG, JPEG, WebP or TIFF file"),
        png(400, 300)[:300]: (400, "the image file is damaged or cut short; it could not be read to the end"),
        bomb_png(): (413, "the image has over 178 megapixels; the limit is 40 megapixels"),
        bomb_png(8000, 8000): (413, "the image is 8000x8000 pixels; the limit is 40 megapixels"),
        b"": (400, "the file is empty"),
    }
    gif = io.BytesIO()
    Image.new("RGB", (8, 8)).save(gif, "GIF")  # a real image, but not a decoder the studio runs
    cases[gif.getvalue()] = (400, "not an image brushwork reads: upload a PNG, JPEG, WebP or TIFF file")
    for data, (expected_status, message) in cases.items():
        status, answer = studio.upload(data)
        assert (status, answer["error"]) == (expected_status, message)
        assert answer["errors"] == {"upload": message}
    demo = {row["id"] for row in studio.demo().values()}
    assert {p.name.split(".")[0] for p in (studio.data_dir / "uploads").iterdir()} == demo  # nothing else stored


def test_an_oversize_upload_is_refused_before_it_is_read(tmp_path):
    server = Studio(tmp_path / "studio").start()
    try:
        big = b"\x89PNG" + b"\x00" * (50 * 2**20 + 1)
        status, answer = server.upload(big)
        assert status == 413 and answer["error"] == "the file is larger than 50 MB"
    finally:
        server.stop()


def test_ids_and_paths_from_the_client_reach_no_file(studio):
    for path in (
        "/api/images/..%2F..%2Fstudio.sqlite3",
        "/api/images/../studio.sqlite3",
        "/api/images/%2e%2e/studio.sqlite3/thumb.jpg",
        "/api/jobs/..%2F1/result.png",
        "/static/..%2Fapp.py",
        "/static/../../studio.sqlite3",
    ):
        status, _, body = studio.request("GET", path)
        assert status in (404, 422) and b"SQLite" not in body and b"import" not in body, path


def test_a_bad_setting_is_refused_in_the_engines_words_naming_the_field(studio):
    demo = studio.demo()
    form = {
        "technique": "transfer",
        "settings": {"size": 10},
        "inputs": {"content": demo["photo"]["id"], "styles": [demo["painting"]["id"]]},
    }
    status, answer = studio.json("POST", "/api/jobs", form)
    assert status == 422
    assert answer["errors"] == {"settings.size": "size must be between 32 and 4096 pixels, not 10"}
    form["settings"] = {"style_weight": "lots"}
    assert studio.json("POST", "/api/jobs", form)[1]["errors"] == {
        "settings.style_weight": "style_weight must be a number, not 'lots'"
    }
    form["settings"], form["inputs"] = {}, {"content": demo["photo"]["id"]}
    assert studio.json("POST", "/api/jobs", form)[1]["errors"] == {"inputs.styles": "add one or more paintings"}
    form["inputs"] = {"content": "0" * 32, "styles": [demo["painting"]["id"]]}
    assert studio.json("POST", "/api/jobs", form)[1]["errors"] == {
        "inputs.content": "that image is not in the studio any more; upload it again"
    }
    assert studio.request("POST", "/api/jobs", b"{not json")[0] == 400
    assert studio.json("GET", "/api/jobs")[1]["jobs"] == []


def test_the_queue_survives_a_crash_of_the_server_in_its_order(tmp_path):
    server = Studio(tmp_path / "studio").start()
    server.json("POST", "/api/queue", {"paused": True})
    jobs = [server.add_transfer({"size": 64, "seed": seed})["id"] for seed in range(3)]
    assert server.json("POST", f"/api/jobs/{jobs[2]}/move", {"direction": -1})[0] == 200
    server.kill()
    again = Studio(tmp_path / "studio").start()
    try:
        snapshot = again.json("GET", "/api/jobs")[1]
        assert snapshot["paused"] is True
        queued = [(j["id"], j["settings"]["seed"]) for j in snapshot["jobs"] if j["status"] == "queued"]
        assert queued == [(jobs[0], 0), (jobs[2], 2), (jobs[1], 1)]
        assert again.json("DELETE", f"/api/jobs/{jobs[1]}")[0] == 200
        assert [j["id"] for j in again.json("GET", "/api/jobs")[1]["jobs"]] == [jobs[0], jobs[2]]
    finally:
        again.stop()


def test_a_token_guards_it_and_is_traded_for_a_cookie(tmp_path):
    server = Studio(tmp_path / "studio", "--token", "s3cret").start()
    try:
        assert server.url.endswith("/?token=s3cret")
        status, _, body = server.request("GET", "/api/jobs")
        assert status == 401 and b"token" in body
        assert server.request("GET", "/api/jobs", headers={"Cookie": "brushwork_studio_token=wrong"})[0] == 401
        status, headers, _ = server.request("GET", "/?token=s3cret")
        assert status == 303 and headers["location"] == "/"
        assert "HttpOnly" in headers["set-cookie"] and "SameSite=Strict" in headers["set-cookie"]
        cookie = headers["set-cookie"].split(";")[0]
        assert server.request("GET", "/api/jobs", headers={"Cookie": cookie})[0] == 200
        assert server.request("GET", "/api/jobs", headers={"Authorization": "Bearer s3cret"})[0] == 200
    finally:
        server.stop()


def test_ctrl_c_stops_the_server_cleanly_with_a_page_open(studio):
    import http.client

    events = http.client.HTTPConnection("127.0.0.1", studio.port, timeout=10)
    events.request("GET", "/api/events")
    response = events.getresponse()
    assert response.status == 200
    assert response.readline().startswith(b"event: snapshot")
    stderr = studio.stop()  # fails if the open event stream held the shutdown
    # Like every brushwork command stopped by Ctrl-C: one line, exit code 128 + SIGINT.
    assert (studio.process.returncode, stderr) == (130, "brushwork: interrupted\n")


def test_a_second_studio_on_the_same_folder_is_refused(studio):
    second = subprocess.run(
        [sys.executable, "-m", "brushwork", "studio", "--port", "0", "--data-dir", str(studio.data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (second.returncode, second.stderr) == (
        2,
        f"brushwork: error: {studio.data_dir}: another brushwork studio is using this folder; stop it first\n",
    )


HOSTILE_BODIES = [
    (b"[" * 10_000 + b"]" * 10_000, 400, "the request: JSON nested 10,000 levels deep; at most 32 are read"),
    (b'{"direction": ' + b"9" * 5000 + b"}", 400, "the request: a JSON integer of 5,000 digits; at most 40 are read"),
    (b"{oops", 400, "the request: not valid JSON (Expecting property name enclosed in double quotes)"),
    (b'{"a": "\xff"}', 400, "the request: not UTF-8 text"),
    (b'{"pad": "' + b"x" * 70_000 + b'"}', 413, "the request is larger than 64 KB"),
]


def test_every_route_that_reads_a_body_answers_a_hostile_one_with_a_4xx_and_a_message(studio):
    job = studio.add_transfer({"size": 64})
    for path in ("/api/jobs", f"/api/jobs/{job['id']}/move", "/api/queue"):
        for body, status, message in HOSTILE_BODIES:
            answer, reply = studio.json("POST", path, body)
            assert (answer, reply["error"]) == (status, message), (path, body[:20])
        # Wrong types: a list, a string, null where an object is expected.
        for body in (b"[1, 2]", b'"text"', b"null"):
            answer, reply = studio.json("POST", path, body)
            assert 400 <= answer < 500 and reply["error"], (path, body)
    assert studio.json("POST", "/api/jobs", {"technique": "transfer", "preset": ["default"]})[0] == 422
    assert studio.json("POST", f"/api/jobs/{job['id']}/move", {"direction": True})[0] == 400
    assert studio.process.poll() is None and studio.json("GET", "/api/jobs")[0] == 200


def test_a_body_larger_than_it_says_is_cut_off_at_the_cap(studio):
    status, _, body = studio.request("POST", "/api/queue", b" " * 100_000, {"Content-Length": "100000"})
    assert status == 413 and json.loads(body)["error"] == "the request is larger than 64 KB"


def test_an_upload_is_read_as_the_engine_reads_it_turned_by_exif_and_in_srgb(studio, tmp_path):
    from tests.image.icc import wide_gamut_profile

    turned = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # shown a quarter turn clockwise: the 60x20 pixels as stored appear 20x60
    Image.new("RGB", (60, 20), (200, 80, 40)).save(turned, "JPEG", exif=exif)
    status, row = studio.upload(turned.getvalue(), "phone.jpg")
    assert status == 201 and (row["width"], row["height"]) == (20, 60)
    with Image.open(studio.data_dir / "uploads" / f"{row['id']}.thumb.jpg") as thumb:
        assert thumb.size == (20, 60)
    # A wide-gamut green: its thumbnail holds the sRGB numbers, not the stored ones.
    from PIL import ImageCms

    profile = wide_gamut_profile()
    to_wide = ImageCms.buildTransform(
        ImageCms.createProfile("sRGB"), ImageCms.ImageCmsProfile(io.BytesIO(profile)), "RGB", "RGB"
    )
    wide = ImageCms.applyTransform(Image.new("RGB", (16, 16), (40, 200, 60)), to_wide)
    buffer = io.BytesIO()
    wide.save(buffer, "PNG", icc_profile=profile)
    status, row = studio.upload(buffer.getvalue(), "wide.png")
    assert status == 201
    with Image.open(studio.data_dir / "uploads" / f"{row['id']}.thumb.jpg") as thumb:
        shown = thumb.convert("RGB").getpixel((8, 8))
    assert max(abs(a - b) for a, b in zip(shown, (40, 200, 60), strict=True)) <= 4
    assert max(abs(a - b) for a, b in zip(wide.getpixel((8, 8)), (40, 200, 60), strict=True)) > 20


def test_downloads_and_curves_take_only_what_they_know(studio):
    status, body = studio.json("GET", "/api/jobs/1/download?format=gif")
    assert (status, body["error"]) == (400, "format must be one of png, jpeg, webp")
    status, body = studio.json("GET", "/api/jobs/999/download?format=jpeg")
    assert (status, body["error"]) == (404, "no result")
    status, body = studio.json("GET", "/api/jobs/999/curve")
    assert (status, body["error"]) == (404, "no such job")
    status, body = studio.json("GET", "/api/jobs/..%2F..%2Fetc/curve")
    assert status in (404, 422)
