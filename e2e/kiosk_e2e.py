#!/usr/bin/env python3
"""Drives the kiosk UI in a real Chromium (WebDriver, selenium) against a running fotoboxd.

Usage: kiosk_e2e.py --url http://127.0.0.1:PORT/ --out DIR [--broken-url URL] [--no-pad-url URL]
                    [--offcentre-url URL] [--low-url URL] [--dark-url URL] [--inbox DIR]
Ends with "N passed, N failed"; exit status 1 when anything failed. Screenshots of every screen go to
DIR/screenshots/<orientation>-<language>-<nn>-<screen>.png; axe-core (the selenium-axe-python wheel's copy)
checks every screen that is shot, and test_axe_found_no_violation reports what it found.
"""
import argparse, json, os, re, sys, time, traceback, urllib.request
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.support.ui import WebDriverWait

args = None
UI = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ui")
CATALOGUES = {lang: json.load(open(os.path.join(UI, "i18n", lang + ".json"), encoding="utf-8")) for lang in ["de", "en", "tr", "uk", "ar"]}
shots = {}
# Viewports: the portrait kiosk (the default), a smaller portrait tablet, and landscape.
PORTRAIT, SMALL_PORTRAIT, LANDSCAPE = (1080, 1920), (800, 1280), (1920, 1080)
viewport = {"size": PORTRAIT}
axe_findings = []
AXE_SCRIPT = None


def browser():
    # Selenium Manager must not look for browsers or send statistics: Debian's chromium and driver only.
    os.environ["SE_AVOID_STATS"] = "true"
    os.environ["SE_OFFLINE"] = "true"
    options = Options()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1024",
                 "--no-first-run", "--disable-extensions", "--disable-background-networking", "--no-proxy-server", "--lang=de"]:
        options.add_argument(flag)
    service = Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    options.add_argument("--autoplay-policy=no-user-gesture-required")
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(20)
    set_viewport(driver, PORTRAIT)
    return driver


def set_viewport(driver, size):
    """Exactly this CSS viewport (no browser frame), as the kiosk's screen."""
    viewport["size"] = size
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": size[0], "height": size[1], "deviceScaleFactor": 1, "mobile": False})


def orientation():
    width, height = viewport["size"]
    return "portrait" if height > width else "landscape"


def axe_check(driver, where):
    """axe-core on the current screen (WCAG 2.1 A/AA and best practices); violations are collected."""
    global AXE_SCRIPT
    if AXE_SCRIPT is None:
        import selenium_axe_python
        with open(os.path.join(os.path.dirname(selenium_axe_python.__file__), "axe-core", "axe.min.js"), encoding="utf-8") as f:
            AXE_SCRIPT = f.read()
    if not driver.execute_script("return typeof axe !== 'undefined'"):
        driver.execute_script(AXE_SCRIPT)
    result = driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
        ".then(function (r) { done(r.violations.map(function (v) { return v.id + ': ' + v.nodes.map(function (n) { return n.target.join(' '); }).join(', '); })); })"
        ".catch(function (e) { done(['axe failed: ' + e]); });")
    for violation in result:
        axe_findings.append("%s: %s" % (where, violation))


def api(base, path, method="GET", body=None, token=None):
    request = urllib.request.Request(base.rstrip("/") + path, method=method, data=None if body is None else json.dumps(body).encode())
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("X-Visit-Token", token)
    try:
        # Straight to the station: never through a proxy from the environment.
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=5) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def wait(driver, condition, seconds=15, what="condition"):
    try:
        return WebDriverWait(driver, seconds, poll_frequency=0.1).until(lambda d: condition(d))
    except Exception:
        raise AssertionError("timed out waiting for " + what)


def step(driver):
    return driver.execute_script("return document.body.dataset.step || ''")


def wait_step(driver, name, seconds=15):
    wait(driver, lambda d: step(d) == name, seconds, "step " + name)
    time.sleep(0.3)  # let rendering settle for the screenshot


def visible(driver, element_id):
    element = driver.find_element(By.ID, element_id)
    return element.is_displayed()


taps = {"count": 0}


def click(driver, element_id):
    wait(driver, lambda d: d.find_element(By.ID, element_id).is_displayed() and d.find_element(By.ID, element_id).is_enabled(), 15, "#" + element_id)
    driver.find_element(By.ID, element_id).click()
    taps["count"] += 1


def shoot(driver, language, name, axe=True):
    folder = os.path.join(args.out, "screenshots")
    os.makedirs(folder, exist_ok=True)
    key = orientation() + "-" + language
    number = shots.setdefault(key, 0) + 1
    shots[key] = number
    path = os.path.join(folder, "%s-%02d-%s.png" % (key, number, name))
    driver.save_screenshot(path)
    if axe:
        axe_check(driver, "%s %s %s" % (orientation(), language, name))


