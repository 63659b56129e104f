import { describe, expect, it } from 'vitest';
import { clientAddress, splitTrustedProxies, trustedProxies } from '../../src/access/client-address.ts';

describe('the client behind trusted proxies (issue 28, finding 1)', () => {
  const proxies = trustedProxies(['127.0.0.1', '::1', '10.0.0.0/8', 'fd00::/8']);

  it('is the right-most address no trusted proxy added; a peer not trusted is the client whatever it writes', () => {
    expect(clientAddress('127.0.0.1', ['203.0.113.5'], proxies)).toBe('203.0.113.5');
    // the client's own header is to the left of what the proxies appended: not believed
    expect(clientAddress('127.0.0.1', ['6.6.6.6, 203.0.113.5, 10.1.2.3'], proxies)).toBe('203.0.113.5');
    expect(clientAddress('::ffff:10.0.0.7', ['6.6.6.6', '203.0.113.5'], proxies)).toBe('203.0.113.5');
    expect(clientAddress('198.51.100.9', ['203.0.113.5'], proxies)).toBe('198.51.100.9');
    expect(clientAddress('::ffff:198.51.100.9', ['203.0.113.5'], trustedProxies([]))).toBe('198.51.100.9');
    // a trusted proxy with no header, or only trusted hops: the left-most is all we know
    expect(clientAddress('127.0.0.1', [''], proxies)).toBe('127.0.0.1');
    expect(clientAddress('127.0.0.1', ['10.0.0.1, 10.0.0.2'], proxies)).toBe('10.0.0.1');
    expect(clientAddress('::1', ['2001:DB8::1'], proxies)).toBe('2001:db8::1');
  });

  it('reads addresses and CIDRs, commas or spaces between, and names what is neither', () => {
    expect(splitTrustedProxies('127.0.0.1, ::1  10.0.0.0/8')).toEqual({
      entries: ['127.0.0.1', '::1', '10.0.0.0/8'],
      invalid: [],
    });
    expect(splitTrustedProxies('10.0.0.0/33,proxy.local,::1/129').invalid).toEqual([
      '10.0.0.0/33',
      'proxy.local',
      '::1/129',
    ]);
  });
});
