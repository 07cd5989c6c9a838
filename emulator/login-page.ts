/**
 * @module emulator/login-page
 * The authorize endpoint's sign-in page: the app's name and requested permissions, ONE `<form method="post">` with
 * `username` and `password`, hidden inputs carrying the authorization request, and Sign in / Cancel buttons.
 * Everything echoed is escaped by the `html` template; styles are inline with a CSP nonce.
 */
import { html, type SafeHtml } from './html.js';

/** The authorization request the form carries through hidden inputs. */
export type HiddenFields = Readonly<Record<string, string>>;

/** What the page shows. */
export interface LoginPageModel {
  readonly appName: string;
  readonly permissions: readonly string[];
  readonly hidden: HiddenFields;
  readonly username?: string;
  readonly error?: string;
  readonly nonce: string;
  readonly demoUsers: readonly { readonly username: string; readonly password: string; readonly note: string }[];
}

const PERMISSION_TEXT: Record<string, string> = {
  ReadAccounts: 'Read your account, extension and company directory information',
  ReadCallLog: 'Read call log records',
  ReadContacts: 'Read your personal contacts',
  Contacts: 'Create, change and delete your personal contacts',
  ReadPresence: 'See the presence status of you and your colleagues',
};

/** Renders the sign-in page. */
export function renderLoginPage(m: LoginPageModel): string {
  const hidden: SafeHtml[] = Object.entries(m.hidden).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}" />`,
  );
  const page = html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>Sign in - RingCentral (emulator)</title>
        <style nonce="${m.nonce}">
          :root {
            color-scheme: light;
            font-family:
              system-ui,
              -apple-system,
              'Segoe UI',
              Roboto,
              sans-serif;
          }
          body {
            margin: 0;
            background: #f3f5f8;
            color: #1f2933;
          }
          main {
            max-width: 420px;
            margin: 48px auto;
            background: #fff;
            border-radius: 12px;
            padding: 32px;
            box-shadow: 0 2px 12px rgba(15, 23, 42, 0.08);
          }
          .brand {
            /* RingCentral's orange, darkened to 4.8:1 on white: #ff8800 (2.4:1) is too faint for text (WCAG 1.4.3). */
            color: #b35900;
            font-weight: 700;
            letter-spacing: 0.02em;
            margin: 0 0 4px;
          }
          .tag {
            font-size: 12px;
            color: #6b7280;
            margin: 0 0 24px;
          }
          h1 {
            font-size: 20px;
            margin: 0 0 8px;
          }
          p.app {
            margin: 0 0 16px;
            color: #374151;
          }
          ul.perms {
            margin: 0 0 20px;
            padding-left: 20px;
            color: #374151;
            font-size: 14px;
          }
          label {
            display: block;
            font-size: 14px;
            font-weight: 600;
            margin: 12px 0 4px;
          }
          input[type='email'],
          input[type='text'],
          input[type='password'] {
            width: 100%;
            box-sizing: border-box;
            padding: 10px 12px;
            border: 1px solid #cbd2d9;
            border-radius: 8px;
            font-size: 15px;
          }
          input:focus {
            outline: 2px solid #0073ae;
            outline-offset: 1px;
          }
          .actions {
            display: flex;
            gap: 12px;
            margin-top: 24px;
          }
          button {
            flex: 1;
            padding: 11px 0;
            border-radius: 8px;
            font-size: 15px;
            font-weight: 600;
            cursor: pointer;
          }
          button.primary {
            background: #0073ae;
            border: 1px solid #0073ae;
            color: #fff;
          }
          button.secondary {
            background: #fff;
            border: 1px solid #cbd2d9;
            color: #1f2933;
          }
          .error {
            background: #fdecea;
            color: #8a1c12;
            border-radius: 8px;
            padding: 10px 12px;
            margin: 0 0 12px;
            font-size: 14px;
          }
          details {
            margin-top: 24px;
            font-size: 13px;
            color: #4b5563;
          }
          table {
            border-collapse: collapse;
            margin-top: 8px;
          }
          td {
            padding: 2px 10px 2px 0;
            font-family: ui-monospace, monospace;
          }
        </style>
      </head>
      <body>
        <main>
          <p class="brand">RingCentral</p>
          <p class="tag">Local emulator - no real account is used</p>
          <h1>Sign in</h1>
          <p class="app"><strong>${m.appName}</strong> is requesting access to your RingCentral account:</p>
          <ul class="perms">
            ${m.permissions.map((p) => html`<li>${PERMISSION_TEXT[p] ?? p} <small>(${p})</small></li>`)}
          </ul>
          ${m.error !== undefined ? html`<p class="error" role="alert">${m.error}</p>` : ''}
          <form method="post" action="/restapi/oauth/authorize" autocomplete="on">
            ${hidden}
            <label for="username">Email</label>
            <input
              id="username"
              name="username"
              type="email"
              autocomplete="username"
              required
              value="${m.username ?? ''}"
            />
            <label for="password">Password</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required />
            <div class="actions">
              <button class="primary" type="submit" name="action" value="signin">Sign in</button>
              <button class="secondary" type="submit" name="action" value="cancel" formnovalidate>Cancel</button>
            </div>
          </form>
          <details>
            <summary>Demo users</summary>
            <table>
              ${m.demoUsers.map(
                (u) =>
                  html`<tr>
                    <td>${u.username}</td>
                    <td>${u.password}</td>
                    <td>${u.note}</td>
                  </tr>`,
              )}
            </table>
          </details>
        </main>
      </body>
    </html> `;
  return page.value;
}