def inside_viewport(driver, element_id):
    """The element's box lies wholly inside the viewport (and it is shown)."""
    return driver.execute_script(
        "var e = document.getElementById(arguments[0]); if (!e || e.offsetParent === null) return false;"
        "var r = e.getBoundingClientRect();"
        "return r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.bottom <= innerHeight;", element_id)


def controls_above(driver, fraction):
    """Visible controls (buttons, inputs) whose top lies above `fraction` of the viewport's height."""
    return driver.execute_script(
        "var limit = innerHeight * arguments[0]; var out = [];"
        "document.querySelectorAll('main button, main input, #bar button').forEach(function (e) {"
        "  if (e.offsetParent === null || e.closest('[hidden]')) return;"
        "  var r = e.getBoundingClientRect(); if (r.top < limit) out.push((e.id || e.textContent.trim()) + '@' + Math.round(r.top)); });"
        "return out;", fraction)


def text_of(driver, element_id):
    return driver.find_element(By.ID, element_id).text.strip()


def start(driver, language, url=None):
    driver.get(url or args.url)
    wait_step(driver, "welcome")
    driver.find_element(By.CSS_SELECTOR, 'button.start[data-start="%s"]' % language).click()
    taps["count"] += 1
    wait_step(driver, "case-number")


def type_on_keypad(driver, text):
    for character in text:
        driver.find_element(By.CSS_SELECTOR, '#keypad button[data-key="%s"]' % character).click()
        taps["count"] += 1


