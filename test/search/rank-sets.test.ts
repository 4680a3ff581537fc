import { describe, expect, it } from 'vitest'
import { mulberry32 } from '../../src/demo/generate.js'
import { bitmapOf, intersectAll, type RankSet, unionSets } from '../../src/search/rank-sets.js'

/** A sorted random subset of 0..size-1 holding about `density` of the rows. */
function randomSet(rnd: () => number, size: number, density: number): RankSet {
  const out: number[] = []
  for (let r = 0; r < size; r++) if (rnd() < density) out.push(r)
  return Int32Array.from(out)
}

/** The plain reference: every row in all of `sets` and none of `without`. */
function reference(size: number, sets: RankSet[], without: RankSet[]): number[] {
  const out: number[] = []
  for (let r = 0; r < size; r++)
    if (sets.every((s) => s.includes(r)) && !without.some((s) => s.includes(r))) out.push(r)
  return out
}

describe('rank sets', () => {
  it('intersectAll equals the plain reference for dense, sparse and mixed sets, with exclusions, on sizes not a multiple of 32', () => {
    const rnd = mulberry32(3)
    const densities = [0, 0.001, 0.02, 0.07, 0.3, 0.9, 1]
    let nonEmpty = 0
    for (let i = 0; i < 300; i++) {
      const size = 1 + Math.floor(rnd() * 3000)
      const pick = () => densities[Math.floor(rnd() * densities.length)]!
      const sets = Array.from({ length: Math.floor(rnd() * 4) }, () => randomSet(rnd, size, pick()))
      const without = Array.from({ length: Math.floor(rnd() * 3) }, () => randomSet(rnd, size, pick()))
      const want = reference(size, sets, without)
      expect({ size, got: [...intersectAll(size, sets, undefined, without)] }).toEqual({ size, got: want })
      if (want.length > 0) nonEmpty++
    }
    expect(nonEmpty).toBeGreaterThan(100)
  })

  it('intersectAll with bitmaps kept by the caller gives the same rows, and never writes to the sets it is given', () => {
    const rnd = mulberry32(9)
    const size = 5000
    const sets = [randomSet(rnd, size, 0.5), randomSet(rnd, size, 0.2), randomSet(rnd, size, 0.01)]
    const copies = sets.map((s) => s.slice())
    const kept = new Map(sets.map((s) => [s, bitmapOf(size, s)]))
    const got = intersectAll(size, sets, (s) => kept.get(s)!, [sets[2]!])
    expect([...got]).toEqual(reference(size, sets, [sets[2]!]))
    expect([...intersectAll(size, sets.slice(0, 2), (s) => kept.get(s)!)]).toEqual(
      reference(size, sets.slice(0, 2), []),
    )
    expect(sets).toEqual(copies)
  })

  it('unionSets equals the plain reference', () => {
    const rnd = mulberry32(5)
    for (let i = 0; i < 100; i++) {
      const size = 1 + Math.floor(rnd() * 2000)
      const sets = Array.from({ length: Math.floor(rnd() * 20) }, () => randomSet(rnd, size, rnd() * 0.3))
      const want = [...new Set(sets.flatMap((s) => [...s]))].sort((a, b) => a - b)
      expect([...unionSets(size, sets)]).toEqual(want)
    }
  })
})
