// The answer cache: computes once per key, keeps the most recently used keys, drops the oldest.
import t from 'tap'
import { createAnswerCache } from '../../services/runner/answers.ts'

t.test('a key is computed once while it is kept; the least recently used key is dropped first', async (t) => {
  const computed: string[] = []
  const answer = createAnswerCache<string>(2)
  const ask = (key: string) => answer(key, () => (computed.push(key), `answer ${key}`))
  t.same([ask('a'), ask('a'), ask('b')], ['answer a', 'answer a', 'answer b'])
  t.same(computed, ['a', 'b'], 'a was kept')
  ask('a') // a is now the most recent
  ask('c') // drops b
  ask('a')
  ask('b')
  t.same(computed, ['a', 'b', 'c', 'b'], 'b was dropped, a kept')
})
