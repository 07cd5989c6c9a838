/**
 * @module web/client-address
 * The key one client is counted under by the login limits: an IPv4 address as is, an IPv6 address by its /56
 * prefix (what a provider typically delegates to one customer, RIPE-690: a client that can pick any address of its
 * /56, or of each /64 in it, is still one client). IPv4-mapped IPv6 addresses count as their IPv4 address.
 * Built on ipaddr.js (the parser behind proxy-addr, which Fastify uses for `request.ip`).
 * @see https://www.ripe.net/publications/docs/ripe-690/
 */
import ipaddr from 'ipaddr.js';

/** Bits of an IPv6 address that name one client. */
export const IPV6_CLIENT_PREFIX = 56;

/** `request.ip` → the client's key, e.g. `203.0.113.7` or `2001:db8:ab:cd00::/56`. Unparsable input is kept as is. */
export function clientKey(ip: string): string {
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    address = ipaddr.parse(ip);
  } catch {
    return ip;
  }
  if (address.kind() === 'ipv4') return address.toString();
  const v6 = address as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().toString();
  const bytes = v6.toByteArray().map((byte, i) => {
    const kept = IPV6_CLIENT_PREFIX - i * 8;
    return kept >= 8 ? byte : kept <= 0 ? 0 : byte & (0xff << (8 - kept));
  });
  return `${ipaddr.fromByteArray(bytes).toString()}/${IPV6_CLIENT_PREFIX}`;
}
