// CSV export with progress for the call-log pages. Without JavaScript the "Download CSV" link simply downloads the
// file. With it, the file is fetched here so the page can show how many calls have arrived (the export paces
// itself to the RingCentral rate limit, so a big one can take minutes), offer Cancel, and then save the file.
// Leaving the page or Cancel aborts the request, and the server stops reading from RingCentral.
(() => {
  'use strict';

  const link = document.getElementById('export-link');
  const cancel = document.getElementById('export-cancel');
  const status = document.getElementById('export-status');
  const progressBox = document.getElementById('export-progress');
  const bar = document.getElementById('export-bar');
  if (!link || !status || typeof window.fetch !== 'function' || typeof window.AbortController !== 'function') return;

  const number = new Intl.NumberFormat('en-US');
  let controller = null;

  const setStatus = (text) => {
    status.textContent = text;
  };

  const fileNameOf = (response) => {
    const disposition = response.headers.get('content-disposition') || '';
    const match = /filename="([^"\\/]+)"/.exec(disposition);
    return match ? match[1] : 'call-log.csv';
  };

  const finish = () => {
    controller = null;
    link.removeAttribute('aria-disabled');
    if (cancel) cancel.hidden = true;
    if (progressBox) progressBox.hidden = true;
  };

  // Counts CSV records: line breaks outside quoted cells (a quoted cell may hold one).
  const createCounter = () => {
    let inQuotes = false;
    let lines = 0;
    return {
      add(text) {
        for (let i = 0; i < text.length; i += 1) {
          const c = text.charCodeAt(i);
          if (c === 34) inQuotes = !inQuotes;
          else if (c === 10 && !inQuotes) lines += 1;
        }
      },
      get rows() {
        // The first line is the header.
        return Math.max(0, lines - 1);
      },
    };
  };

  const save = (chunks, name) => {
    const url = URL.createObjectURL(new Blob(chunks, { type: 'text/csv' }));
    const anchor = document.createElement('a');
    anchor.href = url;
    anchor.download = name;
    anchor.hidden = true;
    document.body.appendChild(anchor);
    anchor.click();
    anchor.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
  };

  const run = async () => {
    controller = new AbortController();
    const total = Number(link.dataset.total);
    const known = Number.isFinite(total) && total > 0;
    link.setAttribute('aria-disabled', 'true');
    if (cancel) cancel.hidden = false;
    if (progressBox && bar) {
      progressBox.hidden = false;
      if (known) bar.max = total;
      else bar.removeAttribute('value');
    }
    setStatus('Export started…');
    try {
      const response = await fetch(link.href, {
        signal: controller.signal,
        credentials: 'same-origin',
        headers: { accept: 'text/csv, application/json;q=0.9' },
      });
      if (!response.ok) {
        let message = `The export failed (HTTP ${response.status}).`;
        try {
          const body = await response.json();
          if (body && typeof body.message === 'string') message = `The export failed: ${body.message}.`;
        } catch {
          // Not JSON: keep the status line.
        }
        setStatus(message);
        return;
      }
      const expected = Number(response.headers.get('x-total-count'));
      const of = Number.isFinite(expected) && expected >= 0 ? expected : known ? total : NaN;
      if (bar && Number.isFinite(of) && of > 0) bar.max = of;
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      const counter = createCounter();
      const chunks = [];
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        counter.add(decoder.decode(value, { stream: true }));
        if (bar && Number.isFinite(of) && of > 0) bar.value = Math.min(counter.rows, of);
        setStatus(
          Number.isFinite(of)
            ? `Exporting: ${number.format(counter.rows)} of ${number.format(of)} calls…`
            : `Exporting: ${number.format(counter.rows)} calls…`,
        );
      }
      save(chunks, fileNameOf(response));
      setStatus(`Export complete: ${number.format(counter.rows)} calls saved.`);
    } catch (error) {
      setStatus(
        error && error.name === 'AbortError' ? 'Export cancelled.' : 'The export was interrupted. Please try again.',
      );
    } finally {
      finish();
    }
  };

  link.addEventListener('click', (event) => {
    // Let modified clicks (new tab, save link as) do what the browser does with a link.
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    if (controller) return;
    void run();
  });

  if (cancel) {
    cancel.addEventListener('click', () => {
      if (controller) controller.abort();
    });
  }

  window.addEventListener('pagehide', () => {
    if (controller) controller.abort();
  });
})();
