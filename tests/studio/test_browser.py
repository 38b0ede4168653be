"""The studio in a real browser (Debian's headless Chromium driven by Playwright) against a real server.

Set BRUSHWORK_SCREENSHOTS=docs to refresh the README's screenshots from these runs.
"""

import io
import os
import re
import time
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect, sync_playwright
from safetensors import safe_open

from brushwork.encoders.precision import resolve_precision
from brushwork.provenance import read_record
from tests.studio.server import QUICK, WATCHABLE, Studio

pytestmark = pytest.mark.integration

BROWSERS = ("/usr/bin/chromium-headless-shell", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


@pytest.fixture(scope="module")
def browser():
    executable = next((b for b in BROWSERS if os.access(b, os.X_OK)), None)
    if executable is None:  # a missing browser is a failure, never a skip
        pytest.fail("no headless Chromium: bash scripts/install --test installs Debian's chromium-headless-shell")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1360, "height": 1000})
    opened = context.new_page()
    errors = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert errors == [], errors


def screenshot(page: Page, name: str, tmp_path: Path) -> None:
    path = tmp_path / name
    page.screenshot(path=path)
    if os.environ.get("BRUSHWORK_SCREENSHOTS"):
        target = Path(os.environ["BRUSHWORK_SCREENSHOTS"]) / name
        # Committed small: a palette PNG at most 1000 px wide.
        image = Image.open(path).convert("RGB")
        image.thumbnail((1000, 1000))
        image.quantize(128).save(target, optimize=True)


def photo_file(tmp_path: Path) -> Path:
    path = tmp_path / "my photo.png"
    source = Image.open(io.BytesIO((Path(__file__).parents[2] / "brushwork/assets/chelsea.png").read_bytes()))
    source.convert("RGB").save(path)
    return path


def progress_of(studio: Studio, job_id: int) -> dict:
    return studio.job(job_id)["progress"] or {}


def test_upload_paint_watch_it_change_and_find_it_in_the_gallery_with_its_settings(studio, page, tmp_path):
    page.goto(studio.url)
    page.set_input_files('.role[data-role="content"] input[type=file]', photo_file(tmp_path))
    expect(page.locator('.role[data-role="content"] .thumb img')).to_have_count(1)
    page.click("text=use starry_night.jpg")
    page.fill("#knobs [name=size]", str(WATCHABLE["size"]))
    page.click("#more-settings summary")
    page.fill("#more [name=iterations]", ", ".join(map(str, WATCHABLE["iterations"])))
    page.click("#paint")

    frame = page.locator("#frame")
    page.wait_for_function("document.querySelector('#frame').src.includes('frame.jpg?n=')", timeout=60_000)
    first = frame.get_attribute("src")
    page.wait_for_function(
        f"document.querySelector('#frame').src.includes('frame.jpg') && document.querySelector('#frame').src !== {first!r}",
        timeout=30_000,
    )
    expect(page.locator("#live-status")).to_contain_text("iteration")
    expect(page.locator("#live-status")).to_contain_text("left")
    # The frames are different pictures, not the same one fetched twice.
    job_id = int(page.locator("#queue-list li").first.get_attribute("data-job"))
    before = studio.request("GET", f"/api/jobs/{job_id}/frame.jpg")[2]
    time.sleep(1.5)
    after = studio.request("GET", f"/api/jobs/{job_id}/frame.jpg")[2]
    assert before != after
    expect(page.locator("#live-status")).to_contain_text("level 2/2", timeout=60_000)
    page.wait_for_timeout(2_000)
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "studio-painting.png", tmp_path)

    card = page.locator(f'.card[data-job="{job_id}"] img')
    expect(card).to_be_visible(timeout=120_000)
    card.click()
    settings = page.locator("#detail-settings")
    expect(settings.locator("tr", has_text="iterations")).to_contain_text("40, 160")
    expect(settings.locator("tr.changed")).to_have_count(2)  # size and iterations, as given
    expect(page.locator("#detail-title")).to_contain_text("my photo.png + starry_night.jpg")
    # What "auto" became on this machine, in the view and in the picture's record.
    expect(page.locator("#detail-status")).to_contain_text(f"painted in {resolve_precision('auto')} on cpu")
    screenshot(page, "studio-gallery.png", tmp_path)
    result = studio.data_dir / "results" / f"{job_id}.png"
    assert read_record(result)["settings"]["size"] == WATCHABLE["size"]
    assert read_record(result)["run"] == {"device": "cpu", "precision": resolve_precision("auto"), "start": "draft"}
    assert read_record(result)["inputs"] == {"content": "my photo.png", "styles": ["starry_night.jpg"]}  # not ids

    page.click("#detail-reuse")  # the form takes the job's settings back
    expect(page.locator("#knobs [name=size]")).to_have_value(str(WATCHABLE["size"]))
    expect(page.locator("#more [name=iterations]")).to_have_value("40, 160")


