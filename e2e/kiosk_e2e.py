#!/usr/bin/env python3
"""Drives the kiosk UI in a real Chromium (WebDriver, selenium) against a running fotoboxd.

Usage: kiosk_e2e.py --url http://127.0.0.1:PORT/ --out DIR [--idle-url URL] [--inbox DIR]
Ends with "N passed, N failed"; exit status 1 when anything failed. Screenshots of every screen go to
DIR/screenshots/<language>-<nn>-<screen>.png.
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
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(20)
    return driver


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


def click(driver, element_id):
    wait(driver, lambda d: d.find_element(By.ID, element_id).is_displayed() and d.find_element(By.ID, element_id).is_enabled(), 15, "#" + element_id)
    driver.find_element(By.ID, element_id).click()


def shoot(driver, language, name):
    folder = os.path.join(args.out, "screenshots")
    os.makedirs(folder, exist_ok=True)
    number = shots.setdefault(language, 0) + 1
    shots[language] = number
    path = os.path.join(folder, "%s-%02d-%s.png" % (language, number, name))
    driver.save_screenshot(path)


def text_of(driver, element_id):
    return driver.find_element(By.ID, element_id).text.strip()


def start(driver, language):
    driver.get(args.url)
    wait_step(driver, "welcome")
    driver.find_element(By.CSS_SELECTOR, 'button.start[data-start="%s"]' % language).click()
    wait_step(driver, "case-number")


def type_on_keypad(driver, text):
    for character in text:
        driver.find_element(By.CSS_SELECTOR, '#keypad button[data-key="%s"]' % character).click()


def full_run(driver, language, case="KLMN-4711", screenshots=True, retake=False):
    """Welcome to receipt; returns the confirmation code."""
    driver.get(args.url)
    wait_step(driver, "welcome")
    if screenshots:
        shoot(driver, language, "welcome")
    driver.find_element(By.CSS_SELECTOR, 'button.start[data-start="%s"]' % language).click()
    wait_step(driver, "case-number")
    assert driver.execute_script("return document.documentElement.lang") == language
    type_on_keypad(driver, case[:4])
    driver.find_element(By.ID, "case-input").send_keys(case[4:])
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
        wait(driver, lambda d: text_of(d, "guidance") == CATALOGUES[language]["guidance.good"], 15, "guidance 'good'")
    else:
        wait(driver, lambda d: text_of(d, "guidance") not in ("", CATALOGUES[language]["guidance.no-face"]), 15, "guidance on a face")
    if screenshots:
        shoot(driver, language, "guidance")
    click(driver, "take-photo")
    wait(driver, lambda d: step(d) == "capture" and d.find_element(By.ID, "countdown").text.strip() != "", 5, "countdown")
    if screenshots:
        shoot(driver, language, "countdown")
    wait_step(driver, "review", 20)
    wait(driver, lambda d: d.execute_script("var i = document.getElementById('photo'); return i.complete && i.naturalWidth > 0"), 10, "photo")
    if screenshots:
        shoot(driver, language, "review")
    if retake:
        before = text_of(driver, "retakes")
        click(driver, "retake")
        wait_step(driver, "guidance")
        click(driver, "take-photo")
        wait_step(driver, "review", 20)
        after = text_of(driver, "retakes")
        assert before != after and "2" in after, "retakes left did not go down: %r → %r" % (before, after)
    click(driver, "accept-photo")
    wait_step(driver, "signature")
    wait(driver, lambda d: d.execute_script(
        "var c = document.getElementById('signature-mirror'); var p = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        "var n = 0; for (var i = 3; i < p.length; i += 4) if (p[i] > 0) n++; return n > 500"), 10, "signature mirror ink")
    if screenshots:
        shoot(driver, language, "signature")
    click(driver, "signature-accept")
    wait_step(driver, "summary")
    assert text_of(driver, "summary-case") == case
    if screenshots:
        shoot(driver, language, "summary")
    click(driver, "confirm")
    wait_step(driver, "receipt")
    code = text_of(driver, "receipt-code")
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}", code), "confirmation code %r" % code
    assert text_of(driver, "receipt-case") == case
    if screenshots:
        shoot(driver, language, "receipt")
    return code


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
    click(driver, "cancel")
    wait_step(driver, "welcome")


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
    click(driver, "cancel")
    wait_step(driver, "welcome")


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
    click(driver, "cancel")
    wait_step(driver, "welcome")


def test_timeout_warns_then_wipes(driver):
    start(driver, "de")
    type_on_keypad(driver, "WXYZ-2468")
    click(driver, "case-submit")
    wait_step(driver, "consent")
    # The warning comes first and "continue" keeps the visit.
    wait(driver, lambda d: visible(d, "timeout"), 20, "timeout warning")
    shoot(driver, "de", "timeout-warning")
    click(driver, "timeout-continue")
    wait(driver, lambda d: not visible(d, "timeout"), 5, "warning gone after continue")
    assert step(driver) == "consent"
    driver.find_element(By.CSS_SELECTOR, 'button.lang[data-lang="ar"]').click()  # the next warning in Arabic
    # Then nobody touches anything: the visit is wiped.
    wait(driver, lambda d: visible(d, "timeout"), 20, "second warning")
    wait(driver, lambda d: d.find_element(By.ID, "timeout-title").text == CATALOGUES["ar"]["timeout.title"], 5, "arabic warning")
    shoot(driver, "ar", "timeout-warning")
    wait_step(driver, "welcome", 20)
    status, visit = api(args.url, "/api/v1/visit")
    assert visit["active"] is False and "caseNumber" not in visit, visit
    assert driver.find_element(By.ID, "case-input").get_attribute("value") == ""
    assert driver.execute_script("return sessionStorage.getItem('fotobox.token')") is None
    assert_page_forgot(driver, "WXYZ-2468")


def assert_page_forgot(driver, *secrets):
    page = driver.execute_script("return document.documentElement.outerHTML + JSON.stringify(sessionStorage) + JSON.stringify(localStorage)")
    for secret in secrets:
        assert secret not in page, "the page still holds %r after the wipe" % secret
    assert driver.execute_script("return document.getElementById('photo').getAttribute('src')") is None


def test_complete_run_german(driver):
    code = full_run(driver, "de")
    delivery = text_of(driver, "receipt-delivery")
    assert delivery in (CATALOGUES["de"]["receipt.sent"], CATALOGUES["de"]["receipt.later"]), delivery
    click(driver, "finish")
    wait_step(driver, "welcome")
    assert_page_forgot(driver, "KLMN-4711", code)
    check_inbox("KLMN-4711")


def test_complete_run_arabic(driver):
    full_run(driver, "ar", case="ARAB-1234")
    assert driver.execute_script("return document.documentElement.dir") == "rtl"
    click(driver, "finish")
    wait_step(driver, "welcome")
    shoot(driver, "ar", "welcome-after")


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


def test_camera_unavailable(driver):
    if not args.broken_url:
        print("  (skipped: no --broken-url station)")
        return
    start_german_visit(driver, args.broken_url)
    wait(driver, lambda d: visible(d, "problem"), 10, "camera problem")
    assert CATALOGUES["de"]["problem.camera-unavailable"] in text_of(driver, "problem")
    assert not driver.find_element(By.ID, "take-photo").is_enabled()
    shoot(driver, "de", "camera-unavailable")
    driver.find_element(By.CSS_SELECTOR, 'button.lang[data-lang="ar"]').click()
    wait(driver, lambda d: CATALOGUES["ar"]["problem.camera-unavailable"] in text_of(d, "problem"), 5, "arabic camera problem")
    shoot(driver, "ar", "camera-unavailable")
    click(driver, "cancel")
    wait_step(driver, "welcome")


def test_pad_unavailable(driver):
    if not args.no_pad_url:
        print("  (skipped: no --no-pad-url station)")
        return
    start_german_visit(driver, args.no_pad_url)
    click(driver, "take-photo")
    wait_step(driver, "review", 20)
    click(driver, "accept-photo")
    wait_step(driver, "signature")
    wait(driver, lambda d: visible(d, "problem") and CATALOGUES["de"]["problem.pad-unavailable"] in text_of(d, "problem"), 10, "pad problem")
    shoot(driver, "de", "pad-unavailable")
    click(driver, "signature-accept")  # "try again": still no pad
    wait(driver, lambda d: visible(d, "problem"), 5, "pad problem again")
    driver.find_element(By.CSS_SELECTOR, 'button.lang[data-lang="ar"]').click()
    wait(driver, lambda d: CATALOGUES["ar"]["problem.pad-unavailable"] in text_of(d, "problem"), 5, "arabic pad problem")
    shoot(driver, "ar", "pad-unavailable")
    click(driver, "cancel")
    wait_step(driver, "welcome")


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
