// Monthly readings of the reading-based targets: what each region counts (the denominator) and
// how its share moves through 2020, plus who reports late or not at all. A reading is the
// figure at the month's end; a skipped month leaves the region stale once the report is overdue
// (the month's end + 15 days), so silence shows up on the dashboard as it should.
import { populationOf, type RegionId } from './regions.ts'

export interface ReadingCurve {
  /** Share in January and in December. */
  from: number
  to: number
  /** Month index (0 = January) from which the share is exactly `to`; default 11. */
  reachBy?: number
  /** Added to the share in given months (negative: a dip). */
  dips?: Partial<Record<number, number>>
}

export interface ReadingPlan {
  indicator: string
  /** What is counted in the region (the denominator) in January. */
  size: (region: RegionId) => number
  /** Growth of the denominator over the year (0.08 = +8% by December). */
  growth?: number
  curve: ReadingCurve
  regions?: Partial<Record<RegionId, Partial<ReadingCurve>>>
  /** Coverage that only grows (cumulative inspections, reforms applied). */
  monotone?: boolean
}

/** Per 1,000 residents, with a fixed size for Gui'an (no population of its own). */
const perThousand = (rate: number, guian: number) => (region: RegionId) => {
  const population = populationOf(region)
  return population === null ? guian : Math.max(1, Math.round((population * rate) / 1000))
}
const fixed = (sizes: Record<RegionId, number>) => (region: RegionId) => sizes[region]

// COVID-19: periodic elevator inspections stopped in February and caught up by May.
const inspectionBacklog = { 1: -0.07, 2: -0.05, 3: -0.025, 4: -0.008 }

export const readingPlans: readonly ReadingPlan[] = [
  {
    indicator: 'licence-separation-coverage',
    size: () => 523, // matters on the 2019 reform list, the same in every region
    curve: { from: 0.62, to: 1, reachBy: 10 },
    regions: { qiannan: { reachBy: 11 }, tongren: { reachBy: 11, from: 0.55 } },
    monotone: true,
  },
  {
    indicator: 'joint-random-inspection-coverage',
    size: fixed({ guiyang: 32, liupanshui: 27, zunyi: 30, anshun: 26, bijie: 28, tongren: 27, qianxinan: 27, qiandongnan: 28, qiannan: 27, guian: 18 }),
    curve: { from: 0.5, to: 1 },
    regions: { bijie: { to: 26 / 28 }, qiandongnan: { to: 27 / 28 } },
    monotone: true,
  },
  {
    indicator: 'school-kitchen-transparency',
    size: perThousand(0.52, 160),
    curve: { from: 0.58, to: 1, reachBy: 11 },
    monotone: true,
  },
  {
    indicator: 'food-risk-grading',
    size: perThousand(12, 3800),
    growth: 0.05,
    curve: { from: 0.6, to: 0.88 },
    regions: { guian: { to: 0.78 }, qiandongnan: { to: 0.82 } },
  },
  {
    indicator: 'wholesale-vendor-records',
    size: perThousand(0.35, 120),
    curve: { from: 0.93, to: 1, reachBy: 5 },
    regions: { bijie: { reachBy: 7 } },
    monotone: true,
  },
  {
    indicator: 'wholesale-testing-systems',
    size: fixed({ guiyang: 26, liupanshui: 11, zunyi: 21, anshun: 9, bijie: 17, tongren: 12, qianxinan: 12, qiandongnan: 14, qiannan: 13, guian: 3 }),
    curve: { from: 0.8, to: 1, reachBy: 8 },
    regions: { qianxinan: { to: 11 / 12 } },
    monotone: true,
  },
  {
    indicator: 'elevator-inspection-rate',
    size: fixed({ guiyang: 52_000, liupanshui: 6_400, zunyi: 19_500, anshun: 5_200, bijie: 8_100, tongren: 5_900, qianxinan: 6_300, qiandongnan: 6_700, qiannan: 7_400, guian: 3_100 }),
    growth: 0.08,
    curve: { from: 0.972, to: 0.982, dips: inspectionBacklog },
    regions: { liupanshui: { from: 0.958, to: 0.964, dips: { 1: -0.09, 2: -0.07, 3: -0.04, 4: -0.02, 5: -0.01 } } },
  },
  {
    indicator: 'elevator-registration-rate',
    size: fixed({ guiyang: 52_000, liupanshui: 6_400, zunyi: 19_500, anshun: 5_200, bijie: 8_100, tongren: 5_900, qianxinan: 6_300, qiandongnan: 6_700, qiannan: 7_400, guian: 3_100 }),
    growth: 0.08,
    curve: { from: 0.988, to: 0.996 },
    regions: { bijie: { from: 0.972, to: 0.985 } },
  },
  {
    indicator: 'licensed-producer-inspection',
    size: perThousand(0.045, 40),
    // Cumulative over the year: nothing in February, everything inspected by December.
    curve: { from: 0.06, to: 1, reachBy: 11, dips: { 1: -0.03 } },
    monotone: true,
  },
  {
    indicator: 'party-branch-standardization',
    size: perThousand(0.03, 24),
    curve: { from: 0.81, to: 0.93 },
    regions: { qiandongnan: { from: 0.8, to: 0.86 } },
  },
]

/** Reporting habits: months (0 = January) whose report a region never sends, and how late reports arrive. */
export interface ReportingHabit {
  /** Months skipped for every indicator, or for the indicators listed. */
  skips?: { month: number; indicators?: string[] }[]
  /** First month reported (Gui'an set up its reporting in March). */
  firstMonth?: number
  /** Days after the month's end the report arrives. */
  delayDays: [min: number, max: number]
}

export const reportingHabits: Record<RegionId, ReportingHabit> = {
  guiyang: { delayDays: [2, 6] },
  liupanshui: { delayDays: [3, 9] },
  zunyi: { delayDays: [2, 7] },
  anshun: { delayDays: [3, 10] },
  bijie: { delayDays: [5, 14], skips: [{ month: 7 }] },
  tongren: { delayDays: [4, 12], skips: [{ month: 5, indicators: ['licence-separation-coverage'] }] },
  qianxinan: { delayDays: [3, 11] },
  qiandongnan: { delayDays: [9, 20], skips: [{ month: 3 }, { month: 11, indicators: ['party-branch-standardization'] }] },
  qiannan: { delayDays: [3, 9] },
  guian: { delayDays: [2, 8], firstMonth: 2 },
}

/** The share of a region in a month, before rounding to whole counts. */
export const shareIn = (plan: ReadingPlan, region: RegionId, month: number): number => {
  const curve = { ...plan.curve, ...plan.regions?.[region] }
  const reachBy = curve.reachBy ?? 11
  const progress = month >= reachBy ? 1 : month / reachBy
  // Eased: most of the way is covered early, the last stretch is slow (as coverage campaigns go).
  const eased = 1 - (1 - progress) ** 1.6
  const share = curve.from + (curve.to - curve.from) * eased + (curve.dips?.[month] ?? 0)
  return Math.min(1, Math.max(0, share))
}