def test_draft_only_paints_the_one_pass_picture_at_the_forms_size(studio, page, tmp_path):
    page.goto(studio.url)
    page.set_input_files('.role[data-role="content"] input[type=file]', photo_file(tmp_path))
    expect(page.locator('.role[data-role="content"] .thumb img')).to_have_count(1)
    page.click("text=use starry_night.jpg")
    page.fill("#knobs [name=size]", "160")
    page.click("#draft-only")
    card = page.locator(".card img")
    expect(card).to_have_count(1, timeout=60_000)
    [job] = studio.json("GET", "/api/jobs")[1]["jobs"]
    assert job["technique"] == "fast" and job["status"] == "finished", job
    assert job["settings"]["size"] == 160
    expect(page.locator(".card .caption").first).to_contain_text("Quick draft: my photo.png + starry_night.jpg")
    record = read_record(studio.data_dir / "results" / f"{job['id']}.png")
    assert record["technique"] == "fast"
    with Image.open(studio.data_dir / "results" / f"{job['id']}.png") as picture:
        assert max(picture.size) == 160
    page.click("#kinds label:has-text('Texture')")
    expect(page.locator("#draft-only")).to_be_hidden()


def choose_demo_pictures(page: Page) -> None:
    page.click("text=use chelsea.png")
    page.click("text=use starry_night.jpg")
    expect(page.locator(".role .thumb img")).to_have_count(2)


def test_a_double_click_on_paint_queues_one_job(studio, page):
    page.goto(studio.url)
    choose_demo_pictures(page)
    page.fill("#knobs [name=size]", "64")
    page.dblclick("#paint")
    expect(page.locator("#queue-list li")).to_have_count(1, timeout=10_000)
    page.wait_for_timeout(1_500)
    assert len(studio.json("GET", "/api/jobs")[1]["jobs"]) == 1


def test_the_tab_that_pressed_paint_shows_its_job_painting_even_when_the_reply_comes_late(studio, page):
    def late_reply(route):
        answer = route.fetch()
        time.sleep(3)  # the job starts, and its live event arrives, before this reply
        route.fulfill(response=answer)

    page.goto(studio.url)
    choose_demo_pictures(page)
    page.fill("#knobs [name=size]", str(WATCHABLE["size"]))
    page.click("#more-settings summary")
    page.fill("#more [name=iterations]", ", ".join(map(str, WATCHABLE["iterations"])))
    page.route("**/api/jobs", lambda route: late_reply(route) if route.request.method == "POST" else route.continue_())
    page.click("#paint")
    item = page.locator("#queue-list li").first
    expect(item).to_contain_text("painting", timeout=30_000)
    page.wait_for_timeout(4_000)  # the late reply has come
    expect(item).to_contain_text("painting")
    expect(item.locator("button")).to_have_count(0)  # no ↑ ↓ ✕ on a running job
    studio.json("POST", f"/api/jobs/{item.get_attribute('data-job')}/stop")


