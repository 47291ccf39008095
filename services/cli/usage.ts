// The usage line of each command, for `targetwatch --help` (services/cli.ts), which prints them
// without loading the commands themselves.
import { defaultPlanId } from '../../domain/plans.ts'

export const plansUsage = `plans publish FILE | plans revise FILE --if-match REVISION [--reason TEXT] | plans list | plans show ID
                              publish or revise a plan document (see GET /v1/plans/schema) in the data
                              dir, as POST /v1/plans and PUT /v1/plans/ID do; list or print the plans`

export const verifyUsage = `verify [--data DIR | --file export.ndjson] [--public-key KEY]... [--head FILE]...
                              recompute every hash chain and the Merkle tree from the stored log
                              (the SQLite file, read-only, or an export) and check every signed
                              tree head; --public-key pins the keys you trust (PEM, base64 DER, or
                              the JSON of /v1/audit/public-key); --head adds heads you kept (JSON of
                              /v1/audit/checkpoints), which also catches a log cut short behind
                              them. Prints a JSON report; exit 1 when anything is wrong`

export const exportUsage = `export [--data DIR] [--from N] [--to N] [--stream S] [--type T] [--recorded-from I] [--recorded-to I] [--out FILE]
                              the log as NDJSON, one event with its envelope per line, in position
                              order (stdout by default); reads the SQLite file read-only, so it
                              runs beside the service`

export const importUsage = `import [--file export.ndjson]
                              load an export (stdin by default) into the configured, empty store
                              (TARGETWATCH_STORE): ids, times, hashes and order are kept`

export const replayUsage = `replay --at YYYY-MM-DD [--plan ID] [--as-of INSTANT | --position N] [--region R] [--data DIR | --file F] [--json]
                              fold the log from position 1 (no snapshots) and print the compliance
                              table of the plan (default ${defaultPlanId}): target, title, status, value, threshold`

export const attestCheckUsage = `attest-check ANSWER.json [--file export.ndjson | --data DIR] [--public-key KEY]
                              re-derive an answer of /v1/targets?attest=true from the events up to
                              its tree size: root, every figure, signature; exit 1 if it does not hold`
