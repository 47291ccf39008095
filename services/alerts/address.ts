// Receivers must be public hosts: a webhook URL must not reach loopback, private, link-local
// (cloud metadata at 169.254.169.254) or other special-purpose addresses, unless
// TARGETWATCH_WEBHOOK_ALLOW_PRIVATE=1. The check runs on the addresses DNS returns, inside the
// socket's own lookup, so a name cannot resolve to a public address when checked and to a
// private one when connected (DNS rebinding).
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns'
import { BlockList, isIP } from 'node:net'

const blocked = new BlockList()
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const)
  blocked.addSubnet(network, prefix, 'ipv4')
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const)
  blocked.addSubnet(network, prefix, 'ipv6')

/** The IPv4 address embedded in an IPv4-mapped (::ffff:a.b.c.d), -compatible or NAT64 IPv6 address. */
const embeddedIpv4 = (address: string): string | null => {
  const lower = address.toLowerCase()
  const dotted = /^(?:::ffff:|::|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower)
  if (dotted) return dotted[1]!
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower)
  if (!hex) return null
  const high = parseInt(hex[1]!, 16)
  const low = parseInt(hex[2]!, 16)
  return [high >> 8, high & 255, low >> 8, low & 255].join('.')
}

/** True for an address a webhook must not reach by default (anything not a global unicast address). */
export const isPrivateAddress = (address: string): boolean => {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '')
  const family = isIP(bare)
  if (family === 4) return blocked.check(bare, 'ipv4')
  if (family === 6) {
    const v4 = embeddedIpv4(bare)
    return v4 !== null ? blocked.check(v4, 'ipv4') : blocked.check(bare, 'ipv6')
  }
  return true
}

export class ReceiverRefused extends Error {
  readonly code = 'WEBHOOK_RECEIVER_REFUSED'
  constructor(message: string) {
    super(message)
    this.name = 'ReceiverRefused'
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void

/** A `lookup` for http.request that refuses names resolving to any private address. */
export const publicOnlyLookup = (hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback): void => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, [])
    const refused = addresses.find((a) => isPrivateAddress(a.address))
    if (refused) return callback(new ReceiverRefused(`${hostname} resolves to ${refused.address}, a private or special-purpose address`), [])
    if (addresses.length === 0) return callback(new ReceiverRefused(`${hostname} resolves to no address`), [])
    if ((options as LookupAllOptions).all) return callback(null, addresses)
    callback(null, addresses[0]!.address, addresses[0]!.family)
  })
}

/** Resolves the URL's host and throws ReceiverRefused when it is (or resolves to) a private address. */
export const assertPublicReceiver = async (url: URL): Promise<void> => {
  const host = url.hostname.replace(/^\[|\]$/g, '')
  if (isIP(host)) {
    if (isPrivateAddress(host)) throw new ReceiverRefused(`${host} is a private or special-purpose address`)
    return
  }
  await new Promise<void>((resolve, reject) =>
    publicOnlyLookup(host, { all: true }, (error) => (error ? reject(error instanceof ReceiverRefused ? error : new ReceiverRefused(`${host} does not resolve: ${error.code ?? error.message}`)) : resolve())),
  )
}
