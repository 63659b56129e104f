/**
 * MobileFaceNet in plain JS (float64), read from the package's graph and weights AS SHIPPED, with
 * each PReLU computed from its definition rather than from the graph's nodes: y = x for x > 0,
 * alpha·x otherwise, on the convolution's own output (no ReLU), with the TFLite alpha, which the
 * shipped graph stores as −alpha/2 in `…/mul` for its formula relu(x) + mul·(x − |x|).
 * An independent reading of the two faults src/face/mobilefacenet/correct.ts undoes: the
 * engine's corrected graph, run by tfjs, must agree with it (no TFLite runtime exists here to
 * record the `.tflite`'s own outputs).
 */
interface Node {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, { s?: string; list?: { i?: string[] } }>;
}
interface Tensor {
  shape: number[];
  data: Float64Array;
}

export function referenceMobileFaceNet(
  model: {
    modelTopology: { node: Node[] };
    weightsManifest: Array<{ weights: Array<{ name: string; shape: number[]; dtype: string }> }>;
  },
  bin: Buffer,
): (crop: Uint8Array) => Float64Array {
  const consts = new Map<string, Tensor>();
  let off = 0;
  for (const w of model.weightsManifest.flatMap((g) => g.weights)) {
    const n = w.shape.reduce((a, b) => a * b, 1);
    const src =
      w.dtype === 'int32'
        ? new Int32Array(bin.buffer, bin.byteOffset + off, n)
        : new Float32Array(bin.buffer.slice(bin.byteOffset + off, bin.byteOffset + off + n * 4));
    consts.set(w.name, { shape: w.shape, data: Float64Array.from(src) });
    off += n * 4;
  }
  const nodes = new Map(model.modelTopology.node.map((n) => [n.name, n]));
  const str = (n: Node, k: string) => Buffer.from(n.attr?.[k]?.s ?? '', 'base64').toString();
  const strides = (n: Node) => Number(n.attr?.strides?.list?.i?.[1] ?? 1);

  /** NHWC, batch 1; TF's SAME/VALID padding; depthwise with a channel multiplier of 1. */
  function conv(x: Tensor, w: Tensor, b: Tensor, stride: number, same: boolean, depthwise: boolean): Tensor {
    const [H, W, C] = [x.shape[1]!, x.shape[2]!, x.shape[3]!];
    const [kh, kw] = [w.shape[0]!, w.shape[1]!];
    const O = depthwise ? C : w.shape[3]!;
    const oh = same ? Math.ceil(H / stride) : Math.floor((H - kh) / stride) + 1;
    const ow = same ? Math.ceil(W / stride) : Math.floor((W - kw) / stride) + 1;
    const pt = same ? Math.floor(Math.max((oh - 1) * stride + kh - H, 0) / 2) : 0;
    const pl = same ? Math.floor(Math.max((ow - 1) * stride + kw - W, 0) / 2) : 0;
    const out = new Float64Array(oh * ow * O);
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++) {
        const o = (oy * ow + ox) * O;
        for (let k = 0; k < O; k++) out[o + k] = b.data[k]!;
        for (let dy = 0; dy < kh; dy++) {
          const iy = oy * stride + dy - pt;
          if (iy < 0 || iy >= H) continue;
          for (let dx = 0; dx < kw; dx++) {
            const ix = ox * stride + dx - pl;
            if (ix < 0 || ix >= W) continue;
            const i = (iy * W + ix) * C;
            const wb = (dy * kw + dx) * C * (depthwise ? 1 : O);
            if (depthwise) for (let c = 0; c < C; c++) out[o + c] = out[o + c]! + x.data[i + c]! * w.data[wb + c]!;
            else
              for (let c = 0; c < C; c++) {
                const v = x.data[i + c]!;
                const wr = wb + c * O;
                for (let k = 0; k < O; k++) out[o + k] = out[o + k]! + v * w.data[wr + k]!;
              }
          }
        }
      }
    return { shape: [1, oh, ow, O], data: out };
  }

  return (crop: Uint8Array) => {
    const memo = new Map<string, Tensor>();
    const input: Tensor = { shape: [1, 112, 112, 3], data: Float64Array.from(crop, (v) => (v - 127.5) / 128) };
    const ev = (name: string): Tensor => {
      const hit = memo.get(name) ?? consts.get(name);
      if (hit) return hit;
      const n = nodes.get(name)!;
      const inp = n.input ?? [];
      let t: Tensor;
      const prefix = name.endsWith('/add') ? name.slice(0, -4) : '';
      if (prefix && nodes.has(`${prefix}/Abs`)) {
        // a PReLU, from its definition, on the convolution the block's Abs reads
        const x = preActivation(nodes.get(`${prefix}/Abs`)!.input![0]!);
        const mul = consts.get(`${prefix}/mul`)!.data;
        const C = x.shape[3]!;
        t = { shape: x.shape, data: x.data.map((v, i) => (v > 0 ? v : -2 * mul[i % C]! * v)) };
      } else if (n.op === 'Placeholder') t = input;
      else if (n.op === '_FusedConv2D' || n.op === 'FusedDepthwiseConv2dNative') t = preActivation(name);
      else if (n.op === 'Add') {
        const a = ev(inp[0]!),
          b = ev(inp[1]!);
        t = { shape: a.shape, data: a.data.map((v, i) => v + b.data[i]!) };
      } else if (n.op === 'Squeeze') t = { shape: [1, ev(inp[0]!).shape[3]!], data: ev(inp[0]!).data };
      else if (name === 'embeddings') {
        const v = ev(inp[0]!);
        const norm = Math.sqrt(
          Math.max(
            v.data.reduce((s, x) => s + x * x, 0),
            1e-10,
          ),
        );
        t = { shape: v.shape, data: v.data.map((x) => x / norm) };
      } else throw new Error(`reference: no ${n.op} (${name})`);
      memo.set(name, t);
      return t;
    };
    /** A convolution's output with its bias and nothing else: whatever activation the graph fused in is left out. */
    const preActivation = (name: string): Tensor => {
      const key = `${name}#pre`;
      const hit = memo.get(key);
      if (hit) return hit;
      const n = nodes.get(name)!;
      const [x, w, b] = n.input!;
      const t = conv(
        ev(x!),
        consts.get(w!)!,
        consts.get(b!)!,
        strides(n),
        str(n, 'padding') === 'SAME',
        n.op !== '_FusedConv2D',
      );
      memo.set(key, t);
      return t;
    };
    return ev('embeddings').data;
  };
}
