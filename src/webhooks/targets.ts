import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Which addresses a webhook may be sent to. In production (unless WEBHOOK_ALLOW_PRIVATE_TARGETS) only public
 * addresses: a webhook URL is chosen by any user, and without this rule it would reach the service's own
 * network (its MongoDB, a cloud metadata service, an admin port on loopback) with the service's standing.
 * The rule is applied to the address the connection is made to, resolved for each attempt (src/webhooks/send.ts
 * connects to exactly the address checked, so DNS cannot answer differently between the check and the connection).
 */

/** Every range that is not a public unicast address, IPv4 and IPv6. */
const NON_PUBLIC: readonly [string, number, 'ipv4' | 'ipv6'][] = [
  ['0.0.0.0', 8, 'ipv4'], // "this network"
  ['10.0.0.0', 8, 'ipv4'], // private
  ['100.64.0.0', 10, 'ipv4'], // carrier-grade NAT (and some clouds' metadata, 100.100.100.200)
  ['127.0.0.0', 8, 'ipv4'], // loopback
  ['169.254.0.0', 16, 'ipv4'], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12, 'ipv4'], // private
  ['192.0.0.0', 24, 'ipv4'], // IETF protocol assignments (192.0.0.192 is Oracle Cloud's metadata)
  ['192.0.2.0', 24, 'ipv4'], // documentation
  ['192.88.99.0', 24, 'ipv4'], // 6to4 relay anycast
  ['192.168.0.0', 16, 'ipv4'], // private
  ['198.18.0.0', 15, 'ipv4'], // benchmarking
  ['198.51.100.0', 24, 'ipv4'], // documentation
  ['203.0.113.0', 24, 'ipv4'], // documentation
  ['224.0.0.0', 4, 'ipv4'], // multicast
  ['240.0.0.0', 4, 'ipv4'], // reserved, broadcast
  ['::', 128, 'ipv6'], // unspecified
  ['::1', 128, 'ipv6'], // loopback
  ['100::', 64, 'ipv6'], // discard
  ['2001::', 23, 'ipv6'], // IETF protocol assignments (Teredo among them)
  ['2001:db8::', 32, 'ipv6'], // documentation
  ['fc00::', 7, 'ipv6'], // unique local (fd00:ec2::254 is AWS's metadata)
  ['fe80::', 10, 'ipv6'], // link-local
  ['fec0::', 10, 'ipv6'], // site-local (deprecated)
  ['ff00::', 8, 'ipv6'], // multicast
];

const blocked = new BlockList();
for (const [network, prefix, family] of NON_PUBLIC) blocked.addSubnet(network, prefix, family);

/**
 * The IPv4 address an IPv6 address carries, for the forms that reach an IPv4 host: IPv4-mapped
 * (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`), NAT64 (`64:ff9b::a.b.c.d`) and 6to4 (`2002:AABB:CCDD::`).
 */
function embeddedIPv4(address: string): string | undefined {
  const hextets = expandIPv6(address);
  const v4 = (high: number, low: number) => `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  const zeros = (from: number, to: number) => hextets.slice(from, to).every((h) => h === 0);
  if (zeros(0, 5) && hextets[5] === 0xffff) return v4(hextets[6]!, hextets[7]!);
  if (zeros(0, 6) && (hextets[6] !== 0 || hextets[7]! > 1)) return v4(hextets[6]!, hextets[7]!);
  if (hextets[0] === 0x64 && hextets[1] === 0xff9b && zeros(2, 6)) return v4(hextets[6]!, hextets[7]!);
  if (hextets[0] === 0x2002) return v4(hextets[1]!, hextets[2]!);
  return undefined;
}

/** The eight 16-bit groups of an IPv6 address (dotted IPv4 tails included). */
function expandIPv6(address: string): number[] {
  let text = address.toLowerCase().split('%')[0]!;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((h) => parseInt(h, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/** True when `address` (an IP literal) is a public unicast address. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !blocked.check(address, 'ipv4');
  if (family !== 6) return false;
  if (blocked.check(address, 'ipv6')) return false;
  const v4 = embeddedIPv4(address);
  return v4 === undefined || !blocked.check(v4, 'ipv4');
}

/** Names that always mean this machine, whatever DNS says. */
const LOCAL_NAMES = /(^|\.)localhost\.?$/i;

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Every address a host name resolves to. Tests give their own. */
export type Resolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((entry) => ({
    address: entry.address,
    family: entry.family === 6 ? 6 : 4,
  }));

/** Why a target is refused, in words fit for the delivery log and the endpoint's owner. */
export class TargetRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetRefused';
  }
}

export interface TargetPolicyOptions {
  /** WEBHOOK_ALLOW_PRIVATE_TARGETS: plain http and non-public addresses are allowed. */
  readonly allowPrivate: boolean;
  readonly resolver?: Resolver;
}

/** The host of a parsed URL as an address or a name: `[::1]` loses its brackets. */
function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

export class TargetPolicy {
  private readonly resolver: Resolver;

  constructor(private readonly options: TargetPolicyOptions) {
    this.resolver = options.resolver ?? systemResolver;
  }

  /**
   * What can be known of a URL without DNS: its scheme, and its host when that is an address or a local
   * name. WHATWG URL parsing has already turned `0x7f.1` and `2130706433` into `127.0.0.1`.
   */
  checkUrl(url: URL): void {
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new TargetRefused('The URL must be http(s).');
    }
    if (url.username !== '' || url.password !== '') {
      throw new TargetRefused('The URL must not carry credentials.');
    }
    if (this.options.allowPrivate) return;
    if (url.protocol !== 'https:') throw new TargetRefused('The URL must be https.');
    const host = hostOf(url);
    if (LOCAL_NAMES.test(host)) throw new TargetRefused('The URL must not name this machine.');
    if (isIP(host) !== 0 && !isPublicAddress(host)) {
      throw new TargetRefused(`The address ${host} is not a public address.`);
    }
  }

  /**
   * The address to connect to for `url`: checked as above, resolved, and the first public address it
   * resolves to (any address when private targets are allowed).
   */
  async resolve(url: URL): Promise<ResolvedAddress> {
    this.checkUrl(url);
    const host = hostOf(url);
    const family = isIP(host);
    if (family !== 0) return { address: host, family: family === 6 ? 6 : 4 };
    let addresses: readonly ResolvedAddress[];
    try {
      addresses = await this.resolver(host);
    } catch {
      throw new TargetRefused(`The host ${host} could not be resolved.`);
    }
    const usable = this.options.allowPrivate
      ? addresses
      : addresses.filter((entry) => isPublicAddress(entry.address));
    const [first] = usable;
    if (!first) {
      throw new TargetRefused(
        addresses.length === 0
          ? `The host ${host} has no address.`
          : `The host ${host} resolves only to addresses that are not public.`,
      );
    }
    return first;
  }
}
