// Last page of a popup login: tells the page that opened the popup how the login ended, then closes the popup.
// With no opener (the page was opened directly), the visible Continue link does the job.
(() => {
  'use strict';

  const MESSAGE_TYPE = 'rc-authflow:login';
  const CHANNEL_NAME = 'rc-authflow-login';
  // How long to wait for the opener to acknowledge over the BroadcastChannel before giving up on closing.
  const ACK_TIMEOUT_MS = 5000;

  const root = document.getElementById('popup-done');
  if (!root) return;

  const next = root.dataset.next;
  const message = {
    type: MESSAGE_TYPE,
    ok: root.dataset.ok === 'true',
    next: typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') ? next : '/',
    message: root.dataset.message || '',
  };

  let opener = null;
  try {
    opener = window.opener && !window.opener.closed ? window.opener : null;
  } catch {
    opener = null;
  }

  if (opener) {
    // Target our own origin only: the result never goes to a page of another site.
    opener.postMessage(message, location.origin);
    window.close();
    return;
  }

  if (typeof BroadcastChannel !== 'function') return;
  const channel = new BroadcastChannel(CHANNEL_NAME);
  const timer = window.setTimeout(() => channel.close(), ACK_TIMEOUT_MS);
  channel.addEventListener('message', (event) => {
    const data = event.data;
    if (typeof data === 'object' && data !== null && data.type === `${MESSAGE_TYPE}-ack`) {
      window.clearTimeout(timer);
      channel.close();
      window.close();
    }
  });
  channel.postMessage(message);
})();
