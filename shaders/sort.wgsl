// Stable LSD radix sort of (key, index) entries by key, 8 bits a pass, in segments (one
// per workgroup_id.y). Entries go in by pool index and equal keys keep their order, so
// ties go to the lower index: the tie rule of stage 1 and of the `rank` fusion.
// A pass is `radixCount` (digit counts per block), `radixScan` (where each block's digits
// start) and `radixScatter`; each block is walked by one invocation, so no barriers.

@group(0) @binding(0) var<uniform> sortPass: Pass;
@group(0) @binding(1) var<storage, read> source: array<vec2u>;
@group(0) @binding(2) var<storage, read_write> sorted: array<vec2u>;
// Per segment, digit-major: [segment][digit][block]; counts, then start offsets.
@group(0) @binding(3) var<storage, read_write> digitCounts: array<u32>;

const RADIX: u32 = 256u;
const RADIX_BLOCK: u32 = 256u;
// Blocks per workgroup of radixCount and radixScatter: a pool has few blocks (one per 256
// entries), and small groups spread them over every core where a workgroup runs on one.
const RADIX_GROUP: u32 = 8u;

fn digitOf(entry: vec2u) -> u32 {
  return (entry.x >> sortPass.shift) & (RADIX - 1u);
}

fn countsRow(segment: u32, digit: u32) -> u32 {
  return (segment * RADIX + digit) * sortPass.blocks;
}

@compute @workgroup_size(RADIX_GROUP)
fn radixCount(@builtin(global_invocation_id) gid: vec3u) {
  let block = gid.x;
  let segment = gid.y;
  if (block >= sortPass.blocks) {
    return;
  }
  var counts: array<u32, RADIX>;
  let base = segment * sortPass.stride;
  let end = min((block + 1u) * RADIX_BLOCK, sortPass.count);
  for (var i = block * RADIX_BLOCK; i < end; i++) {
    counts[digitOf(source[base + i])] += 1u;
  }
  for (var digit = 0u; digit < RADIX; digit++) {
    digitCounts[countsRow(segment, digit) + block] = counts[digit];
  }
}

var<workgroup> digitTotals: array<u32, RADIX>;

// One workgroup per segment, one invocation per digit.
@compute @workgroup_size(256)
fn radixScan(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) digit: u32) {
  let row = countsRow(wid.x, digit);
  var total = 0u;
  for (var block = 0u; block < sortPass.blocks; block++) {
    let count = digitCounts[row + block];
    digitCounts[row + block] = total;
    total += count;
  }
  digitTotals[digit] = total;
  workgroupBarrier();
  var start = 0u;
  for (var lower = 0u; lower < digit; lower++) {
    start += digitTotals[lower];
  }
  for (var block = 0u; block < sortPass.blocks; block++) {
    digitCounts[row + block] += start;
  }
}

@compute @workgroup_size(RADIX_GROUP)
fn radixScatter(@builtin(global_invocation_id) gid: vec3u) {
  let block = gid.x;
  let segment = gid.y;
  if (block >= sortPass.blocks) {
    return;
  }
  var next: array<u32, RADIX>;
  for (var digit = 0u; digit < RADIX; digit++) {
    next[digit] = digitCounts[countsRow(segment, digit) + block];
  }
  let base = segment * sortPass.stride;
  let end = min((block + 1u) * RADIX_BLOCK, sortPass.count);
  for (var i = block * RADIX_BLOCK; i < end; i++) {
    let entry = source[base + i];
    let digit = digitOf(entry);
    sorted[base + next[digit]] = entry;
    next[digit] += 1u;
  }
}
