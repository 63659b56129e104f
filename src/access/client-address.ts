import { BlockList, isIP } from 'node:net';

/**
 * Who the client is behind reverse proxies (issue 28): every throttle keys on the client's
 * address, and behind the README's proxy every socket comes from the proxy, so one client's
 * wrong codes locked out every family. `X-Forwarded-For` is believed only from the proxies named
 * in KINFINDER_TRUSTED_PROXIES (none by default: anyone can write the header), and only as far as
 * the chain of trusted hops goes: the client is the right-most address a trusted proxy did not
 * add itself. Node's own BlockList matches the addresses and CIDRs (IPv4-mapped IPv6 included).
 */
export interface TrustedProxies {
  trusts(address: string): boolean;
}

/** One entry: an IPv4 or IPv6 address, or either with a `/prefix`; undefined when it is neither. */
function parseEntry(
  entry: string,
): { address: string; family: 'ipv4' | 'ipv6'; prefix: number | undefined } | undefined {
  const m = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(entry);
  if (!m?.[1]) return undefined;
  const version = isIP(m[1]);
  if (version === 0) return undefined;
  const prefix = m[2] === undefined ? undefined : Number(m[2]);
  if (prefix !== undefined && prefix > (version === 4 ? 32 : 128)) return undefined;
  return { address: m[1], family: version === 4 ? 'ipv4' : 'ipv6', prefix };
}

/** The entries of the setting (commas or spaces between them); the ones that are not addresses or CIDRs. */
export function splitTrustedProxies(raw: string): { entries: string[]; invalid: string[] } {
  const entries = raw.split(/[\s,]+/).filter(Boolean);
  return { entries, invalid: entries.filter((e) => !parseEntry(e)) };
}

export function trustedProxies(entries: readonly string[]): TrustedProxies {
  const list = new BlockList();
  for (const e of entries) {
    const p = parseEntry(e);
    if (!p) throw new Error(`not an address or CIDR: ${e}`); // config.ts refused it already
    if (p.prefix === undefined) list.addAddress(p.address, p.family);
    else list.addSubnet(p.address, p.prefix, p.family);
  }
  return {
    trusts(address) {
      const version = isIP(address);
      return version !== 0 && list.check(address, version === 4 ? 'ipv4' : 'ipv6');
    },
  };
}

/** An IPv4 client seen through an IPv6 socket (`::ffff:1.2.3.4`) is the same client as `1.2.3.4`. */
function canonical(address: string): string {
  const m = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return m?.[1] ?? address.toLowerCase();
}

/**
 * The client's address: the socket's peer unless that peer is a trusted proxy, in which case the
 * `X-Forwarded-For` chain (every header, in order) is walked from the right past trusted hops.
 * An entry that is not an address ends the walk as the client (it is what a trusted proxy wrote);
 * a chain of trusted hops only ends at its left-most entry.
 */
export function clientAddress(peer: string, forwardedFor: readonly string[], trusted: TrustedProxies): string {
  if (!trusted.trusts(peer)) return canonical(peer);
  const hops = forwardedFor
    .flatMap((h) => h.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  let client = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    client = hops[i]!;
    if (!trusted.trusts(client)) break;
  }
  return canonical(client);
}
