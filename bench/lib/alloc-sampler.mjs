/**
 * Loaded into a server under test with `--import` by `bench/gc.ts --alloc|--promoted`: V8's sampling heap
 * profiler over the inspector protocol, started by the first SIGUSR2 and stopped by the second, which writes the
 * profile to `ALLOC_OUT` and the number of HTTP requests the server received meanwhile to `ALLOC_OUT.requests`.
 * `ALLOC_SAMPLE=all` keeps objects that either GC collected (everything allocated); `promoted` drops the ones the
 * young generation's GC collected (what outlived it).
 */
import dc from 'node:diagnostics_channel';
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';

const out = process.env.ALLOC_OUT ?? 'alloc.heapprofile';
const all = process.env.ALLOC_SAMPLE === 'all';
const session = new Session();
session.connect();
const post = (method, params) =>
  new Promise((resolve, reject) =>
    session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))),
  );

let requests = 0;
dc.subscribe('http.server.request.start', () => {
  requests += 1;
});

let sampling = false;
process.on('SIGUSR2', () => {
  void (async () => {
    if (!sampling) {
      sampling = true;
      await post('HeapProfiler.enable');
      await post('HeapProfiler.startSampling', {
        samplingInterval: 1024,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: all,
      });
      requests = 0;
      return;
    }
    const counted = requests;
    const { profile } = await post('HeapProfiler.stopSampling');
    writeFileSync(out, JSON.stringify(profile));
    writeFileSync(`${out}.requests`, String(counted));
  })();
});
