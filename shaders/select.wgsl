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

fn chosenAt(j: u32) -> vec2u {
  let at = CHOSEN_AT + 2u * j;
  return vec2u(selectScratch[at], selectScratch[at + 1u]);
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

// Where chosen key j ranks among the k chosen: how many of them precede it.
fn rankOf(j: u32, k: u32) -> u32 {
  let entry = chosenAt(j);
  var rank = 0u;
  for (var m = 0u; m < k; m++) {
    rank += select(0u, 1u, precedes(chosenAt(m), entry));
  }
  return rank;
}
