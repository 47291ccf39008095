// Milestones of the simulated year: which items of the plan are achieved, and when. Named items
// come from the catalog (the three national demonstration zones, the nine prefectures, ...);
// targets that only give a count get plausible items of their own. Some items are never
// achieved, so those targets end 2020 missed: the "strive" pilot in Dafang, the 2021-2035 IP
// outline, the gas-cylinder traceability standard, two of twelve measurement standards. Three of
// the five inspection-centre projects are still being built at the year's end, which an
// informational target shows without a verdict.
import type { RegionId } from './regions.ts'

export interface MilestonePlan {
  targetId: string
  itemId: string
  /** For items the catalog does not name; named items take the catalog's title. */
  title?: string
  region?: RegionId
  /** achievedOn is drawn in [from, to]; null: not achieved in 2020. */
  window: [from: string, to: string] | null
}

const on = (date: string): [string, string] => [date, date]

const named = (targetId: string, windows: Record<string, [string, string] | null>): MilestonePlan[] =>
  Object.entries(windows).map(([itemId, window]) => ({ targetId, itemId, window }))

// 贵州省12个特色产业 (the 12 specialty industries of the 2019-2020 rural industry revolution).
const specialtyIndustries: [id: string, zh: string, en: string, window: [string, string]][] = [
  ['tea', '茶叶', 'tea', ['2020-04-08', '2020-04-30']],
  ['edible-fungi', '食用菌', 'edible fungi', ['2020-05-06', '2020-05-29']],
  ['vegetables', '蔬菜', 'vegetables', ['2020-05-11', '2020-06-12']],
  ['cattle-and-sheep', '牛羊', 'cattle and sheep', ['2020-06-01', '2020-06-30']],
  ['chili-pepper', '辣椒', 'chili pepper', ['2020-06-15', '2020-07-15']],
  ['fruit', '水果', 'fruit', ['2020-07-01', '2020-07-31']],
  ['pigs', '生猪', 'pig', ['2020-07-20', '2020-08-21']],
  ['medicinal-herbs', '中药材', 'Chinese medicinal herbs', ['2020-08-17', '2020-09-18']],
  ['rosa-roxburghii', '刺梨', 'Rosa roxburghii (cili)', ['2020-09-07', '2020-10-16']],
  ['specialty-forestry', '特色林业', 'specialty forestry', ['2020-10-12', '2020-11-13']],
  ['ecological-fishery', '生态渔业', 'ecological fishery', ['2020-11-09', '2020-12-04']],
  ['ecological-poultry', '生态家禽', 'ecological poultry', ['2020-12-07', '2020-12-25']],
]