def test_a_preset_change_keeps_what_was_typed_and_says_so(studio, page):
    page.goto(studio.url)
    page.fill("#knobs [name=size]", "300")
    page.select_option("#preset", "quality")
    expect(page.locator("#knobs [name=size]")).to_have_value("300")
    expect(page.locator("#more [name=iterations]")).to_have_value("150, 30, 60")
    expect(page.locator("#preset-note")).to_have_text(
        "Kept what you typed: size (long edge, px). The rest is the quality preset's."
    )
    page.select_option("#preset", "default")  # untyped values follow the preset back
    expect(page.locator("#more [name=iterations]")).to_have_value("")
    expect(page.locator("#knobs [name=size]")).to_have_value("300")


def test_a_reload_keeps_the_form(studio, page):
    page.goto(studio.url)
    choose_demo_pictures(page)
    page.fill("#knobs [name=size]", "333")
    page.select_option("#preset", "quality")
    page.reload()
    expect(page.locator("#knobs [name=size]")).to_have_value("333")
    expect(page.locator("#preset")).to_have_value("quality")
    expect(page.locator(".role .thumb img")).to_have_count(2)
    page.click("#kinds label:has-text('Texture')")
    page.reload()
    expect(page.locator('input[name=technique][value="texture"]')).to_be_checked()


def test_on_a_phone_the_page_is_one_column_as_wide_as_the_screen(studio, browser):
    job = studio.add_transfer(QUICK)
    studio.wait_for(job["id"], lambda j: j["status"] == "finished")
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    try:
        phone = context.new_page()
        phone.goto(studio.url)
        expect(phone.locator(".card img")).to_have_count(1)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        for section in ("#compose", "#live", "#queue", "#gallery"):
            box = phone.locator(section).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["width"] >= 340, (section, box)
        phone.locator(".card img").click()
        for action in ("#detail-download", "#detail-reuse", "#detail-delete", "#detail-close"):
            box = phone.locator(action).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (action, box)
    finally:
        context.close()


def test_dark_mode_follows_the_system(studio, browser):
    context = browser.new_context(color_scheme="dark")
    try:
        dark = context.new_page()
        dark.goto(studio.url)
        assert dark.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(21, 25, 30)"
        assert dark.evaluate("getComputedStyle(document.querySelector('#compose')).color") == "rgb(232, 230, 227)"
    finally:
        context.close()


def test_ctrl_enter_paints_and_the_tab_title_shows_the_progress(studio, page):
    page.goto(studio.url)
    choose_demo_pictures(page)
    page.fill("#knobs [name=size]", str(WATCHABLE["size"]))
    page.click("#more-settings summary")
    page.fill("#more [name=iterations]", ", ".join(map(str, WATCHABLE["iterations"])))
    page.keyboard.press("Control+Enter")
    expect(page.locator("#queue-list li")).to_have_count(1, timeout=10_000)
    expect(page).to_have_title(re.compile(r"^\d+% of level \d/2 · brushwork studio$"), timeout=60_000)
    [job] = studio.json("GET", "/api/jobs")[1]["jobs"]
    studio.json("POST", f"/api/jobs/{job['id']}/stop")
    expect(page).to_have_title("brushwork studio", timeout=30_000)


def test_the_random_seed_button_draws_a_new_seed(studio, page):
    page.goto(studio.url)
    seed = page.locator("#knobs [name=seed]")
    expect(seed).to_have_value("0")
    page.click("#knobs .seed-row button")
    drawn = seed.input_value()
    assert drawn != "0" and 0 <= int(drawn) < 2**31


