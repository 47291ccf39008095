// Lines of an NDJSON file (or stdin), for the import and the verification of an export.
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'

/**
 * Lines of a file, or of stdin when file is undefined or '-'. Nothing is read until the first line
 * is asked for: a readline interface reads and emits lines as soon as it exists, and the lines it
 * emits before a loop iterates it are lost (an import awaiting a slow store's head() first lost
 * the start of its file, or all of it).
 */
export async function* inputLines(file?: string): AsyncGenerator<string> {
  const input = file === undefined || file === '-' ? process.stdin : createReadStream(file, { encoding: 'utf8' })
  yield* createInterface({ input, crlfDelay: Infinity })
}
