// The integrity finding as an event (stream `integrity`), so the webhook outbox delivers it as
// `integrity.violated` like every other message: deterministic id, retries, dead letter
// (README "Integrity"). Pure: the finding arrives as an argument.
import { z } from 'zod'
import { deterministicUuid } from './webhooks.ts'

export const integrityStream = 'integrity'
export const integrityViolatedType = 'IntegrityViolated'

export const IntegrityViolatedData = z.strictObject({
  source: z.enum(['startup', 'scrub', 'request']),
  check: z.string().max(64),
  position: z.number().int().nullable(),
  message: z.string().max(2000),
  file: z.string().max(1000).nullable(),
  detectedAt: z.string(),
})
export type IntegrityViolatedData = z.infer<typeof IntegrityViolatedData>

/** One event per distinct finding: the same damage found again (after a restart) is the same id. */
export const integrityEventId = (finding: Pick<IntegrityViolatedData, 'check' | 'position' | 'message' | 'file'>): string =>
  deterministicUuid('integrity-violated', finding.check, finding.position ?? -1, finding.file ?? '', finding.message)