def test_the_keyboard_alone_switches_the_technique_and_opens_a_gallery_picture(studio, page):
    job = studio.add_transfer(QUICK)
    studio.wait_for(job["id"], lambda j: j["status"] == "finished")
    page.goto(studio.url)
    expect(page.get_by_label("choose files for Photo")).to_have_count(1)
    page.locator('input[name=technique][value="transfer"]').focus()
    page.keyboard.press("ArrowRight")  # a radio group: the arrows choose
    expect(page.locator('input[name=technique][value="fast"]')).to_be_checked()
    expect(page.locator("#draft-only")).to_be_hidden()
    card = page.locator(".card").first
    card.focus()
    expect(card).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#detail")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#detail")).to_be_hidden()
    card.focus()
    page.keyboard.press(" ")
    expect(page.locator("#detail")).to_be_visible()
    # Every action of the dialog is on the Tab path, and works from the keyboard.
    stops = tab_stops(page, 20)
    for wanted in (
        "compare-slider",
        "fit",
        "1",
        "2",
        "detail-download",
        "detail-format",
        "detail-reuse",
        "detail-delete",
    ):
        assert wanted in stops, (wanted, stops)
    page.locator(".zoom [data-zoom='1']").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".zoom [data-zoom='1']")).to_have_attribute("aria-pressed", "true")
    page.locator("#detail-reuse").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#detail")).to_be_hidden()
    expect(page.locator("#paint")).to_be_focused()
    # And every action of the page: from the top, Tab reaches each control.
    page.evaluate("document.activeElement.blur()")
    stops = tab_stops(page, 60)
    for wanted in ("notify", "pause", "save-preset", "paint", "draft-only"):
        assert wanted in stops, (wanted, stops)
    expect(page.locator("#live-status")).to_have_attribute("aria-live", "polite")


def tab_stops(page: Page, presses: int) -> list[str]:
    """What Tab focuses, press by press: an element's id, or its zoom or name where it has no id."""
    stops = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        stops.append(
            page.evaluate(
                "(() => { const e = document.activeElement;"
                " return e.id || (e.dataset && e.dataset.zoom) || e.getAttribute('name') || e.tagName; })()"
            )
        )
    return stops


def test_a_reload_mid_job_catches_up_at_once(studio, page):
    job = studio.add_transfer(WATCHABLE)
    studio.wait_for(job["id"], lambda j: (j["progress"] or {}).get("iteration", 0) > 3)
    for _ in range(2):  # a new tab, then a reload of it
        page.goto(studio.url) if page.url == "about:blank" else page.reload()
        expect(page.locator("#live-status")).to_contain_text("iteration", timeout=3_000)
        expect(page.locator("#frame")).to_be_visible(timeout=3_000)
        assert page.evaluate("document.querySelector('#frame').naturalWidth") > 0
        expect(page.locator("#live-title")).to_contain_text(f"#{job['id']}")


def test_a_server_killed_mid_job_finishes_it_after_a_restart_from_its_last_level(tmp_path, page):
    server = Studio(tmp_path / "studio").start()
    job = server.add_transfer(WATCHABLE)
    server.wait_for(job["id"], lambda j: (j["progress"] or {}).get("level", 0) >= 1)
    server.kill()
    level_file = tmp_path / "studio/levels" / f"{job['id']}.safetensors"
    with safe_open(str(level_file), framework="pt") as kept:
        painted_before = float(kept.metadata()["seconds"])  # the first run's time, to its last finished level
    assert painted_before > 0
    again = Studio(tmp_path / "studio").start()
    try:
        page.goto(again.url)
        resumed = again.wait_for(job["id"], lambda j: j["progress"] and "level" in j["progress"])
        assert resumed["progress"]["level"] >= 1, "it started over instead of going on from its last level"
        expect(page.locator(f'.card[data-job="{job["id"]}"] img')).to_be_visible(timeout=120_000)
        finished = again.job(job["id"])
        assert (finished["status"], finished["attempts"]) == ("finished", 2)
        # Its time counts both runs: what the first painted, and the second from its start to its end.
        second_run = finished["ended"] - finished["started"]
        assert painted_before < finished["seconds"] <= painted_before + second_run
        assert not (tmp_path / "studio/levels" / f"{job['id']}.safetensors").exists()
    finally:
        again.stop()


def test_stop_keeps_what_it_painted(studio, page):
    job = studio.add_transfer(WATCHABLE)
    page.goto(studio.url)
    studio.wait_for(job["id"], lambda j: (j["progress"] or {}).get("level", 0) >= 1)
    page.click("#stop")
    card = page.locator(f'.card[data-job="{job["id"]}"]')
    expect(card).to_contain_text("stopped — partial", timeout=30_000)
    expect(card.locator("img")).to_be_visible()
    result = studio.data_dir / "results" / f"{job['id']}.png"
    assert read_record(result)["status"] == "stopped"
    assert Image.open(result).size == (128, 85)  # the partial picture, at the output size
    assert studio.job(job["id"])["status"] == "stopped"


