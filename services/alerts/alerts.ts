// Alerting, composed: the alert reactor and the rescue watch (derive alert events from the log),
// the dispatcher (delivers them), the subscription commands and the alert history. Nothing
// runs until start(): the HTTP app starts it when ready and stops it on close, so CLI commands
// that open the services deliver nothing. A deployment with several instances can keep the
// dispatcher stopped on all but one (services.alerts.dispatcher.start/stop).
import path from 'node:path'
import type { Logger } from 'pino'
import type { WebhooksState } from '../../projections/webhooks.ts'
import type { Config } from '../config.ts'
import type { Plans } from '../plans/plans.ts'
import type { ComplianceReader } from '../read/compliance-reader.ts'
import type { Runner } from '../runner/runner.ts'
import type { EventStore } from '../store/port.ts'
import { fileCheckpoint, memoryCheckpoint } from './checkpoint.ts'
import { createDispatcher } from './dispatcher.ts'
import { createAlertHistory } from './history.ts'
import type { Post } from './post.ts'
import { createReactor } from './reactor.ts'
import { createRescueWatch } from './rescue-watch.ts'
import { createSecretBox, loadSecretKey } from './secret-box.ts'
import { createWebhookService } from './subscriptions.ts'

export interface AlertsDeps {
  config: Config
  plans: Plans
  reader: ComplianceReader
  store: EventStore
  runner: Runner
  logger: Logger
  clock: () => Date
  /** Tests may replace the HTTP client. */
  post?: Post
  /** True once the log failed an integrity check: no alert is derived from it (README "Integrity"). */
  halted?: () => boolean
}

export const createAlerts = ({ config, plans, reader, store, runner, logger, clock, post, halted = () => false }: AlertsDeps) => {
  const settings = config.alerts
  const persistent = config.store !== 'memory'
  const secretBox = createSecretBox(loadSecretKey({ configured: settings.webhooks.key, dataDir: config.dataDir, persistent, logger }))
  const hasActiveSubscription = () => Object.values(runner.state<WebhooksState>('webhooks').subscriptions).some((s) => s.status === 'active')
  const deriving = () => !halted() && (settings.derive === 'always' || (settings.derive === 'auto' && hasActiveSubscription()))
  const checkpoint = persistent ? fileCheckpoint(path.join(config.dataDir, 'alerts-reactor.json')) : memoryCheckpoint()
  const child = (component: string) => logger.child({ component })

  const reactor = createReactor({ store, runner, reader, config: settings, clock, logger: child('alerts'), checkpoint, active: deriving })
  const rescueWatch = createRescueWatch({ store, runner, config: settings, clock, logger: child('rescue-watch'), active: deriving })
  const dispatcher = createDispatcher({ store, runner, config: settings, clock, logger: child('dispatcher'), secretBox, ...(post ? { post } : {}) })
  const webhooks = createWebhookService({
    store,
    runner,
    secretBox,
    config: settings,
    clock,
    isKnownTarget: (id) => plans.list().some(({ plan }) => plan.targets.some((t) => t.id === id)),
    isKnownScope: plans.isScope,
    settleAlerts: () => reactor.flush(),
  })
  const history = createAlertHistory({ runner, lastEvaluation: reactor.lastEvaluation, deriving })

  let started = false
  return {
    reactor,
    rescueWatch,
    dispatcher,
    webhooks,
    history,
    deriving,
    /** Derivation always; the dispatcher too unless `dispatcher: false` (e.g. it waits for a cluster lease). */
    start: (options: { dispatcher?: boolean } = {}) => {
      if (started) return
      started = true
      reactor.start()
      rescueWatch.start()
      if (options.dispatcher !== false) dispatcher.start()
    },
    stop: async () => {
      if (!started) return
      started = false
      await Promise.all([dispatcher.stop(), reactor.stop(), rescueWatch.stop()])
    },
  }
}

export type Alerts = ReturnType<typeof createAlerts>
