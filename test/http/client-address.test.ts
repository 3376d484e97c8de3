import type { IncomingMessage } from 'node:http';
import { loadConfig } from '../../src/config';
import { clientAddressResolver } from '../../src/http/client-address';

function request(socket: string, forwardedFor?: string): IncomingMessage {
  return {
    socket: { remoteAddress: socket },
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  } as unknown as IncomingMessage;
}

const resolver = (trustProxy?: string) =>
  clientAddressResolver(loadConfig(trustProxy === undefined ? {} : { TRUST_PROXY: trustProxy }).trustProxy);

test('when no proxy is trusted, then X-Forwarded-For is ignored', () => {
  expect(resolver()(request('203.0.113.5', '1.2.3.4'))).toBe('203.0.113.5');
  expect(resolver('false')(request('203.0.113.5', '1.2.3.4'))).toBe('203.0.113.5');
});

test('when an IPv4 peer arrives on a dual-stack socket, then its plain address is the key', () => {
  expect(resolver()(request('::ffff:203.0.113.5'))).toBe('203.0.113.5');
});

test('when one hop is trusted, then the rightmost forwarded entry is the client', () => {
  expect(resolver('1')(request('10.0.0.2', '198.51.100.1, 203.0.113.7'))).toBe('203.0.113.7');
  expect(resolver('2')(request('10.0.0.2', '198.51.100.1, 203.0.113.7, 10.0.0.9'))).toBe('203.0.113.7');
});

test('when a hop count meets a malformed entry, then the socket address is used', () => {
  expect(resolver('1')(request('10.0.0.2', 'not-an-ip'))).toBe('10.0.0.2');
});

test('when proxies are trusted by CIDR, then trusted entries are skipped from the right', () => {
  const of = resolver('10.0.0.0/8, 2001:db8::/32');
  expect(of(request('10.1.2.3', '198.51.100.1, 203.0.113.7, 10.9.9.9'))).toBe('203.0.113.7');
  expect(of(request('2001:db8::1', '2001:db8::2, 2001:db9::5'))).toBe('2001:db9::5');
});

test('when the peer is not a trusted proxy, then its forwarded header is not believed', () => {
  expect(resolver('10.0.0.0/8')(request('203.0.113.50', '1.1.1.1'))).toBe('203.0.113.50');
});

test('when every entry is a trusted proxy, then the leftmost is the client', () => {
  expect(resolver('10.0.0.0/8')(request('10.0.0.1', '10.0.0.3, 10.0.0.2'))).toBe('10.0.0.3');
});
