/**
 * The same model written with TensorFlow.js ops, as a team that already ships tfjs would:
 * the pool lives in tensors, personalisation and fusion are element-wise ops, stage 1 is
 * `tf.topk` over the pool and every beam step is a `tf.topk` over the flattened
 * (beam x shortlist) scores. One readback per plan. float32 throughout, so near-ties may
 * resolve differently from the float64 CPU backend: the bench counts those.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgpu';
import type { Feedback } from 'swiperank';
import type { PoolColumns } from '../src/data.js';
import { feedbackSignal, moveInterest, normalised, type Peer, type PeerOptions, type PeerPlan } from './peer.js';

export type TfjsBackendName = 'webgpu' | 'cpu';

interface PoolTensors {
  /** logit(clamp(p)): constant per candidate, so computed once at ingest. */
  logitCvr: tf.Tensor;
  logitVtr: tf.Tensor;
  pCvr: tf.Tensor;
  pVtr: tf.Tensor;
  pSdr: tf.Tensor;
  /** value^gamma, also constant per candidate. */
  valueGamma: tf.Tensor;
  category: tf.Tensor;
  /** [N, dim], L2-normalised. */
  embedding: tf.Tensor;
}

/** Selects a tfjs backend; rejects when it cannot start (no WebGPU adapter, for one). */
export async function useTfjsBackend(name: TfjsBackendName): Promise<string> {
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend '${name}' could not be initialised`);
  await tf.ready();
  return tf.getBackend();
}

export function createTfjsPeer(options: PeerOptions): Peer {
  const { fusion, lookahead, personalization } = options;
  const dim = options.embeddingDim;
  const strength = personalization === false ? 0 : personalization.strength;
  let pool: PoolTensors | null = null;
  let size = 0;
  const indexOf = new Map<string, number>();
  /** float64 copies on the JS side: the interest update must follow the SDK's arithmetic. */
  let embeddings: number[][] = [];
  let categories = new Uint32Array(0);
  const shownIndices: number[] = [];
  const interest = new Float64Array(dim);
  let lastShown: number | null = null;

  /** Penalty factors of q(j | k) given the similarity and same-category indicator. */
  const penalty = (similarity: tf.Tensor, sameCategory: tf.Tensor): tf.Tensor =>
    tf.mul(
      tf.sub(1, tf.mul(lookahead.rho, tf.relu(similarity))),
      tf.sub(1, tf.mul(lookahead.phi, tf.cast(sameCategory, 'float32'))),
    );

  const logit = (p: tf.Tensor): tf.Tensor => tf.tidy(() => {
    const c = tf.clipByValue(p, 1e-6, 1 - 1e-6);
    return tf.log(tf.div(c, tf.sub(1, c)));
  });

  /** Builds the whole plan as one graph of ops; returns [pool indices..., value]. */
  const planGraph = (p: PoolTensors): tf.Tensor => tf.tidy(() => {
    const eligible = size - shownIndices.length;
    const L = Math.min(lookahead.shortlist, eligible);
    const depth = Math.min(lookahead.depth, L);

    const u = tf.tensor2d(Float32Array.from(interest), [dim, 1]);
    const shift = dim > 0 ? tf.mul(strength, tf.reshape(tf.matMul(p.embedding, u), [size])) : tf.zeros([size]);
    const pCvr = personalization === false ? p.pCvr : tf.sigmoid(tf.add(p.logitCvr, shift));
    const pVtr = personalization === false ? p.pVtr : tf.sigmoid(tf.add(p.logitVtr, shift));
    const viewOnly = tf.relu(tf.sub(pVtr, pCvr));
    const reward = tf.add(tf.mul(tf.mul(fusion.wCvr, pCvr), p.valueGamma), tf.mul(fusion.wView, viewOnly));
    const score = tf.add(reward, tf.mul(fusion.wSwipe, p.pSdr));
    let eligibleScore = score;
    if (shownIndices.length > 0) {
      const shown = tf.scatterND(tf.tensor2d(shownIndices, [shownIndices.length, 1], 'int32'),
        tf.ones([shownIndices.length]), [size]);
      eligibleScore = tf.where(tf.greater(shown, 0), tf.fill([size], -Infinity), score);
    }

    // Stage 1.
    const shortlist = tf.topk(eligibleScore, L).indices;
    const rewardL = tf.gather(reward, shortlist);
    const pSdrL = tf.gather(p.pSdr, shortlist);
    const embeddingL = tf.gather(p.embedding, shortlist);
    const categoryL = tf.gather(p.category, shortlist);
    const tail = tf.scalar(lookahead.tail);

    // continuation[k, j] = q(j | k); firstRow: after the last shown item.
    const continuation = tf.mul(tf.reshape(pSdrL, [1, L]), penalty(
      tf.matMul(embeddingL, embeddingL, false, true),
      tf.equal(tf.reshape(categoryL, [L, 1]), tf.reshape(categoryL, [1, L])),
    ));
    let rows: tf.Tensor = tf.reshape(pSdrL, [1, L]);
    if (lastShown !== null) {
      const lastE = tf.tensor2d(embeddings[lastShown]!, [dim, 1]);
      rows = tf.reshape(tf.mul(pSdrL, penalty(
        tf.reshape(tf.matMul(embeddingL, lastE), [L]),
        tf.equal(categoryL, tf.scalar(categories[lastShown]!)),
      )), [1, L]);
    }

    // Stage 2: beam search, one topk per step over the flattened (beam x shortlist) keys.
    const Lint = tf.scalar(L, 'int32');
    let value: tf.Tensor = tf.zeros([1]);
    let reach: tf.Tensor = tf.ones([1]);
    let used: tf.Tensor = tf.zeros([1, L]);
    let paths: tf.Tensor | null = null;
    let bestKey: tf.Tensor = tf.zeros([1]);
    for (let t = 0; t < depth; t++) {
      const beams = value.shape[0]!;
      const v = tf.reshape(value, [beams, 1]);
      const r = tf.reshape(reach, [beams, 1]);
      const key = tf.add(tf.add(v, tf.mul(r, tf.reshape(rewardL, [1, L]))), tf.mul(tf.mul(r, rows), tail));
      const open = tf.where(tf.greater(used, 0), tf.fill([beams, L], -Infinity), key);
      const kept = tf.topk(tf.reshape(open, [beams * L]), Math.min(lookahead.beamWidth, beams * (L - t)));
      const beam = tf.floorDiv(kept.indices, Lint);
      const candidate = tf.sub(kept.indices, tf.mul(beam, Lint));
      const q = tf.gather(tf.reshape(rows, [beams * L]), kept.indices);
      const parentReach = tf.gather(reach, beam);
      value = tf.add(tf.gather(value, beam), tf.mul(parentReach, tf.gather(rewardL, candidate)));
      reach = tf.mul(parentReach, q);
      used = tf.add(tf.gather(used, beam), tf.cast(tf.oneHot(candidate, L), 'float32'));
      const step = tf.reshape(candidate, [-1, 1]);
      paths = paths === null ? step : tf.concat([tf.gather(paths, beam), step], 1);
      rows = tf.gather(continuation, candidate);
      bestKey = kept.values;
    }
    if (paths === null) return tf.reshape(tail, [1]);
    const bestPath = tf.gather(shortlist, tf.reshape(tf.slice(paths, [0, 0], [1, depth]), [depth]));
    // Pool indices are exact in float32 (< 2^24), so one readback carries ids and value.
    return tf.concat([tf.cast(bestPath, 'float32'), tf.slice(bestKey, [0], [1])]);
  });

  const plan = async (): Promise<PeerPlan> => {
    if (!pool) throw new Error('tfjs peer: plan before ingest');
    const start = performance.now();
    const out = planGraph(pool);
    const data = await out.data();
    out.dispose();
    const n = data.length - 1;
    const ids: string[] = [];
    for (let t = 0; t < n; t++) ids.push(idAt[data[t]!]!);
    return { ids, value: data[n]!, planMs: performance.now() - start };
  };

  let idAt: string[] = [];

  return {
    async ingest(cols: PoolColumns) {
      size = cols.id.length;
      idAt = cols.id.slice();
      indexOf.clear();
      cols.id.forEach((id, i) => indexOf.set(id, i));
      embeddings = cols.id.map((_, i) => normalised(cols.embedding, i * dim, dim));
      categories = cols.category.slice();
      const flat = new Float32Array(size * dim);
      embeddings.forEach((e, i) => flat.set(e, i * dim));
      const pCvr = tf.tensor1d(Float32Array.from(cols.pCvr));
      const pVtr = tf.tensor1d(Float32Array.from(cols.pVtr));
      const value = tf.tensor1d(Float32Array.from(cols.value));
      if (pool) for (const t of Object.values(pool)) t.dispose();
      pool = {
        logitCvr: logit(pCvr),
        logitVtr: logit(pVtr),
        pCvr, pVtr,
        pSdr: tf.tensor1d(Float32Array.from(cols.pSdr)),
        valueGamma: tf.tidy(() => tf.pow(value, fusion.gamma)),
        // Categories compared as float32: exact for ids below 2^24, which the bench uses.
        category: tf.tensor1d(Float32Array.from(cols.category), 'float32'),
        embedding: tf.tensor2d(flat, [size, dim]),
      };
      value.dispose();
    },
    plan,
    async swipe(event: Feedback) {
      const at = indexOf.get(event.id);
      if (at !== undefined) {
        if (personalization !== false && dim > 0) {
          moveInterest(interest, embeddings[at]!, feedbackSignal(event, personalization), personalization);
        }
        shownIndices.push(at);
      }
      lastShown = at ?? null;
      return plan();
    },
    dispose() {
      if (pool) for (const t of Object.values(pool)) t.dispose();
      pool = null;
    },
  };
}