def test_bad_input_is_shown_next_to_its_field(studio, page, tmp_path):
    page.goto(studio.url)
    broken = tmp_path / "broken.png"
    broken.write_bytes(photo_file(tmp_path).read_bytes()[:400])
    page.set_input_files('.role[data-role="content"] input[type=file]', broken)
    content_error = page.locator('.error[data-for="inputs.content"]')
    expect(content_error).to_have_text(
        "broken.png: the image file is damaged or cut short; it could not be read to the end"
    )
    page.click("text=use chelsea.png")
    page.fill("#knobs [name=size]", "10")
    page.click("#paint")
    expect(page.locator('.error[data-for="settings.size"]')).to_have_text(
        "size must be between 32 and 4096 pixels, not 10"
    )
    expect(page.locator('.error[data-for="inputs.styles"]')).to_have_text("add one or more paintings")
    assert studio.json("GET", "/api/jobs")[1]["jobs"] == []


def test_a_panorama_is_warned_of_with_the_size_it_would_make_and_a_tiny_photo_is_refused(studio, page, tmp_path):
    panorama, dot = tmp_path / "panorama.png", tmp_path / "dot.png"
    Image.new("RGB", (9000, 1000), (90, 140, 200)).save(panorama)
    Image.new("RGB", (1, 1), (200, 40, 40)).save(dot)
    page.goto(studio.url)
    photo_input = '.role[data-role="content"] input[type=file]'
    page.set_input_files(photo_input, panorama)
    page.fill("#knobs [name=size]", "256")
    note = page.locator("#photo-note")
    expect(note).to_contain_text(
        "This 9000×1000 panorama paints as a 256×28 strip. Size 2304 gives it a short side of 256 px."
    )
    assert serious_violations(page) == []  # the warning and its button too
    note.get_by_role("button", name="Use size 2304").click()
    expect(page.locator("#knobs [name=size]")).to_have_value("2304")
    expect(note).to_have_text("Paints at 2304×256 px.")
    page.locator('.role[data-role="content"] .thumb button').click()
    page.set_input_files(photo_input, dot)
    page.fill("#knobs [name=size]", "64")
    expect(note).to_contain_text("The photo is only 1×1 px: it is enlarged 64× and will look soft.")
    page.click("text=use starry_night.jpg")
    page.click("#paint")
    expect(page.locator('.error[data-for="inputs.content"]')).to_have_text(
        "this photo is 1x1 px: too small to paint; use one at least 16 px on each side"
    )
    assert studio.json("GET", "/api/jobs")[1]["jobs"] == []


def test_a_reload_mid_job_draws_the_loss_curve_from_the_start_and_the_eta_counts_down(studio, page):
    job = studio.add_transfer(WATCHABLE)
    deadline = time.monotonic() + 60
    while len(studio.json("GET", f"/api/jobs/{job['id']}/curve")[1]["totals"]) < 12:
        assert time.monotonic() < deadline, "the server kept no loss curve"
        time.sleep(0.1)
    page.goto(studio.url)
    # More points than live messages could have brought since the page opened (four a second).
    page.wait_for_function(f"(state.curves.get({job['id']}) || []).length >= 12", timeout=1_500)
    # Between messages the time left counts down from what the worker last said.
    left = page.evaluate("secondsLeft({eta: 10, receivedAt: performance.now() - 3000})")
    assert 6.9 < left <= 7.0
    assert page.evaluate("secondsLeft({eta: 2, receivedAt: performance.now() - 5000})") == 0
    assert page.evaluate("secondsLeft({eta: null})") is None
    expect(page.locator("#live-status")).to_contain_text(re.compile(r"about \d+ s left"))


# ---------------------------------------------------------------- accessibility (axe-core from npm)

AXE = Path(
    os.environ.get("BRUSHWORK_AXE")
    or Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local/share") / "brushwork/axe-core"
)


