// JSON Schema of the target catalog. Typed as ajv's JSONSchemaType<Catalog>, so `tsc` fails
// when the schema and the model in domain/targets.ts drift apart. The semantic rules a schema
// cannot express (unique ids, items vs threshold, ...) live in seeds/catalog.ts.
import type { JSONSchemaType } from 'ajv'
import type {
  Bilingual,
  Catalog,
  Comparator,
  Evaluation,
  MetricKind,
  MilestoneItem,
  Period,
  ReportingCadence,
  Target,
  Unit,
} from '../domain/targets.ts'

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
export const commitments = exhaustive<Target['commitment']>()(['firm', 'strive'])

export const idPattern = '^[a-z0-9-]{1,64}$'
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

const target: JSONSchemaType<Target> = {
  type: 'object',
  properties: {
    id: { type: 'string', pattern: idPattern },
    title: bilingual,
    section: bilingual,
    clause: bilingual,
    responsibleUnits: { type: 'array', items: bilingual, minItems: 1 },
    metric: { type: 'string', enum: metricKinds },
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

/** The schema as TypeScript checks it against `Catalog`. */
export const catalogSchema: JSONSchemaType<Catalog> = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://targetwatch.local/schemas/catalog.json',
  title: 'targetwatch target catalog',
  description: 'Every numeric target of the 2020 work plan of the Guizhou market supervision administration.',
  type: 'object',
  properties: {
    version: { type: 'string', pattern: '^[0-9A-Za-z.-]{1,32}$' },
    source: {
      type: 'object',
      properties: {
        title: bilingual,
        issuedOn: date,
        // Empty when the publication gives no document number (the 2020 plan's 文号 is blank).
        documentNumber: { type: 'string' },
        indexNumber: { type: 'string', nullable: true, minLength: 1 },
      },
      required: ['title', 'issuedOn', 'documentNumber'],
      additionalProperties: false,
    },
    targets: { type: 'array', items: target, minItems: 1 },
  },
  required: ['version', 'source', 'targets'],
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
export const catalogJsonSchema = withoutNullable(catalogSchema) as Record<string, unknown>
