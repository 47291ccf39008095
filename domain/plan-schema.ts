// JSON Schema of a plan document (published at GET /v1/plans/schema). Its parts are typed as
// ajv's JSONSchemaType of the model (domain/targets.ts, domain/regions.ts), so `tsc` fails when
// the schema and the model drift apart. The rules a schema cannot express (unique ids, items vs
// threshold, a filter's fields against its fact, ...) live in domain/plan-rules.ts.
import type { JSONSchemaType } from 'ajv'
import type { Plan } from './plans.ts'
import type { CountedIn, Population, RegionDefinition, RegionSet } from './regions.ts'
import type {
  Bilingual,
  Comparator,
  ComputedFrom,
  CountedFact,
  Evaluation,
  MetricKind,
  MilestoneItem,
  Period,
  ReportingCadence,
  Target,
  Unit,
} from './targets.ts'

// The enums as values. `Exhaustive` fails to compile when a union member is missing here.
type Exhaustive<Union, Listed extends readonly Union[]> = [Exclude<Union, Listed[number]>] extends [never] ? Listed : never
const exhaustive =
  <Union>() =>
  <const Listed extends readonly Union[]>(listed: Exhaustive<Union, Listed>): readonly Union[] =>
    listed

export const metricKinds = exhaustive<MetricKind>()([
  'event_ratio',
  'event_rate_per_1000',
  'reading_ratio',
  'mean_duration',
  'event_count',
  'milestone_count',
])
export const comparators = exhaustive<Comparator>()(['gte', 'lte', 'eq'])
export const evaluations = exhaustive<Evaluation>()(['continuous', 'by_period_end'])
export const units = exhaustive<Unit>()(['ratio', 'batches_per_1000_residents', 'minutes', 'entities', 'items'])
export const reportingCadences = exhaustive<ReportingCadence>()(['monthly', 'quarterly'])
export const commitments = exhaustive<Target['commitment']>()(['firm', 'strive', 'informational'])
export const countedFacts = exhaustive<CountedFact>()(['InspectionBatchTested', 'SamplingBatchTested', 'MarketEntityRegistered', 'RescueRequested'])
export const regionLevels = exhaustive<RegionDefinition['level']>()(['province', 'prefecture', 'county', 'new_area'])

export const idPattern = '^[a-z0-9-]{1,64}$'
/** Stream identifiers (program, indicator): what a fact's field may hold. */
export const identifierPattern = '^[A-Za-z0-9._:-]{1,64}$'
export const datePattern = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'

const bilingual: JSONSchemaType<Bilingual> = {
  type: 'object',
  properties: {
    zh: { type: 'string', minLength: 1, pattern: '\\S' },
    en: { type: 'string', minLength: 1, pattern: '\\S' },
  },
  required: ['zh', 'en'],
  additionalProperties: false,
}

const date = { type: 'string', pattern: datePattern, format: 'date' } as const

const period: JSONSchemaType<Period> = {
  type: 'object',
  properties: {
    start: date,
    end: date,
    timeZone: { type: 'string', const: 'Asia/Shanghai' },
  },
  required: ['start', 'end', 'timeZone'],
  additionalProperties: false,
}

const milestoneItem: JSONSchemaType<MilestoneItem> = {
  type: 'object',
  properties: {
    id: { type: 'string', pattern: idPattern },
    title: bilingual,
    region: { type: 'string', nullable: true, minLength: 1 },
  },
  required: ['id', 'title'],
  additionalProperties: false,
}

const filterValue = { type: 'string', minLength: 1, maxLength: 64 } as const

const computedFrom: JSONSchemaType<ComputedFrom> = {
  type: 'object',
  description:
    'What the target is computed from: event_ratio {fact: InspectionBatchTested|SamplingBatchTested, filter?}; event_count and event_rate_per_1000 {fact, filter?}; mean_duration {fact: RescueRequested, until: RescuerArrived}; reading_ratio {indicator} (default: the target id); milestone_count: none.',
  properties: {
    fact: { type: 'string', nullable: true, enum: countedFacts },
    filter: {
      type: 'object',
      nullable: true,
      required: [],
      additionalProperties: {
        anyOf: [filterValue, { type: 'array', items: filterValue, minItems: 1, maxItems: 32, uniqueItems: true }],
      },
      maxProperties: 8,
    } as never,
    until: { type: 'string', nullable: true, enum: ['RescuerArrived'] as const },
    indicator: { type: 'string', nullable: true, pattern: identifierPattern },
  },
  additionalProperties: false,
}

