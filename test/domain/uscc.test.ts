import t from 'tap'
import { checkUscc, usccCheckCharacter, describeUsccProblem } from '../../domain/uscc.ts'

// 91350100M000100Y43 is a published, valid code (Fujian); its check character is 3.
t.test('a published valid code passes', async (t) => {
  t.same(checkUscc('91350100M000100Y43'), { ok: true })
  t.equal(usccCheckCharacter('91350100M000100Y4'), '3')
})

t.test('a wrong check character is named with the expected one', async (t) => {
  const check = checkUscc('91350100M000100Y47')
  t.same(check, { ok: false, reason: 'check', actual: '7', expected: '3' })
  if (!check.ok) t.equal(describeUsccProblem(check), 'check character is 7, expected 3')
})

t.test('length and alphabet are checked before the sum', async (t) => {
  t.match(checkUscc('9135'), { ok: false, reason: 'length', length: 4 })
  t.match(checkUscc('91350100I000100Y43'), { ok: false, reason: 'character', index: 8, character: 'I' })
})

t.test('every body gets a check character from the alphabet that makes it valid', async (t) => {
  const bodies = ['91520100MA6DKXXX0', '92520000000000000', '93520302MA6GY0J0W']
  for (const body of bodies) t.same(checkUscc(body + usccCheckCharacter(body)), { ok: true }, body)
})
