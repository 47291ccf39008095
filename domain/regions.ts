// Reporting regions of Guizhou: GB/T 2260 codes, names, and the 2020 census population
// (seventh national census, standard time 2020-11-01, Guizhou Provincial Bureau of Statistics).
// Gui'an New Area (贵安新区) is a state-level new area carved out of Guiyang and Anshun: its
// residents are counted inside those two prefectures, so it has no population of its own
// and no GB/T 2260 code. It reports, but per-capita figures never divide by it.

export const regionIds = [
  'guiyang',
  'liupanshui',
  'zunyi',
  'anshun',
  'bijie',
  'tongren',
  'qianxinan',
  'qiandongnan',
  'qiannan',
  'guian',
] as const

export type RegionId = (typeof regionIds)[number]
export const provinceId = 'guizhou' as const
export type ScopeId = RegionId | typeof provinceId

export interface Region {
  id: RegionId
  code: string | null
  name: { zh: string; en: string }
  /** 2020 census population; null for Gui'an (counted inside Guiyang and Anshun). */
  population: number | null
  kind: 'prefecture_city' | 'autonomous_prefecture' | 'new_area'
}

export const regions: readonly Region[] = [
  { id: 'guiyang', code: '520100', name: { zh: '贵阳市', en: 'Guiyang' }, population: 5_987_018, kind: 'prefecture_city' },
  { id: 'liupanshui', code: '520200', name: { zh: '六盘水市', en: 'Liupanshui' }, population: 3_031_602, kind: 'prefecture_city' },
  { id: 'zunyi', code: '520300', name: { zh: '遵义市', en: 'Zunyi' }, population: 6_606_675, kind: 'prefecture_city' },
  { id: 'anshun', code: '520400', name: { zh: '安顺市', en: 'Anshun' }, population: 2_470_630, kind: 'prefecture_city' },
  { id: 'bijie', code: '520500', name: { zh: '毕节市', en: 'Bijie' }, population: 6_899_636, kind: 'prefecture_city' },
  { id: 'tongren', code: '520600', name: { zh: '铜仁市', en: 'Tongren' }, population: 3_298_468, kind: 'prefecture_city' },
  {
    id: 'qianxinan',
    code: '522300',
    name: { zh: '黔西南布依族苗族自治州', en: 'Qianxinan Buyei and Miao Autonomous Prefecture' },
    population: 3_015_112,
    kind: 'autonomous_prefecture',
  },
  {
    id: 'qiandongnan',
    code: '522600',
    name: { zh: '黔东南苗族侗族自治州', en: 'Qiandongnan Miao and Dong Autonomous Prefecture' },
    population: 3_758_622,
    kind: 'autonomous_prefecture',
  },
  {
    id: 'qiannan',
    code: '522700',
    name: { zh: '黔南布依族苗族自治州', en: 'Qiannan Buyei and Miao Autonomous Prefecture' },
    population: 3_494_385,
    kind: 'autonomous_prefecture',
  },
  { id: 'guian', code: null, name: { zh: '贵安新区', en: "Gui'an New Area" }, population: null, kind: 'new_area' },
]

export const province = {
  id: provinceId,
  code: '520000',
  name: { zh: '贵州省', en: 'Guizhou Province' },
  population: 38_562_148,
} as const

const byId = new Map<string, Region>(regions.map((r) => [r.id, r]))

export const isRegionId = (id: string): id is RegionId => byId.has(id)
export const regionById = (id: RegionId): Region => byId.get(id)!

/** The nine prefectures (cities and autonomous prefectures), the units every province-wide target covers. */
export const prefectures: readonly RegionId[] = regions.filter((r) => r.population !== null).map((r) => r.id)

/** Population a per-capita figure of `scope` divides by. */
export const populationOf = (scope: ScopeId): number | null =>
  scope === provinceId ? province.population : regionById(scope).population