// Provincial demonstration zones whose creation work begins in 2020, in three batches of the creation list.
const provincialZones: [id: string, zh: string, en: string, region: RegionId, batch: 1 | 2 | 3][] = [
  ['meitan-tea', '湄潭茶叶', 'Meitan tea', 'zunyi', 1],
  ['fenggang-selenium-tea', '凤冈锌硒茶', 'Fenggang zinc-selenium tea', 'zunyi', 1],
  ['zhengan-white-tea', '正安白茶', "Zheng'an white tea", 'zunyi', 2],
  ['suiyang-chili', '绥阳朝天椒', 'Suiyang facing-heaven chili', 'zunyi', 3],
  ['duyun-maojian-tea', '都匀毛尖茶', 'Duyun Maojian tea', 'qiannan', 1],
  ['guiding-yunwu-tea', '贵定云雾贡茶', 'Guiding Yunwu tribute tea', 'qiannan', 2],
  ['luodian-pitaya', '罗甸火龙果', 'Luodian pitaya', 'qiannan', 3],
  ['xiuwen-kiwifruit', '修文猕猴桃', 'Xiuwen kiwifruit', 'guiyang', 1],
  ['kaiyang-selenium-tea', '开阳富硒茶', 'Kaiyang selenium-rich tea', 'guiyang', 2],
  ['panzhou-rosa-roxburghii', '盘州刺梨', 'Panzhou Rosa roxburghii', 'liupanshui', 1],
  ['shuicheng-spring-tea', '水城春茶', 'Shuicheng spring tea', 'liupanshui', 3],
  ['weining-potato', '威宁马铃薯', 'Weining potato', 'bijie', 1],
  ['hezhang-walnut', '赫章核桃', 'Hezhang walnut', 'bijie', 2],
  ['dafang-gastrodia', '大方天麻', 'Dafang gastrodia', 'bijie', 2],
  ['zhijin-bamboo-fungus', '织金竹荪', 'Zhijin bamboo fungus', 'bijie', 3],
  ['nayong-cherry', '纳雍玛瑙红樱桃', 'Nayong agate-red cherry', 'bijie', 3],
  ['shiqian-tea', '石阡苔茶', 'Shiqian moss tea', 'tongren', 1],
  ['yinjiang-fanjingshan-tea', '印江梵净山茶', 'Yinjiang Fanjingshan tea', 'tongren', 2],
  ['yanhe-plum', '沿河沙子空心李', 'Yanhe Shazi hollow plum', 'tongren', 3],
  ['qinglong-sheep', '晴隆羊', 'Qinglong sheep', 'qianxinan', 1],
  ['xingren-coix', '兴仁薏仁米', "Xingren Job's tears", 'qianxinan', 2],
  ['zhenfeng-pepper', '贞丰顶坛花椒', 'Zhenfeng Dingtan Sichuan pepper', 'qianxinan', 2],
  ['congjiang-pig', '从江香猪', 'Congjiang fragrant pig', 'qiandongnan', 1],
  ['leishan-tea', '雷山银球茶', 'Leishan silver-ball tea', 'qiandongnan', 2],
  ['majiang-blueberry', '麻江蓝莓', 'Majiang blueberry', 'qiandongnan', 3],
  ['zhenning-plum', '镇宁蜂糖李', 'Zhenning honey plum', 'anshun', 1],
  ['guanling-cattle', '关岭牛', 'Guanling cattle', 'anshun', 1],
  ['ziyun-sweet-potato', '紫云红芯红薯', 'Ziyun red-heart sweet potato', 'anshun', 2],
  ['puding-chive', '普定韭黄', 'Puding yellow chives', 'anshun', 3],
  ['guian-cherry', '贵安樱桃', "Gui'an cherry", 'guian', 3],
]
const zoneBatchDates = { 1: '2020-06-18', 2: '2020-09-24', 3: '2020-12-10' } as const

// New provincial public measurement standards: ten of the twelve are built in 2020.
const measurementStandards: [id: string, zh: string, en: string, window: [string, string] | null][] = [
  ['electricity-meter', '电能表检定装置', 'electricity meter verification', ['2020-03-16', '2020-04-10']],
  ['taximeter', '出租汽车计价器检定装置', 'taximeter verification', ['2020-04-13', '2020-05-15']],
  ['fuel-dispenser', '燃油加油机检定装置', 'fuel dispenser verification', ['2020-05-11', '2020-06-12']],
  ['sphygmomanometer', '血压计检定装置', 'sphygmomanometer verification', ['2020-06-01', '2020-07-03']],
  ['pressure-gauge', '精密压力表标准装置', 'precision pressure gauge standard', ['2020-07-06', '2020-08-07']],
  ['truck-scale', '电子汽车衡检定装置', 'electronic truck scale verification', ['2020-08-03', '2020-09-04']],
  ['water-meter', '水表检定装置', 'water meter verification', ['2020-09-01', '2020-09-30']],
  ['speed-radar', '机动车雷达测速仪检定装置', 'traffic speed radar verification', ['2020-10-12', '2020-11-06']],
  ['electrocardiograph', '心电图机检定装置', 'electrocardiograph verification', ['2020-11-02', '2020-11-27']],
  ['gas-meter', '膜式燃气表检定装置', 'diaphragm gas meter verification', ['2020-11-23', '2020-12-18']],
  ['sound-level-meter', '声级计检定装置', 'sound level meter verification', null],
  ['breath-alcohol-analyser', '呼出气体酒精含量探测器检定装置', 'breath alcohol analyser verification', null],
]

