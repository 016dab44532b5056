import { open, type FileHandle } from "node:fs/promises";

/**
 * A minimal reader for the tar files image tools write (ustar and GNU/PAX long names):
 * it lists entries by reading headers only, so a multi-gigabyte image tarball is never
 * loaded whole, then reads the few small JSON files asked for.
 */
export interface TarIndex {
  names(): string[];
  read(name: string): Promise<Buffer | undefined>;
  close(): Promise<void>;
}

interface Entry {
  offset: number;
  size: number;
}

const BLOCK = 512;

export async function openTar(file: string): Promise<TarIndex> {
  const fh = await open(file, "r");
  try {
    const entries = await indexEntries(fh);
    return {
      names: () => [...entries.keys()],
      read: async (name) => {
        const e = entries.get(normalize(name));
        if (!e) return undefined;
        const buf = Buffer.alloc(e.size);
        await fh.read(buf, 0, e.size, e.offset);
        return buf;
      },
      close: () => fh.close(),
    };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

async function indexEntries(fh: FileHandle): Promise<Map<string, Entry>> {
  const entries = new Map<string, Entry>();
  const header = Buffer.alloc(BLOCK);
  let offset = 0;
  let longName: string | undefined;
  for (;;) {
    const { bytesRead } = await fh.read(header, 0, BLOCK, offset);
    if (bytesRead < BLOCK || header.every((b) => b === 0)) break;
    const size = parseSize(header.subarray(124, 136));
    const type = String.fromCharCode(header[156] ?? 0);
    const dataOffset = offset + BLOCK;
    if (type === "L" || type === "x") {
      const data = Buffer.alloc(size);
      await fh.read(data, 0, size, dataOffset);
      longName = type === "L" ? cString(data) : (paxPath(data.toString("utf8")) ?? longName);
    } else {
      const prefix = cString(header.subarray(345, 500));
      const short = cString(header.subarray(0, 100));
      const name = longName ?? (prefix ? `${prefix}/${short}` : short);
      longName = undefined;
      if (type === "0" || type === "\0") entries.set(normalize(name), { offset: dataOffset, size });
    }
    offset = dataOffset + Math.ceil(size / BLOCK) * BLOCK;
  }
  return entries;
}

function parseSize(field: Buffer): number {
  if ((field[0] ?? 0) & 0x80) {
    let n = 0;
    for (let i = 1; i < field.length; i++) n = n * 256 + (field[i] ?? 0);
    return n;
  }
  const text = cString(field).trim();
  return text === "" ? 0 : parseInt(text, 8);
}

function paxPath(records: string): string | undefined {
  for (const line of records.split("\n")) {
    const m = /^\d+ path=(.*)$/.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

function cString(buf: Buffer): string {
  const end = buf.indexOf(0);
  return buf.subarray(0, end === -1 ? buf.length : end).toString("utf8");
}

function normalize(name: string): string {
  return name.replace(/^\.\//, "").replace(/\/+$/, "");
}
