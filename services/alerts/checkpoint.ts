// How far the alert reactor has evaluated the log, kept beside the data so that after a restart
// the reactor knows which events it has not judged yet (the crash window is live news; an
// import of old history is not). Derived data: losing the file only makes the next start
// judge freshness from the log's last event.
import { readFileSync, renameSync, writeFileSync } from 'node:fs'

export interface EvaluationMark {
  position: number
  evaluatedAt: string
}

export interface Checkpoint {
  load(): EvaluationMark | null
  save(mark: EvaluationMark): void
}

export const memoryCheckpoint = (): Checkpoint => {
  let mark: EvaluationMark | null = null
  return { load: () => mark, save: (next) => void (mark = next) }
}

export const fileCheckpoint = (file: string): Checkpoint => ({
  load: () => {
    try {
      const mark = JSON.parse(readFileSync(file, 'utf8')) as EvaluationMark
      return Number.isSafeInteger(mark.position) && typeof mark.evaluatedAt === 'string' ? mark : null
    } catch {
      return null
    }
  },
  save: (mark) => {
    writeFileSync(`${file}.tmp`, JSON.stringify(mark))
    renameSync(`${file}.tmp`, file)
  },
})
