import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import type { TrustProxy } from '../config';

export type ClientAddressOf = (req: IncomingMessage) => string;

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) is 10.0.0.1: one client, one key. */
function plain(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

function forwardedChain(req: IncomingMessage, socketAddress: string): string[] {
  const header = req.headers['x-forwarded-for'];
  const raw = Array.isArray(header) ? header.join(',') : (header ?? '');
  const chain = raw
    .split(',')
    .map((a) => plain(a.trim()))
    .filter((a) => a !== '');
  chain.push(socketAddress);
  return chain;
}

/**
 * Decides the client address of a request, once, at the edge. Without a trusted proxy it is the socket's
 * peer and X-Forwarded-For is ignored, so a forged header changes nothing. Behind proxies only the part of
 * the header they wrote is believed: the entry `hops` from the right, or the rightmost entry that is not one
 * of the trusted proxies.
 */
export function clientAddressResolver(trust: TrustProxy): ClientAddressOf {
  const socketAddress = (req: IncomingMessage) => plain(req.socket.remoteAddress ?? 'unknown');
  switch (trust.kind) {
    case 'none':
      return socketAddress;
    case 'hops':
      return (req) => {
        const chain = forwardedChain(req, socketAddress(req));
        const address = chain[Math.max(0, chain.length - 1 - trust.hops)]!;
        return isIP(address) ? address : socketAddress(req);
      };
    case 'addresses': {
      const proxies = new BlockList();
      for (const entry of trust.addresses) {
        const [address = '', prefix] = entry.split('/');
        const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
        if (prefix === undefined) proxies.addAddress(address, type);
        else proxies.addSubnet(address, Number(prefix), type);
      }
      const trusted = (address: string) => {
        const family = isIP(address);
        return family !== 0 && proxies.check(address, family === 6 ? 'ipv6' : 'ipv4');
      };
      return (req) => {
        const peer = socketAddress(req);
        if (!trusted(peer)) return peer;
        const chain = forwardedChain(req, peer);
        let i = chain.length - 1;
        while (i > 0 && trusted(chain[i]!)) i -= 1;
        const address = chain[i]!;
        // A malformed entry is where the trusted part ends; the last proxy that wrote it is what we know.
        return isIP(address) ? address : chain[i + 1]!;
      };
    }
  }
}