export const milestonePlans: readonly MilestonePlan[] = [
  ...specialtyIndustries.map(([itemId, zh, en, window]) => ({
    targetId: 'specialty-industry-standards',
    itemId,
    title: `${zh}产业标准体系 / Standard system of the ${en} industry`,
    window,
  })),
  ...named('national-agri-demo-zones', {
    'shuicheng-kiwifruit': ['2020-07-08', '2020-07-24'],
    'dejiang-sichuan-pepper': ['2020-09-01', '2020-09-18'],
    'zunyi-chili-pepper': ['2020-11-09', '2020-11-27'],
  }),
  ...named('relocation-public-service-pilots', { 'qianxinan-prefecture': ['2020-08-03', '2020-08-21'], 'dafang-shexiang-ancient-town': null }),
  ...provincialZones.map(([itemId, zh, en, region, batch]) => ({
    targetId: 'provincial-agri-demo-zones',
    itemId,
    title: `${zh}省级农业标准化示范区 / ${en} provincial agricultural standardization demonstration zone`,
    region,
    window: on(zoneBatchDates[batch]),
  })),
  ...named('inspection-certificate-coding', {
    guiyang: ['2020-03-09', '2020-03-27'],
    zunyi: ['2020-04-07', '2020-04-28'],
    anshun: ['2020-05-11', '2020-05-29'],
    liupanshui: ['2020-06-01', '2020-06-24'],
    qiannan: ['2020-07-06', '2020-07-31'],
    tongren: ['2020-08-03', '2020-08-28'],
    qianxinan: ['2020-09-07', '2020-09-29'],
    bijie: ['2020-10-12', '2020-10-30'],
    qiandongnan: ['2020-12-01', '2020-12-18'],
  }),
  ...named('ip-strong-province-deliverables', {
    'annual-promotion-plan': ['2020-04-01', '2020-04-17'],
    'white-paper-2019': on('2020-04-26'), // World Intellectual Property Day
    'project-fund-measures': ['2020-08-10', '2020-08-28'],
    'thirteenth-plan-evaluation': ['2020-11-02', '2020-11-30'],
    'outline-2021-2035': null,
  }),
  ...named('special-equipment-risk-platform', { 'risk-grading-platform': ['2020-09-07', '2020-09-25'] }),
  ...named('special-equipment-standards', { 'elevator-selection-standard': ['2020-10-12', '2020-10-30'], 'gas-cylinder-traceability-standard': null }),
  ...named('enforcement-handbook', { 'frontline-enforcement-handbook': ['2020-06-08', '2020-06-30'] }),
  ...measurementStandards.map(([itemId, zh, en, window]) => ({
    targetId: 'new-measurement-standards',
    itemId,
    title: `${zh} / New provincial public measurement standard: ${en}`,
    window,
  })),
  // Completions (finished or accepted): building spans years, and the plan names no date.
  ...named('inspection-centre-projects', {
    'big-data-security-metrology-centre': ['2020-07-06', '2020-07-24'],
    'cigarette-manufacturing-metrology-centre': ['2020-11-09', '2020-11-27'],
    'satellite-navigation-inspection-centre': null,
    'tap-changer-inspection-centre': null,
    'guiyang-inspection-base-phase-2': null,
  }),
  // The plan does not name the six campaigns; the simulated year numbers them.
  ...[1, 2, 3, 4, 5, 6].map((n) => ({
    targetId: 'quality-improvement-campaigns',
    itemId: `campaign-${n}`,
    title: `质量提升专项行动(${n}) / Quality improvement campaign ${n}`,
    window: [`2020-0${n + 3}-01`, `2020-0${n + 3}-28`] as [string, string],
  })),
  // September is Quality Month (质量月).
  ...named('provincial-quality-conference', { 'conference-held': ['2020-09-08', '2020-09-18'] }),
  ...named('governors-quality-award', { 'third-award-selection': ['2020-12-14', '2020-12-25'] }),
  ...named('ip-protection-opinion', { 'opinion-issued': ['2020-10-19', '2020-11-13'] }),
]
