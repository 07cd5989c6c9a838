// Popup login for the login page (seed 000 style): opens the same-origin popup-login URL in a small window, waits
// for the popup's last page to report the result, then moves this page on. Without JavaScript the button is a
// plain link to the full-page login, so nothing here is required for logging in.
(() => {
  'use strict';

  const MESSAGE_TYPE = 'rc-authflow:login';
  const CHANNEL_NAME = 'rc-authflow-login';
  const POLL_MS = 500;
  // Stop watching a forgotten popup after 15 minutes.
  const MAX_POLLS = (15 * 60 * 1000) / POLL_MS;

  const button = document.getElementById('popup-login');
  const status = document.getElementById('popup-status');
  if (!button || !button.dataset.popupUrl) return;

  let popup = null;
  let pollTimer = 0;
  let polls = 0;
  let finished = false;

  const setStatus = (text) => {
    if (status) status.textContent = text;
  };

  const sameOriginPath = (value, fallback) =>
    typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') && !value.includes('\\')
      ? value
      : fallback;

  const stopWatching = () => {
    if (pollTimer) window.clearInterval(pollTimer);
    pollTimer = 0;
  };

  const isLoginMessage = (data) =>
    typeof data === 'object' && data !== null && data.type === MESSAGE_TYPE && typeof data.ok === 'boolean';

  const finish = (data) => {
    if (finished) return;
    stopWatching();
    if (data.ok) {
      finished = true;
      setStatus('Logged in. Loading your page…');
      location.assign(sameOriginPath(data.next, '/test'));
      return;
    }
    const reason = typeof data.message === 'string' && data.message !== '' ? ` ${data.message}` : '';
    setStatus(`The login did not complete.${reason} You can try again.`);
  };

  window.addEventListener('message', (event) => {
    // Only our own popup may report a login; other windows, origins and message types are ignored.
    if (!popup || event.source !== popup || event.origin !== location.origin || !isLoginMessage(event.data)) return;
    finish(event.data);
  });

  // A second channel for when the browser cut the popup off from this window (Cross-Origin-Opener-Policy):
  // the popup-done page is same-origin, so it can still reach this page through a BroadcastChannel.
  if (typeof BroadcastChannel === 'function') {
    const channel = new BroadcastChannel(CHANNEL_NAME);
    channel.addEventListener('message', (event) => {
      // Only while this page has a login popup open; other tabs of the site ignore it.
      if (!popup || finished || !isLoginMessage(event.data)) return;
      channel.postMessage({ type: `${MESSAGE_TYPE}-ack` });
      finish(event.data);
    });
  }

  const watch = () => {
    stopWatching();
    polls = 0;
    pollTimer = window.setInterval(() => {
      polls += 1;
      if (finished || polls > MAX_POLLS) {
        stopWatching();
        return;
      }
      if (popup && popup.closed) {
        stopWatching();
        setStatus('The login window was closed before the login finished. You can try again.');
      }
    }, POLL_MS);
  };

  button.addEventListener('click', (event) => {
    event.preventDefault();
    if (popup && !popup.closed) {
      popup.focus();
      return;
    }
    const width = 500;
    const height = 640;
    const left = Math.max(0, Math.round(window.screenX + (window.outerWidth - width) / 2));
    const top = Math.max(0, Math.round(window.screenY + (window.outerHeight - height) / 2));
    popup = window.open(
      button.dataset.popupUrl,
      'rc-authflow-login',
      `popup=yes,width=${width},height=${height},left=${left},top=${top}`,
    );
    if (!popup) {
      // Pop-ups blocked: fall back to the full-page login.
      setStatus('Pop-ups are blocked for this site; continuing the login in this window.');
      location.assign(button.href);
      return;
    }
    finished = false;
    setStatus('Waiting for the login in the popup window…');
    popup.focus();
    watch();
  });
})();
