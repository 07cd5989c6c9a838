/**
 * @module test/helpers/tls-certificates
 * A throwaway certificate authority and a server certificate for 127.0.0.1/localhost (EC P-256, valid one day),
 * made with the `openssl` command in a temp directory that is removed after the test file. For TLS suites:
 * `redis-server --tls-*` takes the files; clients trust `ca` (or the app process `NODE_EXTRA_CA_CERTS=caFile`).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CleanupContext } from './redis.js';

export interface TestCertificates {
  readonly dir: string;
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** The CA certificate (PEM), for `tls: { ca }`. */
  readonly ca: Buffer;
}

function openssl(executable: string, cwd: string, args: string[]): void {
  const result = spawnSync(executable, args, { cwd, encoding: 'utf8', timeout: 30_000 });
  if (result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr}`);
}

/** Makes the files; `executable` is the `openssl` program (see `toolOrSkip`). */
export async function makeTestCertificates(context: CleanupContext, executable: string): Promise<TestCertificates> {
  const dir = await mkdtemp(join(tmpdir(), 'rc-authflow-tls-'));
  context.after(() => rm(dir, { recursive: true, force: true }));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(executable, dir, [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '1',
    '-subj',
    '/CN=rc-authflow test CA',
  ]);
  openssl(executable, dir, ['req', ...ec, '-keyout', 'redis.key', '-out', 'redis.csr', '-subj', '/CN=localhost']);
  await writeFile(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(executable, dir, [
    ...['x509', '-req', '-in', 'redis.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial'],
    ...['-out', 'redis.crt', '-days', '1', '-extfile', 'san.ext'],
  ]);
  const caFile = join(dir, 'ca.crt');
  return {
    dir,
    caFile,
    certFile: join(dir, 'redis.crt'),
    keyFile: join(dir, 'redis.key'),
    ca: await readFile(caFile),
  };
}
