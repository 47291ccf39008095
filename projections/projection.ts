// A projection is data: a name, a version (bump it when the fold changes; the runner then
// rebuilds from zero), an initial state and a fold. State must be plain JSON, because the
// runner snapshots it; evolve may mutate the state it is given and returns it.
import type { RecordedEvent } from '../domain/envelope.ts'

export interface Projection<S> {
  name: string
  version: number
  initialState: () => S
  evolve: (state: S, event: RecordedEvent) => S
}
