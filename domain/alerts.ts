// Alerts as data: the events that record them, fingerprints, deterministic ids, and the pure
// decision "given what the log says about this fingerprint and the status observed now, which
// transition (if any) to record, and whether receivers are told". No clock: `now` comes in.
import { z } from 'zod'
import { instant, regionId, streamIdentifier } from './events.ts'
import { defaultPlanId } from './plans.ts'
import { type Bilingual, type Comparator, type Status, statuses } from './targets.ts'
import { type Margin, margins } from './verdicts.ts'
import { type FilterSubject, type WebhookMessage, deterministicUuid, rescueTargetId, scopeId } from './webhooks.ts'

export { rescueTargetId } from './webhooks.ts'

export const firingStatuses: readonly Status[] = ['breached', 'at_risk', 'missed', 'stale']
export const resolvedStatuses: readonly Status[] = ['met', 'on_track']
export const isFiring = (status: Status): boolean => firingStatuses.includes(status)
export const isResolved = (status: Status): boolean => resolvedStatuses.includes(status)

/** plan:target:scope — each plan's verdicts alert on their own. */
export const targetFingerprint = (plan: string, targetId: string, scope: string) => `${plan}:${targetId}:${scope}`
/**
 * Alerts recorded before plans were data name no plan and have fingerprints `target:scope`:
 * they are the 2020 plan's, and their tracks continue under that plan's fingerprint (in the
 * stream they were recorded in).
 */
export const fingerprintOfRecorded = (data: { fingerprint: string; plan?: string; targetId?: string }): string =>
  data.plan === undefined && data.targetId !== undefined && !data.fingerprint.startsWith(`${defaultPlanId}:`) ? `${defaultPlanId}:${data.fingerprint}` : data.fingerprint
export const rescueFingerprint = (incidentId: string) => `rescue:${incidentId}`
export const alertStream = (fingerprint: string) => `alert-${fingerprint}`

/** Why a recorded transition was not sent: history the service did not watch live, or flapping. */
export const suppressions = ['backfill', 'repeat_interval'] as const
export type Suppression = (typeof suppressions)[number]

const bilingual = z.strictObject({ zh: z.string(), en: z.string() })
const status = z.enum(statuses)

const alertBase = {
  /** One firing episode: the raise, its changes and its resolution share it. */
  alertId: z.uuid(),
  fingerprint: z.string().min(1).max(200),
  /** 1-based, per fingerprint: the stream revision + 1. */
  sequence: z.number().int().min(1),
  evaluatedAt: instant,
  notify: z.boolean(),
  suppressed: z.enum(suppressions).optional(),
}

const TargetAlert = z.strictObject({
  ...alertBase,
  /** The plan whose target this is (absent in alerts recorded before plans were data: the 2020 plan). */
  plan: z.string().min(1).max(64).optional(),
  /** The plan's revision the verdict was reached under. */
  planRevision: z.number().int().min(0).optional(),
  targetId: z.string().min(1).max(64),
  region: scopeId,
  from: status,
  to: status,
  value: z.number().nullable(),
  threshold: z.number(),
  comparator: z.enum(['gte', 'lte', 'eq']),
  /** Ratio and mean verdicts: whether the threshold lies within the 95% interval ("breached, within the statistical margin"). */
  margin: z.enum(margins).optional(),
  /** The log position the evaluation saw. */
  position: z.number().int().min(0),
  title: bilingual,
  clause: bilingual,
  responsibleUnits: z.array(bilingual),
  /** A flapping episode that stayed firing past the repeat interval, sent now. */
  reminder: z.literal(true).optional(),
})

export const AlertRaised = TargetAlert
export const AlertResolved = TargetAlert

export const RescueOverdue = z.strictObject({
  ...alertBase,
  incidentId: streamIdentifier,
  region: regionId,
  elevatorId: streamIdentifier.optional(),
  reportedAt: instant,
  minutesElapsed: z.number().min(0),
  overdueAfterMinutes: z.number().min(0),
})

export const RescueOverdueResolved = z.strictObject({
  ...alertBase,
  incidentId: streamIdentifier,
  region: regionId,
  reportedAt: instant,
  arrivedAt: instant.nullable(),
  /** From the report to the arrival. */
  minutesElapsed: z.number().min(0).nullable(),
})