def full_run(driver, language, case="KLMN-4711", screenshots=True, retake=False, scanner=False):
    """Welcome to receipt; returns the confirmation code. The case number is typed on the screen's keypad
    without its hyphen (the station puts it in), or with `scanner` comes from the barcode scanner (typed keys
    ending with Enter). Every tap on the screen is counted; signing ends with OK on the pad itself."""
    driver.get(args.url)
    wait_step(driver, "welcome")
    taps["count"] = 0
    if screenshots:
        shoot(driver, language, "welcome")
    driver.find_element(By.CSS_SELECTOR, 'button.start[data-start="%s"]' % language).click()
    taps["count"] += 1
    wait_step(driver, "case-number")
    assert driver.execute_script("return document.documentElement.lang") == language
    if scanner:
        ActionChains(driver).send_keys(case + Keys.ENTER).perform()
    else:
        type_on_keypad(driver, case.replace("-", ""))
        if screenshots:
            shoot(driver, language, "case-number")
        click(driver, "case-submit")
    wait_step(driver, "consent")
    if screenshots:
        shoot(driver, language, "consent")
    click(driver, "consent-accept")
    wait_step(driver, "guidance")
    wait(driver, lambda d: d.execute_script("var i = document.getElementById('preview'); return i.complete && i.naturalWidth > 0"), 10, "preview image")
    if os.environ.get("EXPECT_GOOD", "1") == "1":
        # Good guidance for a moment takes the photo by itself: no tap.
        wait(driver, lambda d: step(d) in ("challenge", "capture") or text_of(d, "guidance") == CATALOGUES[language]["guidance.good"], 15, "guidance 'good'")
        if screenshots and step(driver) == "guidance":
            shoot(driver, language, "guidance", axe=False)
        wait(driver, lambda d: step(d) in ("challenge", "capture"), 10, "automatic capture")
    else:
        wait(driver, lambda d: text_of(d, "guidance") not in ("", CATALOGUES[language]["guidance.no-face"]), 15, "guidance on a face")
        if screenshots:
            shoot(driver, language, "guidance")
        click(driver, "take-photo")
    through_challenge(driver, language, screenshots)
    wait(driver, lambda d: step(d) == "capture" and d.find_element(By.ID, "countdown").text.strip() != "", 5, "countdown")
    # The countdown is heard: a beep for each second, then the shutter.
    wait(driver, lambda d: (d.execute_script("return document.body.dataset.sound") or "").startswith("countdown-"), 5, "countdown beep")
    if screenshots:
        shoot(driver, language, "countdown", axe=False)
    wait(driver, lambda d: d.execute_script("return document.body.dataset.sound") == "shutter" or step(d) == "review", 10, "shutter sound")
    wait_step(driver, "review", 20)
    wait(driver, lambda d: d.execute_script("var i = document.getElementById('photo'); return i.complete && i.naturalWidth > 0"), 10, "photo")
    if screenshots:
        shoot(driver, language, "review")
    if retake:
        before = text_of(driver, "retakes")
        click(driver, "retake")
        wait(driver, lambda d: step(d) in ("guidance", "challenge", "capture"), 10, "back to the guidance")
        if step(driver) == "guidance" and os.environ.get("EXPECT_GOOD", "1") != "1":
            click(driver, "take-photo")
        wait_step(driver, "review", 40)
        after = text_of(driver, "retakes")
        assert before != after and "2" in after, "retakes left did not go down: %r → %r" % (before, after)
    click(driver, "accept-photo")
    wait_step(driver, "signature")
    wait(driver, lambda d: d.execute_script(
        "var c = document.getElementById('signature-mirror'); var p = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        "var n = 0; for (var i = 3; i < p.length; i += 4) if (p[i] > 0) n++; return n > 500"), 10, "signature mirror ink")
    # The signature screen shows what signing sends.
    assert text_of(driver, "summary-case") == case
    # The good portrait's photo is fine; the public-domain sample smiles (the office may refuse it).
    photo_state = ["summary.photoOk"] if os.environ.get("EXPECT_GOOD", "1") == "1" else ["summary.photoOk", "summary.photoMayBeRefused"]
    assert text_of(driver, "summary-photo") in [CATALOGUES[language][key] for key in photo_state], text_of(driver, "summary-photo")
    if screenshots:
        shoot(driver, language, "signature")
    # The simulated pad signs, then its own OK sends: no tap on the screen ("Senden" is the alternative).
    wait_step(driver, "receipt", 30)
    # "Fertig" on the receipt is optional: the receipt ends by itself (test_timeout_warns_then_wipes).
    visit_taps = taps["count"]
    print("  %s visit (%s): %d taps plus signing" % (language, "scanner" if scanner else "keypad", visit_taps))
    if os.environ.get("EXPECT_GOOD", "1") == "1" and not retake:
        assert visit_taps <= 12, "a good visit took %d taps (plus signing)" % visit_taps
    code = text_of(driver, "receipt-code")
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}", code), "confirmation code %r" % code
    assert text_of(driver, "receipt-case") == case
    if screenshots:
        shoot(driver, language, "receipt")
    return code


def through_challenge(driver, language, screenshots=False):
    """The liveness challenge before the capture (observe mode on the kiosk station: the still photo does not
    turn, and the visit goes on anyway): the prompt with its arrow, then the capture."""
    wait(driver, lambda d: step(d) in ("challenge", "capture", "review"), 5, "the challenge or the capture")
    if step(driver) != "challenge":
        return
    # The prompt comes at a random moment 1–4 s after the start, in a random direction.
    wait(driver, lambda d: visible(d, "challenge-arrow") or step(d) != "challenge", 8, "the challenge's prompt")
    if step(driver) == "challenge":
        prompt = driver.find_element(By.ID, "challenge-arrow").get_attribute("data-challenge")
        assert prompt in ("turn-left", "turn-right", "nod"), prompt
        assert text_of(driver, "guidance") == CATALOGUES[language]["challenge." + prompt], text_of(driver, "guidance")
        assert driver.find_element(By.ID, "challenge-arrow").text in ("←", "→", "↕")
        if screenshots:
            shoot(driver, language, "challenge")
    # The response window (5 s), the judgement, then the countdown.
    wait(driver, lambda d: step(d) != "challenge", 12, "the end of the challenge")


def tap_unless_automatic(driver):
    """Without a portrait that reaches "good" (no ../shared), the photo button starts the challenge."""
    if os.environ.get("EXPECT_GOOD", "1") != "1":
        wait(driver, lambda d: d.find_element(By.ID, "take-photo").is_enabled() or step(d) != "guidance", 15, "the photo button")
        if step(driver) == "guidance":
            click(driver, "take-photo")


def assert_no_score_on_screen(driver):
    """The liveness score and decision are never on the citizen's screen (nor in what the page holds)."""
    page = driver.execute_script("return document.documentElement.outerHTML")
    for word in ("bona-fide", "score", "parallax"):
        assert word not in page, "the page shows %r" % word


def cancel_visit(driver):
    """Cancel, confirmed in the dialog: back to the welcome screen."""
    click(driver, "cancel")
    wait(driver, lambda d: visible(d, "cancel-dialog"), 5, "cancel confirmation")
    click(driver, "cancel-yes")
    wait_step(driver, "welcome")


# ---- the tests --------------------------------------------------------------------------------------

def test_refused_case_number(driver):
    start(driver, "de")
    type_on_keypad(driver, "12")
    click(driver, "case-submit")
    wait(driver, lambda d: visible(d, "case-error"), 5, "refusal message")
    assert text_of(driver, "case-error") == CATALOGUES["de"]["caseNumber.refused.pattern"]
    assert step(driver) == "case-number"
    shoot(driver, "de", "case-number-refused")
    # A barcode scanner types like a keyboard and ends with Enter, wherever the focus is.
    field = driver.find_element(By.ID, "case-input")
    field.clear()
    driver.find_element(By.ID, "case-title").click()
    ActionChains(driver).send_keys("QWER-5678" + Keys.ENTER).perform()
    wait_step(driver, "consent")
    cancel_visit(driver)


def test_language_switch_including_arabic(driver):
    start(driver, "de")
    assert driver.find_element(By.ID, "case-title").text == CATALOGUES["de"]["caseNumber.title"]
    for language in ["en", "tr", "uk", "ar"]:
        driver.find_element(By.CSS_SELECTOR, 'button.lang[data-lang="%s"]' % language).click()
        wait(driver, lambda d: d.find_element(By.ID, "case-title").text == CATALOGUES[language]["caseNumber.title"], 5, language + " title")
    assert driver.execute_script("return document.documentElement.dir") == "rtl"
    assert driver.execute_script("return getComputedStyle(document.querySelector('main')).direction") == "rtl"
    status, visit = api(args.url, "/api/v1/visit", token=driver.execute_script("return sessionStorage.getItem('fotobox.token')"))
    assert visit["language"] == "ar" and visit["direction"] == "rtl", visit
    shoot(driver, "ar", "language-switched")
    driver.find_element(By.CSS_SELECTOR, 'button.lang[data-lang="de"]').click()
    wait(driver, lambda d: d.execute_script("return document.documentElement.dir") == "ltr", 5, "back to ltr")
    cancel_visit(driver)


def test_retake(driver):
    full_run(driver, "en", case="RTKE-1234", screenshots=False, retake=True)
    click(driver, "finish")
    wait_step(driver, "welcome")


def test_second_tab_cannot_take_over(driver):
    start(driver, "de")
    status, body = api(args.url, "/api/v1/visit", method="POST", body={"language": "en"})
    assert status == 409 and body["error"] == "visit-in-progress", (status, body)
    driver.switch_to.new_window("tab")
    driver.get(args.url)
    wait(driver, lambda d: visible(d, "busy"), 10, "busy notice in a second tab")
    shoot(driver, "de", "second-tab-busy")
    driver.close()
    driver.switch_to.window(driver.window_handles[0])
    cancel_visit(driver)


def test_timeout_warns_then_wipes(driver):
    start(driver, "de")
    type_on_keypad(driver, "WXYZ-2468")
    click(driver, "case-submit")
    wait_step(driver, "consent")
    # The warning comes first and "continue" keeps the visit.
    wait(driver, lambda d: visible(d, "timeout"), 40, "timeout warning")
    shoot(driver, "de", "timeout-warning")
    click(driver, "timeout-continue")
    wait(driver, lambda d: not visible(d, "timeout"), 5, "warning gone after continue")
    assert step(driver) == "consent"
    driver.find_element(By.CSS_SELECTOR, 'button.lang[data-lang="ar"]').click()  # the next warning in Arabic
    # Then nobody touches anything: the visit is wiped.
    wait(driver, lambda d: visible(d, "timeout"), 40, "second warning")
    wait(driver, lambda d: d.find_element(By.ID, "timeout-title").text == CATALOGUES["ar"]["timeout.title"], 5, "arabic warning")
    shoot(driver, "ar", "timeout-warning")
    wait_step(driver, "welcome", 20)
    status, visit = api(args.url, "/api/v1/visit")
    assert visit["active"] is False and "caseNumber" not in visit, visit
    # The next person starts in German, left to right, whatever the last one chose.
    wait(driver, lambda d: d.execute_script("return document.documentElement.lang") == "de", 5, "German after the timeout")
    assert driver.execute_script("return document.documentElement.dir") == "ltr"
    assert driver.find_element(By.ID, "welcome-title").text == CATALOGUES["de"]["welcome.title"]
    assert driver.find_element(By.ID, "case-input").get_attribute("value") == ""
    assert driver.execute_script("return sessionStorage.getItem('fotobox.token')") is None
    assert_page_forgot(driver, "WXYZ-2468")


def assert_page_forgot(driver, *secrets):
    page = driver.execute_script("return document.documentElement.outerHTML + JSON.stringify(sessionStorage) + JSON.stringify(localStorage)")
    for secret in secrets:
        assert secret not in page, "the page still holds %r after the wipe" % secret
    assert driver.execute_script("return document.getElementById('photo').getAttribute('src')") is None


def test_complete_run_german(driver):
    code = full_run(driver, "de", scanner=True)
    delivery = text_of(driver, "receipt-delivery")
    assert delivery in (CATALOGUES["de"]["receipt.sent"], CATALOGUES["de"]["receipt.later"]), delivery
    # After sending, the timeout says the station goes back to the start: nothing is lost any more.
    wait(driver, lambda d: visible(d, "timeout"), 40, "timeout warning on the receipt")
    expected = CATALOGUES["de"]["timeout.textReceipt"].split("{n}")[0]
    assert text_of(driver, "timeout-text").startswith(expected), text_of(driver, "timeout-text")
    shoot(driver, "de", "receipt-timeout")
    click(driver, "timeout-continue")
    wait(driver, lambda d: not visible(d, "timeout"), 5, "warning gone")
    click(driver, "finish")
    wait_step(driver, "welcome")
    assert_page_forgot(driver, "KLMN-4711", code)
    check_inbox("KLMN-4711")
    check_liveness_report("KLMN-4711", "observe")


def test_enforce_mode_refuses_a_still_photo_kindly(driver):
    """Enforce mode, the replay camera playing a still portrait (a photo held up): the challenge is not met,
    one retry with a new challenge, then the come-back-later screen; nothing is queued for the office."""
    assert args.enforce_url, "no --enforce-url station"
    start_german_visit(driver, args.enforce_url, case="LIVE-1234")
    began = time.time()
    tap_unless_automatic(driver)
    wait(driver, lambda d: step(d) == "challenge", 25, "the challenge (enforce mode)")
    wait(driver, lambda d: visible(d, "challenge-arrow"), 8, "the challenge's prompt")
    assert_no_score_on_screen(driver)
    # The first challenge is not met: once more, kindly, with a new one.
    wait(driver, lambda d: step(d) == "come-back-later" or (visible(d, "problem") and text_of(d, "problem") == CATALOGUES["de"]["problem.challenge-retry"]),
         15, "the retry's banner")
    if step(driver) == "guidance":
        shoot(driver, "de", "challenge-retry", axe=False)
        # The retry starts with the next good guidance, or (as here, where the face allowance of 10 s since the
        # last touch has run out during the first challenge) with the photo button, as a citizen would.
        wait(driver, lambda d: step(d) != "guidance" or d.find_element(By.ID, "take-photo").is_enabled(), 15, "the photo button")
        if step(driver) == "guidance":
            try:
                driver.find_element(By.ID, "take-photo").click()
            except Exception:
                pass  # the automatic start came first
    wait_step(driver, "come-back-later", 45)
    # Each challenge is at most 4 s + 5 s after 1.5 s of good guidance: well within the capture's 30 s each.
    assert time.time() - began < 45, "the refusal took %.0f s" % (time.time() - began)
    assert text_of(driver, "come-back-title") == CATALOGUES["de"]["comeBackLater.title"]
    assert not visible(driver, "cancel") and not visible(driver, "problem")
    assert_no_score_on_screen(driver)
    assert_page_forgot(driver, "LIVE-1234")
    shoot(driver, "de", "come-back-later")
    # The same screen in every language (the language bar stays), Arabic right to left.
    for language in ["en", "tr", "uk", "ar"]:
        driver.find_element(By.CSS_SELECTOR, 'button.lang[data-lang="%s"]' % language).click()
        wait(driver, lambda d: text_of(d, "come-back-title") == CATALOGUES[language]["comeBackLater.title"], 5, "come-back screen in " + language)
        shoot(driver, language, "come-back-later")
    assert driver.execute_script("return document.documentElement.dir") == "rtl"
    status, visit = api(args.enforce_url, "/api/v1/visit")
    assert "caseNumber" not in visit, visit
    click(driver, "come-back-ok")
    wait_step(driver, "welcome")
    status, visit = api(args.enforce_url, "/api/v1/visit")
    assert visit["active"] is False, visit
    # Nothing queued: the station counted no submission, and the office never got the case.
    metrics = urllib.request.build_opener(urllib.request.ProxyHandler({})).open(args.enforce_url.rstrip("/") + "/metrics", timeout=5).read().decode()
    counted = [line for line in metrics.splitlines() if line.startswith("fotobox_station_submissions_total")]
    assert counted and all(line.split()[-1] in ("0", "0.0") for line in counted), counted
    if args.inbox:
        time.sleep(3)
        assert not os.path.exists(os.path.join(args.inbox, "LIVE-1234")), "a refused visit reached the office"


def test_complete_run_arabic(driver):
    full_run(driver, "ar", case="ARAB-1234")
    assert driver.execute_script("return document.documentElement.dir") == "rtl"
    # Nobody taps "finish": the receipt ends by itself and the next person starts in German.
    wait_step(driver, "welcome", 60)
    assert driver.execute_script("return document.documentElement.lang") == "de"
    assert_page_forgot(driver, "ARAB-1234")
    shoot(driver, "de", "welcome-after")


def start_german_visit(driver, url, case="ABCD-1234"):
    """Welcome → case number (typed, as a barcode scanner does) → consent, up to the guidance step."""
    driver.get(url)
    wait_step(driver, "welcome")
    driver.find_element(By.CSS_SELECTOR, 'button.start[data-start="de"]').click()
    wait_step(driver, "case-number")
    driver.find_element(By.ID, "case-input").send_keys(case + Keys.ENTER)
    wait_step(driver, "consent")
    click(driver, "consent-accept")
    wait_step(driver, "guidance")


def assert_out_of_order(driver, url, name):
    """The welcome screen says "out of order" in every language, and no visit can start."""
    driver.get(url)
    wait_step(driver, "out-of-order", 20)
    texts = driver.execute_script(
        "return Array.from(document.querySelectorAll('#out-of-order-texts p')).map(function (p) { return [p.lang, p.textContent]; })")
    assert [lang for lang, _ in texts] == ["de", "en", "tr", "uk", "ar"], texts
    for lang, text in texts:
        assert CATALOGUES[lang]["outOfOrder.text"] in text, (lang, text)
    assert not visible(driver, "start-languages")
    status, body = api(url, "/api/v1/visit", method="POST", body={"language": "de"})
    assert status == 503 and body["error"] == "out-of-order", (status, body)
    status, health = api(url, "/api/v1/health")
    assert health["faults"], health
    shoot(driver, "de", name)


def test_out_of_order_without_camera(driver):
    assert args.broken_url, "no --broken-url station"
    assert_out_of_order(driver, args.broken_url, "out-of-order-camera")


def test_out_of_order_without_pad(driver):
    assert args.no_pad_url, "no --no-pad-url station"
    assert_out_of_order(driver, args.no_pad_url, "out-of-order-pad")


def test_cancel_visible_and_confirmed_in_every_language(driver):
    """Cancel inside the viewport at both portrait sizes in all five languages; all controls low; confirmed."""
    try:
        for size in (PORTRAIT, SMALL_PORTRAIT):
            set_viewport(driver, size)
            for language in ["de", "en", "tr", "uk", "ar"]:
                start(driver, language)
                for large in (False, True):
                    if large:
                        click(driver, "large-text")
                        wait(driver, lambda d: d.execute_script("return document.documentElement.classList.contains('large-text')"), 5, "large text")
                    assert inside_viewport(driver, "cancel"), "%s %s large=%s: Cancel outside the viewport" % (size, language, large)
                    # Reachable seated: nothing to touch in the upper 40 % (with large text the keypad needs more room).
                    high = controls_above(driver, 0.4)
                    assert large or not high, "%s %s: controls in the upper part: %s" % (size, language, high)
                if size == SMALL_PORTRAIT:
                    shoot(driver, language, "case-number-800x1280-large")
                click(driver, "cancel")
                wait(driver, lambda d: visible(d, "cancel-dialog"), 5, "cancel confirmation")
                assert inside_viewport(driver, "cancel-yes") and inside_viewport(driver, "cancel-no")
                assert text_of(driver, "cancel-title") == CATALOGUES[language]["cancel.title"]
                if size == PORTRAIT:
                    shoot(driver, language, "cancel-confirmation")
                click(driver, "cancel-no")  # not cancelled: the visit goes on
                wait(driver, lambda d: not visible(d, "cancel-dialog"), 5, "dialog closed")
                assert step(driver) == "case-number"
                cancel_visit(driver)
                # Nothing of the visit stays: the next person gets German and normal text.
                wait(driver, lambda d: d.execute_script("return document.documentElement.lang") == "de", 5, "German again")
                assert not driver.execute_script("return document.documentElement.classList.contains('large-text')")
                assert visible(driver, "notice") and text_of(driver, "notice") == CATALOGUES[language]["welcome.cancelled"]
    finally:
        set_viewport(driver, PORTRAIT)


def test_zoom_allowed(driver):
    driver.get(args.url)
    wait_step(driver, "welcome")
    content = driver.execute_script("return document.querySelector('meta[name=viewport]').content")
    assert "user-scalable=no" not in content and "maximum-scale" not in content, content


def test_case_number_entry(driver):
    start(driver, "de")
    field = driver.find_element(By.ID, "case-input")
    # Forgiving: lower case, spaces and a missing hyphen are fine.
    field.send_keys("klmn 4711")
    click(driver, "case-submit")
    wait_step(driver, "consent")
    status, visit = api(args.url, "/api/v1/visit", token=driver.execute_script("return sessionStorage.getItem('fotobox.token')"))
    assert visit["caseNumber"] == "KLMN-4711", visit
    cancel_visit(driver)
    start(driver, "de")
    type_on_keypad(driver, "ABC-12")
    click(driver, "case-submit")
    wait(driver, lambda d: visible(d, "case-error"), 5, "refusal")
    assert text_of(driver, "case-error") == CATALOGUES["de"]["caseNumber.refused.pattern"]
    # The refused number is selected: typing replaces it rather than appending.
    type_on_keypad(driver, "WXYZ")
    assert driver.find_element(By.ID, "case-input").get_attribute("value") == "WXYZ"
    click(driver, "keypad-clear")
    assert driver.find_element(By.ID, "case-input").get_attribute("value") == ""
    type_on_keypad(driver, "WXYZ1234")
    click(driver, "case-submit")
    wait_step(driver, "consent")
    cancel_visit(driver)


def test_declined_consent_is_told(driver):
    start(driver, "uk")
    driver.find_element(By.ID, "case-input").send_keys("DECL-1234" + Keys.ENTER)
    wait_step(driver, "consent")
    click(driver, "consent-decline")
    wait_step(driver, "welcome")
    wait(driver, lambda d: visible(d, "notice"), 5, "declined notice")
    assert text_of(driver, "notice") == CATALOGUES["uk"]["welcome.declined"]
    assert driver.find_element(By.ID, "notice").get_attribute("lang") == "uk"
    assert driver.execute_script("return document.documentElement.lang") == "de"
    shoot(driver, "uk", "declined-notice")


def test_speech_in_the_visitors_language(driver):
    start(driver, "tr")
    click(driver, "read-aloud")
    assert driver.find_element(By.ID, "read-aloud").get_attribute("aria-pressed") == "true"
    wait(driver, lambda d: "lang=tr" in (d.find_element(By.ID, "speech").get_attribute("src") or ""), 5, "speech requested in Turkish")
    kind = driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "fetch(document.getElementById('speech').src).then(function (r) { return r.arrayBuffer().then(function (b) {"
        " done([r.status, r.headers.get('content-type'), b.byteLength]); }); }).catch(function (e) { done([0, String(e), 0]); });")
    assert kind[0] == 200 and kind[1] == "audio/wav" and kind[2] > 1000, kind
    driver.find_element(By.CSS_SELECTOR, 'button.lang[data-lang="ar"]').click()
    driver.find_element(By.ID, "case-input").send_keys("AB" + Keys.ENTER)
    wait(driver, lambda d: visible(d, "case-error"), 5, "refusal")
    wait(driver, lambda d: "lang=ar" in (d.find_element(By.ID, "speech").get_attribute("src") or ""), 5, "speech in Arabic")
    cancel_visit(driver)
    assert driver.find_element(By.ID, "read-aloud").get_attribute("aria-pressed") == "false", "speech stays on for the next person"


