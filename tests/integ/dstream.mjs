// A data stream client written from zkevm-data-streamer's protocol
// description alone (packets, commands, results; the entries' protobuf
// read with a small wire-format reader), shared by the stream and replica
// tests.
import net from 'node:net';

// ---- The protocol, from its description.
export class Client {
  constructor(port) {
    this.buf = Buffer.alloc(0);
    this.waiters = [];
    this.sock = net.connect(port, '127.0.0.1');
    this.sock.on('data', (d) => { this.buf = Buffer.concat([this.buf, d]); this.wake(); });
    this.sock.on('close', () => { this.closed = true; this.wake(); });
    this.sock.on('error', () => {});
  }
  wake() { for (const w of this.waiters.splice(0)) w(); }
  async need(n, ms = 10000) {
    const t0 = Date.now();
    while (this.buf.length < n) {
      if (this.closed || Date.now() - t0 > ms) throw new Error(`stream: wanted ${n} bytes, have ${this.buf.length}`);
      await new Promise((r) => { this.waiters.push(r); setTimeout(r, 100); });
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }
  // One packet: a header (type 1, 38 bytes), data (2, 0xfe) or a result (0xff).
  async packet(ms) {
    const h = await this.need(5, ms);
    const len = h[0] === 1 ? 38 : h.readUInt32BE(1);
    const rest = await this.need(len - 5, ms);
    return Buffer.concat([h, rest]);
  }
  send(cmd, args = Buffer.alloc(0)) {
    const b = Buffer.alloc(16);
    b.writeBigUInt64BE(BigInt(cmd), 0);
    b.writeBigUInt64BE(1n, 8); // stream type: sequencer
    this.sock.write(Buffer.concat([b, args]));
  }
  async result() {
    const p = await this.packet();
    if (p[0] !== 0xff) throw new Error(`expected a result, got packet type ${p[0]}`);
    return { error: p.readUInt32BE(5), text: p.subarray(9).toString() };
  }
  async cmd(cmd, args) { this.send(cmd, args); return this.result(); }
  async header() {
    const r = await this.cmd(3);
    const p = await this.packet();
    return { r, version: p[5], systemId: p.readBigUInt64BE(6), totalLength: p.readBigUInt64BE(22), totalEntries: Number(p.readBigUInt64BE(30)) };
  }
  close() { this.sock.destroy(); }
}
export const u64 = (n) => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(n)); return b; };
export const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
export function entryOf(p) {
  return { packet: p[0], type: p.readUInt32BE(5), number: Number(p.readBigUInt64BE(9)), data: p.subarray(17) };
}

// Protobuf's wire format: field number -> varint (BigInt) or bytes.
export function proto(buf) {
  const f = {};
  let i = 0;
  const varint = () => { let v = 0n, s = 0n; for (;;) { const b = buf[i++]; v |= BigInt(b & 0x7f) << s; s += 7n; if (!(b & 0x80)) return v; } };
  while (i < buf.length) {
    const key = Number(varint()), field = key >> 3, wt = key & 7;
    if (wt === 0) f[field] = varint();
    else if (wt === 2) { const n = Number(varint()); f[field] = buf.subarray(i, i + n); i += n; } else throw new Error(`wire type ${wt}`);
  }
  return f;
}
export const bookmarkBytes = (type, value) => { // BookMark{type, value}
  const v = []; let x = BigInt(value);
  do { let b = Number(x & 0x7fn); x >>= 7n; if (x) b |= 0x80; v.push(b); } while (x);
  return Buffer.from([0x08, type, 0x10, ...v]);
};
// Reads `count` streamed entries from a started client.
export async function readEntries(c, count, from) {
  const out = [];
  for (let k = 0; k < count; k++) {
    const e = entryOf(await c.packet());
    if (e.packet !== 2 || e.number !== from + k) throw new Error(`entry ${from + k}: got packet ${e.packet} number ${e.number}`);
    out.push(e);
  }
  return out;
}

