// Fotobox kiosk UI: plain JavaScript, no framework, no build step. Talks only to the station's own
// server (same origin). The server owns the visit; this page shows its state and sends the citizen's
// taps. State changes arrive as Server-Sent Events; the page then reloads the visit with its token.
'use strict';

(() => {
  const LANGUAGES = ['de', 'en', 'tr', 'uk', 'ar'];
  const PROGRESS = ['case-number', 'consent', 'guidance', 'review', 'signature', 'summary', 'receipt'];
  const KEYS = '1234567890ABCDEFGHIJKLMNOPQRSTUVWXYZ-'.split('');
  const $ = (id) => document.getElementById(id);

  const ui = {
    token: sessionStorage.getItem('fotobox.token'),
    language: 'de',
    catalogues: {},
    snapshot: null,
    shownStep: null,
    previewToken: null,
    photoRevision: null,
    mirrorTimer: null,
    countdownTimer: null,
    countdownDeadline: null,
    timeoutTimer: null,
    timeoutDeadline: null,
  };

  // ---- text -------------------------------------------------------------------------------------

  function t(key, values) {
    const catalogue = ui.catalogues[ui.language] || {};
    let text = catalogue[key];
    if (text === undefined) {
      console.error('missing translation', ui.language, key);
      text = (ui.catalogues.en || {})[key] || key;
    }
    if (values) for (const [name, value] of Object.entries(values)) text = text.split('{' + name + '}').join(String(value));
    return text;
  }

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
    if (ui.snapshot) render(ui.snapshot);
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
    if (snapshot.owned && snapshot.language !== ui.language) { setLanguage(snapshot.language); return; }
    const step = snapshot.owned ? snapshot.step : 'welcome';
    const section = step === 'capture' ? 'guidance' : step;
    document.body.dataset.step = step;
    for (const element of document.querySelectorAll('section[data-step]')) element.hidden = element.dataset.step !== section;
    $('cancel').hidden = !snapshot.owned || step === 'receipt' || step === 'queued';
    $('busy').hidden = !(snapshot.active && !snapshot.owned);
    for (const button of document.querySelectorAll('button.start')) button.disabled = snapshot.active && !snapshot.owned;
    const index = PROGRESS.indexOf(section);
    $('progress').textContent = index >= 0 ? t('common.step', { n: index + 1, total: PROGRESS.length }) : '';

    renderProblem(snapshot);
    renderCamera(snapshot, step);
    renderReview(snapshot, step);
    renderSignature(step);
    // With the pad down, the main button tries the pad again; "sign again" makes no sense then.
    const padDown = step === 'signature' && snapshot.problem === 'pad-unavailable';
    $('signature-accept').textContent = t(padDown ? 'signature.tryAgain' : 'signature.accept');
    $('signature-retry').hidden = padDown;
    if (step === 'summary') $('summary-case').textContent = snapshot.caseNumber || '';
    if (step === 'receipt' && snapshot.receipt) {
      $('receipt-case').textContent = snapshot.receipt.caseNumber;
      $('receipt-code').textContent = snapshot.receipt.confirmationCode;
      $('receipt-delivery').textContent = t(snapshot.receipt.officeReachable ? 'receipt.sent' : 'receipt.later');
      $('receipt-delivery').className = snapshot.receipt.officeReachable ? '' : 'banner info';
    }
    renderTimeout(snapshot);

    if (ui.shownStep !== step) {
      ui.shownStep = step;
      if (step === 'welcome') forgetVisitOnScreen();
      if (step !== 'case-number') { $('case-input').value = ''; $('case-error').hidden = true; }
      const heading = document.querySelector('section[data-step="' + section + '"] h1');
      if (heading) {
        heading.setAttribute('tabindex', '-1');
        $('announce').textContent = heading.textContent;
      }
      if (step === 'case-number') $('case-input').focus(); else if (heading) heading.focus();
    }
  }

  // The page keeps nothing of a finished or abandoned visit either: texts, photo, signature.
  function forgetVisitOnScreen() {
    for (const id of ['case-input']) $(id).value = '';
    for (const id of ['summary-case', 'receipt-case', 'receipt-code', 'receipt-delivery', 'review-advice', 'retakes', 'case-error']) $(id).textContent = '';
    $('photo').removeAttribute('src');
    $('preview').removeAttribute('src');
    ui.previewToken = null;
    const canvas = $('signature-mirror');
    canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
  }

  function showProblem(text) {
    $('problem').textContent = text;
    $('problem').hidden = !text;
  }

  function renderProblem(snapshot) {
    if (!snapshot.owned || !snapshot.problem) { showProblem(''); return; }
    let text = t('problem.' + snapshot.problem);
    if (snapshot.problemAdvice) text += ' ' + t('guidance.' + snapshot.problemAdvice);
    showProblem(text);
  }

  function renderCamera(snapshot, step) {
    const live = step === 'guidance' || step === 'capture';
    const preview = $('preview');
    if (live && ui.previewToken !== ui.token) {
      ui.previewToken = ui.token;
      preview.src = '/api/v1/preview?token=' + encodeURIComponent(ui.token);
    } else if (!live && ui.previewToken) {
      ui.previewToken = null;
      preview.removeAttribute('src');
    }
    const guidance = $('guidance');
    if (step === 'guidance') {
      const code = snapshot.camera === 'unavailable' ? null : (snapshot.guidance || 'no-face');
      guidance.textContent = code ? t('guidance.' + code) : '';
      guidance.className = 'guidance ' + (code === 'good' ? 'good' : 'change');
    } else if (step === 'capture') {
      guidance.textContent = t('capture.hold');
      guidance.className = 'guidance';
    }
    $('take-photo').disabled = step !== 'guidance' || snapshot.camera === 'unavailable';
    // The countdown runs locally towards the moment the server starts the burst.
    if (step === 'capture' && typeof snapshot.countdownSeconds === 'number') {
      ui.countdownDeadline = Date.now() + snapshot.countdownSeconds * 1000;
      if (!ui.countdownTimer) ui.countdownTimer = setInterval(tickCountdown, 100);
      tickCountdown();
    } else {
      clearInterval(ui.countdownTimer);
      ui.countdownTimer = null;
      $('countdown').hidden = true;
    }
  }

  function tickCountdown() {
    const left = Math.ceil((ui.countdownDeadline - Date.now()) / 1000);
    const element = $('countdown');
    element.hidden = false;
    element.textContent = left > 0 ? String(left) : '';
    if (left <= 0) $('guidance').textContent = t('capture.processing');
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
    const advice = $('review-advice');
    const photo = snapshot.photo;
    if (photo && !photo.compliant) {
      advice.textContent = t('review.notCompliant') + ' ' + photo.advice.map((code) => t('guidance.' + code)).join(' ');
      advice.hidden = false;
    } else {
      advice.hidden = true;
    }
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

  function renderTimeout(snapshot) {
    const left = snapshot.owned && snapshot.timeout ? snapshot.timeout.warningSecondsLeft : null;
    if (typeof left === 'number') {
      ui.timeoutDeadline = Date.now() + left * 1000;
      $('timeout').hidden = false;
      if (!ui.timeoutTimer) {
        ui.timeoutTimer = setInterval(tickTimeout, 250);
        $('timeout-continue').focus();
      }
      tickTimeout();
    } else {
      clearInterval(ui.timeoutTimer);
      ui.timeoutTimer = null;
      $('timeout').hidden = true;
    }
  }

  function tickTimeout() {
    const left = Math.max(0, Math.ceil((ui.timeoutDeadline - Date.now()) / 1000));
    $('timeout-text').textContent = t('timeout.text', { n: left });
    if (left === 0) refresh();
  }

  // ---- input ------------------------------------------------------------------------------------

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
    back.textContent = '⌫';
    back.dataset.key = 'back';
    keypad.appendChild(back);
    keypad.addEventListener('click', (event) => {
      const key = event.target.dataset && event.target.dataset.key;
      if (!key) return;
      const input = $('case-input');
      input.value = key === 'back' ? input.value.slice(0, -1) : (input.value + key).slice(0, 64);
      $('case-error').hidden = true;
      input.focus();
    });
  }

  function wire() {
    for (const button of document.querySelectorAll('button.start')) {
      button.addEventListener('click', async () => {
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
        $('case-input').select();
      }
    });
    $('case-input').addEventListener('input', () => { $('case-error').hidden = true; });
    // A barcode scanner types wherever the focus is: on the case-number step, send it to the field.
    document.addEventListener('keydown', (event) => {
      if (ui.shownStep === 'case-number' && document.activeElement !== $('case-input') && !event.ctrlKey && !event.altKey
          && (event.key.length === 1 || event.key === 'Enter')) {
        $('case-input').focus();
      }
    }, true);
    // A preview stream that broke (camera back after a failure, server restart) is opened again.
    $('preview').addEventListener('error', () => setTimeout(() => {
      const step = ui.snapshot && ui.snapshot.owned ? ui.snapshot.step : null;
      if (ui.token && (step === 'guidance' || step === 'capture')) {
        $('preview').src = '/api/v1/preview?token=' + encodeURIComponent(ui.token) + '&t=' + Date.now();
      }
    }, 2000));
    $('consent-accept').addEventListener('click', () => act('consent', { accepted: true }));
    $('consent-decline').addEventListener('click', () => act('consent', { accepted: false }));
    $('take-photo').addEventListener('click', () => act('capture'));
    $('accept-photo').addEventListener('click', () => act('review', { accept: true }));
    $('retake').addEventListener('click', () => act('review', { accept: false }));
    $('signature-accept').addEventListener('click', () => act('signature', { accept: true }));
    $('signature-retry').addEventListener('click', () => act('signature', { accept: false }));
    $('confirm').addEventListener('click', () => act('confirm'));
    $('finish').addEventListener('click', () => act('finish'));
    $('cancel').addEventListener('click', () => act('cancel'));
    $('timeout-continue').addEventListener('click', () => act('keep-alive'));
  }

  function listen() {
    const events = new EventSource('/api/v1/events');
    events.addEventListener('state', () => refresh());
    // A slow fallback in case an event is missed while reconnecting.
    setInterval(refresh, 5000);
  }

  async function start() {
    await loadCatalogue('en');
    buildKeypad();
    wire();
    const { json, token } = await api('GET', 'visit');
    await setLanguage(json.owned ? json.language : (json.language || 'de'));
    render(json, token);
    listen();
  }

  start();
})();
