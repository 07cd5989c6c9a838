/**
 * The error-code explainer (codes, RingCentral's messages, the context a fix names), the "How to fix" line it puts
 * on the app's error pages, session-secret strength, and the doctor's report format.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixForError } from '../../../src/rc-api/error-fixes.js';
import { EXPLAINED_CODES, explainCode, explainRingCentralError } from '../../../src/rc-api/error-explanations.js';
import { formatDoctorReport } from '../../../src/doctor/run-doctor.js';
import { assessSecret, estimateBits } from '../../../src/doctor/secret-strength.js';
import { AppError, RestApiError } from '../../../src/errors.js';
import { errorPageModel } from '../../../src/web/pages.js';
import { createViews } from '../../../src/web/views/index.js';

describe('explain', () => {
  it('every code has a meaning and a one-line fix', () => {
    for (const code of EXPLAINED_CODES) {
      const explained = explainCode(code);
      assert.ok(explained, code);
      assert.ok(explained.meaning.length > 5, code);
      assert.ok(explained.fix.length > 20 && !explained.fix.includes('\n'), code);
    }
    for (const code of ['OAU-109', 'OAU-146', 'OAU-153', 'OAU-123', 'OAU-210', 'OAU-213', 'InsufficientPermissions']) {
      assert.ok(EXPLAINED_CODES.includes(code), code);
    }
  });

  it('a fix names the configured values: redirect URI, client id, permission, public app', () => {
    assert.match(
      explainCode('oau-109', { redirectUrl: 'https://app.example/cb' })!.fix,
      /register exactly "https:\/\/app\.example\/cb" \(RC_REDIRECT_URL\)/,
    );
    assert.match(explainCode('OAU-153', { clientId: 'abc' })!.fix, /client id "abc" \(RC_CLIENT_ID\)/);
    assert.match(
      explainCode('InsufficientPermissions', { permissionName: 'ReadCallLog' })!.fix,
      /add the "ReadCallLog" permission/,
    );
    assert.match(explainCode('OAU-146', { publicClient: true })!.fix, /^this app takes no client secret/);
    assert.match(explainCode('OAU-146')!.fix, /^RC_CLIENT_SECRET is not this app's client secret/);
    assert.match(explainCode('OAU-106', { parameterName: 'code_verifier' })!.fix, /PKCE code_verifier/);
    assert.match(explainCode('OAU-123')!.fix, /set RC_CLIENT_SECRET/);
    assert.match(explainCode('OAU-210')!.fix, /log in again/);
    assert.equal(explainCode('NOPE-1'), undefined);
  });

  it("RingCentral's errors are explained from their codes, or else their message", () => {
    assert.equal(explainRingCentralError({ codes: [undefined, 'CMN-401'] })?.code, 'CMN-401');
    assert.equal(explainRingCentralError({ codes: ['XYZ-1'], message: 'Redirect URIs do not match' })?.code, 'OAU-109');
    assert.equal(explainRingCentralError({ message: 'RingCentral: Access token expired' })?.code, 'OAU-128');
    assert.equal(explainRingCentralError({ message: 'RingCentral: Token expired' })?.code, 'OAU-210');
    assert.equal(explainRingCentralError({ message: 'RingCentral: Invalid client: x' })?.code, 'OAU-153');
    assert.equal(explainRingCentralError({ message: 'something else' }), undefined);
  });
});

describe('error page fixes', () => {
  const context = { redirectUrl: 'http://localhost:5000/oauth2callback' };

  it('a refused login and a missing permission get their fix; other errors none', () => {
    assert.match(
      fixForError('RCAPP_LOGIN_FAILED', 'RingCentral: Redirect URIs do not match', context) ?? '',
      /register exactly "http:\/\/localhost:5000\/oauth2callback"/,
    );
    assert.match(
      fixForError(
        'RCAPP_PERMISSION_DENIED',
        'RingCentral refused the call: it needs the "FullCompanyCallLog" permission, which this app or user does not have',
        context,
      ) ?? '',
      /"FullCompanyCallLog"/,
    );
    assert.equal(fixForError('RCAPP_NOT_FOUND', 'no such page', context), undefined);
  });

  it('the error page of an app error shows "How to fix", escaped', () => {
    const views = createViews();
    const fixes = { redirectUrl: 'http://x.example/<cb>' };
    const login = new AppError('RCAPP_LOGIN_FAILED', 'RingCentral: Redirect URIs do not match');
    const html = views.error(errorPageModel(login, undefined, fixes));
    assert.match(html, /<strong>How to fix:<\/strong> register exactly &quot;http:\/\/x\.example\/&lt;cb&gt;&quot;/);
    const plain = views.error(errorPageModel(new AppError('RCAPP_NOT_FOUND', 'no such page'), undefined, fixes));
    assert.doesNotMatch(plain, /How to fix/);
    const denied = new RestApiError(
      'RCAPP_PERMISSION_DENIED',
      'RingCentral refused the call: it needs the "ReadCallLog" permission, which this app or user does not have',
      { upstreamStatus: 403 },
    );
    assert.match(views.error(errorPageModel(denied, undefined, fixes)), /How to fix:<\/strong>[^<]*ReadCallLog/);
  });
});

describe('session secret strength', () => {
  it('random secrets are strong', () => {
    assert.equal(assessSecret('kY3v9Qm_2xLr8TzW-4bNc7HpFa1Ue6JsDg0Ro5Vi').strong, true);
    assert.equal(assessSecret('9f86d081884c7d659a2feaa0c55ad015').strong, true, '32 random hex characters');
    assert.equal(assessSecret('test-session-secret-0123456789-abcdefghij').strong, true, 'long enough despite a word');
  });

  it('weak ones say why', () => {
    assert.deepEqual(assessSecret('short').problem, 'it is shorter than 32 characters');
    assert.equal(assessSecret('somesecretstringsomesecretstring').problem, 'it is a repeated pattern');
    assert.equal(assessSecret('a'.repeat(40)).problem, 'it is a repeated pattern');
    assert.equal(
      assessSecret('abababababababababababababababcd').problem,
      'it uses fewer than 10 different characters',
    );
    assert.equal(assessSecret('my-super-secret-password-for-app').problem, 'it contains a placeholder word');
    assert.ok(estimateBits('aaaa') === 0);
  });
});

it('the doctor report: ✓ ✗ ! – lines, fixes under problems, and a summary', () => {
  const text = formatDoctorReport({
    ok: false,
    serverUrl: 'https://platform.example',
    results: [
      { id: 'config', title: 'Configuration valid', status: 'ok', detail: 'fine' },
      { id: 'credentials', title: 'Client', status: 'fail', detail: 'refused', fix: 'set it' },
      { id: 'session-store', title: 'Store', status: 'warn', detail: 'memory', fix: 'use embedded' },
      { id: 'callback', title: 'Callback', status: 'skip', detail: 'no app' },
    ],
  });
  assert.equal(
    text,
    [
      'rc-authflow doctor (RingCentral at https://platform.example)',
      '',
      '✓ Configuration valid: fine',
      '✗ Client: refused',
      '    fix: set it',
      '! Store: memory',
      '    fix: use embedded',
      '– Callback: no app',
      '',
      '1 problem found.',
    ].join('\n'),
  );
});
