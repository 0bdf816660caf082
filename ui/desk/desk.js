// The clerk's desk: search a case by number or confirmation code, view photo, signature, checks and
// capture metadata, take it over into the registry's import folder or reject it with a reason.
// Plain JS against the office's API (docs/office.md); German first, English.
"use strict";

const TEXT = {
  de: {
    title: "Fotobox – Sachbearbeitung", searchLabel: "Vorgangsnummer oder Bestätigungscode", search: "Suchen",
    results: "Eingänge zu diesem Vorgang", case: "Vorgang", photo: "Lichtbild", signature: "Unterschrift",
    checks: "Prüfungen", check: "Prüfung", result: "Ergebnis", detail: "Einzelheiten", metadata: "Aufnahme",
    takeOver: "Übernehmen", reject: "Ablehnen", reasonLabel: "Grund der Ablehnung", open: "Öffnen",
    searching: "Suche …", none: "Kein Eingang zu dieser Eingabe.", found: (n) => `${n} Eingang/Eingänge gefunden.`,
    newest: "Neuester Eingang", older: "Älterer Eingang – es gibt einen neueren", pass: "bestanden", fail: "nicht bestanden",
    compliantYes: "Alle Pflichtprüfungen bestanden.", compliantNo: "Nicht alle Pflichtprüfungen bestanden.", compliantNull: "Nicht geprüft.",
    liveness: (s) => `Lebenderkennung: ${s}`, tookOver: (f) => `Übernommen in den Importordner „${f}“. Die Kopie im Amt ist gelöscht.`,
    rejected: "Abgelehnt. Die Kopie im Amt ist gelöscht.", reasonMissing: "Bitte einen Grund für die Ablehnung angeben.",
    failed: "Fehler", submissions: (n) => `${n} Eingänge zu diesem Vorgang`,
    states: { open: "offen", takenOver: "übernommen", rejected: "abgelehnt", discarded: "verworfen", expired: "abgelaufen" },
    fields: { confirmationCode: "Bestätigungscode", stationId: "Station", capturedAt: "Aufgenommen", receivedAt: "Eingegangen", softwareVersion: "Software", camera: "Kamera", receiptId: "Quittung", state: "Status" },
  },
  en: {
    title: "Fotobox – clerk's desk", searchLabel: "Case number or confirmation code", search: "Search",
    results: "Submissions for this case", case: "Case", photo: "Photo", signature: "Signature",
    checks: "Checks", check: "Check", result: "Result", detail: "Details", metadata: "Capture",
    takeOver: "Take over", reject: "Reject", reasonLabel: "Reason for rejection", open: "Open",
    searching: "Searching …", none: "No submission for this entry.", found: (n) => `${n} submission(s) found.`,
    newest: "Newest submission", older: "Older submission – a newer one exists", pass: "passed", fail: "failed",
    compliantYes: "All mandatory checks passed.", compliantNo: "Not all mandatory checks passed.", compliantNull: "Not analysed.",
    liveness: (s) => `Liveness score: ${s}`, tookOver: (f) => `Taken over into the import folder "${f}". The office's copy is deleted.`,
    rejected: "Rejected. The office's copy is deleted.", reasonMissing: "Please give a reason for the rejection.",
    failed: "Error", submissions: (n) => `${n} submissions for this case`,
    states: { open: "open", takenOver: "taken over", rejected: "rejected", discarded: "discarded", expired: "expired" },
    fields: { confirmationCode: "Confirmation code", stationId: "Station", capturedAt: "Captured", receivedAt: "Received", softwareVersion: "Software", camera: "Camera", receiptId: "Receipt", state: "State" },
  },
};

let language = "de";
let current = null;
const $ = (id) => document.getElementById(id);
const t = () => TEXT[language];

function applyLanguage(next) {
  language = next;
  document.documentElement.lang = next;
  document.querySelectorAll("[data-text]").forEach((element) => { element.textContent = t()[element.dataset.text]; });
  document.querySelectorAll("[data-language]").forEach((button) => button.setAttribute("aria-pressed", String(button.dataset.language === next)));
  document.title = t().title;
  if (current) show(current);
}

function status(message, isError) {
  $("status").textContent = message;
  $("status").className = isError ? "error" : "";
}

async function api(path, options) {
  const response = await fetch(path, Object.assign({ headers: { "X-Fotobox-Desk": "1", "Content-Type": "application/json" } }, options));
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error || String(response.status));
  return body;
}