export type TargetAlertData = z.infer<typeof TargetAlert>
export type RescueOverdueData = z.infer<typeof RescueOverdue>
export type RescueOverdueResolvedData = z.infer<typeof RescueOverdueResolved>

export const alertEventData = { AlertRaised, AlertResolved, RescueOverdue, RescueOverdueResolved } as const
export type AlertEventType = keyof typeof alertEventData
export const alertEventTypes = Object.keys(alertEventData) as AlertEventType[]
export const isAlertEventType = (type: string): type is AlertEventType => (alertEventTypes as string[]).includes(type)
export type AlertEventData = TargetAlertData | RescueOverdueData | RescueOverdueResolvedData

/** Event id of a transition: the same fingerprint, sequence and status give the same id everywhere. */
export const alertEventId = (fingerprint: string, sequence: number, type: AlertEventType, to: string) =>
  deterministicUuid('alert-event', fingerprint, sequence, type, to)

/** Id of the firing episode that began with the raise at `sequence`. */
export const alertIdOf = (fingerprint: string, raiseSequence: number) => deterministicUuid('alert', fingerprint, raiseSequence)

// ---- the state of one fingerprint, folded from its stream -----------------------------------

export interface AlertTrack {
  fingerprint: string
  /** The stream its events are in (`alert-<fingerprint>`, or the stream of an alert recorded before plans were data). */
  stream: string
  kind: 'target.status_changed' | 'rescue.overdue'
  /** The target (elevator-rescue-arrival for rescues), the region or province, the incident (rescues). */
  targetId: string
  region: string
  incidentId: string | null
  state: 'firing' | 'resolved'
  /** The last recorded status (`to`). */
  status: string
  sequence: number
  alertId: string
  /** Whether receivers were told of the current (or last) episode. */
  episodeNotified: boolean
  episodeSuppressed: Suppression | null
  /** evaluatedAt of the last raise that was sent: the repeat interval counts from it. */
  lastNotifiedRaiseAt: string | null
  since: string
}

const raises = (type: AlertEventType) => type === 'AlertRaised' || type === 'RescueOverdue'

export const applyAlertEvent = (track: AlertTrack | undefined, type: AlertEventType, data: AlertEventData, stream?: string): AlertTrack => {
  const to = 'to' in data ? data.to : raises(type) ? 'overdue' : 'arrived'
  const subject = filterSubjectOf(data)
  const fingerprint = fingerprintOfRecorded(data)
  const base = {
    fingerprint,
    stream: stream ?? track?.stream ?? alertStream(fingerprint),
    kind: subject.type as AlertTrack['kind'],
    targetId: subject.targetId,
    region: subject.region,
    incidentId: 'incidentId' in data ? data.incidentId : null,
    status: to,
    sequence: data.sequence,
    alertId: data.alertId,
    since: data.evaluatedAt,
  }
  if (!raises(type))
    return { ...(track ?? { episodeNotified: data.notify, episodeSuppressed: data.suppressed ?? null, lastNotifiedRaiseAt: null }), ...base, state: 'resolved' }
  const lastNotifiedRaiseAt = data.notify ? data.evaluatedAt : (track?.lastNotifiedRaiseAt ?? null)
  if (track?.state === 'firing' && track.alertId === data.alertId)
    return {
      ...track,
      ...base,
      state: 'firing',
      episodeNotified: track.episodeNotified || data.notify,
      episodeSuppressed: data.notify ? null : track.episodeSuppressed,
      lastNotifiedRaiseAt,
    }
  return { ...base, state: 'firing', episodeNotified: data.notify, episodeSuppressed: data.suppressed ?? null, lastNotifiedRaiseAt }
}

// ---- deciding a transition ------------------------------------------------------------------

export interface TransitionContext {
  fingerprint: string
  now: string
  /** False while deriving from history the service did not watch live (and backfill is off). */
  live: boolean
  repeatIntervalMs: number
  /** The status seen at the previous evaluation, when the log has no alert for this fingerprint yet. */
  previousObserved?: Status
}

export interface Transition {
  type: 'AlertRaised' | 'AlertResolved'
  sequence: number
  alertId: string
  from: Status
  to: Status
  notify: boolean
  suppressed?: Suppression
  reminder?: true
}

const elapsedMs = (from: string, to: string) => Date.parse(to) - Date.parse(from)

