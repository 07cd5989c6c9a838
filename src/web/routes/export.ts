/**
 * @module web/routes/export
 * `GET /export/call-log.csv?scope=extension|account[&dateFrom&dateTo][&direction][&type][&tz]`: every call of the
 * filtered range as CSV (see `explorer/csv.ts`), streamed page by page as RingCentral returns them (1,000 records
 * per call; nothing beyond the page being written is held). Each page call takes its slot in the user's shared
 * rate-limit budget (the governor, across instances on Redis), waiting (up to `EXPORT_MAX_WAIT_MS`) rather than
 * being refused, and a 429 RingCentral sends anyway is waited out, never passed on (`ringcentral/pages.ts`). The
 * first page is read before
 * anything is sent, so a refusal (e.g. the account call log without FullCompanyCallLog) is a proper error page;
 * a failure after that cuts the download off, so a partial file never looks complete. When the client leaves,
 * the reading stops at the next wait or call.
 *
 * Without dates the window is RingCentral's default, the 24 hours up to now, pinned when the export starts so the
 * pages cannot shift under it.
 * @see https://developers.ringcentral.com/api-reference/Call-Log/readUserCallLog
 * @see https://developers.ringcentral.com/api-reference/Call-Log/readCompanyCallLog
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { AppError, RCAPP_BAD_REQUEST, RCAPP_NOT_LOGGED_IN, RCAPP_SESSION_ENDED } from '../../errors.js';
import { readPages, type ListPage } from '../../ringcentral/pages.js';
import { storedCopyFor } from '../call-log-copies.js';
import { pageOf, selectRecords, simpleView, type CallLogCopy } from '../explorer/call-log-copy.js';
import { apiPage } from '../api-pages.js';
import type { AppContext } from '../context.js';
import { callLogCsv, csvHeader } from '../explorer/csv.js';
import { parseCallLogFilters, resolveDateRange, toRingCentralQuery, type CallLogFilters } from '../explorer/filters.js';
import { createZonedCalendar } from '../explorer/time-zone.js';
import { singleParam } from '../query.js';

const DAY_MS = 86_400_000;

/** What the export reads per step: a page of RingCentral's, or of the user's copy. */
type ExportPage = Pick<ListPage, 'records' | 'totalElements' | 'totalPages' | 'hasNext'>;

/** The filtered records of a copy, as pages of `perPage` (simple view, as the export reads RingCentral). */
// eslint-disable-next-line @typescript-eslint/require-await -- an async generator, as the RingCentral reader
async function* copyPages(
  copy: CallLogCopy,
  range: { from: number; to: number },
  filters: CallLogFilters,
  perPage: number,
): AsyncGenerator<ExportPage, void> {
  const records = selectRecords(copy, range, filters);
  const totalPages = Math.max(1, Math.ceil(records.length / perPage));
  for (let page = 1; page <= totalPages; page += 1) {
    const slice = pageOf(records, page, perPage);
    yield {
      records: simpleView(slice.records),
      totalElements: records.length,
      totalPages,
      hasNext: page < totalPages,
    };
  }
}

/** Streamed out in chunks of about this many bytes (a page of 1,000 calls is about 150 KB of CSV). */
const HIGH_WATER_MARK = 64 * 1024;

/**
 * An export page may wait this long for its rate-limit slot in the governor (a RingCentral window plus a penalty);
 * the client leaving ends any wait.
 */
const EXPORT_MAX_WAIT_MS = 10 * 60_000;

