#!/usr/bin/env python3
"""The clerk's desk in a real Chromium (WebDriver) against a real fotobox-office.

Usage: desk_e2e.py --office https://127.0.0.1:PORT --tls DIR --inbox DIR --import-dir DIR --out DIR [--case KLMN-4711]

The office wants a clerk certificate in the TLS handshake. Headless Chromium cannot choose a client
certificate without a system-wide policy, so a small forwarding gateway on loopback (this script) speaks
plain HTTP to the browser and mutual TLS (clerk.crt) to the office; everything else — the page, its script,
the office's API, the take-over into the import folder — is real. The case the kiosk e2e delivered (--case)
is searched, viewed and taken over; a second case, made from its files and submitted with the station
certificate, is rejected. Screenshots go to DIR/screenshots/desk-*.png. Ends with "N passed, N failed".
"""
import argparse, glob, http.client, http.server, json, os, ssl, sys, threading, time, traceback, uuid
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

args = None


def tls_context(role):
    context = ssl.create_default_context(cafile=os.path.join(args.tls, "ca.crt"))
    context.load_cert_chain(os.path.join(args.tls, role + ".crt"), os.path.join(args.tls, role + ".key"))
    return context


def office_request(role, method, path, body=None, headers=None):
    host, port = args.office.replace("https://", "").split(":")
    connection = http.client.HTTPSConnection(host, int(port), context=tls_context(role), timeout=20)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, response.getheaders(), data


class Gateway(http.server.BaseHTTPRequestHandler):
    """Forwards the browser's requests to the office with the clerk's certificate."""
    protocol_version = "HTTP/1.1"

    def forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "x-fotobox-desk", "accept")}
        status, response_headers, data = office_request("clerk", self.command, self.path, body, headers)
        self.send_response(status)
        for key, value in response_headers:
            if key.lower() in ("content-type", "cache-control", "content-security-policy", "x-content-type-options"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = forward
    do_POST = forward

    def log_message(self, *_):
        pass


def browser():
    os.environ["SE_AVOID_STATS"] = "true"
    os.environ["SE_OFFLINE"] = "true"
    options = Options()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1100",
                 "--no-first-run", "--disable-extensions", "--disable-background-networking", "--no-proxy-server", "--lang=de"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)
    driver.set_page_load_timeout(20)
    return driver


def wait(driver, condition, seconds=15, what="condition"):
    try:
        return WebDriverWait(driver, seconds, poll_frequency=0.1).until(lambda d: condition(d))
    except Exception:
        raise AssertionError("timed out waiting for " + what)


def shot(driver, name):
    path = os.path.join(args.out, "screenshots", "desk-" + name + ".png")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    driver.save_screenshot(path)


def submit_copy(case):
    """Submits the delivered case's files again as another case, with the station's certificate."""
    # The kiosk's case, as the take-over wrote it into the import folder (or still in the inbox).
    folders = [os.path.join(args.import_dir, args.case)] + sorted(glob.glob(os.path.join(args.inbox, args.case, "*")))
    folders = [folder for folder in folders if os.path.isfile(os.path.join(folder, "photo.jpg"))]
    if not folders:
        raise AssertionError("the kiosk's case %s is neither in the import folder nor in the office's inbox" % args.case)
    source = folders[0]
    boundary = "desk-e2e-" + uuid.uuid4().hex
    metadata = json.dumps({"caseId": case, "stationId": "e2e", "capturedAt": "2026-12-03T10:00:00Z", "queuedAt": "2026-12-03T10:00:01Z",
                           "softwareVersion": "desk-e2e", "camera": "replay", "profile": "live"}).encode()
    parts = [("metadata", "application/json", metadata)]
    for name, kind in [("report", "application/json"), ("photo", "image/jpeg"), ("signature", "image/jpeg")]:
        filename = {"report": "report.json", "photo": "photo.jpg", "signature": "signature.jpg"}[name]
        parts.append((name, kind, open(os.path.join(source, filename), "rb").read()))
    body = b""
    for name, kind, data in parts:
        body += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\nContent-Type: %s\r\n\r\n" % (boundary, name, kind)).encode() + data + b"\r\n"
    body += ("--%s--\r\n" % boundary).encode()
    status, _, data = office_request("station", "POST", "/v1/submissions", body,
                                     {"Content-Type": "multipart/form-data; boundary=" + boundary, "Idempotency-Key": "desk-e2e-" + case})
    if status not in (200, 201):
        raise AssertionError("submitting %s: %s %s" % (case, status, data[:200]))


