// The dashboard: static files read once at start-up and served from memory with ETags, uPlot
// from node_modules (no CDN: it works offline). The page reads the public API with the key it
// is given in the URL fragment (never sent to the server) or asks for one; plans, their periods
// and region sets come from the API. Strict headers: no inline script or style, no framing, no
// referrer.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

const here = path.dirname(fileURLToPath(import.meta.url))
const uplotDist = path.dirname(createRequire(import.meta.url).resolve('uplot')) // node_modules/uplot/dist

export const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

export const securityHeaders: Record<string, string> = {
  'content-security-policy': contentSecurityPolicy,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
}

interface Asset {
  body: Buffer
  type: string
  etag: string
}

const asset = (body: Buffer | string, type: string): Asset => {
  const buffer = typeof body === 'string' ? Buffer.from(body) : body
  return { body: buffer, type, etag: `"${createHash('sha256').update(buffer).digest('base64url').slice(0, 27)}"` }
}

const file = (dir: string, name: string, type: string) => asset(readFileSync(path.join(dir, name)), type)

export const dashboardPlugin = async (app: FastifyInstance) => {
  const assets: Record<string, Asset> = {
    '/': file(here, 'index.html', 'text/html; charset=utf-8'),
    '/dashboard/app.js': file(here, 'app.js', 'text/javascript; charset=utf-8'),
    '/dashboard/format.js': file(here, 'format.js', 'text/javascript; charset=utf-8'),
    '/dashboard/chart.js': file(here, 'chart.js', 'text/javascript; charset=utf-8'),
    '/dashboard/render.js': file(here, 'render.js', 'text/javascript; charset=utf-8'),
    '/dashboard/style.css': file(here, 'style.css', 'text/css; charset=utf-8'),
    '/dashboard/favicon.svg': file(here, 'favicon.svg', 'image/svg+xml'),
    '/dashboard/vendor/uPlot.iife.min.js': file(uplotDist, 'uPlot.iife.min.js', 'text/javascript; charset=utf-8'),
    '/dashboard/vendor/uPlot.min.css': file(uplotDist, 'uPlot.min.css', 'text/css; charset=utf-8'),
  }
  const send = (served: Asset) => async (request: FastifyRequest, reply: FastifyReply) => {
    reply.headers(securityHeaders).header('content-type', served.type).header('etag', served.etag).header('cache-control', 'no-cache')
    if (request.headers['if-none-match'] === served.etag) return reply.status(304).send()
    return reply.send(served.body)
  }
  for (const [url, served] of Object.entries(assets))
    app.get(url, { config: { access: 'public' }, schema: url === '/' ? pageSchema : { hide: true } }, send(served))
}

// The page is in the API document; its scripts and styles are not.
const pageSchema = {
  summary: 'The dashboard (HTML): it reads the API with the key given in the URL fragment, /#key=<api key>, or asks for one',
  tags: ['operations'],
  response: {
    200: { description: 'the page', content: { 'text/html': { schema: { type: 'string', example: '<!doctype html><html lang="zh-CN">…' } } } },
    304: { description: 'not modified: If-None-Match named the current ETag', type: 'null' },
  },
}
