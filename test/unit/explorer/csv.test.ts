import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  CSV_COLUMNS,
  callLogCells,
  callLogCsv,
  csvCell,
  csvHeader,
  csvLine,
  guardFormula,
} from '../../../src/web/explorer/csv.js';
import { parseCsv } from '../../helpers/csv.js';

const RECORD = {
  uri: 'http://127.0.0.1:5001/restapi/v1.0/account/400000001000/call-log/X1?view=Simple',
  id: 'X1',
  sessionId: '486849902037',
  startTime: '2026-11-25T14:28:00.328Z',
  duration: 1682,
  type: 'Voice',
  direction: 'Outbound',
  action: 'Phone Call',
  result: 'Call connected',
  from: { name: 'Chloe Diaz', phoneNumber: '+16505550103', extensionNumber: '103' },
  to: { name: 'Liam Chen', phoneNumber: '+15125556430' },
};

void describe('CSV of call-log records', () => {
  void it('quotes only cells with a comma, a quote or a line break (RFC 4180), doubling quotes', () => {
    assert.equal(csvCell('plain'), 'plain');
    assert.equal(csvCell(''), '');
    assert.equal(csvCell('Smith, John'), '"Smith, John"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('two\nlines'), '"two\nlines"');
    assert.equal(csvCell('cr\rhere'), '"cr\rhere"');
    assert.equal(csvCell(' spaced '), ' spaced ', 'spaces are data, not syntax');
    assert.equal(csvLine(['a', 'b,c', '']), 'a,"b,c",\r\n');
  });

  void it('neutralises cells a spreadsheet would run as a formula, but keeps plain numbers', () => {
    for (const [input, output] of [
      ['=HYPERLINK("http://x","y")', `'=HYPERLINK("http://x","y")`],
      ["+cmd|' /C calc'!A0", `'+cmd|' /C calc'!A0`],
      ['-2+3', `'-2+3`],
      ['@SUM(A1)', `'@SUM(A1)`],
      ['\tTAB', `'\tTAB`],
      ['\r=1', `'\r=1`],
      ['+14155550100', '+14155550100'],
      ['-5', '-5'],
      ['12.5', '12.5'],
      ['Olivia Brooks', 'Olivia Brooks'],
    ] as const) {
      assert.equal(guardFormula(input), output, JSON.stringify(input));
    }
    assert.equal(csvCell('=1+2,3'), `"'=1+2,3"`, 'guarded first, then quoted');
  });

  void it('has the documented columns and maps a record onto them, times in ISO 8601 UTC', () => {
    assert.equal(
      csvHeader(),
      'id,sessionId,startTime,direction,type,action,result,fromName,fromPhoneNumber,fromExtensionNumber,' +
        'toName,toPhoneNumber,toExtensionNumber,duration\r\n',
    );
    assert.deepEqual(callLogCells(RECORD), [
      'X1',
      '486849902037',
      '2026-11-25T14:28:00.328Z',
      'Outbound',
      'Voice',
      'Phone Call',
      'Call connected',
      'Chloe Diaz',
      '+16505550103',
      '103',
      'Liam Chen',
      '+15125556430',
      '',
      '1682',
    ]);
    assert.equal(callLogCells({ ...RECORD, startTime: '2026-11-25T15:28:00+01:00' })[2], '2026-11-25T14:28:00.000Z');
    assert.equal(callLogCells({}).length, CSV_COLUMNS.length, 'a record without fields still fills every column');
    assert.equal(callLogCsv([RECORD, 'not a record', null, RECORD]).split('\r\n').length - 1, 2);
  });

  void it('reads back cell for cell with an independent RFC 4180 reader (property)', () => {
    const text = fc.string({
      unit: fc.constantFrom('a', 'Z', ' ', ',', '"', '\r', '\n', '=', '+', '-', '@', '\t', '1', 'é'),
    });
    fc.assert(
      fc.property(fc.array(fc.array(text, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 5 }), (rows) => {
        const csv = rows.map((cells) => csvLine(cells)).join('');
        assert.deepEqual(
          parseCsv(csv),
          rows.map((cells) => cells.map(guardFormula)),
        );
      }),
      { numRuns: 300 },
    );
  });
});