async function search(event) {
  event.preventDefault();
  const term = $("term").value.trim();
  if (!term) return;
  status(t().searching);
  $("detail").hidden = true;
  current = null;
  try {
    const result = await api("/v1/desk/search/" + encodeURIComponent(term));
    const list = $("result-list");
    list.replaceChildren();
    result.submissions.forEach((submission) => {
      const item = document.createElement("li");
      const label = document.createElement("span");
      label.textContent = `${submission.caseId} · ${submission.receivedAt} · ${submission.stationId} · ${t().states[submission.state] || submission.state}`;
      if (submission.newest) {
        const badge = document.createElement("span");
        badge.className = "badge";
        badge.textContent = t().newest;
        label.append(badge);
      }
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = t().open;
      button.className = "open";
      button.dataset.receipt = submission.receiptId;
      button.addEventListener("click", () => open(submission.receiptId));
      item.append(label, button);
      list.append(item);
    });
    $("results").hidden = result.submissions.length === 0;
    status(result.submissions.length === 0 ? t().none : t().found(result.submissions.length));
    const open0 = result.submissions.find((s) => s.state === "open");
    if (open0) await open(open0.receiptId);
  } catch (error) {
    status(`${t().failed}: ${error.message}`, true);
  }
}

async function open(receipt) {
  try {
    current = await api("/v1/desk/submissions/" + encodeURIComponent(receipt));
    show(current);
  } catch (error) {
    status(`${t().failed}: ${error.message}`, true);
  }
}

function show(detail) {
  const s = detail.submission;
  $("detail").hidden = false;
  $("detail-case").textContent = s.caseId;
  $("detail-newest").textContent = (s.newest ? t().newest : t().older) + " · " + t().submissions(s.submissionCount);
  const isOpen = s.state === "open";
  const base = "/v1/desk/submissions/" + encodeURIComponent(s.receiptId);
  $("photo").src = isOpen ? base + "/photo.jpg" : "";
  $("photo").alt = t().photo;
  $("signature").src = isOpen ? base + "/signature.jpg" : "";
  $("signature").alt = t().signature;
  const body = $("checks").querySelector("tbody");
  body.replaceChildren();
  let report = null;
  try { report = detail.report ? JSON.parse(detail.report) : null; } catch (_) { report = null; }
  $("overall").textContent = !report ? "" : report.compliant === true ? t().compliantYes : report.compliant === false ? t().compliantNo : t().compliantNull;
  (report && report.checks || []).forEach((check) => {
    const row = document.createElement("tr");
    const name = document.createElement("td");
    name.textContent = check.id;
    const result = document.createElement("td");
    result.textContent = check.pass ? t().pass : t().fail;
    result.className = check.pass ? "pass" : "fail";
    const more = document.createElement("td");
    more.textContent = [check.advice, check.value !== undefined ? `${check.value}` : "", check.limit !== undefined ? `(${check.limit})` : ""].filter(Boolean).join(" ");
    row.append(name, result, more);
    body.append(row);
  });
  const liveness = report && (report.liveness && report.liveness.score !== undefined ? report.liveness.score : report.livenessScore);
  $("liveness").textContent = liveness !== undefined && liveness !== null ? t().liveness(liveness) : "";
  const list = $("metadata");
  list.replaceChildren();
  Object.keys(t().fields).forEach((key) => {
    const term = document.createElement("dt");
    term.textContent = t().fields[key];
    const value = document.createElement("dd");
    value.textContent = key === "state" ? (t().states[s[key]] || s[key]) : (s[key] === "" ? "–" : s[key]);
    list.append(term, value);
  });
  $("take-over").disabled = !isOpen;
  $("reject").disabled = !isOpen;
  $("reason").disabled = !isOpen;
}

async function takeOver() {
  if (!current) return;
  try {
    const result = await api("/v1/desk/submissions/" + encodeURIComponent(current.submission.receiptId) + "/take-over", { method: "POST", body: "{}" });
    status(t().tookOver(result.importFolder));
    await open(current.submission.receiptId);
  } catch (error) {
    status(`${t().failed}: ${error.message}`, true);
  }
}

async function reject() {
  if (!current) return;
  const reason = $("reason").value.trim();
  if (!reason) { status(t().reasonMissing, true); $("reason").focus(); return; }
  try {
    await api("/v1/desk/submissions/" + encodeURIComponent(current.submission.receiptId) + "/reject", { method: "POST", body: JSON.stringify({ reason }) });
    status(t().rejected);
    $("reason").value = "";
    await open(current.submission.receiptId);
  } catch (error) {
    status(`${t().failed}: ${error.message}`, true);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("search").addEventListener("submit", search);
  $("take-over").addEventListener("click", takeOver);
  $("reject").addEventListener("click", reject);
  document.querySelectorAll("[data-language]").forEach((button) => button.addEventListener("click", () => applyLanguage(button.dataset.language)));
  applyLanguage("de");
});