def search(driver, term):
    field = driver.find_element(By.ID, "term")
    field.clear()
    field.send_keys(term)
    driver.find_element(By.ID, "search-button").click()


def test_search_view_take_over(driver, base):
    driver.get(base + "/desk/")
    wait(driver, lambda d: d.find_element(By.ID, "search-button").text == "Suchen", what="the German desk")
    shot(driver, "01-start-de")
    # Typed the way a citizen reads it out: lower case, a space instead of the hyphen.
    search(driver, args.case.lower().replace("-", " "))
    wait(driver, lambda d: not d.find_element(By.ID, "detail").get_attribute("hidden")
         and d.execute_script("return document.getElementById('photo').naturalWidth") > 0, what="the case's photo")
    assert driver.find_element(By.ID, "detail-case").text == args.case
    assert driver.find_elements(By.CSS_SELECTOR, "#checks tbody tr"), "no compliance checks shown"
    assert driver.execute_script("return document.getElementById('signature').naturalWidth") > 0, "no signature shown"
    shot(driver, "02-case-de")
    driver.find_element(By.CSS_SELECTOR, "[data-language=en]").click()
    wait(driver, lambda d: d.find_element(By.ID, "take-over").text == "Take over", what="English")
    shot(driver, "03-case-en")
    driver.find_element(By.CSS_SELECTOR, "[data-language=de]").click()
    driver.find_element(By.ID, "take-over").click()
    wait(driver, lambda d: "Importordner" in d.find_element(By.ID, "status").text, what="the take-over")
    shot(driver, "04-taken-over-de")
    folder = os.path.join(args.import_dir, args.case)
    for name in ["photo.jpg", "signature.jpg", "report.json", "metadata.json"]:
        assert os.path.isfile(os.path.join(folder, name)), "import folder lacks " + name
    assert not os.path.exists(os.path.join(args.inbox, args.case)), "the office kept its copy after the take-over"
    assert driver.find_element(By.ID, "take-over").get_attribute("disabled"), "take-over still possible"


def test_reject_needs_a_reason(driver, base):
    case = "DESK-0815"
    submit_copy(case)
    driver.get(base + "/desk/")
    search(driver, case)
    wait(driver, lambda d: d.find_element(By.ID, "detail-case").text == case and not d.find_element(By.ID, "reject").get_attribute("disabled"),
         what="the second case")
    driver.find_element(By.ID, "reject").click()
    wait(driver, lambda d: "Grund" in d.find_element(By.ID, "status").text, what="the reason prompt")
    driver.find_element(By.ID, "reason").send_keys("Brille spiegelt")
    shot(driver, "05-reject-de")
    driver.find_element(By.ID, "reject").click()
    wait(driver, lambda d: d.find_element(By.ID, "status").text.startswith("Abgelehnt"), what="the rejection")
    shot(driver, "06-rejected-de")
    assert not os.path.exists(os.path.join(args.inbox, case)), "the office kept its copy after the rejection"
    assert not os.path.exists(os.path.join(args.import_dir, case)), "a rejected case reached the import folder"


def main():
    global args
    parser = argparse.ArgumentParser()
    for name in ["--office", "--tls", "--inbox", "--import-dir", "--out"]:
        parser.add_argument(name, required=True)
    parser.add_argument("--case", default="KLMN-4711")
    args = parser.parse_args()
    gateway = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=gateway.serve_forever, daemon=True).start()
    base = "http://127.0.0.1:%d" % gateway.server_address[1]
    driver = browser()
    passed = failed = 0
    try:
        for test in [test_search_view_take_over, test_reject_needs_a_reason]:
            try:
                test(driver, base)
                passed += 1
                print("PASS " + test.__name__)
            except Exception:
                failed += 1
                print("FAIL " + test.__name__)
                traceback.print_exc()
    finally:
        driver.quit()
        gateway.shutdown()
    print("desk: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
