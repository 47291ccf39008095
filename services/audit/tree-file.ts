// The Merkle tree's side file (merkle.db beside the log). Derived data, rebuildable from the
// log, except `signed_heads`: a witness copy of every signed tree head seen, kept across
// rebuilds, because a signature proves what the log once held even if the log is cut short.
//
// Layout for ~10M leaves: leaf hashes in blocks of 16 (one 512-byte row), and the perfect
// subtrees at levels 4, 8, 12, ... (n/15 rows in all). Any perfect subtree is then at most 8
// stored hashes away, so a proof at 1M leaves reads a few dozen rows and rehashes nothing.
//
// Leaf i is the i-th event of the log in position order (docs/ARCHITECTURE.md, "Audit"). Each
// block also records the store positions of its 16 leaves (16 big-endian int64, indexed by the
// first one), and tree_meta those of the unfinished block: position -> leaf is one indexed
// lookup plus a binary search in a block, leaf -> position one row, on EventStoreDB whose
// positions are byte offsets as on the dense stores (where they are simply leaf + 1).
import Database from 'better-sqlite3'
import { frontierLevels, type Frontier } from './merkle.ts'

export const leavesPerBlock = 16
export const nodeLevelStride = 4
// 2: positions per block (issue 17); a file of layout 1 is dropped and rebuilt from the log.
const layoutVersion = 2

const schema = `
  CREATE TABLE tree_meta (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    size INTEGER NOT NULL,
    frontier BLOB NOT NULL,
    tail BLOB NOT NULL,
    tail_positions BLOB NOT NULL,
    anchor TEXT NOT NULL
  );
  CREATE TABLE leaf_blocks (block INTEGER PRIMARY KEY, leaves BLOB NOT NULL, first_position INTEGER NOT NULL, positions BLOB NOT NULL);
  CREATE UNIQUE INDEX leaf_blocks_by_position ON leaf_blocks (first_position);
  CREATE TABLE nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS signed_heads (
    tree_size INTEGER NOT NULL,
    key_id TEXT NOT NULL,
    signature TEXT NOT NULL,
    root_hash TEXT NOT NULL,
    public_key TEXT NOT NULL,
    signed_at TEXT NOT NULL,
    position INTEGER,
    PRIMARY KEY (tree_size, key_id, signature)
  ) WITHOUT ROWID;
`

/** The tree as of `size` leaves: the frontier, the leaves of the unfinished block, the last event hash. */
export interface TreeCheckpoint {
  frontier: Frontier
  tail: Buffer[]
  /** The store positions of the tail's leaves. */
  tailPositions: number[]
  /** meta.hash of the event at leaf size - 1 ('' when empty): ties the file to one log. */
  anchor: string
}

export interface SignedHeadRow {
  treeSize: number
  keyId: string
  signature: string
  rootHash: string
  publicKey: string
  signedAt: string
  position: number | null
}

export interface TreeWrites {
  blocks: [block: number, leaves: Buffer, positions: number[]][]
  nodes: [level: number, index: number, hash: Buffer][]
  heads: SignedHeadRow[]
  checkpoint: TreeCheckpoint
}

const split = (blob: Buffer): Buffer[] => {
  const hashes: Buffer[] = []
  for (let offset = 0; offset + 32 <= blob.length; offset += 32) hashes.push(Buffer.from(blob.subarray(offset, offset + 32)))
  return hashes
}

/** 16 positions as 16 big-endian int64 (positions stay below 2^53). */
export const packPositions = (positions: readonly number[]): Buffer => {
  const blob = Buffer.alloc(positions.length * 8)
  positions.forEach((position, i) => blob.writeBigInt64BE(BigInt(position), i * 8))
  return blob
}

export const unpackPositions = (blob: Buffer): number[] => {
  const positions: number[] = []
  for (let offset = 0; offset + 8 <= blob.length; offset += 8) positions.push(Number(blob.readBigInt64BE(offset)))
  return positions
}

const dropTreeTables = 'DROP TABLE IF EXISTS tree_meta; DROP TABLE IF EXISTS leaf_blocks; DROP TABLE IF EXISTS nodes;'