const withSuppression = (t: Omit<Transition, 'notify'>, suppressed: Suppression | undefined): Transition =>
  suppressed ? { ...t, notify: false, suppressed } : { ...t, notify: true }

/**
 * - into a firing status from none/resolved: a raise (a new episode);
 * - between firing statuses: a raise within the episode (e.g. at_risk → breached);
 * - back to met/on_track: a resolution, sent when the episode was;
 * - no_data never changes anything: absence of data is neither a breach nor a recovery here
 *   (staleness is its own status).
 * A new episode within the repeat interval of the last sent raise is recorded but not sent;
 * if it is still firing once the interval has passed, it is sent then (a reminder), so a
 * receiver is never left believing "resolved" for longer than the interval.
 */
export const decideTransition = (track: AlertTrack | undefined, observed: Status, ctx: TransitionContext): Transition | null => {
  if (observed === 'no_data') return null
  const sequence = (track?.sequence ?? 0) + 1
  const repeatHolds = track?.lastNotifiedRaiseAt != null && elapsedMs(track.lastNotifiedRaiseAt, ctx.now) < ctx.repeatIntervalMs
  const quiet = (): Suppression | undefined => (!ctx.live ? 'backfill' : repeatHolds ? 'repeat_interval' : undefined)
  if (isFiring(observed)) {
    if (!track || track.state === 'resolved') {
      const from = (track?.status as Status | undefined) ?? ctx.previousObserved ?? 'no_data'
      return withSuppression({ type: 'AlertRaised', sequence, alertId: alertIdOf(ctx.fingerprint, sequence), from, to: observed }, quiet())
    }
    const base = { type: 'AlertRaised' as const, sequence, alertId: track.alertId, from: track.status as Status, to: observed }
    if (track.status !== observed) return withSuppression(base, track.episodeNotified ? (ctx.live ? undefined : 'backfill') : quiet())
    if (!track.episodeNotified && track.episodeSuppressed === 'repeat_interval' && ctx.live && !repeatHolds)
      return { ...base, notify: true, reminder: true }
    return null
  }
  if (track?.state !== 'firing') return null
  // A resolution is sent whenever its episode was, even from history: a receiver must not be
  // left with a firing alert that the log shows resolved.
  const base = { type: 'AlertResolved' as const, sequence, alertId: track.alertId, from: track.status as Status, to: observed }
  return withSuppression(base, track.episodeNotified ? undefined : (track.episodeSuppressed ?? 'backfill'))
}

// ---- rescue overdue -------------------------------------------------------------------------

export interface OverduePolicy {
  overdueAfterMs: number
  /** Incidents reported longer ago than this never fire (a backfill pages nobody); null = no limit. */
  windowMs: number | null
}

/** Minutes elapsed when the incident is overdue now and recent enough to page anyone; else null. */
export const overdueMinutes = (reportedAt: string, now: string, policy: OverduePolicy): number | null => {
  const elapsed = elapsedMs(reportedAt, now)
  if (Number.isNaN(elapsed) || elapsed < policy.overdueAfterMs) return null
  if (policy.windowMs !== null && elapsed > policy.windowMs) return null
  return Math.round(elapsed / 600) / 100
}

// ---- deriving every fingerprint's transition from an evaluation --------------------------

export interface DerivedTransition {
  fingerprint: string
  /** The stream to append the transition to. */
  stream: string
  transition: Transition
  /** The event data to record (AlertRaised or AlertResolved). */
  data: TargetAlertData
}

export interface DeriveContext {
  now: string
  /** The log position the evaluated state includes. */
  position: number
  live: boolean
  repeatIntervalMs: number
  trackOf: (fingerprint: string) => AlertTrack | undefined
  /** Status of each fingerprint at the previous evaluation (the `from` of a first raise); updated here. */
  observed?: Map<string, Status>
}

const finite = (value: number | null | undefined): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null)

/** What an alert needs of a target's verdict (a compliance report satisfies it). */
export interface JudgedTarget {
  id: string
  title: Bilingual
  clause: Bilingual
  responsibleUnits: Bilingual[]
  comparator: Comparator
  threshold: number
  scope: string
  status: Status
  value: number | null
  margin?: Margin
  regions: readonly { region: string; status: Status; value: number | null; threshold?: number; margin?: Margin }[]
}

