import { isPublicAddress, TargetPolicy } from '../../src/webhooks/targets';

describe('isPublicAddress', () => {
  const nonPublic = [
    '0.0.0.0',
    '10.0.0.1',
    '10.255.255.255',
    '100.64.0.1',
    '100.100.100.200',
    '127.0.0.1',
    '127.255.0.9',
    '169.254.169.254',
    '172.16.0.1',
    '172.31.255.254',
    '192.0.0.192',
    '192.0.2.10',
    '192.168.10.1',
    '198.18.0.1',
    '198.51.100.7',
    '203.0.113.9',
    '224.0.0.251',
    '239.255.255.250',
    '255.255.255.255',
    '::',
    '::1',
    'fc00::1',
    'fd00:ec2::254',
    'fe80::1',
    'fec0::1',
    'ff02::1',
    '2001:db8::1',
    '::ffff:10.0.0.1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:a9fe:a9fe',
    '0:0:0:0:0:ffff:c0a8:0101',
    '::10.0.0.1',
    '64:ff9b::10.0.0.1',
    '2002:c0a8:0101::1',
    'not an address',
  ];
  const publicOnes = [
    '93.184.216.34',
    '8.8.8.8',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700::1111',
    '::ffff:8.8.8.8',
  ];

  test.each(nonPublic)('when the address is %s, then it is not public', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  test.each(publicOnes)('when the address is %s, then it is public', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });
});

describe('TargetPolicy', () => {
  const resolver = async (hostname: string) =>
    hostname === 'mixed.example.com'
      ? [
          { address: '10.0.0.1', family: 4 as const },
          { address: '93.184.216.34', family: 4 as const },
        ]
      : [{ address: '192.168.0.7', family: 4 as const }];

  test('when private targets are refused, then the first public address is the one to connect to', async () => {
    const policy = new TargetPolicy({ allowPrivate: false, resolver });
    await expect(policy.resolve(new URL('https://mixed.example.com/'))).resolves.toEqual({
      address: '93.184.216.34',
      family: 4,
    });
    await expect(policy.resolve(new URL('https://private.example.com/'))).rejects.toThrow('not public');
    await expect(policy.resolve(new URL('http://mixed.example.com/'))).rejects.toThrow('https');
  });

  test('when private targets are allowed, then http and private addresses are accepted', async () => {
    const policy = new TargetPolicy({ allowPrivate: true, resolver });
    await expect(policy.resolve(new URL('http://private.example.com/'))).resolves.toEqual({
      address: '192.168.0.7',
      family: 4,
    });
    await expect(policy.resolve(new URL('http://[::1]:8080/'))).resolves.toEqual({
      address: '::1',
      family: 6,
    });
  });
});