const target: JSONSchemaType<Target> = {
  type: 'object',
  properties: {
    id: { type: 'string', pattern: idPattern },
    title: bilingual,
    section: bilingual,
    clause: bilingual,
    responsibleUnits: { type: 'array', items: bilingual, minItems: 1 },
    metric: { type: 'string', enum: metricKinds },
    computedFrom: { ...computedFrom, nullable: true },
    comparator: { type: 'string', enum: comparators },
    threshold: { type: 'number', minimum: 0 },
    unit: { type: 'string', enum: units },
    period,
    evaluation: { type: 'string', enum: evaluations },
    minimumSample: { type: 'integer', nullable: true, minimum: 1 },
    reporting: {
      type: 'object',
      nullable: true,
      properties: {
        cadence: { type: 'string', enum: reportingCadences },
        graceDays: { type: 'integer', minimum: 0, maximum: 92 },
      },
      required: ['cadence', 'graceDays'],
      additionalProperties: false,
    },
    items: { type: 'array', nullable: true, items: milestoneItem, minItems: 1 },
    commitment: { type: 'string', enum: commitments },
    measure: { ...bilingual, nullable: true },
    seasonalProfile: {
      type: 'object',
      nullable: true,
      properties: { monthly: { type: 'array', items: { type: 'number', exclusiveMinimum: 0 }, minItems: 12, maxItems: 12 }, source: bilingual },
      required: ['monthly', 'source'],
      additionalProperties: false,
    },
    semanticsNote: { ...bilingual, nullable: true },
  },
  required: [
    'id',
    'title',
    'section',
    'clause',
    'responsibleUnits',
    'metric',
    'comparator',
    'threshold',
    'unit',
    'period',
    'evaluation',
    'commitment',
  ],
  additionalProperties: false,
}

const population: JSONSchemaType<Population> = {
  type: 'object',
  properties: {
    value: { type: 'integer', minimum: 1 },
    source: bilingual,
    vintage: date,
  },
  required: ['value', 'source', 'vintage'],
  additionalProperties: false,
}

const countedIn: JSONSchemaType<CountedIn> = {
  type: 'object',
  properties: { region: { type: 'string', pattern: idPattern }, share: { type: 'number', exclusiveMinimum: 0, maximum: 1 } },
  required: ['region', 'share'],
  additionalProperties: false,
}

const regionDefinition: JSONSchemaType<RegionDefinition> = {
  type: 'object',
  properties: {
    id: { type: 'string', pattern: idPattern },
    // null is a value here (no code, no parent, no population of its own), not an absent field.
    code: { type: ['string', 'null'], pattern: '^[0-9]{6}$' } as never,
    name: bilingual,
    parent: { type: ['string', 'null'], pattern: idPattern } as never,
    level: { type: 'string', enum: regionLevels },
    population: { anyOf: [population, { type: 'null' }] } as never,
    countedIn: { type: 'array', items: countedIn, nullable: true, minItems: 1 },
    reporting: { type: 'string', enum: ['required', 'voluntary'] },
    note: { ...bilingual, nullable: true },
  },
  required: ['id', 'code', 'name', 'parent', 'level', 'population', 'reporting'],
  additionalProperties: false,
}

export const regionSetSchema: JSONSchemaType<RegionSet> = {
  type: 'object',
  properties: {
    id: { type: 'string', pattern: idPattern },
    title: bilingual,
    root: regionDefinition,
    regions: { type: 'array', items: regionDefinition, minItems: 1, maxItems: 1000 },
  },
  required: ['id', 'title', 'root', 'regions'],
  additionalProperties: false,
}

/** The schema as TypeScript checks it against `Plan`. */
export const planSchema: JSONSchemaType<Plan> = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://targetwatch.dev/schemas/plan.json',
  title: 'targetwatch plan',
  description:
    'A work plan with numeric targets: who issued it, the period it covers, the region set it is measured over and its targets. POST it to /v1/plans.',
  type: 'object',
  properties: {
    id: { type: 'string', pattern: idPattern },
    title: bilingual,
    issuer: bilingual,
    issuedOn: date,
    // Empty when the publication gives no document number (the 2020 plan's 文号 is blank).
    documentNumber: { type: 'string', maxLength: 200 },
    indexNumber: { type: 'string', nullable: true, minLength: 1, maxLength: 200 },
    version: { type: 'string', pattern: '^[0-9A-Za-z.-]{1,32}$' },
    period,
    regionSet: { anyOf: [{ type: 'string', pattern: idPattern }, regionSetSchema] } as never,
    targets: { type: 'array', items: target, minItems: 1, maxItems: 500 },
  },
  required: ['id', 'title', 'issuer', 'issuedOn', 'documentNumber', 'version', 'period', 'regionSet', 'targets'],
  additionalProperties: false,
}

// JSONSchemaType demands `nullable: true` on optional properties, which would let `null` through
// where the model has `undefined`. The schema we validate with and publish drops it: an optional
// field is absent or well-typed, never null.
const withoutNullable = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(withoutNullable)
  if (node === null || typeof node !== 'object') return node
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key]) => key !== 'nullable')
      .map(([key, value]) => [key, withoutNullable(value)]),
  )
}

/** Plain JSON Schema (draft-07 keywords, `format: date` as in ajv-formats), for validation and docs. */
export const planJsonSchema = withoutNullable(planSchema) as Record<string, unknown>
export const regionSetJsonSchema = withoutNullable(regionSetSchema) as Record<string, unknown>
