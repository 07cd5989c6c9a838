/**
 * @module readiness/readiness-text
 * The readiness report as text, for `npm run doctor -- --readiness`.
 */
import type { ReadinessReport } from './readiness-report.js';

function pad(value: string | number, width: number, right = false): string {
  const text = String(value);
  return right ? text.padStart(width) : text.padEnd(width);
}

/** A heading, the criteria with ✓/✗, and a table of the endpoints. */
export function formatReadinessReport(report: ReadinessReport): string {
  const lines = [
    `Production readiness since ${report.since}: ${report.ready ? 'READY' : 'NOT READY YET'}`,
    '',
    ...report.criteria.map((c) => `${c.ok ? '✓' : '✗'} ${c.text}: ${c.detail}`),
    '',
  ];
  if (report.endpoints.length === 0) {
    lines.push('No RingCentral API call was made in this period.');
  } else {
    lines.push(
      `${pad('Endpoint', 20)} ${pad('Calls', 6, true)} ${pad('2xx', 6, true)} ${pad('4xx', 6, true)} ${pad('429', 5, true)} ${pad('5xx', 5, true)} ${pad('4xx %', 7, true)}`,
    );
    for (const e of report.endpoints) {
      const share = `${(Math.round(e.clientErrorShare * 1000) / 10).toString()}%`;
      lines.push(
        `${pad(e.operationId, 20)} ${pad(e.calls, 6, true)} ${pad(e.success, 6, true)} ${pad(e.clientErrors, 6, true)} ${pad(e.rateLimited, 5, true)} ${pad(e.serverErrors, 5, true)} ${pad(share, 7, true)}`,
      );
    }
  }
  const { oauth, permissions } = report;
  lines.push(
    '',
    `Token requests ${oauth.tokenCalls} (refreshes ${oauth.refreshes}, failed ${oauth.refreshFailures}), revocations ${oauth.revocations}`,
    `Permissions requested: ${permissions.requested.join(', ') || 'unknown'}; used: ${permissions.used.join(', ') || 'none'}; unused: ${permissions.unused.join(', ') || 'none'}`,
  );
  return lines.join('\n');
}