def serious_violations(page: Page) -> list[str]:
    """axe-core's critical and serious findings on the page as it is now, one line each."""
    script = AXE / "node_modules/axe-core/axe.min.js"
    if not script.is_file():  # a missing checker is a failure, never a pass
        pytest.fail(f"no axe-core at {script}: bash scripts/install --test installs it from npm")
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(script))
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
            .filter((v) => v.impact === "critical" || v.impact === "serious")
            .map((v) => `${v.impact} ${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)"""
    )
    return list(found)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_serious_on_the_page_the_dialog_and_the_phone_layout(studio, browser, scheme, tmp_path):
    job = studio.add_transfer({"size": 256, "iterations": [10, 20]})  # a picture worth a screenshot
    studio.wait_for(job["id"], lambda j: j["status"] == "finished")
    for viewport in ({"width": 1366, "height": 768}, {"width": 390, "height": 844}):
        context = browser.new_context(viewport=viewport, color_scheme=scheme)
        try:
            page = context.new_page()
            page.goto(studio.url)
            choose_demo_pictures(page)
            page.locator("#more-settings summary").click()  # every field, open
            expect(page.locator(".card img").first).to_be_visible()
            assert serious_violations(page) == [], ("page", viewport)
            size = "phone" if viewport["width"] < 900 else "laptop"
            page.locator("#more-settings summary").click()  # closed again for the picture
            page.wait_for_timeout(500)  # the last result's image loaded
            page.evaluate("window.scrollTo(0, 0)")
            if (size, scheme) != ("laptop", "light"):  # that one is studio-painting.png, mid-paint
                screenshot(page, f"studio-{size}-{scheme}.png", tmp_path)
            page.locator(".card img").first.click()
            expect(page.locator("#detail")).to_be_visible()
            assert serious_violations(page) == [], ("dialog", viewport)
            if (size, scheme) == ("phone", "dark"):
                screenshot(page, f"studio-{size}-{scheme}-dialog.png", tmp_path)
        finally:
            context.close()


def test_the_dialog_keeps_its_actions_and_slider_in_view_zooms_and_downloads_named_files(studio, page, tmp_path):
    square = io.BytesIO()
    Image.open(photo_file(tmp_path)).resize((600, 600)).save(square, format="PNG")
    status, photo = studio.upload(square.getvalue(), "square cat.png")
    assert status == 201, photo
    form = {"technique": "transfer", "settings": {"size": 256, "iterations": [4, 4]}}
    form["inputs"] = {"content": photo["id"], "styles": [studio.demo()["painting"]["id"]]}
    status, job = studio.json("POST", "/api/jobs", form)
    assert status == 201, job
    studio.wait_for(job["id"], lambda j: j["status"] == "finished")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(studio.url)
    page.locator(f'.card[data-job="{job["id"]}"]').click()
    page.wait_for_function("document.querySelector('#compare-after').style.width !== ''")  # fitted once loaded
    # Above the settings, and the whole picture with its slider and zoom within the window.
    for control in (
        "#detail-download",
        "#detail-format",
        "#detail-reuse",
        "#detail-delete",
        "#detail-close",
        "#compare-slider",
        ".zoom [data-zoom='1']",
    ):
        box = page.locator(control).bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 768, (control, box)
    assert page.locator("#detail-download").bounding_box()["y"] < page.locator("#detail-settings").bounding_box()["y"]
    after = page.locator("#compare-after")
    fitted = after.bounding_box()
    assert fitted["y"] >= 0 and fitted["y"] + fitted["height"] <= 768  # the whole picture, as large as fits
    page.click(".zoom [data-zoom='1']")
    expect(page.locator(".zoom [data-zoom='1']")).to_have_attribute("aria-pressed", "true")
    page.wait_for_function("Math.abs(document.querySelector('#compare-after').getBoundingClientRect().width - 256) < 1")
    page.click(".zoom [data-zoom='2']")
    page.wait_for_function("Math.abs(document.querySelector('#compare-after').getBoundingClientRect().width - 512) < 1")
    page.click(".zoom [data-zoom='fit']")
    page.wait_for_function(
        f"Math.abs(document.querySelector('#compare-after').getBoundingClientRect().width - {fitted['width']}) < 1"
    )
    # Named after the pictures, in each format, with the record inside naming the uploads.
    for choice, extension in (("png", "png"), ("jpeg", "jpg"), ("webp", "webp")):
        page.select_option("#detail-format", choice)
        with page.expect_download() as caught:
            page.click("#detail-download")
        download = caught.value
        assert download.suggested_filename == f"square_cat-starry_night-{job['id']}.{extension}"
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)
        assert Image.open(saved).format == {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}[choice]
        made = read_record(saved)
        assert made["inputs"] == {"content": "square cat.png", "styles": ["starry_night.jpg"]}
        assert made["settings"]["iterations"] == [4, 4]
    page.reload()  # the format chosen last is kept
    page.locator(f'.card[data-job="{job["id"]}"]').click()
    expect(page.locator("#detail-format")).to_have_value("webp")


def test_more_settings_are_grouped_in_plain_words_and_the_blend_sits_beside_each_painting(studio, page):
    page.goto(studio.url)
    ready(page)
    page.click("#more-settings summary")
    expect(page.locator("#more fieldset.group legend")).to_have_text(["Look", "Schedule", "Network", "Machine"])
    labels = page.locator("#more label.field:visible > span:first-child").all_inner_texts()
    assert len(labels) >= 15 and not [label for label in labels if "_" in label or "--" in label], labels
    smoothness = page.locator("#more label.field > span:first-child", has_text="Smoothness")
    expect(smoothness).to_have_attribute("title", "on the command line: --tv-weight")
    scales_help = page.locator("#more label.field", has=page.locator("[name=scales]")).locator(".help")
    expect(scales_help).to_contain_text("fractions of “Size (long edge, px)”")
    # Two paintings: a weight beside each thumbnail, and the blend setting follows it.
    page.click("text=use chelsea.png")
    page.click("text=use starry_night.jpg")
    expect(page.locator('.role[data-role="styles"] .weight')).to_have_count(0)  # one painting: nothing to blend
    page.click("text=use starry_night.jpg")
    weights = page.locator('.role[data-role="styles"] .weight')
    expect(weights).to_have_count(2)
    weights.nth(0).fill("0.7")
    weights.nth(1).fill("0.3")
    page.fill("#knobs [name=size]", "64")
    page.fill("#more [name=iterations]", "2, 2")
    page.click("#paint")
    expect(page.locator("#queue-list li, .card")).not_to_have_count(0)
    job = max(studio.json("GET", "/api/jobs")[1]["jobs"], key=lambda j: j["id"])  # the one just queued
    assert job["settings"]["style_blend"] == [0.7, 0.3]
    studio.wait_for(job["id"], lambda j: j["status"] == "finished")
    page.locator('.role[data-role="styles"] .thumb button').first.click()  # one painting left: an equal blend
    expect(weights).to_have_count(0)
    assert page.evaluate("blendField().value") == ""
    page.locator(f'.card[data-job="{job["id"]}"]').click()
    page.click("#detail-reuse")  # the weights come back beside their paintings
    expect(weights).to_have_count(2)
    expect(weights.nth(0)).to_have_value("0.7")
    expect(weights.nth(1)).to_have_value("0.3")


def test_a_saved_preset_comes_back_after_a_reload_paints_as_its_base_and_can_be_forgotten(studio, page):
    page.goto(studio.url)
    page.fill("#knobs [name=size]", "200")
    page.fill("#knobs [name=seed]", "7")
    page.once("dialog", lambda dialog: dialog.accept("small seven"))
    page.click("#save-preset")
    expect(page.locator("#preset")).to_have_value("user:small seven")
    expect(page.locator("#preset-note")).to_have_text("Saved as “small seven”, in this browser.")
    page.select_option("#preset", "default")
    expect(page.locator("#knobs [name=size]")).to_have_value("512")
    page.reload()
    page.select_option("#preset", label="small seven")
    expect(page.locator("#knobs [name=size]")).to_have_value("200")
    expect(page.locator("#knobs [name=seed]")).to_have_value("7")
    choose_demo_pictures(page)
    page.click("#more-settings summary")
    page.fill("#more [name=iterations]", "2, 2")
    page.click("#paint")
    expect(page.locator("#queue-list li, .card")).not_to_have_count(0)
    job = max(studio.json("GET", "/api/jobs")[1]["jobs"], key=lambda j: j["id"])  # the one just queued
    assert job["preset"] == "default" and (job["settings"]["size"], job["settings"]["seed"]) == (200, 7)
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#forget-preset")
    expect(page.locator("#preset option", has_text="small seven")).to_have_count(0)
    expect(page.locator("#preset")).to_have_value("default")
    expect(page.locator("#knobs [name=size]")).to_have_value("200")  # the form keeps what it had
    studio.wait_for(job["id"], lambda j: j["status"] == "finished")


MAKE_PNG = """async (name) => {
    const canvas = Object.assign(document.createElement("canvas"), {width: 40, height: 30});
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#c84"; ctx.fillRect(0, 0, 40, 30); ctx.fillStyle = "#248"; ctx.fillRect(10, 5, 20, 20);
    const blob = await new Promise((done) => canvas.toBlob(done, "image/png"));
    const transfer = new DataTransfer();
    transfer.items.add(new File([blob], name, {type: "image/png"}));
    return transfer;
}"""


def ready(page: Page) -> None:
    """The page has built its form (and listens for what it handles)."""
    expect(page.locator("#kinds label").first).to_be_visible()


def test_a_pasted_or_dropped_picture_fills_the_photo_first_then_the_paintings(studio, page):
    page.goto(studio.url)
    ready(page)
    pasted = page.evaluate_handle(MAKE_PNG, "pasted.png")
    page.evaluate(
        "(transfer) => document.dispatchEvent(new ClipboardEvent('paste', {clipboardData: transfer}))", pasted
    )
    expect(page.locator('.role[data-role="content"] .thumb img')).to_have_attribute("alt", "pasted.png")
    dropped = page.evaluate_handle(MAKE_PNG, "dropped.png")
    page.dispatch_event("#gallery", "dragover", {"dataTransfer": dropped})
    assert page.evaluate("document.body.classList.contains('dropping')")
    page.dispatch_event("#gallery", "drop", {"dataTransfer": dropped})
    expect(page.locator('.role[data-role="styles"] .thumb img')).to_have_attribute("alt", "dropped.png")
    assert not page.evaluate("document.body.classList.contains('dropping')")
    expect(page.locator('.role[data-role="content"] .thumb img')).to_have_count(1)


def test_a_notification_says_a_job_ended_while_the_page_was_out_of_sight(studio, browser):
    context = browser.new_context()
    # The browser's notifications, recorded (headless Chromium shows none), and the page out of focus.
    context.add_init_script("""
        window.shown = [];
        window.Notification = class { constructor(title, options) { window.shown.push({title, ...options}); } close() {} };
        window.Notification.permission = localStorage.getItem("test.granted") ? "granted" : "default";
        window.Notification.requestPermission = async () => {
            localStorage.setItem("test.granted", "1");  // a browser remembers what the user allowed
            return (window.Notification.permission = "granted");
        };
        document.hasFocus = () => false;
    """)
    try:
        page = context.new_page()
        page.goto(studio.url)
        ready(page)
        page.check("#notify")
        expect(page.locator("#notify")).to_be_checked()
        job = studio.add_transfer(QUICK)
        studio.wait_for(job["id"], lambda j: j["status"] == "finished")
        page.wait_for_function("window.shown.length === 1", timeout=10_000)
        shown = page.evaluate("window.shown[0]")
        assert shown["title"] == f"brushwork: #{job['id']} is finished"
        assert shown["body"] == f"#{job['id']} Painting (from a draft): chelsea.png + starry_night.jpg"
        page.reload()  # the choice is kept
        expect(page.locator("#notify")).to_be_checked()
    finally:
        context.close()