/** Opens (creating when absent) the side file for the service, which is its only writer. */
export const openTreeFile = (file: string) => {
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  // Derived data: a crash loses at most the last batch, rebuilt from the log at the next start.
  db.pragma('synchronous = NORMAL')
  db.transaction(() => {
    if ((db.pragma('user_version', { simple: true }) as number) !== layoutVersion) {
      db.exec(dropTreeTables)
      db.exec(schema)
      db.pragma(`user_version = ${layoutVersion}`)
    }
  }).immediate()
  const read = treeFileReader(db)
  const insertBlock = db.prepare<[number, Buffer, number, Buffer]>(
    'INSERT OR REPLACE INTO leaf_blocks (block, leaves, first_position, positions) VALUES (?, ?, ?, ?)',
  )
  const insertNode = db.prepare<[number, number, Buffer]>('INSERT OR REPLACE INTO nodes (level, idx, hash) VALUES (?, ?, ?)')
  const insertHead = db.prepare<[number, string, string, string, string, string, number | null]>(
    'INSERT OR IGNORE INTO signed_heads (tree_size, key_id, signature, root_hash, public_key, signed_at, position) VALUES (?, ?, ?, ?, ?, ?, ?)',
  )
  const saveMeta = db.prepare<[number, Buffer, Buffer, Buffer, string]>(
    'INSERT OR REPLACE INTO tree_meta (id, size, frontier, tail, tail_positions, anchor) VALUES (1, ?, ?, ?, ?, ?)',
  )

  const write = db.transaction((writes: TreeWrites) => {
    for (const [block, leaves, positions] of writes.blocks) insertBlock.run(block, leaves, positions[0]!, packPositions(positions))
    for (const [level, index, hash] of writes.nodes) insertNode.run(level, index, hash)
    for (const h of writes.heads) insertHead.run(h.treeSize, h.keyId, h.signature, h.rootHash, h.publicKey, h.signedAt, h.position)
    const { frontier, tail, tailPositions, anchor } = writes.checkpoint
    saveMeta.run(frontier.size, Buffer.concat(frontier.roots), Buffer.concat(tail), packPositions(tailPositions), anchor)
  })

  return {
    ...read,
    write: (writes: TreeWrites) => void write.immediate(writes),
    /** Forgets the tree (not the witnessed heads): it is rebuilt from the log. */
    reset: () =>
      void db
        .transaction(() => {
          db.exec('DELETE FROM tree_meta; DELETE FROM leaf_blocks; DELETE FROM nodes;')
        })
        .immediate(),
    close: () => db.close(),
  }
}

/** Read access, also for `targetwatch verify` on a data dir (which opens the file read-only). */
export const treeFileReader = (db: Database.Database) => {
  const meta = db.prepare<[], { size: number; frontier: Buffer; tail: Buffer; tail_positions: Buffer; anchor: string }>(
    'SELECT size, frontier, tail, tail_positions, anchor FROM tree_meta WHERE id = 1',
  )
  const block = db.prepare<[number], Buffer>('SELECT leaves FROM leaf_blocks WHERE block = ?').pluck()
  const positions = db.prepare<[number], Buffer>('SELECT positions FROM leaf_blocks WHERE block = ?').pluck()
  const blockAtOrBefore = db.prepare<[number], { block: number; positions: Buffer }>(
    'SELECT block, positions FROM leaf_blocks WHERE first_position <= ? ORDER BY first_position DESC LIMIT 1',
  )
  const node = db.prepare<[number, number], Buffer>('SELECT hash FROM nodes WHERE level = ? AND idx = ?').pluck()
  const heads = db.prepare<[], { tree_size: number; key_id: string; signature: string; root_hash: string; public_key: string; signed_at: string; position: number | null }>(
    'SELECT tree_size, key_id, signature, root_hash, public_key, signed_at, position FROM signed_heads ORDER BY tree_size',
  )
  return {
    checkpoint: (): TreeCheckpoint | null => {
      const row = meta.get()
      if (!row) return null
      const roots = split(row.frontier)
      if (roots.length !== frontierLevels(row.size).length) return null
      return { frontier: { size: row.size, roots }, tail: split(row.tail), tailPositions: unpackPositions(row.tail_positions), anchor: row.anchor }
    },
    block: (index: number): Buffer[] | undefined => {
      const leaves = block.get(index)
      return leaves ? split(leaves) : undefined
    },
    /** The store positions of a block's 16 leaves. */
    blockPositions: (index: number): number[] | undefined => {
      const blob = positions.get(index)
      return blob ? unpackPositions(blob) : undefined
    },
    /** The last written block whose first leaf is at or before `position`, with its positions. */
    blockAtOrBefore: (position: number): { block: number; positions: number[] } | undefined => {
      const row = blockAtOrBefore.get(position)
      return row ? { block: row.block, positions: unpackPositions(row.positions) } : undefined
    },
    node: (level: number, index: number): Buffer | undefined => node.get(level, index),
    signedHeads: (): SignedHeadRow[] =>
      heads.all().map((r) => ({
        treeSize: r.tree_size,
        keyId: r.key_id,
        signature: r.signature,
        rootHash: r.root_hash,
        publicKey: r.public_key,
        signedAt: r.signed_at,
        position: r.position,
      })),
  }
}

export type TreeFileReader = ReturnType<typeof treeFileReader>

/** Opens an existing side file read-only (null when absent or of another layout): hints for verify. */
export const openTreeFileReadOnly = (file: string): (TreeFileReader & { close: () => void }) | null => {
  let db: Database.Database
  try {
    db = new Database(file, { readonly: true, fileMustExist: true })
  } catch {
    return null
  }
  try {
    if ((db.pragma('user_version', { simple: true }) as number) !== layoutVersion) {
      db.close()
      return null
    }
    return { ...treeFileReader(db), close: () => db.close() }
  } catch {
    db.close()
    return null
  }
}
