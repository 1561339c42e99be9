// Stage 0: personalised probabilities, reward and fused slot score for every pool slot
// (docs/MODEL.md#reward-and-fusion), and the keys stage 1 sorts by. `rank` fusion sorts the three
// objectives on the GPU (sort.wgsl) between `fuse` and `rankScore`.

// Bindings: MODULE_BINDINGS.fuse in sdk/gpu/resources.ts.

// The key stage 1 selects by, counted in its histograms.
fn writeStageKey(i: u32, score: f32) {
  let key = scoreKey(score);
  stageKeys[i] = vec2u(key, i);
  atomicAdd(&selectScratch[key >> HISTOGRAM_SHIFT], 1u);
  atomicAdd(&selectScratch[COARSE_AT + (key >> COARSE_SHIFT)], 1u);
}

fn eligible(i: u32) -> bool {
  return i < plan.size && (shown[i >> 5u] & (1u << (i & 31u))) == 0u;
}

fn sigmoid(z: f32) -> f32 {
  return 1.0 / (1.0 + exp(-z));
}

// Each invocation fuses FUSE_SLOTS slots, WORKGROUP apart, and loads u once for all of
// them: on SwiftShader the loads of u cost as much as the loads of the embedding rows.
@compute @workgroup_size(WORKGROUP)
fn fuse(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) lid: u32) {
  let first = group.x * WORKGROUP * FUSE_SLOTS + lid;
  var affinity = vec4f(0.0);
  if (plan.personalize != 0u) {
    // Rows past the pool are read as its last row, and their sums never used.
    let rows = min(first + vec4u(0u, 1u, 2u, 3u) * WORKGROUP, vec4u(plan.size - 1u)) * plan.dim4;
    for (var d = 0u; d < plan.dim4; d++) {
      let v = vectors[d];
      affinity += vec4f(dot(v, embedding[rows.x + d]), dot(v, embedding[rows.y + d]),
        dot(v, embedding[rows.z + d]), dot(v, embedding[rows.w + d]));
    }
  }
  for (var n = 0u; n < FUSE_SLOTS; n++) {
    fuseSlot(first + n * WORKGROUP, affinity[n]);
  }
}

// Slot i, its interest affinity u . e_i given.
fn fuseSlot(i: u32, affinity: f32) {
  if (i >= plan.size) {
    return;
  }
  let byRank = plan.fusionKind == FUSION_RANK;
  if (!eligible(i)) {
    if (byRank) {
      for (var o = 0u; o < 3u; o++) {
        rankKeys[o * plan.size + i] = LAST_KEY;
      }
    } else {
      stageKeys[i] = LAST_KEY;
    }
    return;
  }
  let slot = slots[i];
  var pCvr = slot.pCvr;
  var pVtr = slot.pVtr;
  if (plan.personalize != 0u) {
    let shift = plan.strength * affinity;
    pCvr = sigmoid(slot.logitCvr + shift);
    pVtr = sigmoid(slot.logitVtr + shift);
  }
  let viewOnly = max(0.0, pVtr - pCvr);
  let reward = plan.wCvr * pCvr * powExact(slot.value, plan.gamma) + plan.wView * viewOnly;
  var score = 0.0;
  switch (plan.fusionKind) {
    case FUSION_MOC: {
      score = reward + plan.wSwipe * slot.pSdr;
    }
    case FUSION_WEIGHTED_SUM: {
      score = plan.weightCvr * pCvr + plan.weightVtr * pVtr + plan.weightSdr * slot.pSdr;
    }
    case FUSION_PRODUCT: {
      score = powExact(1.0 + plan.weightCvr * pCvr, plan.alphaCvr)
        * powExact(1.0 + plan.weightVtr * pVtr, plan.alphaVtr)
        * powExact(1.0 + plan.weightSdr * slot.pSdr, plan.alphaSdr);
    }
    default: {}
  }
  fused[i] = vec4f(pCvr, pVtr, reward, score);
  if (byRank) {
    rankKeys[i] = vec2u(scoreKey(pCvr), i);
    rankKeys[plan.size + i] = vec2u(scoreKey(pVtr), i);
    rankKeys[2u * plan.size + i] = vec2u(scoreKey(slot.pSdr), i);
  } else {
    writeStageKey(i, score);
  }
}

// After the sort: eligible slots lead each segment, so position + 1 is the rank.
@compute @workgroup_size(WORKGROUP)
fn rankScatter(@builtin(global_invocation_id) gid: vec3u) {
  let position = gid.x;
  let objective = gid.y;
  if (position >= plan.eligible) {
    return;
  }
  let entry = rankKeys[objective * plan.size + position];
  ranks[objective * plan.size + entry.y] = position + 1u;
}

fn rankTerm(rank: u32, weight: f32, alpha: f32, beta: f32) -> f32 {
  return weight / (powExact(f32(rank), alpha) + beta);
}

@compute @workgroup_size(WORKGROUP)
fn rankScore(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= plan.size) {
    return;
  }
  if (!eligible(i)) {
    stageKeys[i] = LAST_KEY;
    return;
  }
  var score = rankTerm(ranks[i], plan.weightCvr, plan.alphaCvr, plan.betaCvr);
  score += rankTerm(ranks[plan.size + i], plan.weightVtr, plan.alphaVtr, plan.betaVtr);
  score += rankTerm(ranks[2u * plan.size + i], plan.weightSdr, plan.alphaSdr, plan.betaSdr);
  fused[i].w = score;
  writeStageKey(i, score);
}
