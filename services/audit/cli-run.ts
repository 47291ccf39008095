// The audit commands report a failure as one line naming the command (exit status 2), not a
// stack trace: their errors are about input (a missing file, a bad flag, a non-empty store).
export const guarded =
  (name: string, command: (...args: any[]) => Promise<number>) =>
  async (...args: any[]): Promise<number> => {
    try {
      return await command(...args)
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      process.stderr.write(`targetwatch ${name}: ${message}\n`)
      return 2
    }
  }
