/**
 * @module redis/cluster-key-slot
 * Types of `cluster-key-slot` (the Redis Cluster hash slot of a key: CRC16 of the key or of its `{hash tag}`, mod
 * 16384), the function ioredis itself routes commands with. The package ships no declarations.
 * @see https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#key-distribution-model
 */
declare module 'cluster-key-slot' {
  /** The hash slot (0–16383) of `key`. */
  function calculateSlot(key: string | Buffer): number;
  namespace calculateSlot {
    /** The common slot of `keys`, or -1 when they span several slots. */
    function generateMulti(keys: readonly (string | Buffer)[]): number;
  }
  export default calculateSlot;
}
