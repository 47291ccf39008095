// Read model of API keys: which key ids exist, their role, scope and salted hash.
import type { ApiKeyCreatedData } from '../domain/system-events.ts'

export interface ApiKeyRecord extends ApiKeyCreatedData {
  createdAt: string
  createdBy: string
  revokedAt: string | null
}

export interface ApiKeysState {
  keys: Record<string, ApiKeyRecord>
}

interface KeyEvent {
  type: string
  data: unknown
  recordedAt: string
  meta: { principal: string }
}

export const apiKeysProjection = {
  name: 'api-keys',
  version: 1,
  initialState: (): ApiKeysState => ({ keys: {} }),
  evolve: (state: ApiKeysState, event: KeyEvent): ApiKeysState => {
    if (event.type === 'ApiKeyCreated') {
      const data = event.data as ApiKeyCreatedData
      state.keys[data.keyId] = { ...data, createdAt: event.recordedAt, createdBy: event.meta.principal, revokedAt: null }
    } else if (event.type === 'ApiKeyRevoked') {
      const keyId = (event.data as { keyId: string }).keyId
      const key = Object.hasOwn(state.keys, keyId) ? state.keys[keyId] : undefined
      if (key && key.revokedAt === null) key.revokedAt = event.recordedAt
    }
    return state
  },
}
