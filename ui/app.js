// Fotobox kiosk UI: plain JavaScript, no framework, no build step. Talks only to the station's own
// server (same origin). The server owns the visit; this page shows its state and sends the citizen's
// taps. State changes arrive as Server-Sent Events; the page then reloads the visit with its token.
'use strict';

(() => {
  const LANGUAGES = ['de', 'en', 'tr', 'uk', 'ar'];
  const DEFAULT_LANGUAGE = 'de';
  // The summary is no step of its own: it shows only when sending failed (counted as the signature's step).
  const PROGRESS = ['case-number', 'consent', 'guidance', 'review', 'signature', 'receipt'];
  const KEYS = '1234567890ABCDEFGHIJKLMNOPQRSTUVWXYZ-'.split('');
  // How long a notice for the person who just left ("nothing was stored") stays on the welcome screen.
  const NOTICE_MILLISECONDS = 10000;
  const $ = (id) => document.getElementById(id);

  const ui = {
    token: sessionStorage.getItem('fotobox.token'),
    language: DEFAULT_LANGUAGE,
    catalogues: {},
    snapshot: null,
    shownStep: null,
    previewToken: null,
    photoRevision: null,
    mirrorTimer: null,
    countdownTimer: null,
    countdownDeadline: null,
    countdownShown: null,
    timeoutTimer: null,
    timeoutDeadline: null,
    notice: null,
    speech: false,
    spoken: { guidance: null, problem: null, challenge: null },
    audio: null,
    // The station's screen and guidance (`GET /api/v1/station`).
    station: { layout: 'auto', oval: null, speech: false },
  };

  // ---- text -------------------------------------------------------------------------------------

  function t(key, values, language) {
    const catalogue = ui.catalogues[language || ui.language] || {};
    let text = catalogue[key];
    if (text === undefined) {
      console.error('missing translation', language || ui.language, key);
      text = (ui.catalogues.en || {})[key] || key;
    }
    if (values) for (const [name, value] of Object.entries(values)) text = text.split('{' + name + '}').join(String(value));
    return text;
  }

  function has(key) { return (ui.catalogues[ui.language] || {})[key] !== undefined; }

  async function loadCatalogue(language) {
    if (!ui.catalogues[language]) {
      const response = await fetch('i18n/' + language + '.json', { cache: 'no-store' });
      ui.catalogues[language] = await response.json();
    }
  }

  async function setLanguage(language) {
    if (!LANGUAGES.includes(language)) return;
    await loadCatalogue(language);
    ui.language = language;
    document.documentElement.lang = language;
    document.documentElement.dir = language === 'ar' ? 'rtl' : 'ltr';
    for (const element of document.querySelectorAll('[data-i18n]')) element.textContent = t(element.dataset.i18n);
    for (const element of document.querySelectorAll('[data-i18n-label]')) element.setAttribute('aria-label', t(element.dataset.i18nLabel));
    for (const element of document.querySelectorAll('[data-i18n-alt]')) element.setAttribute('alt', t(element.dataset.i18nAlt));
    for (const button of document.querySelectorAll('button.lang')) button.setAttribute('aria-current', String(button.dataset.lang === language));
    $('keypad-back') && $('keypad-back').setAttribute('aria-label', t('caseNumber.backspace'));
    ui.spoken = { guidance: null, problem: null, challenge: null };
    if (ui.snapshot) render(ui.snapshot);
  }

  // ---- sound and speech -------------------------------------------------------------------------

  // Speech comes from the station (espeak-ng, local): the page asks for the text in the visitor's language
  // and plays it. Only with "Vorlesen" on; it ends with the visit.
  function speak(text) {
    if (!ui.speech || !text) return;
    const audio = $('speech');
    audio.dataset.lang = ui.language;
    audio.src = '/api/v1/speech?lang=' + encodeURIComponent(ui.language) + '&text=' + encodeURIComponent(text.slice(0, 600));
    audio.play().catch(() => {});
  }

  // Beeps for the countdown and the shutter: for everyone, since nobody watches the screen while looking
  // into the lens. Web Audio, so nothing is fetched.
  function beep(frequency, milliseconds, name) {
    document.body.dataset.sound = name;
    try {
      ui.audio = ui.audio || new AudioContext();
      const oscillator = ui.audio.createOscillator();
      const gain = ui.audio.createGain();
      oscillator.frequency.value = frequency;
      gain.gain.value = 0.2;
      oscillator.connect(gain).connect(ui.audio.destination);
      oscillator.start();
      oscillator.stop(ui.audio.currentTime + milliseconds / 1000);
    } catch (error) { /* no audio device: the numbers are still on the screen */ }
  }

  function setSpeech(on) {
    ui.speech = on;
    $('read-aloud').setAttribute('aria-pressed', String(on));
    if (!on) { const audio = $('speech'); audio.pause(); audio.removeAttribute('src'); }
  }

  function setLargeText(on) {
    document.documentElement.classList.toggle('large-text', on);
    $('large-text').setAttribute('aria-pressed', String(on));
  }

  // What the screen says, for reading aloud: the heading and the explaining text of the step.
  function stepText(section) {
    const element = document.querySelector('section[data-step="' + section + '"]');
    if (!element) return '';
    const parts = [];
    for (const part of element.querySelectorAll('h1, .lead, [data-speak], ul.plain li, dl, #receipt-delivery, .banner:not([hidden]) , #retakes')) {
      if (part.offsetParent !== null && part.textContent.trim()) parts.push(part.textContent.trim());
    }
    return parts.join('. ');
  }

  // ---- layout -----------------------------------------------------------------------------------

  // "low": every control in the lower part of the screen, reachable seated. The station says which layout
  // its screen needs (by its mounting height); "auto" is low on a portrait screen.
  function applyLayout() {
    const wanted = ui.station.layout || 'auto';
    const low = wanted === 'low' || (wanted === 'auto' && window.matchMedia('(orientation: portrait)').matches);
    document.body.classList.toggle('low', low);
  }

  // ---- server -----------------------------------------------------------------------------------

  async function api(method, path, body) {
    const headers = { 'Accept': 'application/json' };
    if (ui.token) headers['X-Visit-Token'] = ui.token;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const token = ui.token;
    try {
      const response = await fetch('/api/v1/' + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
      const json = await response.json().catch(() => ({}));
      return { status: response.status, json, token };
    } catch (error) {
      return { status: 0, json: { error: 'connection' }, token };
    }
  }

  async function act(path, body) {
    const { status, json, token } = await api('POST', 'visit/' + path, body);
    if (status === 200) render(json, token);
    else if (status === 403) forget();
    else if (status === 0) showProblem(t('problem.connection'));
    else refresh();
    return { status, json };
  }

  async function refresh() {
    const { status, json, token } = await api('GET', 'visit');
    if (status === 200) render(json, token);
  }

  function forget() {
    ui.snapshot = null;
    ui.token = null;
    sessionStorage.removeItem('fotobox.token');
    refresh();
  }

  // ---- rendering --------------------------------------------------------------------------------

  // `token`: the one the snapshot was asked with. An answer to an older question (asked before this tab
  // got its token, or before the visit ended) is dropped, and so is one older than what is shown.
  function render(snapshot, token) {
    if (token !== undefined && token !== ui.token) return;
    if (ui.snapshot && token === ui.shownToken && snapshot.revision < ui.snapshot.revision) return;
    ui.snapshot = snapshot;
    ui.shownToken = ui.token;
    if (ui.token && !snapshot.owned) { ui.token = null; sessionStorage.removeItem('fotobox.token'); }
    // The visit's language for its owner; between visits the station's (the next person starts in German).
    const language = snapshot.owned ? snapshot.language : (snapshot.active ? ui.language : snapshot.language || DEFAULT_LANGUAGE);
    if (language !== ui.language) { setLanguage(language); return; }
    applyLayout();
    const outOfOrder = !snapshot.active && (snapshot.faults || []).length > 0;
    const step = snapshot.owned ? snapshot.step : (outOfOrder ? 'out-of-order' : 'welcome');
    // The challenge and the capture happen on the guidance screen (the preview stays).
    const section = step === 'capture' || step === 'challenge' ? 'guidance' : step;
    document.body.dataset.step = step;
    for (const element of document.querySelectorAll('section[data-step]')) element.hidden = element.dataset.step !== section;
    $('cancel').hidden = !snapshot.owned || step === 'receipt' || step === 'queued' || step === 'come-back-later';
    if ($('cancel').hidden) closeCancel();
    $('busy').hidden = !(snapshot.active && !snapshot.owned);
    for (const button of document.querySelectorAll('button.start')) button.disabled = snapshot.active && !snapshot.owned;
    const index = PROGRESS.indexOf(section === 'summary' ? 'signature' : section);
    $('progress').textContent = index >= 0 ? t('common.step', { n: index + 1, total: PROGRESS.length }) : '';

    renderOutOfOrder(outOfOrder);
    renderNotice(step);
    renderProblem(snapshot);
    renderCamera(snapshot, step);
    renderReview(snapshot, step);
    renderSummary(snapshot, step);
    renderSignature(step);
    // With the pad down, the main button tries the pad again; "sign again" makes no sense then.
    const padDown = step === 'signature' && snapshot.problem === 'pad-unavailable';
    $('signature-accept').textContent = t(padDown ? 'signature.tryAgain' : 'signature.accept');
    $('signature-retry').hidden = padDown;
    if (step === 'signature' || step === 'summary') $('summary-case').textContent = snapshot.caseNumber || '';
    if (step === 'receipt' && snapshot.receipt) {
      $('receipt-case').textContent = snapshot.receipt.caseNumber;
      $('receipt-code').textContent = snapshot.receipt.confirmationCode;
      $('receipt-delivery').textContent = t(snapshot.receipt.officeReachable ? 'receipt.sent' : 'receipt.later');
      $('receipt-delivery').className = snapshot.receipt.officeReachable ? '' : 'banner info';
    }
    renderTimeout(snapshot, step);

    if (ui.shownStep !== step) {
      ui.shownStep = step;
      if (step === 'welcome' || step === 'out-of-order') forgetVisitOnScreen();
      // Refused after the challenge: the visit's data goes from the screen too, but the person may still
      // be listening (read aloud) or reading large text until they leave.
      if (step === 'come-back-later') forgetVisitOnScreen({ keepSettings: true });
      if (step !== 'case-number') { $('case-input').value = ''; $('case-error').hidden = true; }
      const heading = document.querySelector('section[data-step="' + section + '"] h1');
      if (heading) heading.setAttribute('tabindex', '-1');
      // Focus moves to the new step's heading (a screen reader reads it once); the field on the case number.
      if (step === 'case-number') $('case-input').focus(); else if (heading) heading.focus();
      if (step !== 'capture' && step !== 'challenge') speak(stepText(section));
    }
    speakChanges(snapshot, step);
  }

  function speakChanges(snapshot, step) {
    const problem = $('problem').hidden ? null : $('problem').textContent;
    if (problem && problem !== ui.spoken.problem) speak(problem);
    ui.spoken.problem = problem;
    const guidance = step === 'guidance' ? snapshot.guidance : null;
    if (guidance && guidance !== ui.spoken.guidance && !problem) speak($('guidance').textContent);
    ui.spoken.guidance = guidance;
    // The challenge's prompt is spoken once when it appears (with "Vorlesen" on), like the guidance.
    const challenge = step === 'challenge' ? (snapshot.challenge || 'wait') : null;
    if (challenge && challenge !== ui.spoken.challenge) speak($('guidance').textContent);
    ui.spoken.challenge = challenge;
  }

  // The page keeps nothing of a finished or abandoned visit either: texts, photo, signature, settings.
  function forgetVisitOnScreen(options) {
    for (const id of ['case-input']) $(id).value = '';
    for (const id of ['summary-case', 'receipt-case', 'receipt-code', 'receipt-delivery', 'review-findings', 'retakes', 'case-error', 'summary-warning', 'summary-photo']) $(id).textContent = '';
    $('review-advice').hidden = true;
    $('summary-warning').hidden = true;
    $('photo').removeAttribute('src');
    $('preview').removeAttribute('src');
    ui.previewToken = null;
    const canvas = $('signature-mirror');
    canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
    closeCancel();
    if (options && options.keepSettings) return;
    setSpeech(false);
    setLargeText(false);
  }

  function renderOutOfOrder(outOfOrder) {
    const box = $('out-of-order-texts');
    if (!outOfOrder) { box.textContent = ''; return; }
    if (box.childElementCount) return;
    // Every language at once: nobody has chosen one, and nobody should have to.
    for (const language of LANGUAGES) {
      const paragraph = document.createElement('p');
      paragraph.lang = language;
      paragraph.dir = language === 'ar' ? 'rtl' : 'ltr';
      const title = document.createElement('strong');
      title.textContent = t('outOfOrder.title', null, language) + ' ';
      paragraph.append(title, t('outOfOrder.text', null, language));
      box.appendChild(paragraph);
    }
  }

  function renderNotice(step) {
    const notice = $('notice');
    const show = ui.notice && step === 'welcome' && Date.now() < ui.notice.until;
    if (!show) { ui.notice = step === 'welcome' ? ui.notice : null; notice.hidden = true; notice.textContent = ''; return; }
    notice.textContent = ui.notice.text;
    notice.lang = ui.notice.language;
    notice.dir = ui.notice.language === 'ar' ? 'rtl' : 'ltr';
    notice.hidden = false;
  }

  // A notice for the person who just ended their visit, in their language, for a few seconds.
  function leaveNotice(key) {
    ui.notice = { text: t(key), language: ui.language, until: Date.now() + NOTICE_MILLISECONDS };
    setTimeout(() => { if (ui.snapshot) render(ui.snapshot); }, NOTICE_MILLISECONDS + 100);
  }

  // `kind`: 'problem' (something to fix) or 'info' (the liveness retry: nobody did anything wrong).
  function showProblem(text, kind) {
    $('problem').textContent = text;
    $('problem').hidden = !text;
    $('problem').className = 'banner ' + (kind || 'problem');
  }

  function renderProblem(snapshot) {
    if (!snapshot.owned || !snapshot.problem) { showProblem(''); return; }
    let text = t('problem.' + snapshot.problem);
    if (snapshot.problemAdvice) text += ' ' + t('guidance.' + snapshot.problemAdvice);
    showProblem(text, snapshot.problem === 'challenge-retry' ? 'info' : 'problem');
  }

  function renderCamera(snapshot, step) {
    const live = (step === 'guidance' || step === 'challenge' || step === 'capture') && snapshot.camera !== 'unavailable';
    const preview = $('preview');
    if (live && ui.previewToken !== ui.token) {
      ui.previewToken = ui.token;
      preview.src = '/api/v1/preview?token=' + encodeURIComponent(ui.token);
    } else if (!live && ui.previewToken) {
      // Never a frozen frame: no camera, no picture.
      ui.previewToken = null;
      preview.removeAttribute('src');
    }
    if (live) placeOval();
    const guidance = $('guidance');
    if (step === 'guidance') {
      const code = snapshot.camera === 'unavailable' ? null : (snapshot.guidance || 'no-face');
      guidance.textContent = code ? t('guidance.' + code) : '';
      guidance.className = 'guidance ' + (code === 'good' ? 'good' : 'change');
      $('oval').classList.toggle('good', code === 'good');
    } else if (step === 'challenge') {
      // The movement asked for, once its moment has come; before that, "look into the camera".
      guidance.textContent = t('challenge.' + (snapshot.challenge || 'wait'));
      guidance.className = 'guidance challenge';
      $('oval').classList.remove('good');
    } else if (step === 'capture') {
      guidance.textContent = t('capture.hold');
      guidance.className = 'guidance';
    }
    renderChallengeArrow(step === 'challenge' ? snapshot.challenge : null);
    // During the challenge the photo button is off, and the screen may scroll (landscape): the scrolling
    // region itself then takes the keyboard focus, so it can be scrolled without a pointer.
    if (step === 'challenge') $('main').setAttribute('tabindex', '0'); else $('main').removeAttribute('tabindex');
    $('auto-hint').hidden = !(step === 'guidance' && snapshot.autoCaptureSeconds && snapshot.camera !== 'unavailable');
    const noPerson = !snapshot.guidance || snapshot.guidance === 'no-face' || snapshot.guidance === 'only-one-person';
    $('take-photo').disabled = step !== 'guidance' || snapshot.camera === 'unavailable' || noPerson;
    // The countdown runs locally towards the moment the server starts the burst.
    if (step === 'capture' && typeof snapshot.countdownSeconds === 'number') {
      ui.countdownDeadline = Date.now() + snapshot.countdownSeconds * 1000;
      if (!ui.countdownTimer) { ui.countdownShown = null; ui.countdownTimer = setInterval(tickCountdown, 100); }
      tickCountdown();
    } else {
      clearInterval(ui.countdownTimer);
      ui.countdownTimer = null;
      ui.countdownShown = null;
      $('countdown').hidden = true;
    }
  }

  // The arrow of the challenge's movement, over the preview; a short tone when it appears, since the person
  // may be looking into the lens. Its animation stops under prefers-reduced-motion (style.css).
  function renderChallengeArrow(challenge) {
    const arrow = $('challenge-arrow');
    if (!challenge) { arrow.hidden = true; arrow.dataset.challenge = ''; arrow.textContent = ''; return; }
    if (arrow.dataset.challenge === challenge && !arrow.hidden) return;
    arrow.dataset.challenge = challenge;
    arrow.textContent = { 'turn-left': '←', 'turn-right': '→', 'nod': '↕' }[challenge] || '';
    arrow.hidden = false;
    beep(660, 120, 'challenge');
  }

  // The oval where the guidance measures: the station's numbers, on the frame's own proportions.
  function placeOval() {
    const oval = ui.station.oval;
    const image = $('preview');
    if (!oval || !image.naturalWidth || !image.naturalHeight) return;
    $('camera').style.aspectRatio = image.naturalWidth + ' / ' + image.naturalHeight;
    const element = $('oval');
    element.style.left = (oval.centerX * 100) + '%';
    element.style.top = (oval.centerY * 100) + '%';
    element.style.height = (oval.height * 100) + '%';
    element.style.width = (oval.height * oval.aspect * image.naturalHeight / image.naturalWidth * 100) + '%';
  }

  function tickCountdown() {
    const left = Math.max(0, Math.ceil((ui.countdownDeadline - Date.now()) / 1000));
    const element = $('countdown');
    element.hidden = false;
    element.textContent = left > 0 ? String(left) : '';
    if (left !== ui.countdownShown) {
      ui.countdownShown = left;
      if (left > 0) { beep(880, 150, 'countdown-' + left); speak(String(left)); }
      else { beep(1760, 60, 'shutter'); $('guidance').textContent = t('capture.processing'); }
    }
  }

  function adviceText(code) {
    return has('advice.' + code) ? t('advice.' + code) : t('guidance.' + code);
  }

  function checkText(check) {
    return has('check.' + check) ? t('check.' + check) : t('check.other');
  }

  // Why the office may refuse the photo, and what helps: one line per failed check.
  function findingsOf(photo) {
    if (!photo || photo.compliant) return [];
    const findings = photo.findings && photo.findings.length ? photo.findings : [{ check: 'other', advice: 'ask-staff' }];
    return findings.map((finding) => checkText(finding.check) + ' ' + adviceText(finding.advice));
  }

  function renderReview(snapshot, step) {
    if (step !== 'review') { ui.photoRevision = null; if (step !== 'summary') $('photo').removeAttribute('src'); return; }
    if (ui.photoRevision === null) {
      ui.photoRevision = snapshot.revision;
      $('photo').src = '/api/v1/visit/photo?token=' + encodeURIComponent(ui.token) + '&r=' + snapshot.revision;
    }
    const left = snapshot.retakesLeft || 0;
    $('retakes').textContent = left > 0 ? t('review.retakesLeft', { n: left }) : t('review.noRetakes');
    $('retake').disabled = left <= 0;
    const lines = findingsOf(snapshot.photo);
    $('review-advice').hidden = lines.length === 0;
    $('review-advice-title').textContent = t('review.notCompliant');
    const list = $('review-findings');
    list.textContent = '';
    for (const line of lines) {
      const item = document.createElement('li');
      item.textContent = line;
      list.appendChild(item);
    }
  }

  // On the signature screen (what the signature sends) and on the summary after a failed send.
  function renderSummary(snapshot, step) {
    if (step !== 'signature' && step !== 'summary') return;
    const lines = findingsOf(snapshot.photo);
    $('summary-photo').textContent = t(lines.length ? 'summary.photoMayBeRefused' : 'summary.photoOk');
    $('summary-warning').hidden = lines.length === 0;
    $('summary-warning').textContent = lines.length ? t('summary.warning') + ' ' + lines.join(' ') : '';
  }

  function renderSignature(step) {
    if (step === 'signature' && !ui.mirrorTimer) {
      ui.mirrorTimer = setInterval(drawMirror, 250);
    } else if (step !== 'signature' && ui.mirrorTimer) {
      clearInterval(ui.mirrorTimer);
      ui.mirrorTimer = null;
      const canvas = $('signature-mirror');
      canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
    }
  }

  async function drawMirror() {
    const { status, json } = await api('GET', 'visit/signature');
    if (status !== 200) return;
    const canvas = $('signature-mirror');
    const context = canvas.getContext('2d');
    canvas.height = Math.round(canvas.width / (json.aspect || 1.6));
    context.clearRect(0, 0, canvas.width, canvas.height);
    context.strokeStyle = '#10243e';
    context.lineCap = 'round';
    context.lineJoin = 'round';
    for (const stroke of json.strokes || []) {
      for (let i = 1; i < stroke.length; i++) {
        context.lineWidth = 2 + 4 * stroke[i][2];
        context.beginPath();
        context.moveTo(stroke[i - 1][0] * canvas.width, stroke[i - 1][1] * canvas.height);
        context.lineTo(stroke[i][0] * canvas.width, stroke[i][1] * canvas.height);
        context.stroke();
      }
    }
  }

  function renderTimeout(snapshot, step) {
    const left = snapshot.owned && snapshot.timeout ? snapshot.timeout.warningSecondsLeft : null;
    ui.timeoutStep = step;
    if (typeof left === 'number') {
      ui.timeoutDeadline = Date.now() + left * 1000;
      const opening = $('timeout').hidden;
      $('timeout').hidden = false;
      if (!ui.timeoutTimer) ui.timeoutTimer = setInterval(tickTimeout, 250);
      tickTimeout();
      if (opening) {
        $('timeout-continue').focus();
        speak(t('timeout.title') + ' ' + $('timeout-text').textContent);
      }
    } else {
      clearInterval(ui.timeoutTimer);
      ui.timeoutTimer = null;
      $('timeout').hidden = true;
    }
  }

  function tickTimeout() {
    const left = Math.max(0, Math.ceil((ui.timeoutDeadline - Date.now()) / 1000));
    // After sending nothing is lost any more: the page only goes back to the start.
    $('timeout-text').textContent = t(ui.timeoutStep === 'receipt' ? 'timeout.textReceipt' : 'timeout.text', { n: left });
    if (left === 0) refresh();
  }

  // ---- cancel -----------------------------------------------------------------------------------

  function openCancel() {
    $('cancel-dialog').hidden = false;
    $('cancel-no').focus();
    speak(t('cancel.title') + ' ' + t('cancel.text'));
  }

  function closeCancel() {
    if ($('cancel-dialog').hidden) return;
    $('cancel-dialog').hidden = true;
    if (document.activeElement === document.body || $('cancel-dialog').contains(document.activeElement)) $('cancel').focus();
  }

  // ---- input ------------------------------------------------------------------------------------

  // Types into the field at the cursor; a selection (the whole number after a refusal) is replaced.
  function typeIntoCase(text) {
    const input = $('case-input');
    const start = input.selectionStart ?? input.value.length;
    const end = input.selectionEnd ?? input.value.length;
    input.setRangeText(text, start, end, 'end');
    if (input.value.length > 64) input.value = input.value.slice(0, 64);
  }

  function buildKeypad() {
    const keypad = $('keypad');
    for (const key of KEYS) {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = key;
      button.dataset.key = key;
      keypad.appendChild(button);
    }
    const back = document.createElement('button');
    back.type = 'button';
    back.id = 'keypad-back';
    back.className = 'wide';
    back.innerHTML = '<span aria-hidden="true">⌫</span>';
    back.dataset.key = 'back';
    keypad.appendChild(back);
    keypad.addEventListener('click', (event) => {
      const button = event.target.closest('button');
      const key = button && button.dataset.key;
      if (!key) return;
      const input = $('case-input');
      if (key === 'back') {
        const start = input.selectionStart ?? input.value.length;
        const end = input.selectionEnd ?? input.value.length;
        if (start !== end) input.setRangeText('', start, end, 'end');
        else if (start > 0) input.setRangeText('', start - 1, start, 'end');
      } else {
        typeIntoCase(key);
      }
      $('case-error').hidden = true;
      input.focus();
    });
    $('keypad-clear').addEventListener('click', () => {
      $('case-input').value = '';
      $('case-error').hidden = true;
      $('case-input').focus();
    });
  }

  function wire() {
    for (const button of document.querySelectorAll('button.start')) {
      button.addEventListener('click', async () => {
        ui.notice = null;
        await setLanguage(button.dataset.start);
        const { status, json } = await api('POST', 'visit', { language: button.dataset.start });
        if (status === 201) {
          ui.token = json.token;
          sessionStorage.setItem('fotobox.token', json.token);
          render(json.visit, json.token);
        } else {
          refresh();
        }
      });
    }
    for (const button of document.querySelectorAll('button.lang')) {
      button.addEventListener('click', async () => {
        await setLanguage(button.dataset.lang);
        if (ui.snapshot && ui.snapshot.owned) act('language', { language: button.dataset.lang });
      });
    }
    $('case-form').addEventListener('submit', async (event) => {
      event.preventDefault();
      const value = $('case-input').value.trim();
      if (!value) return;
      const { status, json } = await act('case-number', { caseNumber: value });
      if (status === 422) {
        $('case-error').textContent = t('caseNumber.refused.' + (json.reason || 'pattern'));
        $('case-error').hidden = false;
        speak($('case-error').textContent);
        $('case-input').select();
      }
    });
    $('case-input').addEventListener('input', () => { $('case-error').hidden = true; });
    // A barcode scanner types wherever the focus is: on the case-number step, send it to the field.
    document.addEventListener('keydown', (event) => {
      if (ui.shownStep === 'case-number' && document.activeElement !== $('case-input') && !event.ctrlKey && !event.altKey
          && (event.key.length === 1 || event.key === 'Enter') && $('cancel-dialog').hidden) {
        $('case-input').focus();
      }
      if (event.key === 'Escape' && !$('cancel-dialog').hidden) closeCancel();
    }, true);
    // A preview stream that broke (camera back after a failure, server restart) is opened again.
    $('preview').addEventListener('error', () => setTimeout(() => {
      const snapshot = ui.snapshot;
      const step = snapshot && snapshot.owned ? snapshot.step : null;
      if (ui.token && ui.previewToken && (step === 'guidance' || step === 'challenge' || step === 'capture')) {
        $('preview').src = '/api/v1/preview?token=' + encodeURIComponent(ui.token) + '&t=' + Date.now();
      }
    }, 2000));
    // The frame's own proportions, so that the oval sits where the guidance measures.
    $('preview').addEventListener('load', placeOval);
    $('consent-accept').addEventListener('click', () => act('consent', { accepted: true }));
    // Declining ends the visit: say so (nothing was stored), rather than return to the start in silence.
    $('consent-decline').addEventListener('click', async () => {
      leaveNotice('welcome.declined');
      const { status } = await act('consent', { accepted: false });
      if (status !== 200) ui.notice = null;
    });
    $('take-photo').addEventListener('click', () => act('capture'));
    $('accept-photo').addEventListener('click', () => act('review', { accept: true }));
    $('retake').addEventListener('click', () => act('review', { accept: false }));
    $('signature-accept').addEventListener('click', () => act('signature', { accept: true }));
    $('signature-retry').addEventListener('click', () => act('signature', { accept: false }));
    $('confirm').addEventListener('click', () => act('confirm'));
    $('finish').addEventListener('click', () => act('finish'));
    $('come-back-ok').addEventListener('click', () => act('finish'));
    $('cancel').addEventListener('click', openCancel);
    $('cancel-no').addEventListener('click', closeCancel);
    $('cancel-yes').addEventListener('click', async () => {
      $('cancel-dialog').hidden = true;
      leaveNotice('welcome.cancelled');
      await act('cancel');
    });
    $('timeout-continue').addEventListener('click', () => act('keep-alive'));
    $('read-aloud').addEventListener('click', () => {
      setSpeech(!ui.speech);
      if (ui.speech) speak(stepText(ui.shownStep === 'capture' || ui.shownStep === 'challenge' ? 'guidance' : ui.shownStep));
      if (ui.snapshot && ui.snapshot.owned) act('keep-alive');
    });
    $('large-text').addEventListener('click', () => {
      setLargeText(!document.documentElement.classList.contains('large-text'));
      if (ui.snapshot && ui.snapshot.owned) act('keep-alive');
    });
    window.matchMedia('(orientation: portrait)').addEventListener('change', applyLayout);
  }

  function listen() {
    const events = new EventSource('/api/v1/events');
    events.addEventListener('state', () => refresh());
    // A slow fallback in case an event is missed while reconnecting.
    setInterval(refresh, 5000);
  }

  async function start() {
    // All catalogues up front: the out-of-order screen speaks every language at once.
    await Promise.all(LANGUAGES.map(loadCatalogue));
    const station = await api('GET', 'station');
    if (station.status === 200) ui.station = station.json;
    $('read-aloud').hidden = !ui.station.speech;
    buildKeypad();
    wire();
    const { json, token } = await api('GET', 'visit');
    await setLanguage(json.owned ? json.language : (json.language || DEFAULT_LANGUAGE));
    render(json, token);
    listen();
  }

  start();
})();
