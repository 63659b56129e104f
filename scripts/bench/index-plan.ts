/**
 * bench:search's grid of indexes and search settings (pure: no database). The HNSW index on the
 * float vectors is the product's own statement (src/store/faces-index.ts) searched by the
 * product's own query; the rest are experiments with SQL of their own.
 */
import { efSearchFor } from '../../src/match/rank.ts';
import { FACES_EMBEDDING_INDEX, facesEmbeddingIndexDdl, SHIPPED_FACES_HNSW } from '../../src/store/faces-index.ts';

export const DIMS = 128;
export type Storage = 'vector' | 'halfvec';

/**
 * The grid when --m / --ef-construction / --ef-search are not given: what ships, so a plain run
 * measures the product (the index migration 0004 creates, ef_search as a search of k picks it).
 */
export function productGrid(k: number): { m: number[]; efConstruction: number[]; efSearch: number[] } {
  return { m: [SHIPPED_FACES_HNSW.m], efConstruction: [SHIPPED_FACES_HNSW.efConstruction], efSearch: [efSearchFor(k)] };
}

export interface IndexRun {
  kind: 'hnsw' | 'ivfflat';
  name: string;
  label: string;
  ddl: string;
  /**
   * product: searched with nearestGalleryFaces (src/store/matching.ts), the query a case search
   * runs; experiment: an index the product does not ship, searched with `orderBy` below.
   */
  query: 'product' | 'experiment';
  /** Experiments: the expression the index orders by, and the query's cast to match it. */
  orderBy: string;
  fields: Record<string, number>;
  storage: Storage;
  /**
   * Per measured search configuration: the product's ef_search, or an experiment's session
   * settings, sent as one round trip per search.
   */
  searches: Array<{ label: string; efSearch?: number; setup: string[]; fields: Record<string, number> }>;
}

/**
 * The grid: every HNSW m × ef_construction with each ef_search, then every IVFFlat lists with
 * each probes. Both scan iteratively (relaxed order) as the product does once searches filter.
 */
export function planIndexes(o: {
  kinds: string[];
  storages: Storage[];
  mList: number[];
  efcList: number[];
  efSearchList: number[];
  listsList: number[];
  probesList: number[];
  k: number;
}): IndexRun[] {
  const runs: IndexRun[] = [];
  if (o.kinds.includes('hnsw')) {
    for (const storage of o.storages) {
      for (const m of o.mList) {
        for (const efc of o.efcList) {
          const half = storage === 'halfvec';
          runs.push({
            kind: 'hnsw',
            name: FACES_EMBEDDING_INDEX,
            label: `HNSW${half ? ' halfvec' : ''} m=${m} ef_construction=${efc}`,
            ddl: half
              ? `CREATE INDEX ${FACES_EMBEDDING_INDEX} ON faces USING hnsw ((embedding::halfvec(${DIMS})) halfvec_cosine_ops) ` +
                `WITH (m = ${m}, ef_construction = ${efc})`
              : facesEmbeddingIndexDdl({ m, efConstruction: efc }),
            query: half ? 'experiment' : 'product',
            orderBy: half ? `embedding::halfvec(${DIMS}) <=> $1::halfvec(${DIMS})` : 'embedding <=> $1::vector',
            fields: { m, efConstruction: efc },
            storage,
            searches: [...new Set(o.efSearchList.map((e) => Math.min(1000, Math.max(e, 2 * o.k))))].map((efSearch) => ({
              label: `ef_search=${efSearch}`,
              efSearch,
              setup: [`SET LOCAL hnsw.ef_search = ${efSearch}`, `SET LOCAL hnsw.iterative_scan = relaxed_order`],
              fields: { efSearch },
            })),
          });
        }
      }
    }
  }
  if (o.kinds.includes('ivfflat')) {
    for (const lists of o.listsList) {
      runs.push({
        kind: 'ivfflat',
        name: 'faces_embedding_ivfflat',
        label: `IVFFlat lists=${lists}`,
        ddl: `CREATE INDEX faces_embedding_ivfflat ON faces USING ivfflat (embedding vector_cosine_ops) WITH (lists = ${lists})`,
        query: 'experiment',
        orderBy: 'embedding <=> $1::vector',
        fields: { lists },
        storage: 'vector',
        searches: [...new Set(o.probesList.map((p) => Math.min(p, lists)))].map((probes) => ({
          label: `probes=${probes}`,
          setup: [`SET LOCAL ivfflat.probes = ${probes}`, `SET LOCAL ivfflat.iterative_scan = relaxed_order`],
          fields: { probes },
        })),
      });
    }
  }
  return runs;
}
