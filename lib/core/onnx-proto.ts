// A minimal writer for the ONNX protobuf format (onnx.proto, IR version 8): just the
// messages an inference graph needs (ModelProto, GraphProto, NodeProto, AttributeProto,
// TensorProto, ValueInfoProto). Field numbers are those of onnx/onnx.proto; weights go in
// TensorProto.raw_data (little-endian). Used by encoder/onnx-export.ts (the encoder) and
// retrieval/onnx-topk.ts (the search graph); nothing here knows about either.

/** Element types (TensorProto.DataType). */
export const DT = { FLOAT: 1, INT32: 6, INT64: 7, DOUBLE: 11 } as const;
export type DataType = (typeof DT)[keyof typeof DT];

/** Protobuf bytes built field by field. */
class Writer {
  private chunks: Uint8Array[] = [];
  private size = 0;

  private push(b: Uint8Array): void {
    this.chunks.push(b);
    this.size += b.length;
  }

  private varint(n: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(n));
    const out: number[] = [];
    while (v > 0x7fn) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    this.push(Uint8Array.from(out));
  }

  private tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  int(field: number, n: number | bigint): this {
    this.tag(field, 0);
    this.varint(n);
    return this;
  }

  float(field: number, x: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, x, true);
    this.push(b);
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.tag(field, 2);
    this.varint(b.length);
    this.push(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, m: Writer): this {
    return this.bytes(field, m.finish());
  }

  /** Packed repeated int64. */
  packedInts(field: number, ns: readonly number[]): this {
    const w = new Writer();
    for (const n of ns) w.varint(n);
    return this.bytes(field, w.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

/** A constant tensor: float32 or int64 values with a shape. */
export interface TensorInit {
  name: string;
  dims: readonly number[];
  data: Float32Array | BigInt64Array;
}

function tensorProto(t: TensorInit): Writer {
  const w = new Writer();
  w.packedInts(1, t.dims);
  w.int(2, t.data instanceof Float32Array ? DT.FLOAT : DT.INT64);
  w.string(8, t.name);
  // raw_data is little-endian; typed arrays are in host order, little-endian on every platform Node ships for
  w.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  return w;
}

export type AttrValue = number | readonly number[] | string | { float: number };

function attributeProto(name: string, v: AttrValue): Writer {
  const w = new Writer().string(1, name);
  if (typeof v === 'string') return w.bytes(4, new TextEncoder().encode(v)).int(20, 3);
  if (typeof v === 'number') return w.int(3, v).int(20, 2);
  if (Array.isArray(v)) return w.packedInts(8, v as number[]).int(20, 7);
  return w.float(2, (v as { float: number }).float).int(20, 1);
}

export interface NodeSpec {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attrs?: Record<string, AttrValue>;
  domain?: string;
}

/** A graph input or output: name, element type and dims (a string = a symbolic dim). */
export interface ValueSpec {
  name: string;
  type: DataType;
  dims: readonly (number | string)[];
}

function valueInfo(v: ValueSpec): Writer {
  const shape = new Writer();
  for (const d of v.dims) shape.message(1, typeof d === 'number' ? new Writer().int(1, d) : new Writer().string(2, d));
  const tensorType = new Writer().int(1, v.type).message(2, shape);
  return new Writer().string(1, v.name).message(2, new Writer().message(1, tensorType));
}

export interface ModelSpec {
  name: string;
  nodes: readonly NodeSpec[];
  initializers: readonly TensorInit[];
  inputs: readonly ValueSpec[];
  outputs: readonly ValueSpec[];
  opset: number;
  producer: string;
  docString?: string;
  metadata?: Record<string, string>;
}

/** Serialise a model to ONNX bytes (a .onnx file). */
export function encodeModel(m: ModelSpec): Uint8Array {
  const g = new Writer();
  m.nodes.forEach((n, i) => {
    const nw = new Writer();
    for (const x of n.inputs) nw.string(1, x);
    for (const x of n.outputs) nw.string(2, x);
    nw.string(3, `${n.op}_${i}`).string(4, n.op);
    for (const [k, v] of Object.entries(n.attrs ?? {})) nw.message(5, attributeProto(k, v));
    if (n.domain) nw.string(7, n.domain);
    g.message(1, nw);
  });
  g.string(2, m.name);
  for (const t of m.initializers) g.message(5, tensorProto(t));
  for (const v of m.inputs) g.message(11, valueInfo(v));
  for (const v of m.outputs) g.message(12, valueInfo(v));
  const model = new Writer()
    .int(1, 8) // IR version 8 (ONNX 1.10+)
    .string(2, m.producer)
    .message(7, g)
    .message(8, new Writer().string(1, '').int(2, m.opset));
  if (m.docString) model.string(6, m.docString);
  for (const [k, v] of Object.entries(m.metadata ?? {})) model.message(14, new Writer().string(1, k).string(2, v));
  return model.finish();
}

/**
 * The op_type of every node of a model's main graph, in order (ModelProto.graph = field 7,
 * GraphProto.node = 1, NodeProto.op_type = 4): what a test needs to check which ops a graph uses.
 * @example opTypes(encodeModel(m)) // ['Gemm', 'TopK']
 */
export function opTypes(model: Uint8Array): string[] {
  const graph = fields(model).find((f) => f.no === 7);
  if (!graph?.bytes) throw new Error('opTypes: the bytes hold no ModelProto.graph (field 7)');
  const dec = new TextDecoder();
  return fields(graph.bytes)
    .filter((f) => f.no === 1 && f.bytes)
    .map((node) => {
      const op = fields(node.bytes!).find((f) => f.no === 4);
      return op?.bytes ? dec.decode(op.bytes) : '';
    });
}

/** The top-level fields of one protobuf message: number and, for length-delimited ones, their bytes. */
function fields(buf: Uint8Array): { no: number; bytes?: Uint8Array }[] {
  const out: { no: number; bytes?: Uint8Array }[] = [];
  let p = 0;
  const varint = (): number => {
    let v = 0,
      mul = 1,
      b: number;
    do {
      if (p >= buf.length) throw new Error('protobuf: truncated varint');
      b = buf[p++]!;
      v += (b & 0x7f) * mul;
      mul *= 128;
    } while (b & 0x80);
    return v;
  };
  while (p < buf.length) {
    const key = varint();
    const no = Math.floor(key / 8),
      wire = key & 7;
    if (wire === 0) varint();
    else if (wire === 1) p += 8;
    else if (wire === 5) p += 4;
    else if (wire === 2) {
      const n = varint();
      if (p + n > buf.length) throw new Error(`protobuf: field ${no} runs past the end`);
      out.push({ no, bytes: buf.subarray(p, p + n) });
      p += n;
      continue;
    } else throw new Error(`protobuf: wire type ${wire} of field ${no} is not supported`);
    out.push({ no });
  }
  return out;
}