def guidance_station(driver, url, expected, name):
    start_german_visit(driver, url)
    wait(driver, lambda d: text_of(d, "guidance") == CATALOGUES["de"]["guidance." + expected], 20,
         "guidance %r (shown: %r)" % (expected, text_of(driver, "guidance")))
    assert step(driver) == "guidance", "no automatic capture while the guidance is not good"
    shoot(driver, "de", name)


def test_guidance_for_an_offcentre_face(driver):
    assert args.offcentre_url, "no --offcentre-url station"
    guidance_station(driver, args.offcentre_url, "move-left", "guidance-offcentre")
    cancel_visit(driver)


def test_guidance_for_a_low_face(driver):
    assert args.low_url, "no --low-url station"
    guidance_station(driver, args.low_url, "higher", "guidance-low")
    cancel_visit(driver)


def test_guidance_times_out_with_a_face_in_view(driver):
    """A face that never reaches "good" (somebody standing there) does not keep the visit open for ever."""
    assert args.offcentre_url, "no --offcentre-url station"
    start_german_visit(driver, args.offcentre_url, case="TIME-1234")
    began = time.time()
    # The face counts for face-keeps-alive (10 s) after the last touch, then inactivity (30 s) runs out.
    wait(driver, lambda d: visible(d, "timeout"), 50, "timeout warning with a face in view")
    shoot(driver, "de", "guidance-timeout-warning", axe=False)
    wait_step(driver, "welcome", 30)
    assert time.time() - began < 55
    status, visit = api(args.offcentre_url, "/api/v1/visit")
    assert visit["active"] is False, visit
    assert_page_forgot(driver, "TIME-1234")