/** The verdicts of one plan, at one revision. */
export interface JudgedPlan {
  plan: { id: string; revision: number }
  reports: readonly JudgedTarget[]
}

/** The plan's root (the province) and every listed region of a report, with what an alert records of each. */
export const scopesOf = (report: JudgedTarget) => [
  { scope: report.scope, status: report.status, value: report.value, threshold: report.threshold, margin: report.margin },
  ...report.regions.map((r) => ({ scope: r.region, status: r.status, value: r.value, threshold: r.threshold ?? report.threshold, margin: r.margin })),
]

/** Every transition the plans' verdicts imply against the alert state, with the data to record for each. */
export const deriveTransitions = (judged: readonly JudgedPlan[], ctx: DeriveContext): DerivedTransition[] => {
  const derived: DerivedTransition[] = []
  for (const { plan, reports } of judged)
    for (const report of reports)
      for (const { scope, status, value, threshold, margin } of scopesOf(report)) {
        const fingerprint = targetFingerprint(plan.id, report.id, scope)
        const previousObserved = ctx.observed?.get(fingerprint)
        ctx.observed?.set(fingerprint, status)
        const track = ctx.trackOf(fingerprint)
        const transition = decideTransition(track, status, {
          fingerprint,
          now: ctx.now,
          live: ctx.live,
          repeatIntervalMs: ctx.repeatIntervalMs,
          ...(previousObserved ? { previousObserved } : {}),
        })
        if (!transition) continue
        derived.push({
          fingerprint,
          stream: track?.stream ?? alertStream(fingerprint),
          transition,
          data: {
            alertId: transition.alertId,
            fingerprint,
            sequence: transition.sequence,
            evaluatedAt: ctx.now,
            notify: transition.notify,
            ...(transition.suppressed ? { suppressed: transition.suppressed } : {}),
            plan: plan.id,
            planRevision: plan.revision,
            targetId: report.id,
            region: scope,
            from: transition.from,
            to: transition.to,
            value: finite(value),
            threshold: finite(threshold) ?? report.threshold,
            comparator: report.comparator,
            ...(margin ? { margin } : {}),
            position: ctx.position,
            title: report.title,
            clause: report.clause,
            responsibleUnits: report.responsibleUnits,
            ...(transition.reminder ? { reminder: true as const } : {}),
          },
        })
      }
  return derived
}

export const filterSubjectOf = (data: AlertEventData): FilterSubject =>
  'targetId' in data
    ? { type: 'target.status_changed', targetId: data.targetId, region: data.region }
    : { type: 'rescue.overdue', targetId: rescueTargetId, region: data.region }

// The webhook message of an alert event (domain/webhooks.ts imports nothing of alerts: one direction).
/** The body receivers get for an alert event: `{type, timestamp, data}`, fields in a fixed order. */
export const alertMessage = (type: AlertEventType, data: AlertEventData): WebhookMessage => {
  const status = type === 'AlertRaised' || type === 'RescueOverdue' ? 'firing' : 'resolved'
  const head = { alertId: data.alertId, fingerprint: data.fingerprint, sequence: data.sequence, status }
  if ('targetId' in data)
    return {
      type: 'target.status_changed',
      timestamp: data.evaluatedAt,
      data: {
        ...head,
        targetId: data.targetId,
        region: data.region,
        from: data.from,
        to: data.to,
        value: data.value,
        threshold: data.threshold,
        comparator: data.comparator,
        ...(data.margin ? { margin: data.margin } : {}),
        position: data.position,
        title: data.title,
        clause: data.clause,
        responsibleUnits: data.responsibleUnits,
        ...(data.reminder ? { reminder: true } : {}),
      },
    }
  const rescue = { ...head, incidentId: data.incidentId, region: data.region, reportedAt: data.reportedAt }
  if ('overdueAfterMinutes' in data)
    return {
      type: 'rescue.overdue',
      timestamp: data.evaluatedAt,
      data: { ...rescue, minutesElapsed: data.minutesElapsed, overdueAfterMinutes: data.overdueAfterMinutes, ...(data.elevatorId ? { elevatorId: data.elevatorId } : {}) },
    }
  return { type: 'rescue.overdue', timestamp: data.evaluatedAt, data: { ...rescue, minutesElapsed: data.minutesElapsed, arrivedAt: data.arrivedAt } }
}
