// Stage 1's choosing (shortlist.wgsl): the chosen keys, and the best
// `need` of the boundary, chosen by one invocation. Entries are (score key, index) pairs,
// all distinct, in the order of `precedes`. The boundary is resolved by an MSB-first radix
// select on the bits below the bin, 8 bits a round: each round counts the digit of the
// entries still matching the threshold's prefix and walks the counts to the digit where
// the last needed entry lies, until every entry matching the prefix is needed. Only for
// large boundaries (shortlist.wgsl ranks small ones by counting): the rounds' barriers cost
// SwiftShader coroutines, a single invocation walking thousands of entries costs more.

// The chosen keys live in selectScratch (plain storage): a workgroup array of MAX_SELECT keys
// costs SwiftShader seconds to compile.
var<workgroup> chosenCount: atomic<u32>;

// Key j of the list of keys at word `at` of selectScratch.
fn keyAt(at: u32, j: u32) -> vec2u {
  return vec2u(selectScratch[at + 2u * j], selectScratch[at + 2u * j + 1u]);
}

fn chosenAt(j: u32) -> vec2u {
  return keyAt(CHOSEN_AT, j);
}

fn choose(entry: vec2u) {
  let j = atomicAdd(&chosenCount, 1u);
  if (j < MAX_SELECT) {
    selectScratch[CHOSEN_AT + 2u * j] = entry.x;
    selectScratch[CHOSEN_AT + 2u * j + 1u] = entry.y;
  }
}

// The digit of `round` (0-3 from the score key's high byte down, 4-7 the same in the index).
fn digitOf(entry: vec2u, round: u32) -> u32 {
  let word = select(entry.y, entry.x, round < 4u);
  return (word >> (24u - 8u * (round % 4u))) & (RADIX - 1u);
}

// `digit` in its place in the key for `round`; of RADIX - 1, the round's mask.
fn digitBits(digit: u32, round: u32) -> vec2u {
  let bits = digit << (24u - 8u * (round % 4u));
  return select(vec2u(0u, bits), vec2u(bits, 0u), round < 4u);
}

// Entries with (entry & mask) <= prefix, mask covering the rounds resolved so far.
fn atOrBelow(entry: vec2u, prefix: vec2u, mask: vec2u) -> bool {
  let masked = entry & mask;
  return precedes(masked, prefix) || all(masked == prefix);
}

// The radix select's state after each round, shared so that every invocation branches alike.
struct BoundarySelect {
  prefix: vec2u,
  mask: vec2u,
  left: u32,
  done: u32,
}
var<workgroup> boundarySelect: BoundarySelect;
var<workgroup> digitCounts: array<atomic<u32>, RADIX>;

// Chooses the best `need` of boundaryAt(0..count), which all match `prefix` under `mask`
// (the digits before `firstRound`); need <= count. Every invocation counts a share of the
// boundary each round (a bulk tie makes it most of the pool); one walks the counts.
fn chooseFromBoundary(lid: u32, count: u32, need: u32, prefixIn: vec2u, maskIn: vec2u, firstRound: u32) {
  if (lid == 0u) {
    boundarySelect = BoundarySelect(prefixIn, maskIn, need, 0u);
  }
  var state = workgroupUniformLoad(&boundarySelect);
  for (var round = firstRound; round < 8u && state.done == 0u; round++) {
    let digits = digitBits(RADIX - 1u, round);
    // Index digits above the largest index are 0 in every entry: nothing to count.
    if (round >= 4u && ((plan.size - 1u) & digits.y) == 0u) {
      state.mask |= digits;
      continue;
    }
    for (var d = lid; d < RADIX; d += SELECT_GROUP) {
      atomicStore(&digitCounts[d], 0u);
    }
    workgroupBarrier();
    for (var i = lid; i < count; i += SELECT_GROUP) {
      let entry = boundaryAt(i);
      if (all((entry & state.mask) == state.prefix)) {
        atomicAdd(&digitCounts[digitOf(entry, round)], 1u);
      }
    }
    workgroupBarrier();
    if (lid == 0u) {
      var below = 0u;
      var digit = 0u;
      while (digit < RADIX - 1u && below + atomicLoad(&digitCounts[digit]) < state.left) {
        below += atomicLoad(&digitCounts[digit]);
        digit++;
      }
      let wholeDigit = below + atomicLoad(&digitCounts[digit]) == state.left;
      boundarySelect = BoundarySelect(state.prefix | digitBits(digit, round), state.mask | digits,
        state.left - below, select(0u, 1u, wholeDigit));
    }
    state = workgroupUniformLoad(&boundarySelect);
  }
  for (var i = lid; i < count; i += SELECT_GROUP) {
    let entry = boundaryAt(i);
    if (atOrBelow(entry, state.prefix, state.mask)) {
      choose(entry);
    }
  }
}

// Key j of the `count` keys at word `at`, or LAST_KEY past them.
fn keyOrLast(at: u32, j: u32, count: u32) -> vec2u {
  return select(LAST_KEY, keyAt(at, min(j, count - 1u)), j < count);
}

// Each of this invocation's keys of the `count` at word `at` (lid, lid + SELECT_GROUP, ...)
// ranked among them, by how many of them precede it, and gathered at `first` + rank if its
// rank is below `limit`. Four keys share each pass over the list: loads, not comparisons,
// are what SwiftShader pays for.
fn gatherRanked(lid: u32, at: u32, count: u32, first: u32, limit: u32) {
  for (var j = lid; j < count; j += 4u * SELECT_GROUP) {
    let e0 = keyOrLast(at, j, count);
    let e1 = keyOrLast(at, j + SELECT_GROUP, count);
    let e2 = keyOrLast(at, j + 2u * SELECT_GROUP, count);
    let e3 = keyOrLast(at, j + 3u * SELECT_GROUP, count);
    let keys = vec4u(e0.x, e1.x, e2.x, e3.x);
    let indices = vec4u(e0.y, e1.y, e2.y, e3.y);
    var rank = vec4u(0u);
    for (var m = 0u; m < count; m++) {
      let other = keyAt(at, m);
      let before = (vec4u(other.x) < keys) | ((vec4u(other.x) == keys) & (vec4u(other.y) < indices));
      rank += select(vec4u(0u), vec4u(1u), before);
    }
    for (var n = 0u; n < 4u; n++) {
      if (j + n * SELECT_GROUP < count && rank[n] < limit) {
        gather(first + rank[n], indices[n]);
      }
    }
  }
}
