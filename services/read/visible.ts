// What a region-scoped key sees of a compliance answer: the plan's root (the province) and its
// own regions, never another region's — in the regional breakdown, the stale list, the regions
// missing from the coverage and the items.
import type { Principal } from '../auth/principal.ts'

interface Scoped {
  regions: { region: string }[]
  staleRegions?: string[]
  coverage?: { reported: number; expected: number; missing: string[] }
  items?: { region?: string }[]
}

export const visibleTo = <R extends Scoped>(principal: Principal, report: R): R => {
  const own = principal.regions
  if (own === null) return report
  const sees = (region: string) => own.includes(region)
  const { staleRegions, coverage, items, ...rest } = report
  const stale = staleRegions?.filter(sees)
  const visibleItems = items?.filter((item) => item.region === undefined || sees(item.region))
  return {
    ...rest,
    regions: report.regions.filter((entry) => sees(entry.region)),
    ...(stale?.length ? { staleRegions: stale } : {}),
    // The counts are the province's; which others are missing is not this key's to see.
    ...(coverage ? { coverage: { ...coverage, missing: coverage.missing.filter(sees) } } : {}),
    ...(visibleItems ? { items: visibleItems } : {}),
  } as R
}
