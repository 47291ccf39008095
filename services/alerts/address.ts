// Receivers must be public hosts: a webhook URL must not reach loopback, private, link-local
// (cloud metadata at 169.254.169.254) or other special-purpose addresses, unless
// TARGETWATCH_WEBHOOK_ALLOW_PRIVATE=1. The check runs on the addresses DNS returns, inside the
// socket's own lookup, so a name cannot resolve to a public address when checked and to a
// private one when connected (DNS rebinding).
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns'
import { isIP } from 'node:net'
import ipaddr from 'ipaddr.js'

// Ranges the classifier (ipaddr.js 2.5: the IANA IPv4 and IPv6 special-purpose registries,
// multicast, 6to4, Teredo, site-local...) calls 'unicast' that are still no global receiver.
const alsoRefused: [ipaddr.IPv6, number][] = [
  [ipaddr.IPv6.parse('100:0:0:1::'), 64], // dummy IPv6 prefix (RFC 9780)
]
// Global unicast IPv6 is allocated from 2000::/3 only; anything else (the deprecated
// IPv4-compatible ::a.b.c.d, whatever is not yet assigned) is not a public host.
const globalUnicast = ipaddr.IPv6.parse('2000::')

/** True for an address a webhook must not reach by default (anything not a global unicast address). */
export const isPrivateAddress = (address: string): boolean => {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '')
  if (!isIP(bare)) return true
  // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is judged as the IPv4 address it maps.
  const parsed = ipaddr.process(bare)
  if (parsed.range() !== 'unicast') return true
  if (parsed.kind() === 'ipv4') return false
  const v6 = parsed as ipaddr.IPv6
  return !v6.match(globalUnicast, 3) || alsoRefused.some((range) => v6.match(range))
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
