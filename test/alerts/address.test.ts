// Issue 16 item 8: webhook receivers must be global unicast addresses. One address from every
// range of the IANA special-purpose address registries (IPv4 and IPv6, as of 2025), and the
// IPv6 forms that slipped through the hand-written list, are refused — by the classifier and by
// POST /v1/webhooks over real HTTP; ordinary public addresses are accepted.
import t from 'tap'
import { isPrivateAddress } from '../../services/alerts/address.ts'
import { startHarness } from '../helpers/harness.ts'

// [range in the registry, one address in it]
const ipv4SpecialPurpose: [string, string][] = [
  ['0.0.0.0/8 "this network"', '0.1.2.3'],
  ['0.0.0.0/32 this host', '0.0.0.0'],
  ['10.0.0.0/8 private', '10.20.30.40'],
  ['100.64.0.0/10 shared address space', '100.100.1.1'],
  ['127.0.0.0/8 loopback', '127.8.9.10'],
  ['169.254.0.0/16 link local', '169.254.169.254'],
  ['172.16.0.0/12 private', '172.31.255.1'],
  ['192.0.0.0/24 IETF protocol assignments', '192.0.0.200'],
  ['192.0.0.0/29 IPv4 service continuity prefix', '192.0.0.1'],
  ['192.0.0.8/32 IPv4 dummy address', '192.0.0.8'],
  ['192.0.0.9/32 port control protocol anycast', '192.0.0.9'],
  ['192.0.0.10/32 traversal using relays around NAT anycast', '192.0.0.10'],
  ['192.0.0.170/32 NAT64/DNS64 discovery', '192.0.0.170'],
  ['192.0.0.171/32 NAT64/DNS64 discovery', '192.0.0.171'],
  ['192.0.2.0/24 documentation (TEST-NET-1)', '192.0.2.55'],
  ['192.31.196.0/24 AS112-v4', '192.31.196.1'],
  ['192.52.193.0/24 AMT', '192.52.193.1'],
  ['192.88.99.0/24 deprecated 6to4 relay anycast', '192.88.99.1'],
  ['192.168.0.0/16 private', '192.168.100.1'],
  ['192.175.48.0/24 direct delegation AS112 service', '192.175.48.6'],
  ['198.18.0.0/15 benchmarking', '198.19.1.1'],
  ['198.51.100.0/24 documentation (TEST-NET-2)', '198.51.100.7'],
  ['203.0.113.0/24 documentation (TEST-NET-3)', '203.0.113.9'],
  ['240.0.0.0/4 reserved', '250.1.2.3'],
  ['255.255.255.255/32 limited broadcast', '255.255.255.255'],
  ['224.0.0.0/4 multicast (multicast registry)', '239.1.2.3'],
]

const ipv6SpecialPurpose: [string, string][] = [
  ['::1/128 loopback', '::1'],
  ['::/128 unspecified', '::'],
  ['::ffff:0:0/96 IPv4-mapped (of a private IPv4)', '::ffff:10.0.0.1'],
  ['64:ff9b::/96 IPv4-IPv6 translation', '64:ff9b::808:808'],
  ['64:ff9b:1::/48 local-use IPv4/IPv6 translation', '64:ff9b:1::1'],
  ['100::/64 discard-only', '100::1'],
  ['100:0:0:1::/64 dummy IPv6 prefix', '100:0:0:1::1'],
  ['2001::/23 IETF protocol assignments', '2001:1ff::1'],
  ['2001::/32 Teredo', '2001::1'],
  ['2001:1::1/128 port control protocol anycast', '2001:1::1'],
  ['2001:1::2/128 TURN anycast', '2001:1::2'],
  ['2001:1::3/128 DNS-SD service registration protocol anycast', '2001:1::3'],
  ['2001:2::/48 benchmarking', '2001:2::5'],
  ['2001:3::/32 AMT', '2001:3::1'],
  ['2001:4:112::/48 AS112-v6', '2001:4:112::1'],
  ['2001:10::/28 deprecated ORCHID', '2001:10::1'],
  ['2001:20::/28 ORCHIDv2', '2001:20::1'],
  ['2001:30::/28 drone remote ID protocol entity tags', '2001:30::1'],
  ['2001:db8::/32 documentation', '2001:db8::1'],
  ['2002::/16 6to4', '2002:7f00:1::'],
  ['2620:4f:8000::/48 direct delegation AS112 service', '2620:4f:8000::1'],
  ['3fff::/20 documentation', '3fff::1'],
  ['5f00::/16 segment routing SIDs', '5f00::1'],
  ['fc00::/7 unique local', 'fd12:3456::1'],
  ['fe80::/10 link-local unicast', 'fe80::1'],
  ['fec0::/10 deprecated site-local', 'fec0::1'],
  ['ff00::/8 multicast', 'ff02::1'],
  ['::/96 deprecated IPv4-compatible ([::127.0.0.1])', '::7f00:1'],
  ['::ffff:0:0:0/96 IPv4-translated', '::ffff:0:7f00:1'],
]

const publicAddresses = ['8.8.8.8', '1.1.1.1', '93.184.216.34', '172.32.0.1', '2606:4700:4700::1111', '2001:4860:4860::8888', '2400:cb00::1', '::ffff:8.8.8.8']

t.test('every special-purpose range of the IANA registries is refused', async (t) => {
  for (const [range, address] of [...ipv4SpecialPurpose, ...ipv6SpecialPurpose]) t.ok(isPrivateAddress(address), `${range}: ${address} refused`)
  for (const address of publicAddresses) t.notOk(isPrivateAddress(address), `${address} accepted`)
  t.ok(isPrivateAddress('[::1]'), 'a bracketed literal is classified too')
  t.ok(isPrivateAddress('not-an-address'), 'what is not an address is refused')
})

t.test('POST /v1/webhooks refuses the IPv6 forms of the attack and accepts public receivers', async (t) => {
  const h = await startHarness()
  t.teardown(h.close)
  const url = await h.app.listen({ port: 0, host: '127.0.0.1' })
  const subscribe = async (receiver: string) => {
    const response = await fetch(`${url}/v1/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...h.auth() },
      body: JSON.stringify({ url: receiver }),
    })
    return { status: response.status, body: (await response.json()) as { error?: { message: string } } }
  }
  for (const host of ['[::127.0.0.1]', '[::ffff:0:7f00:1]', '[2002:7f00:1::]', '[fec0::1]', '[2001::1]']) {
    const answer = await subscribe(`https://${host}/hook`)
    t.equal(answer.status, 400, `${host}: 400`)
    t.match(answer.body.error?.message, /private or special-purpose address/, `${host}: says why`)
  }
  t.equal((await subscribe('https://[2606:4700:4700::1111]/hook')).status, 201, 'a public IPv6 receiver is accepted')
  t.equal((await subscribe('https://8.8.8.8/hook')).status, 201, 'a public IPv4 receiver is accepted')
})