def test_review_says_why_the_office_may_refuse(driver):
    assert args.dark_url, "no --dark-url station"
    start_german_visit(driver, args.dark_url, case="DARK-1234")
    wait(driver, lambda d: step(d) in ("capture", "review") or (step(d) == "guidance" and d.find_element(By.ID, "take-photo").is_enabled()), 20, "a face")
    if step(driver) == "guidance":
        click(driver, "take-photo")
    wait_step(driver, "review", 30)
    wait(driver, lambda d: visible(d, "review-advice"), 5, "the reason")
    reasons = driver.execute_script("return Array.from(document.querySelectorAll('#review-findings li')).map(function (l) { return l.textContent; })")
    checks = [v for k, v in CATALOGUES["de"].items() if k.startswith("check.")]
    advice = [v for k, v in CATALOGUES["de"].items() if k.startswith("advice.") or k.startswith("guidance.")]
    assert reasons and all(any(c in r for c in checks) and any(a in r for a in advice) for r in reasons), reasons
    shoot(driver, "de", "review-not-compliant")
    click(driver, "accept-photo")
    wait_step(driver, "signature")
    wait(driver, lambda d: d.execute_script(
        "var c = document.getElementById('signature-mirror'); var p = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        "var n = 0; for (var i = 3; i < p.length; i += 4) if (p[i] > 0) n++; return n > 500"), 10, "signature mirror ink")
    # The signature screen (signing sends) says it again.
    assert visible(driver, "summary-warning") and reasons[0] in text_of(driver, "summary-warning")
    assert text_of(driver, "summary-photo") == CATALOGUES["de"]["summary.photoMayBeRefused"]
    shoot(driver, "de", "signature-not-compliant")
    cancel_visit(driver)


def test_landscape_screens(driver):
    set_viewport(driver, LANDSCAPE)
    try:
        full_run(driver, "en", case="LAND-1234")
        click(driver, "finish")
        wait_step(driver, "welcome")
    finally:
        set_viewport(driver, PORTRAIT)


def test_axe_found_no_violation(driver):
    """Last: everything axe-core found on the screens shot above."""
    assert shots, "no screen was checked"
    assert not axe_findings, "axe-core violations:\n" + "\n".join(axe_findings)


def check_liveness_report(case, mode):
    """The report the office received carries the liveness judgement: mode, score in [0, 1], decision, cues."""
    if not args.inbox:
        print("  (office report not checked: no fotobox-office in this run)")
        return
    folder = os.path.join(args.inbox, case)
    reports = [os.path.join(folder, name, "report.json") for name in os.listdir(folder)]
    reports = [path for path in reports if os.path.isfile(path)]
    assert reports, "no report.json for %s in %s" % (case, folder)
    for path in reports:
        with open(path, encoding="utf-8") as f:
            liveness = json.load(f).get("liveness")
        assert isinstance(liveness, dict), "no liveness object in %s" % path
        assert liveness["mode"] == mode, liveness
        assert isinstance(liveness["score"], (int, float)) and 0 <= liveness["score"] <= 1, liveness
        assert liveness["decision"] in ("bona-fide", "attack", "unsure"), liveness
        assert liveness["challenge"] in ("turn-left", "turn-right", "nod"), liveness
        print("  office report: liveness %s" % json.dumps(liveness, sort_keys=True))


def check_inbox(case):
    """With a real fotobox-office, the case must arrive in its inbox."""
    if not args.inbox:
        print("  (office inbox not checked: no fotobox-office in this run)")
        return
    deadline = time.time() + 30
    while time.time() < deadline:
        if os.path.isdir(os.path.join(args.inbox, case)):
            return
        time.sleep(0.5)
    raise AssertionError("case %s did not arrive in %s" % (case, args.inbox))


def main():
    global args
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--broken-url", help="a second station whose camera is unavailable")
    parser.add_argument("--no-pad-url", help="a third station without a signature pad")
    parser.add_argument("--offcentre-url", help="a station whose camera sees a face left of the oval")
    parser.add_argument("--low-url", help="a station whose camera sees a face below the oval")
    parser.add_argument("--dark-url", help="a station whose camera sees a face too dark for the office")
    parser.add_argument("--enforce-url", help="a station in liveness enforce mode whose camera plays a still photo")
    parser.add_argument("--out", required=True)
    parser.add_argument("--inbox")
    args = parser.parse_args()
    tests = [(name, function) for name, function in globals().items() if name.startswith("test_")]
    passed = failed = 0
    driver = browser()
    try:
        for name, function in tests:
            began = time.time()
            try:
                function(driver)
                passed += 1
                print("PASS %s (%.1f s)" % (name, time.time() - began), flush=True)
            except Exception:
                failed += 1
                print("FAIL %s (%.1f s)" % (name, time.time() - began), flush=True)
                traceback.print_exc()
                try:
                    shoot(driver, "failure", name)
                    token = driver.execute_script("return sessionStorage.getItem('fotobox.token')")
                    if token:
                        api(args.url, "/api/v1/visit", method="DELETE", token=token)
                except Exception:
                    pass
    finally:
        driver.quit()
    print("screenshots: %s" % os.path.join(args.out, "screenshots"))
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
