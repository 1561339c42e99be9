// Top-k select in one workgroup, for stage 1's boundary (shortlist.wgsl): entries are
// (score key, index) pairs, all distinct, read through `boundaryAt`, and the order is the
// one of `precedes`. An MSB-first radix select on the 64-bit key, 8 bits a round: each
// round histograms the digit of the entries that still match the threshold's prefix, and
// one invocation walks the 256 counts to the digit where the k-th entry lies. It stops as
// soon as every entry matching the prefix is needed; then those at or below the
// threshold are chosen.

var<workgroup> histograms: array<array<atomic<u32>, RADIX>, 2>;
var<workgroup> chosen: array<vec2u, MAX_SELECT>;
var<workgroup> chosenCount: atomic<u32>;
// A round's result (digit, entries still needed, 1 when all of the digit's are needed), read
// back with workgroupUniformLoad so that every invocation branches alike.
var<workgroup> roundResult: vec3u;

fn choose(entry: vec2u) {
  let at = atomicAdd(&chosenCount, 1u);
  if (at < MAX_SELECT) {
    chosen[at] = entry;
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

// Chooses the best `need` of boundaryAt(0..count), which all match `prefix` under `mask`
// (the rounds before `firstRound`); need <= count. All SELECT_GROUP invocations call it,
// in uniform control flow.
fn selectTop(count: u32, need: u32, lid: u32, prefixIn: vec2u, maskIn: vec2u, firstRound: u32) {
  let chunk = (count + SELECT_GROUP - 1u) / SELECT_GROUP;
  let begin = min(lid * chunk, count);
  let end = min(begin + chunk, count);
  for (var d = lid; d < RADIX; d += SELECT_GROUP) {
    atomicStore(&histograms[0][d], 0u);
  }
  workgroupBarrier();
  var prefix = prefixIn;
  var mask = maskIn;
  var left = need;
  // Which of the two histograms counts this round: the other is cleared meanwhile.
  var counts = 0u;
  for (var round = firstRound; round < 8u && left > 0u; round++) {
    let digits = digitBits(RADIX - 1u, round);
    // Index digits above the largest index are 0 in every entry: nothing to count.
    if (round >= 4u && ((plan.size - 1u) & digits.y) == 0u) {
      mask |= digits;
      continue;
    }
    for (var i = begin; i < end; i++) {
      let entry = boundaryAt(i);
      if (all((entry & mask) == prefix)) {
        atomicAdd(&histograms[counts][digitOf(entry, round)], 1u);
      }
    }
    workgroupBarrier();
    for (var d = lid; d < RADIX; d += SELECT_GROUP) {
      atomicStore(&histograms[1u - counts][d], 0u);
    }
    if (lid == 0u) {
      var below = 0u;
      var digit = 0u;
      loop {
        let n = atomicLoad(&histograms[counts][digit]);
        if (below + n >= left || digit == RADIX - 1u) {
          roundResult = vec3u(digit, left - below, select(0u, 1u, below + n == left));
          break;
        }
        below += n;
        digit++;
      }
    }
    let result = workgroupUniformLoad(&roundResult);
    prefix |= digitBits(result.x, round);
    mask |= digits;
    left = result.y;
    counts = 1u - counts;
    if (result.z != 0u) {
      break;
    }
  }
  if (left > 0u) {
    for (var i = begin; i < end; i++) {
      let entry = boundaryAt(i);
      if (atOrBelow(entry, prefix, mask)) {
        choose(entry);
      }
    }
  }
  workgroupBarrier();
}

// Where chosen[j] ranks among chosen[0..k): how many of them precede it.
fn rankOf(j: u32, k: u32) -> u32 {
  let entry = chosen[j];
  var rank = 0u;
  for (var m = 0u; m < k; m++) {
    rank += select(0u, 1u, precedes(chosen[m], entry));
  }
  return rank;
}
