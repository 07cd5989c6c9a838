/**
 * @module emulator/state
 * Everything one emulator instance knows, in one object created per instance (no module-level state): clock, demo
 * data, apps, codes and tokens, the users' address books, the call records added through the control API, rate
 * limits, faults and stats. Tests reach it in-process through `RunningEmulator.state`; `reset()` brings all of it
 * back to the start (redirect URIs excepted: they are configuration). With a data directory, the clock offset, the
 * token store, the address books and the added call records are loaded at creation and saved after every change
 * (`persistence.ts`, `saved-parts.ts`), so logins and what the API wrote survive a restart.
 */
import { createAppRegistry, type AppRegistry } from './apps.js';
import { createCallLogBook, type CallLogBook } from './call-log-book.js';
import { createClock, type EmulatorClock } from './clock.js';
import { createAddressBook, type AddressBook } from './contacts.js';
import { buildDemoData, DEFAULT_SEED, type DemoData } from './data.js';
import { createFaultInjector, type FaultInjector, type FaultRoute, type FaultRule } from './faults.js';
import { openStatePersistence, type LoadOutcome, type StatePersistence } from './persistence.js';
import { createRateLimiter, type GroupLimit, type RateLimiter, type RateLimitGroup } from './rate-limit.js';
import { savedParts } from './saved-parts.js';
import { createStats, type Stats } from './stats.js';
import { createTokenStore, type TokenStore } from './tokens.js';

/** Options that shape an emulator's state. */
export interface StateOptions {
  readonly redirectUris?: readonly string[];
  readonly seed?: number;
  /** Real time source (default `Date.now`); the emulator clock adds its offset to it. */
  readonly now?: () => number;
  readonly limits?: Partial<Record<RateLimitGroup, Partial<GroupLimit>>>;
  /** Keep the OAuth state (clock offset, codes, sessions, tokens) in `<dataDir>/emulator/`; unset: memory only. */
  readonly dataDir?: string;
  /** Where problems with the saved state are reported (default: a process warning). */
  readonly onWarning?: (message: string) => void;
  /** Delay between a change and its save (default 200 ms). */
  readonly saveDelayMs?: number;
}

/** In-process access to an emulator instance (tests, the control API). */
export interface EmulatorState {
  readonly clock: EmulatorClock;
  readonly apps: AppRegistry;
  readonly tokens: TokenStore;
  readonly limits: RateLimiter;
  readonly faults: FaultInjector;
  readonly stats: Stats;
  /** The demo data; replaced by `reset()`. */
  readonly data: DemoData;
  /** The users' personal address books (seeded; `reset()` restores the seed). */
  readonly contacts: AddressBook;
  /** The call log as REST reads see it: the demo data's plus the records added through the control API. */
  readonly callLog: CallLogBook;
  readonly seed: number;
  /** Pre-serialized response bodies, as bytes ready for the socket (cleared on reset). */
  readonly cache: Map<string, Buffer>;
  /** Shorthand for `faults.add(route, { count: 1, ...rule })` (house style: `failNext('token', { status: 503 })`). */
  failNext(route: FaultRoute, rule?: Partial<FaultRule>): void;
  /** Restores data (regenerated at the reset clock), tokens, limits, stats, faults and clock; the saved state follows. */
  reset(): void;
  /** The saved-state file, when there is a data directory. */
  readonly stateFile: string | undefined;
  /** What loading the saved state found at creation (`disabled` without a data directory). */
  readonly loaded: LoadOutcome;
  /** Writes pending changes to the saved state now (nothing to do without a data directory). */
  flush(): Promise<void>;
  /** Writes what is left and stops saving (the emulator is closing). */
  close(): Promise<void>;
}

/** Creates the state of one emulator. */
export function createEmulatorState(options: StateOptions = {}): EmulatorState {
  let persistence: StatePersistence | undefined;
  const changed = (): void => persistence?.changed();
  const clock = createClock(options.now ?? Date.now, changed);
  const seed = options.seed ?? DEFAULT_SEED;
  const apps = createAppRegistry(options.redirectUris ?? []);
  const now = (): number => clock.now();
  const tokens = createTokenStore(now, { onChange: changed });
  const contacts = createAddressBook(seed, changed);
  // `data` is assigned below, before any request can read the book.
  const callLog = createCallLogBook(() => data, changed);
  let loaded: LoadOutcome = { status: 'disabled' };
  if (options.dataDir !== undefined) {
    persistence = openStatePersistence({
      dataDir: options.dataDir,
      parts: savedParts({ clock, tokens, contacts, callLog }),
      onWarning: options.onWarning ?? ((message) => process.emitWarning(message, 'EmulatorStateWarning')),
      ...(options.saveDelayMs !== undefined ? { saveDelayMs: options.saveDelayMs } : {}),
    });
    // Before the demo data is generated: its dates follow the restored clock.
    loaded = persistence.load();
  }
  const limits = createRateLimiter(now, options.limits ?? {});
  const faults = createFaultInjector();
  const stats = createStats();
  const cache = new Map<string, Buffer>();
  let data = buildDemoData(clock.now(), seed);

  return {
    clock,
    apps,
    tokens,
    limits,
    faults,
    stats,
    seed,
    cache,
    stateFile: persistence?.file,
    loaded,
    get data() {
      return data;
    },
    contacts,
    callLog,
    failNext(route, rule = {}) {
      faults.add(route, { count: 1, ...rule });
    },
    reset() {
      clock.reset();
      tokens.reset();
      limits.reset();
      faults.reset();
      stats.reset();
      cache.clear();
      data = buildDemoData(clock.now(), seed);
      contacts.reset();
      callLog.reset();
      changed();
    },
    flush: () => persistence?.flush() ?? Promise.resolve(),
    close: () => persistence?.close() ?? Promise.resolve(),
  };
}
