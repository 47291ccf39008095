// The plan a scaled demo is judged against. `--scale` shrinks the simulated sampling, registrations
// and entrapments (year.ts); a volume target (a count or a per-1,000 density of those facts) read
// against its full-size threshold would then be "missed" only because of the scale. So the demo's
// plan scales those thresholds alike — the population stays the census', the density threshold
// shrinks with the count — and says so in its title and in each scaled target's title. Ratios and
// means do not depend on the volume and keep their thresholds; readings and milestones are not
// scaled. At scale 1 this is the plan itself.
import type { Plan } from '../../domain/plans.ts'
import type { CountedFact, Target } from '../../domain/targets.ts'

/** The facts whose volume `--scale` multiplies (seeds/simulate/year.ts regionTotals). */
export const scaledFacts: readonly CountedFact[] = ['SamplingBatchTested', 'MarketEntityRegistered', 'RescueRequested']

export const isScaledVolume = (target: Target): boolean =>
  (target.metric === 'event_count' || target.metric === 'event_rate_per_1000') &&
  target.computedFrom?.fact !== undefined &&
  scaledFacts.includes(target.computedFrom.fact)

const scaleText = (scale: number) => `${Number(scale.toPrecision(6))}`

const scaledTarget = (target: Target, scale: number): Target => {
  if (!isScaledVolume(target)) return target
  const threshold = target.metric === 'event_count' ? Math.round(target.threshold * scale) : target.threshold * scale
  return {
    ...target,
    threshold,
    title: {
      zh: `${target.title.zh}(演示:阈值按 ${scaleText(scale)} 缩放)`,
      en: `${target.title.en} (demo: threshold scaled by ${scaleText(scale)})`,
    },
  }
}

/** The plan with its volume thresholds scaled as the simulated volumes are; the plan itself at scale 1. */
export const scaledPlan = (plan: Plan, scale: number): Plan => {
  if (!(scale > 0)) throw new RangeError(`scale must be greater than 0, got ${scale}`)
  if (scale === 1) return plan
  return {
    ...plan,
    title: {
      zh: `${plan.title.zh}(演示:抽检、新增市场主体与电梯困人按 ${scaleText(scale)} 规模模拟,其体量阈值同比缩放)`,
      en: `${plan.title.en} (demo: sampling, new market entities and entrapments simulated at scale ${scaleText(scale)}, their volume thresholds scaled alike)`,
    },
    targets: plan.targets.map((target) => scaledTarget(target, scale)),
  }
}