/** Registers `GET /export/call-log.csv`. */
export function registerExportRoute(app: FastifyInstance, ctx: AppContext): void {
  app.get('/export/call-log.csv', async (request, reply) => {
    const scope = singleParam(request.query, 'scope') ?? 'extension';
    if (scope !== 'extension' && scope !== 'account') {
      throw new AppError(RCAPP_BAD_REQUEST, 'parameter "scope" must be extension or account');
    }
    const filters = parseCallLogFilters(request.query);
    const session = await ctx.sessions.load(request, reply);
    if (session?.data.tokens === undefined) {
      throw new AppError(RCAPP_NOT_LOGGED_IN, 'log in first: the export needs a logged-in session');
    }
    const { settings } = ctx.explorer;
    const timeZone = filters.timeZone ?? session.data.user?.timeZone ?? settings.defaultTimeZone;
    const calendar = createZonedCalendar(timeZone);
    const range = resolveDateRange(filters, calendar);
    const to = range.to ?? ctx.now();
    const from = range.from ?? to - DAY_MS;
    const api = scope === 'account' ? 'account-call-log' : 'extension-call-log';

    const stop = new AbortController();
    const onClose = (): void => {
      if (!reply.raw.writableFinished) stop.abort(new Error('the client closed the connection'));
    };
    reply.raw.once('close', onClose);
    // The user's copy of the call log, when one holds the whole range, serves the export with no call at all.
    const copy = await storedCopyFor(ctx, session.data.tokens.ownerId, scope, { from, to });
    const pages: AsyncGenerator<ExportPage, void> =
      copy === undefined
        ? readPages(ctx.ringcentral.forSession(session), apiPage(api).operationId, {
            query: (page) =>
              toRingCentralQuery(filters, { from, to }, { page, perPage: settings.exportPageSize, view: 'Simple' }),
            maxPages: settings.maxExportPages,
            maxWaitMs: EXPORT_MAX_WAIT_MS,
            signal: stop.signal,
            now: ctx.now,
          })
        : copyPages(copy, { from, to }, filters, settings.exportPageSize);

    let first: IteratorResult<ExportPage, void>;
    try {
      first = await pages.next();
    } catch (err) {
      reply.raw.off('close', onClose);
      if (stop.signal.aborted) {
        // The client left while the first page was awaited: nobody to answer.
        request.log.info('call-log export stopped before it started: the client left');
        reply.hijack();
        reply.raw.destroy();
        return reply;
      }
      if (err instanceof AppError && err.code === RCAPP_SESSION_ENDED) {
        await ctx.sessions.end(reply, session.id);
        request.log.info('session ended: RingCentral no longer accepts its tokens');
      }
      // Logged out meanwhile: the cookie names a session that is gone.
      if (err instanceof AppError && err.code === RCAPP_NOT_LOGGED_IN) ctx.sessions.clearCookie(reply);
      throw err;
    }
    const totalPages = first.done === true ? 0 : (first.value.totalPages ?? 0);
    if (totalPages > settings.maxExportPages) {
      reply.raw.off('close', onClose);
      await pages.return();
      throw new AppError(
        RCAPP_BAD_REQUEST,
        `the range holds more calls than one export reads (${settings.maxExportPages} RingCentral pages); narrow "dateFrom" and "dateTo"`,
      );
    }

    const total = first.done === true ? 0 : first.value.totalElements;
    const fileName = `call-log-${scope}-${calendar.dayKey(from)}-to-${calendar.dayKey(to)}.csv`;
    reply
      .code(200)
      .header('content-type', 'text/csv; charset=utf-8; header=present')
      .header('content-disposition', `attachment; filename="${fileName}"`);
    if (total !== undefined) reply.header('x-total-count', String(total));
    request.log.info({ scope, total }, 'call-log export started');

    async function* csv(): AsyncGenerator<string, void, undefined> {
      let rows = 0;
      let count = 0;
      try {
        yield csvHeader();
        if (first.done !== true) {
          rows += first.value.records.length;
          count += 1;
          yield callLogCsv(first.value.records);
        }
        let cut = first.done !== true && first.value.hasNext;
        for await (const page of pages) {
          rows += page.records.length;
          count += 1;
          yield callLogCsv(page.records);
          cut = page.hasNext;
        }
        // Read up to the page cap while RingCentral had more (its total was not known up front): a short file
        // must not look complete, so the download is cut off instead of ended.
        if (cut) throw new Error(`the export stopped at ${settings.maxExportPages} pages with more to read`);
        request.log.info({ rows, pages: count }, 'call-log export finished');
      } catch (err) {
        if (stop.signal.aborted) {
          request.log.info({ rows, pages: count }, 'call-log export stopped: the client left');
          return;
        }
        request.log.warn({ err, rows, pages: count }, 'call-log export failed part way; the download is cut off');
        throw err;
      } finally {
        reply.raw.off('close', onClose);
      }
    }
    return reply.send(Readable.from(csv(), { objectMode: false, highWaterMark: HIGH_WATER_MARK }));
  });
}
