/**
 * A free TCP port on 127.0.0.1, for a child process whose address must be known before it starts (its redirect
 * URI, a Redis port). The port is closed again before it is returned. The same as the scripts use.
 */
export { freePort } from '../../scripts/processes.js';
