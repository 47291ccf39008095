// How each region behaves in the simulated 2020: volumes at scale 1, quality, speed. The figures
// are modelled, not official statistics: shaped so that the province meets the plan's headline
// numbers while some regions fall short, as a real year would.
import { type RegionId, regionIds } from './regions.ts'

export interface RegionProfile {
  /** Food sampling batches per 1,000 residents in the year (Gui'an: `samplingBatches` instead). */
  samplingDensity: number
  samplingBatches?: number
  /** Probability a batch passes (before the summer dip). */
  passRate: number
  /** Weight of the region in new market entities, relative to its census population. */
  entityVigour: number
  /** Elevator entrapments per year at scale 1. */
  entrapments: number
  /** Median minutes from a call to the rescuer on site. */
  rescueMedianMinutes: number
  /** GB/T 2260 county-level codes used as the division segment of the region's USCCs. */
  counties: readonly string[]
}

export const regionProfiles: Record<RegionId, RegionProfile> = {
  guiyang: {
    samplingDensity: 3.55,
    passRate: 0.989,
    entityVigour: 1.4,
    entrapments: 2300,
    rescueMedianMinutes: 10.5,
    counties: ['520102', '520103', '520111', '520112', '520113', '520115', '520121', '520122', '520123', '520181'],
  },
  liupanshui: {
    samplingDensity: 3.08,
    passRate: 0.986,
    entityVigour: 1.02,
    entrapments: 330,
    rescueMedianMinutes: 13,
    counties: ['520201', '520203', '520204', '520281'],
  },
  zunyi: {
    samplingDensity: 3.22,
    passRate: 0.987,
    entityVigour: 1.08,
    entrapments: 980,
    rescueMedianMinutes: 12,
    counties: ['520302', '520303', '520304', '520322', '520323', '520324', '520328', '520330', '520381', '520382'],
  },
  anshun: {
    samplingDensity: 3.15,
    passRate: 0.985,
    entityVigour: 1.03,
    entrapments: 260,
    rescueMedianMinutes: 12.5,
    counties: ['520402', '520403', '520422', '520423', '520424', '520425'],
  },
  bijie: {
    samplingDensity: 2.86,
    passRate: 0.983,
    entityVigour: 0.86,
    entrapments: 420,
    rescueMedianMinutes: 15.5,
    counties: ['520502', '520521', '520522', '520523', '520524', '520525', '520526', '520527'],
  },
  tongren: {
    samplingDensity: 3.05,
    passRate: 0.974,
    entityVigour: 1.01,
    entrapments: 300,
    rescueMedianMinutes: 14,
    counties: ['520602', '520603', '520621', '520622', '520623', '520624', '520625', '520626', '520627', '520628'],
  },
  qianxinan: {
    samplingDensity: 3.02,
    passRate: 0.971,
    entityVigour: 1.03,
    entrapments: 320,
    rescueMedianMinutes: 13.5,
    counties: ['522301', '522302', '522323', '522324', '522325', '522326', '522327', '522328'],
  },
  qiandongnan: {
    samplingDensity: 2.91,
    passRate: 0.984,
    entityVigour: 0.88,
    entrapments: 340,
    rescueMedianMinutes: 20.5,
    counties: ['522601', '522622', '522623', '522625', '522627', '522631', '522632', '522633', '522634'],
  },
  qiannan: {
    samplingDensity: 3.12,
    passRate: 0.986,
    entityVigour: 1.02,
    entrapments: 380,
    rescueMedianMinutes: 13,
    counties: ['522701', '522702', '522722', '522723', '522725', '522726', '522730', '522731'],
  },
  // Gui'an has no census population of its own: a fixed number of batches, and USCC division
  // codes of the districts it was carved from (Huaxi, Qingzhen, Pingba, Xixiu).
  guian: {
    samplingDensity: 0,
    samplingBatches: 1600,
    passRate: 0.99,
    entityVigour: 0,
    entrapments: 170,
    rescueMedianMinutes: 11,
    counties: ['520111', '520181', '520403', '520402'],
  },
}

/** New market entities registered in the province in 2020 at scale 1 (the plan asks for 500,000). */
export const entitiesAtScaleOne = 536_000
/** Gui'an's share of new entities (it has no population to weigh by). */
export const guianEntityShare = 0.016

export const entityKinds = [
  { kind: 'individual', share: 0.715, usccPrefix: '92' },
  { kind: 'enterprise', share: 0.26, usccPrefix: '91' },
  { kind: 'cooperative', share: 0.025, usccPrefix: '93' },
] as const

export const samplingStageMix = [
  { stage: 'distribution', share: 0.4, code: 'JY' },
  { stage: 'edible_agricultural', share: 0.28, code: 'NC' },
  { stage: 'catering', share: 0.17, code: 'CY' },
  { stage: 'production', share: 0.15, code: 'SC' },
] as const

/**
 * 风险监测 (risk monitoring) among food batches: about one in eight, aimed at known hazards, so a
 * larger share of the problems turns up there. The region's `passRate` is that of all its batches;
 * the supervisory (监督抽检) rate the plan's pass rate counts comes out a little higher.
 */
export const riskMonitoringShare = { ofPasses: 0.12, ofFailures: 0.3 } as const

export type SamplingStage = (typeof samplingStageMix)[number]['stage']

/** What failing batches failed on, by stage (the usual findings of Chinese food sampling). */
export const failureItems: Record<SamplingStage, readonly string[]> = {
  distribution: ['二氧化硫残留量 sulfur dioxide residue', '苯甲酸及其钠盐 benzoic acid', '过氧化值 peroxide value', '酸价 acid value'],
  edible_agricultural: ['克伦特罗 clenbuterol', '恩诺沙星 enrofloxacin', '腐霉利 procymidone', '甲拌磷 phorate', '毒死蜱 chlorpyrifos'],
  catering: ['菌落总数 total bacterial count', '大肠菌群 coliforms', '阴离子合成洗涤剂 anionic detergent residue'],
  production: ['黄曲霉毒素B₁ aflatoxin B1', '铅(以Pb计) lead', '脱氢乙酸及其钠盐 dehydroacetic acid', '菌落总数 total bacterial count'],
}

export const allRegions: readonly RegionId[] = regionIds
